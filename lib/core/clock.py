"""The current time, in one place so that tests can move it; time zones;
and the learner's days, which begin at midnight in their time zone."""
import math
from datetime import date, datetime, time, timedelta, timezone
from functools import cache, lru_cache
from zoneinfo import ZoneInfo, available_timezones

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
ONE_DAY = timedelta(days=1)
ONE_SECOND = timedelta(seconds=1)
SECONDS_PER_DAY = 86400


def utcnow():
    return datetime.now(timezone.utc)


def iso(moment):
    """ISO 8601 in UTC with a Z, to the second: how every timestamp is stored."""
    return iso_of_second(math.floor(moment.timestamp()))


# Kept: a due queue formats hundreds of times, most of them the same few
# seconds (now plus a day, say). Keyed by the instant, which a datetime
# with its zone and fold does not hash as.
@lru_cache(maxsize=4096)
def iso_of_second(seconds):
    """The Unix time ``seconds`` (an int) as ``iso`` writes it."""
    return datetime.fromtimestamp(seconds, timezone.utc).isoformat()[:19] + "Z"


def now_iso():
    return iso(utcnow())


def now_whole_seconds():
    """Now, to the second, as a review recorded now would be stored."""
    return utcnow().astimezone(timezone.utc).replace(microsecond=0)


def midnight(day, tz):
    """The UTC datetime at which the date ``day`` begins in the zone ``tz``."""
    # Where the clocks skip midnight, fold 0 reads it with the offset from
    # before the jump: the day begins at the jump.
    return datetime.combine(day, time(), tzinfo=tz).astimezone(timezone.utc)


def local_date(now, tz):
    """The learner's date at the moment ``now`` in the zone ``tz``."""
    return now.astimezone(tz).date()


def day_start(now, tz):
    """The UTC datetime at which the learner's day containing ``now`` began."""
    return midnight(local_date(now, tz), tz)


def day_starts(first, last, tz):
    """The Unix times (whole seconds) at which the dates ``first`` to ``last``
    begin in the zone ``tz``, and the one at which the day after ``last``
    begins: a day is 23 or 25 hours long where the clocks change. Integers,
    as many a year of days needs quickly (SQL turns them into ISO times)."""
    return _of_years(first, last, lambda year: _day_starts_of_year(year, tz), extra=1)


def day_start_times(first, last, tz):
    """day_starts as stored times (ISO 8601 UTC with a Z), which compare as
    the moments do."""
    return _of_years(first, last, lambda year: _day_start_times_of_year(year, tz), extra=1)


def date_texts(first, last):
    """The dates ``first`` to ``last`` as ISO 8601 text (2026-03-08)."""
    return _of_years(first, last, _date_texts_of_year)


def _of_years(first, last, of_year, extra=0):
    """The items of the dates ``first`` to ``last`` (and ``extra`` more)
    from the tuples ``of_year(year)`` of each date of a year (and more)."""
    items = []
    for year in range(first.year, last.year + 1):
        start = first.timetuple().tm_yday - 1 if year == first.year else 0
        end = last.timetuple().tm_yday + extra if year == last.year else date(year, 12, 31).timetuple().tm_yday
        items.extend(of_year(year)[start:end])
    return items


# Kept: the dashboard asks for a year of days, in a few zones, on every
# request; a zone's days change only with the zone's rules.
@lru_cache(maxsize=64)
def _day_starts_of_year(year, tz):
    """day_starts of 1 January to 31 December of ``year``, and of 1 January after."""
    first = date(year, 1, 1)
    local_midnight = datetime.combine(first, time())
    epoch_midnight = (first - EPOCH.date()).days * SECONDS_PER_DAY
    starts = []
    for _ in range((date(year, 12, 31) - first).days + 2):
        # the offset of a naive local time is read as midnight() reads it
        starts.append(epoch_midnight - tz.utcoffset(local_midnight) // ONE_SECOND)
        local_midnight += ONE_DAY
        epoch_midnight += SECONDS_PER_DAY
    return tuple(starts)


def short_days(first, last, tz):
    """The dates from ``first`` to ``last`` that are shorter than 24 hours in
    the zone ``tz`` (the clocks go forward, or skip the date), the latest first."""
    found = []
    for year in range(last.year, first.year - 1, -1):
        found.extend(day for day in _short_days_of_year(year, tz) if first <= day <= last)
    return found


@lru_cache(maxsize=64)
def _short_days_of_year(year, tz):
    starts = _day_starts_of_year(year, tz)
    first = date(year, 1, 1).toordinal()
    return tuple(date.fromordinal(first + n) for n in reversed(range(len(starts) - 1))
                 if starts[n + 1] - starts[n] < SECONDS_PER_DAY)


@lru_cache(maxsize=64)
def _day_start_times_of_year(year, tz):
    return tuple(datetime.fromtimestamp(start, timezone.utc).isoformat()[:19] + "Z"
                 for start in _day_starts_of_year(year, tz))


@lru_cache(maxsize=16)
def _date_texts_of_year(year):
    first = date(year, 1, 1).toordinal()
    return tuple(date.fromordinal(day).isoformat() for day in range(first, date(year, 12, 31).toordinal() + 1))


@cache
def time_zone_names():
    return frozenset(available_timezones())


def time_zone(name):
    """The ZoneInfo of the IANA time zone ``name``, or None if there is none
    by that name (names are matched exactly, as the tz database spells them)."""
    if not isinstance(name, str) or name not in time_zone_names():
        return None
    return ZoneInfo(name)
