"""Working-time arithmetic over an office's business hours and the Russian production calendar.

`BusinessCalendar` answers "when do N working hours run out", "how much working time lies between two
moments" and "is the office open now". It is pure Python (standard library plus `holidays`) and knows
nothing about Django: the SLA services pass the clock in.

How it stays fast: every local day is turned once into working intervals in UTC epoch seconds; the days
of the years asked about are flattened into sorted arrays of interval starts and ends with the working
seconds accumulated before each interval. A query is then one bisect to place the start, arithmetic on
the cumulative sums and, for `add_working_time`, one bisect to find where the duration runs out. Years
are built lazily and cached per calendar; the arrays grow when a query falls outside them.
"""

from __future__ import annotations

import logging
import re
import threading
from bisect import bisect_left, bisect_right
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

logger = logging.getLogger(__name__)

Interval = tuple[int, int]
"""Seconds since local midnight: (start, end), end up to 86 400 ("24:00")."""

DEFAULT_WEEK: Mapping[int, Sequence[str]] = dict.fromkeys(range(5), ("09:00-18:00",))

# Pre-holiday days shortened by one hour (Labour Code art. 95) as the government's production calendar
# lists them; `holidays` does not carry them. A transferred working Saturday is shortened when the weekday
# whose work it takes over was itself pre-holiday: 2 Nov 2024 (for Tue 30 Apr), 1 Nov 2025 (for Mon 3 Nov)
# and 20 Feb 2027 (for Mon 22 Feb) are; 27 Apr and 28 Dec 2024 are full days. A working day before a
# transferred day off (30 Dec 2025, 30 Dec 2026) is not pre-holiday. Cross-check with the annual norms at
# 40 h/week: 1973 h (2023), 1979 h (2024), 1972 h (2025, 2026).
_SHORTENED_BY_YEAR: Mapping[int, tuple[tuple[int, int], ...]] = {
    2023: ((2, 22), (3, 7), (11, 3)),
    2024: ((2, 22), (3, 7), (5, 8), (6, 11), (11, 2)),
    2025: ((3, 7), (4, 30), (6, 11), (11, 1)),
    2026: ((4, 30), (5, 8), (6, 11), (11, 3)),
    2027: ((2, 20), (4, 30), (6, 11), (11, 3)),
}
SHORTENED_DAYS: frozenset[date] = frozenset(
    date(year, month, day) for year, days in _SHORTENED_BY_YEAR.items() for month, day in days
)
SHORTENED_DAYS_COVERED_YEARS: frozenset[int] = frozenset(_SHORTENED_BY_YEAR)

_SHORTENED_COUNTRY = "RU"
_SHORTENING = 3600
_DAY = 86_400
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# Below 2**32 s (year 2106) a float timestamp still resolves microseconds exactly.
_FLOAT_EXACT_LIMIT = 2**32
_INTERVAL_RE = re.compile(r"^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")

_warned_years: set[int] = set()
_warned_lock = threading.Lock()


class BusinessCalendar:
    """Working hours of one office: a weekly schedule, a country's days off and per-date overrides.

    A transferred working weekend day (e.g. Saturday 1 Nov 2025 in Russia) works the hours of the first
    weekday of `week` that has hours, i.e. Monday's for a Mon–Fri office: the decrees move a Monday's work
    in all transfers of 2023–2027 but one (2 Nov 2024 took Tuesday's), and Mon–Fri offices usually keep
    one schedule. An override for the date wins over everything else.
    """

    def __init__(
        self,
        *,
        tz: str | tzinfo = "Europe/Moscow",
        week: Mapping[int, Sequence[str]] = DEFAULT_WEEK,
        country: str | None = "RU",
        open_on_holidays: bool = False,
        shortened_days: bool = False,
        overrides: Mapping[date, Sequence[str]] | None = None,
    ) -> None:
        self._tz = _zone(tz)
        self._week = _parse_week(week)
        self._country = country.upper() if country else None
        self._open_on_holidays = open_on_holidays
        if shortened_days and self._country != _SHORTENED_COUNTRY:
            raise ValueError(
                f"shortened_days needs country={_SHORTENED_COUNTRY!r}: only its list is built in"
            )
        self._shortened = shortened_days and not open_on_holidays
        self._overrides = _parse_overrides(overrides or {})
        self._holidays = None if open_on_holidays else _country_holidays(self._country)
        self._workday_hours = self._first_weekday_hours()
        self._lock = threading.RLock()  # re-entered: the admin helpers read `holidays`, which fills lazily
        self._year_cache: dict[int, list[Interval]] = {}
        # (starts, ends, cumulative before start, cumulative at end, range start, range end, first, last year)
        self._grid: _Grid = _EMPTY_GRID

    def __repr__(self) -> str:
        return (
            f"BusinessCalendar(tz={str(self._tz)!r}, country={self._country!r}, "
            f"open_on_holidays={self._open_on_holidays}, shortened_days={self._shortened})"
        )

    @property
    def tz(self) -> tzinfo:
        return self._tz

    @property
    def covered_years(self) -> frozenset[int]:
        """Years whose pre-holiday shortened days are built in (none unless the country is Russia)."""
        return SHORTENED_DAYS_COVERED_YEARS if self._country == _SHORTENED_COUNTRY else frozenset()

    # --- queries: the hot path, kept flat on purpose ----------------------------------------------------

    def add_working_time(self, start: datetime, duration: timedelta) -> datetime:
        """The earliest moment by which `duration` of working time has passed since `start`.

        A start outside working hours counts from the next opening; a duration that runs out exactly at
        closing time returns the closing moment; a zero duration returns the next working moment (the
        start itself when open). The result is in the calendar's zone.
        """
        if start.tzinfo is None:
            raise ValueError(f"start must be timezone-aware, got naive {start!r}")
        dur_seconds = duration.days * _DAY + duration.seconds
        if dur_seconds < 0:
            raise ValueError(f"duration must not be negative, got {duration!r}")
        dur_micro = duration.microseconds
        is_zero = not dur_seconds and not dur_micro
        since_epoch = start - _EPOCH
        second = since_epoch.days * _DAY + since_epoch.seconds
        while True:
            starts, ends, cum, cend, lo, hi, _, _ = grid = self._grid
            if not lo <= second < hi:
                self._cover(second)
                continue
            i = bisect_right(starts, second) - 1
            if i >= 0 and second < ends[i]:
                if is_zero:
                    return start.astimezone(self._tz)
                position = cum[i] + second - starts[i]
                micro = since_epoch.microseconds + dur_micro
            else:  # closed: count from the next opening, dropping the start's fraction of a second
                i += 1
                if i == len(starts):
                    self._extend_after(grid)
                    continue
                if is_zero:
                    return datetime.fromtimestamp(starts[i], self._tz)
                position = cum[i]
                micro = dur_micro
            if micro >= 1_000_000:
                position += 1
                micro -= 1_000_000
            target = position + dur_seconds
            if target > cend[-1] or (micro and target == cend[-1]):
                self._extend_after(grid)
                continue
            # The first interval whose cumulative end reaches the target; bisect_left makes a target equal
            # to a closing time land on that closing, not on the next opening.
            j = bisect_right(cend, target) if micro else bisect_left(cend, target)
            return _to_datetime(ends[j] - cend[j] + target, micro, self._tz)

    def working_time_between(self, a: datetime, b: datetime) -> timedelta:
        """Working time in [a, b); raises ValueError when b is before a."""
        if a.tzinfo is None or b.tzinfo is None:
            raise ValueError(f"a and b must be timezone-aware, got {a!r} and {b!r}")
        if b < a:
            raise ValueError(f"b ({b.isoformat()}) is before a ({a.isoformat()})")
        since_a, since_b = a - _EPOCH, b - _EPOCH
        second_a = since_a.days * _DAY + since_a.seconds
        second_b = since_b.days * _DAY + since_b.seconds
        while True:
            starts, ends, cum, cend, lo, hi, _, _ = self._grid
            if not lo <= second_a:
                self._cover(second_a)
            elif not second_b < hi:
                self._cover(second_b)
            else:
                break
        i = bisect_right(starts, second_a) - 1
        if i >= 0 and second_a < ends[i]:
            pos_a, micro_a = cum[i] + second_a - starts[i], since_a.microseconds
        else:
            pos_a, micro_a = (cend[i] if i >= 0 else 0), 0
        j = bisect_right(starts, second_b) - 1
        if j >= 0 and second_b < ends[j]:
            pos_b, micro_b = cum[j] + second_b - starts[j], since_b.microseconds
        else:
            pos_b, micro_b = (cend[j] if j >= 0 else 0), 0
        return timedelta(seconds=pos_b - pos_a, microseconds=micro_b - micro_a)

    def is_working_time(self, moment: datetime) -> bool:
        if moment.tzinfo is None:
            raise ValueError(f"moment must be timezone-aware, got naive {moment!r}")
        since_epoch = moment - _EPOCH
        second = since_epoch.days * _DAY + since_epoch.seconds
        starts, ends, _, _, lo, hi, _, _ = self._grid
        if not lo <= second < hi:
            self._cover(second)
            starts, ends = self._grid[0], self._grid[1]
        # Interval bounds are whole seconds, so the floored second decides membership exactly.
        i = bisect_right(starts, second) - 1
        return i >= 0 and second < ends[i]

    # --- admin helpers --------------------------------------------------------------------------------

    def intervals_on(self, day: date) -> list[tuple[datetime, datetime]]:
        """Working intervals of a local date as aware datetimes in the calendar's zone."""
        with self._lock:
            bounds = self._epoch_intervals(day)
        return [
            (datetime.fromtimestamp(start, self._tz), datetime.fromtimestamp(end, self._tz))
            for start, end in bounds
        ]

    def non_working_days(self, start: date, count: int) -> list[date]:
        """The first `count` dates from `start` (inclusive) without working hours, looking ten years ahead."""
        if count < 0:
            raise ValueError(f"count must not be negative, got {count}")
        found: list[date] = []
        day = start
        horizon = start + timedelta(days=3660)
        with self._lock:
            while len(found) < count and day < horizon:
                if not self._day_intervals(day):
                    found.append(day)
                day += timedelta(days=1)
        return found

    # --- building the grid (slow path, under a lock) ------------------------------------------------------

    def _cover(self, second: int) -> None:
        year = datetime.fromtimestamp(second, self._tz).year
        with self._lock:
            _, _, _, _, _, _, first, last = self._grid
            if first is None or last is None:
                self._build(year, year)
            else:
                self._build(min(first, year), max(last, year))

    def _extend_after(self, seen: _Grid) -> None:
        with self._lock:
            if self._grid is seen:  # another thread may have extended it already
                first, last = seen[6], seen[7]
                if first is None or last is None:
                    raise RuntimeError("the grid is extended only after it was built")
                if last >= date.max.year - 1:
                    raise OverflowError("working time runs past the last representable year")
                self._build(first, last + 1)

    def _build(self, first: int, last: int) -> None:
        merged: list[list[int]] = []
        for year in range(first, last + 1):
            for start, end in self._year_intervals(year):
                if merged and start <= merged[-1][1]:  # touching across midnight: one interval
                    merged[-1][1] = max(merged[-1][1], end)
                else:
                    merged.append([start, end])
        starts = [start for start, _ in merged]
        ends = [end for _, end in merged]
        cum: list[int] = []
        cend: list[int] = []
        total = 0
        for start, end in merged:
            cum.append(total)
            total += end - start
            cend.append(total)
        lo = _local_epoch(date(first, 1, 1), 0, self._tz)
        hi = _local_epoch(date(last, 12, 31), _DAY, self._tz)
        self._grid = (starts, ends, cum, cend, lo, hi, first, last)

    def _year_intervals(self, year: int) -> list[Interval]:
        cached = self._year_cache.get(year)
        if cached is None:
            self._warn_if_uncovered(year)
            cached = []
            day = date(year, 1, 1)
            while day.year == year:
                cached.extend(self._epoch_intervals(day))
                day += timedelta(days=1)
            self._year_cache[year] = cached
        return cached

    def _epoch_intervals(self, day: date) -> list[Interval]:
        # Wall-clock bounds go through zoneinfo one by one, so a DST day has 23 or 25 hours; bounds that
        # fall into a DST gap can come out reversed or overlapping, hence the sort-and-merge.
        pairs = sorted(
            (_local_epoch(day, start, self._tz), _local_epoch(day, end, self._tz))
            for start, end in self._day_intervals(day)
        )
        result: list[Interval] = []
        for start, end in pairs:
            if end <= start:
                continue
            if result and start <= result[-1][1]:
                result[-1] = (result[-1][0], max(result[-1][1], end))
            else:
                result.append((start, end))
        return result

    def _day_intervals(self, day: date) -> tuple[Interval, ...]:
        override = self._overrides.get(day)
        if override is not None:
            return override
        intervals = self._week[day.weekday()]
        calendar = self._holidays
        if calendar is None:
            return intervals
        if calendar.is_working_day(day):
            if calendar.is_weekend(day):
                intervals = self._workday_hours
            if self._shortened and day in SHORTENED_DAYS:
                intervals = _shorten(intervals)
            return intervals
        # Not a government working day: an ordinary weekend keeps the office's own weekend hours, a public
        # holiday or a transferred day off closes it.
        return intervals if calendar.is_weekend(day) and day not in calendar else ()

    def _first_weekday_hours(self) -> tuple[Interval, ...]:
        weekend = self._holidays.weekend if self._holidays is not None else {5, 6}
        for weekday in range(7):
            if weekday not in weekend and self._week[weekday]:
                return self._week[weekday]
        return ()

    def _warn_if_uncovered(self, year: int) -> None:
        if self._country != _SHORTENED_COUNTRY or self._holidays is None or year in self.covered_years:
            return
        with _warned_lock:
            if year in _warned_years:
                return
            _warned_years.add(year)
        logger.warning(
            "No built-in Russian production calendar for %s: shortened pre-holiday days are not applied and "
            "transferred days off come only from holidays %s; add overrides for that year if needed.",
            year,
            getattr(holidays, "__version__", "?"),
        )


_Grid = tuple[list[int], list[int], list[int], list[int], int, int, int | None, int | None]
_EMPTY_GRID: _Grid = ([], [], [], [], 0, 0, None, None)


def _to_datetime(second: int, micro: int, zone: tzinfo) -> datetime:
    if not micro:
        return datetime.fromtimestamp(second, zone)
    if -_FLOAT_EXACT_LIMIT < second < _FLOAT_EXACT_LIMIT:
        return datetime.fromtimestamp(second + micro / 1_000_000, zone)
    return datetime.fromtimestamp(second, zone).replace(microsecond=micro)


def _local_epoch(day: date, seconds: int, zone: tzinfo) -> int:
    """Epoch second of a wall-clock time `seconds` after local midnight of `day` (86 400 = next midnight)."""
    if seconds == _DAY:
        day, seconds = day + timedelta(days=1), 0
    local = datetime.combine(day, time(seconds // 3600, seconds // 60 % 60, seconds % 60), zone)
    since_epoch = local - _EPOCH
    return since_epoch.days * _DAY + since_epoch.seconds


def _shorten(intervals: tuple[Interval, ...]) -> tuple[Interval, ...]:
    """End the last interval an hour early; an interval shorter than an hour disappears."""
    if not intervals:
        return intervals
    start, end = intervals[-1]
    if end - _SHORTENING <= start:
        return intervals[:-1]
    return (*intervals[:-1], (start, end - _SHORTENING))


def _zone(tz: str | tzinfo) -> tzinfo:
    if isinstance(tz, tzinfo):
        return tz
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError, TypeError) as error:
        raise ValueError(f"unknown time zone {tz!r}") from error


def _country_holidays(country: str | None) -> holidays.HolidayBase | None:
    if country is None:
        return None
    try:
        return holidays.country_holidays(country)
    except NotImplementedError as error:
        raise ValueError(
            f"unknown country {country!r}: the holidays package has no calendar for it"
        ) from error


def _parse_week(week: Mapping[int, Sequence[str]]) -> tuple[tuple[Interval, ...], ...]:
    if not isinstance(week, Mapping):
        raise ValueError(f"week must map weekday numbers 0..6 to interval lists, got {week!r}")
    for weekday in week:
        if isinstance(weekday, bool) or not isinstance(weekday, int) or not 0 <= weekday <= 6:
            raise ValueError(f"week: weekday must be an integer 0 (Monday) .. 6 (Sunday), got {weekday!r}")
    parsed = tuple(_parse_intervals(week.get(weekday, ()), f"week[{weekday}]") for weekday in range(7))
    if not any(parsed):
        raise ValueError("week has no working hours at all")
    return parsed


def _parse_overrides(overrides: Mapping[date, Sequence[str]]) -> dict[date, tuple[Interval, ...]]:
    parsed: dict[date, tuple[Interval, ...]] = {}
    for day, specs in overrides.items():
        if isinstance(day, datetime) or not isinstance(day, date):
            raise ValueError(f"overrides: keys must be datetime.date, got {day!r}")
        parsed[day] = _parse_intervals(specs, f"overrides[{day.isoformat()}]")
    return parsed


def _parse_intervals(specs: Sequence[str], where: str) -> tuple[Interval, ...]:
    if isinstance(specs, str) or not isinstance(specs, Sequence):
        raise ValueError(f"{where}: expected a list of 'HH:MM-HH:MM' strings, got {specs!r}")
    intervals = sorted(_parse_interval(spec, where) for spec in specs)
    for (_, previous_end), (start, _) in zip(intervals, intervals[1:], strict=False):
        if start < previous_end:
            raise ValueError(f"{where}: intervals overlap: {list(specs)!r}")
    merged: list[Interval] = []
    for start, end in intervals:  # touching intervals ("09:00-13:00", "13:00-18:00") become one
        if merged and merged[-1][1] == start:
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return tuple(merged)


def _parse_interval(spec: str, where: str) -> Interval:
    match = _INTERVAL_RE.match(spec) if isinstance(spec, str) else None
    if match is None:
        raise ValueError(f"{where}: bad interval {spec!r}, expected 'HH:MM-HH:MM' such as '09:00-18:00'")
    start_h, start_m, end_h, end_m = (int(group) for group in match.groups())
    start, end = _clock(start_h, start_m, spec, where), _clock(end_h, end_m, spec, where)
    if end <= start:
        raise ValueError(f"{where}: interval {spec!r} ends before it starts")
    return start, end


def _clock(hours: int, minutes: int, spec: str, where: str) -> int:
    if minutes > 59 or hours > 24 or (hours == 24 and minutes):
        raise ValueError(f"{where}: bad time in {spec!r}: hours 00..23 and minutes 00..59, or 24:00")
    return hours * 3600 + minutes * 60
