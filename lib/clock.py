"""The current time, in one place so that tests can move it."""
from datetime import datetime, timezone


def utcnow():
    return datetime.now(timezone.utc)


def iso(moment):
    """ISO 8601 in UTC with a Z, to the second: how every timestamp is stored."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def now_iso():
    return iso(utcnow())
