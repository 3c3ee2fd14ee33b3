"""Benchmark: `BusinessCalendar.add_working_time` against `businesstimedelta` on the same cases.

Run from anywhere: `python benchmarks/sla_calendar.py` (businesstimedelta comes with the `bench` extra).
Both engines get the same schedule: Mon–Fri 09:00–18:00 Moscow time minus the weekday days off that
`holidays` lists for Russia; no working Saturdays and no shortened days, which businesstimedelta cannot
express. The last line printed is a JSON object with the figures.
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import sys
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from datetime import time as wall_time
from importlib.metadata import version
from pathlib import Path
from zoneinfo import ZoneInfo

# Run as a plain script, so make the repository root importable for `sla`.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import businesstimedelta  # type: ignore[import-untyped]  # noqa: E402
import holidays  # noqa: E402
import pytz  # type: ignore[import-untyped]  # noqa: E402

from sla.business_hours import BusinessCalendar  # noqa: E402

CALLS = 20_000
SEED = 4
REPEATS = 5
EDGE_CALLS = 300
FIRST_DAY, LAST_DAY = date(2023, 1, 1), date(2027, 12, 31)
MIN_DURATION, MAX_DURATION = 15, 10 * 24 * 60  # minutes

Case = tuple[datetime, timedelta]


def weekday_days_off() -> set[date]:
    russia = holidays.country_holidays("RU", years=range(FIRST_DAY.year, LAST_DAY.year + 3))
    return {day for day in russia if day.weekday() < 5}


def make_cases(zone: ZoneInfo) -> list[Case]:
    rng = random.Random(SEED)
    first = datetime.combine(FIRST_DAY, wall_time(0), zone)
    span = int((datetime.combine(LAST_DAY, wall_time.max, zone) - first).total_seconds())
    return [
        (
            first + timedelta(seconds=rng.randrange(span)),
            timedelta(minutes=rng.randint(MIN_DURATION, MAX_DURATION)),
        )
        for _ in range(CALLS)
    ]


def make_edge_cases(zone: ZoneInfo) -> list[Case]:
    """Starts at opening, closing and an hour before closing; durations that end exactly at a closing."""
    rng = random.Random(SEED + 1)
    cases = []
    for _ in range(EDGE_CALLS):
        day = FIRST_DAY + timedelta(days=rng.randrange((LAST_DAY - FIRST_DAY).days))
        start = datetime.combine(day, wall_time(rng.choice([9, 17, 18])), zone)
        cases.append((start, timedelta(hours=rng.choice([0, 1, 9, 10, 18, 45]))))
    return cases


def timed(add: Callable[[datetime, timedelta], datetime], cases: list[Case]) -> tuple[float, list[datetime]]:
    started = time.perf_counter()
    results = [add(start, duration) for start, duration in cases]
    return time.perf_counter() - started, results


def best_of(add: Callable[[datetime, timedelta], datetime], cases: list[Case], repeats: int) -> float:
    return min(timed(add, cases)[0] for _ in range(repeats))


def main() -> None:
    global CALLS
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0] if __doc__ else None)
    parser.add_argument("--calls", type=int, default=CALLS, help="random cases timed and compared")
    CALLS = parser.parse_args().calls
    # The engine reports years without built-in calendar data through logging; keep it in order with prints.
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s", stream=sys.stdout)
    moscow = ZoneInfo("Europe/Moscow")
    days_off = weekday_days_off()
    print(f"{len(days_off)} weekday days off from holidays {version('holidays')} shared by both engines")

    cases = make_cases(moscow)
    print(f"{CALLS} cases: starts in {FIRST_DAY}..{LAST_DAY} (seed {SEED}), {MIN_DURATION} min..10 days")

    reglament = BusinessCalendar(tz=moscow, country=None, overrides=dict.fromkeys(days_off, []))
    cold, ours = timed(reglament.add_working_time, cases)
    print(f"reglament, first pass (builds the yearly grids): {cold:.3f} s")
    warm = best_of(reglament.add_working_time, cases, REPEATS)
    print(f"reglament, best of {REPEATS} warm passes: {warm:.3f} s = {CALLS / warm:,.0f} calls/s")

    full = BusinessCalendar(shortened_days=True)  # the real Russian calendar, for reference
    timed(full.add_working_time, cases)
    full_warm = best_of(full.add_working_time, cases, REPEATS)
    print(f"reglament, RU calendar with shortened days: {CALLS / full_warm:,.0f} calls/s")

    pytz_moscow = pytz.timezone("Europe/Moscow")
    rule = businesstimedelta.Rules(
        [
            businesstimedelta.WorkDayRule(
                start_time=wall_time(9),
                end_time=wall_time(18),
                working_days=[0, 1, 2, 3, 4],
                tz=pytz_moscow,
            ),
            businesstimedelta.HolidayRule(days_off, tz=pytz_moscow),
        ]
    )

    def add_with_businesstimedelta(start: datetime, duration: timedelta) -> datetime:
        result: datetime = start + businesstimedelta.BusinessTimeDelta(rule, timedelta=duration)
        return result

    print("businesstimedelta, one pass (takes a while)...", flush=True)
    theirs_time, theirs = timed(add_with_businesstimedelta, cases)
    print(f"businesstimedelta: {theirs_time:.3f} s = {CALLS / theirs_time:,.0f} calls/s")

    mismatches = [(case, a, b) for case, a, b in zip(cases, ours, theirs, strict=True) if a != b]
    agreement = (CALLS - len(mismatches)) / CALLS
    print(f"agreement: {CALLS - len(mismatches)}/{CALLS} ({agreement:.2%})")
    for (start, duration), a, b in mismatches[:5]:
        print(
            f"  mismatch: {start.isoformat()} + {duration}: reglament {a.isoformat()}, businesstimedelta {b}"
        )

    edge_cases = make_edge_cases(moscow)
    edge_mismatches = [
        (start, duration, a, b)
        for start, duration in edge_cases
        if (a := reglament.add_working_time(start, duration))
        != (b := add_with_businesstimedelta(start, duration))
    ]
    print(
        f"edge cases (starts at opening/closing, ends at closing): {EDGE_CALLS - len(edge_mismatches)}"
        f"/{EDGE_CALLS} agree"
    )
    for start, duration, a, b in edge_mismatches[:5]:
        print(
            f"  edge mismatch: {start.isoformat()} + {duration}: "
            f"reglament {a.isoformat()}, businesstimedelta {b.isoformat()}"
        )

    speedup = theirs_time / warm
    print(f"speedup: {speedup:,.0f}x")
    figures = {
        "calls": CALLS,
        "reglament_calls_per_s": round(CALLS / warm),
        "reglament_cold_calls_per_s": round(CALLS / cold),
        "reglament_ru_shortened_calls_per_s": round(CALLS / full_warm),
        "businesstimedelta_calls_per_s": round(CALLS / theirs_time),
        "speedup": round(speedup, 1),
        "agreement": round(agreement, 6),
        "mismatches": len(mismatches),
        "edge_cases": EDGE_CALLS,
        "edge_mismatches": len(edge_mismatches),
    }
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
