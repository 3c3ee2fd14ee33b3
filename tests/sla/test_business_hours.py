"""BusinessCalendar: semantics, validation and property tests against a minute-by-minute oracle.

The oracle does not use the engine: it lays out every minute from 2023 to early 2028 as open or closed,
straight from the weekly hours, the `holidays` working-day API and the published shortened-day list, and
answers by walking those minutes one at a time.
"""

from __future__ import annotations

import ast
import logging
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sla.business_hours import SHORTENED_DAYS, SHORTENED_DAYS_COVERED_YEARS, BusinessCalendar

MSK = ZoneInfo("Europe/Moscow")
BERLIN = ZoneInfo("Europe/Berlin")
REPO_ROOT = Path(__file__).resolve().parents[2]

WEEKDAYS_9_18 = {day: ["09:00-18:00"] for day in range(5)}


# --- the oracle -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Spec:
    name: str
    week: dict[int, list[str]]
    country: str | None = "RU"
    open_on_holidays: bool = False
    shortened_days: bool = False

    def calendar(self) -> BusinessCalendar:
        return BusinessCalendar(
            tz="Europe/Moscow",
            week=self.week,
            country=self.country,
            open_on_holidays=self.open_on_holidays,
            shortened_days=self.shortened_days,
        )


SPECS = [
    Spec("moscow_office", WEEKDAYS_9_18),
    Spec("lunch_break", {day: ["09:00-13:00", "14:00-18:00"] for day in range(5)}),
    Spec("around_the_clock", {day: ["00:00-24:00"] for day in range(7)}, country=None),
    Spec(
        "umi_open_on_holidays",
        {day: ["09:00-18:00"] if day < 5 else ["10:00-18:00"] for day in range(7)},
        open_on_holidays=True,
    ),
    Spec("moscow_shortened", WEEKDAYS_9_18, shortened_days=True),
]

ORACLE_START = datetime(2023, 1, 1, tzinfo=MSK)
ORACLE_DAYS = (date(2028, 3, 1) - date(2023, 1, 1)).days
LAST_START_MINUTE = (date(2028, 1, 1) - date(2023, 1, 1)).days * 1440 - 1
MAX_DURATION_MINUTES = 4 * 1440


def _minutes(spec: str) -> tuple[int, int]:
    start, end = spec.split("-")
    return tuple(int(part[:2]) * 60 + int(part[3:]) for part in (start, end))  # type: ignore[return-value]


def oracle_day(spec: Spec, day: date, ru: holidays.HolidayBase) -> list[tuple[int, int]]:
    """Working minutes of one local day, from first principles."""
    hours = [_minutes(interval) for interval in spec.week.get(day.weekday(), [])]
    if spec.country is None or spec.open_on_holidays:
        return hours
    if ru.is_working_day(day):
        if day.weekday() >= 5:  # a transferred working Saturday works Monday's hours
            hours = [_minutes(interval) for interval in spec.week[0]]
        if spec.shortened_days and day in SHORTENED_DAYS and hours:
            start, end = hours[-1]
            hours[-1] = (start, end - 60)
        return hours
    if day.weekday() < 5 or day in ru:
        return []
    return hours


class MinuteOracle:
    def __init__(self, spec: Spec) -> None:
        ru = holidays.country_holidays("RU", years=range(2022, 2030))
        self.open = bytearray(ORACLE_DAYS * 1440)
        for offset in range(ORACLE_DAYS):
            day = date(2023, 1, 1) + timedelta(days=offset)
            for start, end in oracle_day(spec, day, ru):
                self.open[offset * 1440 + start : offset * 1440 + end] = b"\x01" * (end - start)

    def add(self, minute: int, duration: int) -> int:
        while not self.open[minute]:  # zero or not, counting starts at the next open minute
            minute += 1
        while duration:
            duration -= self.open[minute]
            minute += 1
        return minute

    def between(self, a: int, b: int) -> int:
        return self.open[a:b].count(1)

    def is_open(self, minute: int) -> bool:
        return bool(self.open[minute])


@cache
def oracle(name: str) -> MinuteOracle:
    return MinuteOracle(next(spec for spec in SPECS if spec.name == name))


@cache
def engine(name: str) -> BusinessCalendar:
    return next(spec for spec in SPECS if spec.name == name).calendar()


def at_minute(minute: int) -> datetime:
    return ORACLE_START + timedelta(minutes=minute)


# Minutes near the openings and closings of the calendars above, where off-by-one errors live.
_EDGES = [
    0,
    1,
    539,
    540,
    541,
    599,
    600,
    779,
    780,
    781,
    839,
    840,
    959,
    960,
    1019,
    1020,
    1021,
    1079,
    1080,
    1081,
]
start_minutes = st.one_of(
    st.integers(0, LAST_START_MINUTE),
    st.builds(
        lambda day, edge: day * 1440 + edge,
        st.integers(0, LAST_START_MINUTE // 1440),
        st.sampled_from(_EDGES),
    ),
)
durations = st.one_of(
    st.integers(0, MAX_DURATION_MINUTES),
    st.sampled_from([0, 1, 60, 240, 480, 540, 1440]),
)
input_zones = st.sampled_from(
    [
        MSK,
        UTC,
        ZoneInfo("Asia/Vladivostok"),
        ZoneInfo("America/New_York"),
        timezone(timedelta(hours=-2)),
    ]
)
spec_names = pytest.mark.parametrize("name", [spec.name for spec in SPECS])
property_settings = settings(max_examples=150, deadline=None, database=None)


@spec_names
@property_settings
@given(minute=start_minutes, duration=durations, zone=input_zones)
def test_add_working_time_matches_oracle(name: str, minute: int, duration: int, zone: timezone) -> None:
    start = at_minute(minute).astimezone(zone)

    result = engine(name).add_working_time(start, timedelta(minutes=duration))

    assert result == at_minute(oracle(name).add(minute, duration))
    assert result.tzinfo is MSK


@spec_names
@property_settings
@given(first=start_minutes, second=start_minutes, zone=input_zones)
def test_working_time_between_matches_oracle(name: str, first: int, second: int, zone: timezone) -> None:
    a, b = sorted((first, second))

    between = engine(name).working_time_between(at_minute(a).astimezone(zone), at_minute(b))

    assert between == timedelta(minutes=oracle(name).between(a, b))


@spec_names
@property_settings
@given(minute=start_minutes, seconds=st.integers(0, 59))
def test_is_working_time_matches_oracle(name: str, minute: int, seconds: int) -> None:
    moment = at_minute(minute) + timedelta(seconds=seconds)

    assert engine(name).is_working_time(moment) is oracle(name).is_open(minute)


@spec_names
@property_settings
@given(
    minute=start_minutes,
    start_micro=st.integers(0, 59_999_999),
    duration_micro=st.integers(0, MAX_DURATION_MINUTES * 60_000_000),
)
def test_between_undoes_add(name: str, minute: int, start_micro: int, duration_micro: int) -> None:
    calendar = engine(name)
    start = at_minute(minute) + timedelta(microseconds=start_micro)
    duration = timedelta(microseconds=duration_micro)

    end = calendar.add_working_time(start, duration)

    assert calendar.working_time_between(start, end) == duration
    assert end >= start


class UtcMinuteOracle:
    """Open minutes of a weekday 09:00-18:00 office in a DST zone, decided minute by minute in UTC."""

    def __init__(self, zone: ZoneInfo, first: datetime, days: int) -> None:
        self.first = first
        self.open = bytearray(days * 1440)
        for minute in range(days * 1440):
            local = (first + timedelta(minutes=minute)).astimezone(zone)
            self.open[minute] = local.weekday() < 5 and 9 <= local.hour < 18

    def add(self, minute: int, duration: int) -> int:
        while not self.open[minute]:
            minute += 1
        while duration:
            duration -= self.open[minute]
            minute += 1
        return minute


NEW_YORK = ZoneInfo("America/New_York")
NEW_YORK_FIRST = datetime(2024, 1, 1, tzinfo=UTC)


@cache
def new_york_oracle() -> UtcMinuteOracle:
    # Starts go up to day 720; the table must also hold the longest duration after the last start
    # (4 days of working minutes span about 6 calendar days, more across a weekend).
    return UtcMinuteOracle(NEW_YORK, NEW_YORK_FIRST, 2 * 366 + 30)


@cache
def new_york_office() -> BusinessCalendar:
    return BusinessCalendar(tz=NEW_YORK, week=WEEKDAYS_9_18, country=None)


@settings(max_examples=150, deadline=None, database=None)
@given(minute=st.integers(0, 720 * 1440), duration=durations)
def test_dst_zone_office_matches_utc_minute_oracle(minute: int, duration: int) -> None:
    start = NEW_YORK_FIRST + timedelta(minutes=minute)

    result = new_york_office().add_working_time(start, timedelta(minutes=duration))

    assert result == NEW_YORK_FIRST + timedelta(minutes=new_york_oracle().add(minute, duration))
    assert result.tzinfo is NEW_YORK


# --- semantics, one case each ---------------------------------------------------------------------------


def moscow(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0, micro: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, micro, tzinfo=MSK)


@pytest.fixture(scope="module")
def office() -> BusinessCalendar:
    return BusinessCalendar()


def test_four_hours_from_sixteen_ends_at_eleven_next_working_day(office: BusinessCalendar) -> None:
    assert office.add_working_time(moscow(2025, 3, 4, 16), timedelta(hours=4)) == moscow(2025, 3, 5, 11)


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        (moscow(2025, 3, 4, 3, 15), moscow(2025, 3, 4, 10)),  # night
        (moscow(2025, 3, 4, 18, 0), moscow(2025, 3, 5, 10)),  # exactly at closing
        (moscow(2025, 3, 8, 12, 0), moscow(2025, 3, 10, 10)),  # Saturday
    ],
)
def test_start_outside_hours_counts_from_next_opening(
    office: BusinessCalendar, start: datetime, expected: datetime
) -> None:
    assert office.add_working_time(start, timedelta(hours=1)) == expected


def test_duration_ending_at_closing_returns_closing(office: BusinessCalendar) -> None:
    assert office.add_working_time(moscow(2025, 3, 7, 16), timedelta(hours=2)) == moscow(2025, 3, 7, 18)
    friday_closing = office.add_working_time(
        moscow(2025, 3, 7, 17, 59, 59, 999_999), timedelta(microseconds=1)
    )
    assert friday_closing == moscow(2025, 3, 7, 18)


def test_zero_duration_returns_next_working_moment(office: BusinessCalendar) -> None:
    inside = moscow(2025, 3, 4, 12, 30, 15, 250)
    assert office.add_working_time(inside, timedelta(0)) == inside
    assert office.add_working_time(moscow(2025, 3, 4, 18), timedelta(0)) == moscow(2025, 3, 5, 9)
    assert office.add_working_time(moscow(2025, 3, 8, 1), timedelta(0)) == moscow(2025, 3, 10, 9)


def test_lunch_break_is_skipped_and_its_start_is_a_closing() -> None:
    calendar = BusinessCalendar(week={day: ["09:00-13:00", "14:00-18:00"] for day in range(5)})

    assert calendar.add_working_time(moscow(2025, 3, 4, 12), timedelta(hours=2)) == moscow(2025, 3, 4, 15)
    assert calendar.add_working_time(moscow(2025, 3, 4, 12), timedelta(hours=1)) == moscow(2025, 3, 4, 13)
    assert not calendar.is_working_time(moscow(2025, 3, 4, 13, 30))
    assert calendar.working_time_between(moscow(2025, 3, 4, 9), moscow(2025, 3, 5, 9)) == timedelta(hours=8)


def test_around_the_clock_merges_days_and_years() -> None:
    calendar = BusinessCalendar(week={day: ["00:00-24:00"] for day in range(7)}, country=None)

    assert calendar.add_working_time(moscow(2025, 3, 4, 16), timedelta(days=3)) == moscow(2025, 3, 7, 16)
    assert calendar.add_working_time(moscow(2025, 12, 30, 7), timedelta(days=40)) == moscow(2026, 2, 8, 7)
    assert calendar.add_working_time(moscow(2025, 3, 4), timedelta(days=1)) == moscow(2025, 3, 5)
    assert calendar.working_time_between(moscow(2024, 12, 31, 12), moscow(2025, 1, 1, 12)) == timedelta(
        days=1
    )


def test_open_on_holidays_follows_the_week_every_day() -> None:
    umi = BusinessCalendar(
        week={day: ["09:00-18:00"] if day < 5 else ["10:00-18:00"] for day in range(7)}, open_on_holidays=True
    )

    assert umi.is_working_time(moscow(2026, 1, 1, 9, 30))  # Thursday, a public holiday
    assert not umi.is_working_time(moscow(2026, 1, 3, 9, 30))  # Saturday opens at 10
    assert umi.add_working_time(moscow(2025, 12, 31, 17), timedelta(hours=3)) == moscow(2026, 1, 1, 11)
    assert umi.add_working_time(moscow(2026, 1, 2, 17), timedelta(hours=2)) == moscow(2026, 1, 3, 11)


def test_working_saturday_works_regular_weekday_hours(office: BusinessCalendar) -> None:
    assert office.intervals_on(date(2025, 11, 1)) == [(moscow(2025, 11, 1, 9), moscow(2025, 11, 1, 18))]
    assert office.add_working_time(moscow(2025, 10, 31, 17), timedelta(hours=2)) == moscow(2025, 11, 1, 10)


def test_working_saturday_takes_mondays_hours_when_weekdays_differ() -> None:
    calendar = BusinessCalendar(week={0: ["10:00-19:00"], 1: ["09:00-18:00"], 4: ["09:00-16:00"]})

    assert calendar.intervals_on(date(2025, 11, 1)) == [(moscow(2025, 11, 1, 10), moscow(2025, 11, 1, 19))]


def test_weekend_hours_of_the_office_survive_ordinary_weekends_but_not_holidays() -> None:
    shop = BusinessCalendar(week={day: ["10:00-18:00"] for day in range(7)})

    assert shop.is_working_time(moscow(2025, 3, 9, 12))  # an ordinary Sunday
    assert not shop.is_working_time(moscow(2026, 3, 8, 12))  # Women's Day on a Sunday
    assert not shop.is_working_time(moscow(2026, 3, 9, 12))  # ...moved to Monday


@pytest.mark.parametrize(
    "zone",
    [UTC, ZoneInfo("Asia/Tokyo"), ZoneInfo("America/Los_Angeles"), timezone(timedelta(hours=5))],
)
def test_any_aware_input_zone_gives_result_in_calendar_zone(office: BusinessCalendar, zone: timezone) -> None:
    start = moscow(2025, 3, 4, 16).astimezone(zone)

    result = office.add_working_time(start, timedelta(hours=4))

    assert result == moscow(2025, 3, 5, 11)
    assert result.tzinfo is MSK
    assert result.utcoffset() == timedelta(hours=3)


def test_naive_datetimes_are_refused(office: BusinessCalendar) -> None:
    naive = datetime(2025, 3, 4, 12)
    with pytest.raises(ValueError, match="timezone-aware"):
        office.add_working_time(naive, timedelta(hours=1))
    with pytest.raises(ValueError, match="timezone-aware"):
        office.working_time_between(naive, moscow(2025, 3, 5))
    with pytest.raises(ValueError, match="timezone-aware"):
        office.is_working_time(naive)


def test_negative_duration_and_reversed_span_are_refused(office: BusinessCalendar) -> None:
    with pytest.raises(ValueError, match="negative"):
        office.add_working_time(moscow(2025, 3, 4, 12), timedelta(seconds=-1))
    with pytest.raises(ValueError, match="before"):
        office.working_time_between(moscow(2025, 3, 5), moscow(2025, 3, 4))


def test_durations_of_weeks(office: BusinessCalendar) -> None:
    # 20 working days of July 2025 without holidays: the fourth Friday's closing.
    assert office.add_working_time(moscow(2025, 7, 7, 9), timedelta(hours=180)) == moscow(2025, 8, 1, 18)
    assert office.add_working_time(moscow(2025, 7, 7, 9), timedelta(weeks=8)) == moscow(2026, 2, 12, 12)


def test_spans_across_year_boundary(office: BusinessCalendar) -> None:
    start = moscow(2024, 12, 28, 17)  # the last, working, Saturday of 2024
    assert office.add_working_time(start, timedelta(hours=2)) == moscow(2025, 1, 9, 10)
    assert office.working_time_between(start, moscow(2025, 1, 9, 10)) == timedelta(hours=2)


def test_microseconds_are_kept(office: BusinessCalendar) -> None:
    start = moscow(2025, 3, 4, 17, 30, 0, 400_000)

    end = office.add_working_time(start, timedelta(minutes=30, microseconds=700_000))

    assert end == moscow(2025, 3, 5, 9, 0, 1, 100_000)
    assert office.working_time_between(start, end) == timedelta(minutes=30, microseconds=700_000)


def test_queries_before_the_built_years_extend_the_grid() -> None:
    calendar = BusinessCalendar()
    assert calendar.add_working_time(moscow(2027, 3, 1, 9), timedelta(hours=1)) == moscow(2027, 3, 1, 10)
    assert calendar.add_working_time(moscow(2023, 3, 1, 9), timedelta(hours=1)) == moscow(2023, 3, 1, 10)
    assert calendar.working_time_between(moscow(2023, 3, 1, 9), moscow(2027, 3, 1, 9)) > timedelta(hours=7000)


def test_concurrent_first_queries_agree_with_sequential_ones() -> None:
    starts = [moscow(year, month, 15, 16) for year in range(2023, 2028) for month in (1, 6, 12)]
    expected = [BusinessCalendar().add_working_time(start, timedelta(hours=30)) for start in starts]
    shared = BusinessCalendar()

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda start: shared.add_working_time(start, timedelta(hours=30)), starts))

    assert results == expected


def test_overrides_open_and_close_single_dates() -> None:
    calendar = BusinessCalendar(overrides={date(2025, 3, 4): [], date(2025, 3, 9): ["12:00-14:00"]})

    assert calendar.add_working_time(moscow(2025, 3, 3, 17), timedelta(hours=2)) == moscow(2025, 3, 5, 10)
    assert calendar.add_working_time(moscow(2025, 3, 8, 17), timedelta(hours=3)) == moscow(2025, 3, 10, 10)


def test_daylight_saving_days_have_their_real_length() -> None:
    around = BusinessCalendar(
        tz="Europe/Berlin", week={day: ["00:00-24:00"] for day in range(7)}, country=None
    )
    office = BusinessCalendar(tz="Europe/Berlin", week=WEEKDAYS_9_18, country=None)

    spring = datetime(2024, 3, 31, tzinfo=BERLIN)
    assert around.add_working_time(spring, timedelta(hours=24)) == datetime(2024, 4, 1, 1, tzinfo=BERLIN)
    autumn = datetime(2024, 10, 27, tzinfo=BERLIN)
    assert around.working_time_between(autumn, datetime(2024, 10, 28, tzinfo=BERLIN)) == timedelta(hours=25)
    friday = datetime(2024, 3, 29, 17, tzinfo=BERLIN)
    assert office.add_working_time(friday, timedelta(hours=2)) == datetime(2024, 4, 1, 10, tzinfo=BERLIN)


def test_covered_years_and_shortened_days_data() -> None:
    assert BusinessCalendar().covered_years == SHORTENED_DAYS_COVERED_YEARS == frozenset(range(2023, 2028))
    assert BusinessCalendar(country=None).covered_years == frozenset()
    assert {day.year for day in SHORTENED_DAYS} == set(SHORTENED_DAYS_COVERED_YEARS)


def test_uncovered_year_is_reported_once(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="sla.business_hours")

    for _ in range(2):
        BusinessCalendar(shortened_days=True).is_working_time(moscow(2041, 3, 1, 12))

    warnings = [record for record in caplog.records if "2041" in record.getMessage()]
    assert len(warnings) == 1


def test_admin_helpers(office: BusinessCalendar) -> None:
    assert office.non_working_days(date(2025, 12, 27), 5) == [
        date(2025, 12, 27),
        date(2025, 12, 28),
        date(2025, 12, 31),
        date(2026, 1, 1),
        date(2026, 1, 2),
    ]
    assert office.non_working_days(date(2025, 1, 1), 0) == []
    assert office.intervals_on(date(2025, 12, 31)) == []
    lunch = BusinessCalendar(week={0: ["14:00-18:00", "09:00-13:00"]})
    assert lunch.intervals_on(date(2025, 3, 3)) == [
        (moscow(2025, 3, 3, 9), moscow(2025, 3, 3, 13)),
        (moscow(2025, 3, 3, 14), moscow(2025, 3, 3, 18)),
    ]


# --- validation -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"week": {0: ["9-18"]}}, "bad interval '9-18'"),
        ({"week": {0: ["09:00-25:00"]}}, "bad time"),
        ({"week": {0: ["09:60-10:00"]}}, "bad time"),
        ({"week": {0: ["24:30-24:45"]}}, "bad time"),
        ({"week": {0: ["18:00-09:00"]}}, "ends before it starts"),
        ({"week": {0: ["10:00-10:00"]}}, "ends before it starts"),
        ({"week": {0: ["09:00-13:00", "12:00-18:00"]}}, "overlap"),
        ({"week": {0: "09:00-18:00"}}, "list of 'HH:MM-HH:MM'"),
        ({"week": {0: [900]}}, "bad interval 900"),
        ({"week": {7: ["09:00-18:00"]}}, "weekday must be an integer 0"),
        ({"week": {-1: ["09:00-18:00"]}}, "weekday must be an integer 0"),
        ({"week": {"mon": ["09:00-18:00"]}}, "weekday must be an integer 0"),
        ({"week": {}}, "no working hours"),
        ({"country": "XX"}, "unknown country 'XX'"),
        ({"tz": "Mars/Olympus"}, "unknown time zone"),
        ({"country": None, "shortened_days": True}, "shortened_days needs country='RU'"),
        ({"overrides": {datetime(2025, 1, 1): []}}, "keys must be datetime.date"),
        ({"overrides": {date(2025, 1, 1): ["8:00-7:00"]}}, r"overrides\[2025-01-01\]"),
    ],
)
def test_bad_configuration_is_refused_with_a_clear_message(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        BusinessCalendar(**kwargs)  # type: ignore[arg-type]


def test_touching_intervals_and_24_00_are_accepted() -> None:
    calendar = BusinessCalendar(week={0: ["09:00-13:00", "13:00-18:00"], 6: ["20:00-24:00"]})

    assert calendar.intervals_on(date(2025, 3, 3)) == [(moscow(2025, 3, 3, 9), moscow(2025, 3, 3, 18))]
    assert calendar.intervals_on(date(2025, 3, 9)) == [(moscow(2025, 3, 9, 20), moscow(2025, 3, 10))]


# --- no Django in the engine ----------------------------------------------------------------------------


def test_engine_imports_nothing_from_django() -> None:
    check = "import sys, sla.business_hours; sys.exit('django' in sys.modules)"
    completed = subprocess.run([sys.executable, "-c", check], cwd=REPO_ROOT, capture_output=True, text=True)
    assert completed.returncode == 0, completed.stderr


def test_engine_imports_only_the_standard_library_and_holidays() -> None:
    tree = ast.parse((REPO_ROOT / "sla" / "business_hours.py").read_text(encoding="utf-8"))
    imported = {
        alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    }
    imported |= {
        node.module.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module
    }

    assert imported - set(sys.stdlib_module_names) == {"holidays"}
