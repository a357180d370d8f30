"""The time and date options of the reading commands, as the archive writes and compares
them (a bad value is a :class:`~scraper.errors.ConfigError` naming the option)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from scraper.errors import ConfigError


def archive_time(value: str, option: str = "--at", *, start: bool = False) -> str:
    """A time option as the archive writes times (UTC, ``YYYY-MM-DDTHH:MM:SSZ``). A date
    means the end of that day, UTC (its start with ``start``); a time without an offset is
    UTC."""
    try:
        if len(value) == 10:
            day = date.fromisoformat(value).isoformat()
            return day + ("T00:00:00Z" if start else "T23:59:59Z")
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ConfigError(f"{option} {value!r} is not an ISO 8601 date or time") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def optional_time(value: str | None, option: str = "--at", *, start: bool = False) -> str | None:
    """:func:`archive_time` of an option that may be absent."""
    return None if value is None else archive_time(value, option, start=start)


def published_day(value: str | None, option: str, *, end: bool) -> str | None:
    """A published-date bound: ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``, as the archive's
    ``YYYY-MM-DD`` dates compare (a year or month ``--until`` means its last day)."""
    if value is None:
        return None
    parts = value.split("-")
    try:
        if len(parts) == 3:
            return date.fromisoformat(value).isoformat()
        if len(parts) in (1, 2) and len(parts[0]) == 4:
            first = date(int(parts[0]), int(parts[1]) if len(parts) == 2 else 1, 1)
            if not end:
                return first.isoformat()
            return value + ("-31" if len(parts) == 2 else "-12-31")
    except ValueError:
        pass
    raise ConfigError(f"{option} {value!r} is not a date (YYYY, YYYY-MM or YYYY-MM-DD)")
