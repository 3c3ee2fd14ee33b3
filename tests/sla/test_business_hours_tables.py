"""Dates a Russian support lead knows by heart, checked against the government's production calendars.

Expected values come from the decrees on transferred days off (No. 1314 of 10.08.2023 for 2024, No. 1335
of 04.10.2024 for 2025, No. 1466 of 24.09.2025 for 2026) and the production calendars built on them.
For 2027 the transfers are those `holidays` 0.109 ships (20 Feb worked for 22 Feb, 2 Jan -> 5 Nov,
3 Jan -> 31 Dec). So far `holidays` agrees with the official calendars on every day off and working
Saturday below; only the shortened pre-holiday days are ours.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from sla.business_hours import BusinessCalendar

MSK = ZoneInfo("Europe/Moscow")


def moscow(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0, micro: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, micro, tzinfo=MSK)


def d(year: int, month: int, *days: int) -> list[date]:
    return [date(year, month, day) for day in days]


OFFICE = BusinessCalendar()
SHORTENED = BusinessCalendar(shortened_days=True)
# An eight-hour day makes a year's working time the official annual norm for a 40-hour week.
EIGHT_HOURS = BusinessCalendar(week={day: ["09:00-17:00"] for day in range(5)}, shortened_days=True)

WEEKDAYS_OFF = {
    2023: d(2023, 1, 2, 3, 4, 5, 6)
    + d(2023, 2, 23, 24)
    + d(2023, 3, 8)
    + d(2023, 5, 1, 8, 9)
    + d(2023, 6, 12)
    + d(2023, 11, 6),
    2024: d(2024, 1, 1, 2, 3, 4, 5, 8)
    + d(2024, 2, 23)
    + d(2024, 3, 8)
    + d(2024, 4, 29, 30)
    + d(2024, 5, 1, 9, 10)
    + d(2024, 6, 12)
    + d(2024, 11, 4)
    + d(2024, 12, 30, 31),
    2025: d(2025, 1, 1, 2, 3, 6, 7, 8)
    + d(2025, 5, 1, 2, 8, 9)
    + d(2025, 6, 12, 13)
    + d(2025, 11, 3, 4)
    + d(2025, 12, 31),
    2026: d(2026, 1, 1, 2, 5, 6, 7, 8, 9)
    + d(2026, 2, 23)
    + d(2026, 3, 9)
    + d(2026, 5, 1, 11)
    + d(2026, 6, 12)
    + d(2026, 11, 4)
    + d(2026, 12, 31),
    2027: d(2027, 1, 1, 4, 5, 6, 7, 8)
    + d(2027, 2, 22, 23)
    + d(2027, 3, 8)
    + d(2027, 5, 3, 10)
    + d(2027, 6, 14)
    + d(2027, 11, 4, 5)
    + d(2027, 12, 31),
}
WORKING_WEEKEND_DAYS = {
    2023: [],
    2024: [date(2024, 4, 27), date(2024, 11, 2), date(2024, 12, 28)],
    2025: [date(2025, 11, 1)],
    2026: [],
    2027: [date(2027, 2, 20)],
}
# (working days, hours at 40 h/week) from the production calendars; 2027 is derived from its decree.
ANNUAL_NORMS = {2023: (247, 1973), 2024: (248, 1979), 2025: (247, 1972), 2026: (247, 1972), 2027: (247, 1972)}


@pytest.mark.parametrize("year", sorted(WEEKDAYS_OFF))
def test_days_off_and_working_weekend_days(year: int) -> None:
    days = [date(year, 1, 1) + timedelta(days=offset) for offset in range(366)]
    days = [day for day in days if day.year == year]

    weekdays_off = [day for day in days if day.weekday() < 5 and not OFFICE.intervals_on(day)]
    working_weekends = [day for day in days if day.weekday() >= 5 and OFFICE.intervals_on(day)]

    assert weekdays_off == WEEKDAYS_OFF[year]
    assert working_weekends == WORKING_WEEKEND_DAYS[year]


@pytest.mark.parametrize("year", sorted(ANNUAL_NORMS))
def test_annual_norm_of_working_days_and_hours(year: int) -> None:
    days, hours = ANNUAL_NORMS[year]
    new_year, next_new_year = moscow(year, 1, 1), moscow(year + 1, 1, 1)

    assert EIGHT_HOURS.working_time_between(new_year, next_new_year) == timedelta(hours=hours)
    assert OFFICE.working_time_between(new_year, next_new_year) == timedelta(hours=9 * days)


@pytest.mark.parametrize(
    ("calendar", "start", "duration", "expected"),
    [
        # New Year 2026: 31 Dec 2025 off (moved from 5 Jan), 1-8 Jan holidays, 9 Jan off (moved from 3 Jan).
        (OFFICE, moscow(2025, 12, 31, 16), timedelta(hours=4), moscow(2026, 1, 12, 13)),
        (OFFICE, moscow(2025, 12, 30, 16), timedelta(hours=4), moscow(2026, 1, 12, 11)),
        (SHORTENED, moscow(2025, 12, 30, 16), timedelta(hours=4), moscow(2026, 1, 12, 11)),  # 30 Dec is full
        # New Year 2025: Saturday 28 Dec 2024 worked in full for Monday 30 Dec; 30-31 Dec off.
        (OFFICE, moscow(2024, 12, 27, 17), timedelta(hours=2), moscow(2024, 12, 28, 10)),
        (SHORTENED, moscow(2024, 12, 28, 17), timedelta(hours=2), moscow(2025, 1, 9, 10)),
        # May 2024: Saturday 27 Apr worked in full; 28 Apr - 1 May off.
        (OFFICE, moscow(2024, 4, 26, 17), timedelta(hours=2), moscow(2024, 4, 27, 10)),
        (SHORTENED, moscow(2024, 4, 27, 17), timedelta(hours=2), moscow(2024, 5, 2, 10)),
        # Saturday 2 Nov 2024 worked for Tuesday 30 Apr, a pre-holiday day, so it is shortened.
        (OFFICE, moscow(2024, 11, 1, 17), timedelta(hours=2), moscow(2024, 11, 2, 10)),
        (OFFICE, moscow(2024, 11, 2, 16), timedelta(hours=2), moscow(2024, 11, 2, 18)),
        (SHORTENED, moscow(2024, 11, 2, 16), timedelta(hours=2), moscow(2024, 11, 5, 10)),
        # Saturday 1 Nov 2025 worked for Monday 3 Nov (shortened); 2-4 Nov off.
        (OFFICE, moscow(2025, 10, 31, 17), timedelta(hours=2), moscow(2025, 11, 1, 10)),
        (OFFICE, moscow(2025, 11, 1, 16, 30), timedelta(hours=1), moscow(2025, 11, 1, 17, 30)),
        (SHORTENED, moscow(2025, 11, 1, 16, 30), timedelta(minutes=30), moscow(2025, 11, 1, 17)),
        (SHORTENED, moscow(2025, 11, 1, 16, 30), timedelta(hours=1), moscow(2025, 11, 5, 9, 30)),
        # 2026: 9 Jan and 9 Mar (Women's Day on a Sunday) are off; 8 May is shortened, 11 May off.
        (OFFICE, moscow(2026, 1, 1), timedelta(0), moscow(2026, 1, 12, 9)),
        (OFFICE, moscow(2026, 3, 6, 17), timedelta(hours=2), moscow(2026, 3, 10, 10)),
        (SHORTENED, moscow(2026, 5, 8, 16), timedelta(hours=2), moscow(2026, 5, 12, 10)),
        # 2027: Saturday 20 Feb worked (shortened, for Monday 22 Feb); 21-23 Feb off.
        (OFFICE, moscow(2027, 2, 19, 17), timedelta(hours=2), moscow(2027, 2, 20, 10)),
        (SHORTENED, moscow(2027, 2, 20, 16), timedelta(hours=2), moscow(2027, 2, 24, 10)),
        # 2023: Friday 3 Nov shortened, 6 Nov off (Unity Day on a Saturday).
        (SHORTENED, moscow(2023, 11, 3, 16), timedelta(hours=2), moscow(2023, 11, 7, 10)),
    ],
)
def test_known_dates(
    calendar: BusinessCalendar, start: datetime, duration: timedelta, expected: datetime
) -> None:
    assert calendar.add_working_time(start, duration) == expected
    assert calendar.working_time_between(start, expected) == duration


@pytest.mark.parametrize(
    ("moment", "is_open"),
    [
        (moscow(2026, 1, 9, 12), False),
        (moscow(2026, 3, 9, 12), False),
        (moscow(2027, 2, 20, 12), True),
        (moscow(2027, 2, 22, 12), False),
        (moscow(2025, 11, 1, 12), True),
        (moscow(2024, 12, 28, 17, 30), True),
        (moscow(2025, 12, 31, 12), False),
        (moscow(2026, 12, 31, 12), False),
    ],
)
def test_open_or_closed_on_known_dates(moment: datetime, is_open: bool) -> None:
    assert OFFICE.is_working_time(moment) is is_open


def test_new_year_2026_non_working_run() -> None:
    assert OFFICE.non_working_days(date(2025, 12, 31), 12) == [date(2025, 12, 31)] + d(2026, 1, *range(1, 12))


@pytest.mark.parametrize(
    ("day", "hours"),
    [
        (date(2023, 2, 22), (9, 17)),
        (date(2024, 4, 27), (9, 18)),
        (date(2024, 5, 8), (9, 17)),
        (date(2024, 11, 2), (9, 17)),
        (date(2024, 12, 28), (9, 18)),
        (date(2025, 4, 30), (9, 17)),
        (date(2025, 11, 1), (9, 17)),
        (date(2026, 11, 3), (9, 17)),
        (date(2026, 12, 30), (9, 18)),
        (date(2027, 2, 20), (9, 17)),
        (date(2027, 12, 30), (9, 18)),
    ],
)
def test_shortened_pre_holiday_days(day: date, hours: tuple[int, int]) -> None:
    opening, closing = hours
    expected = [
        (
            datetime(day.year, day.month, day.day, opening, tzinfo=MSK),
            datetime(day.year, day.month, day.day, closing, tzinfo=MSK),
        )
    ]

    assert SHORTENED.intervals_on(day) == expected
