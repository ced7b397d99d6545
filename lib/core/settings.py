"""Every LANG_PORTAL_* setting, checked when the app is created.

A bad value stops start-up with one line naming the variable, the value and
what is allowed, rather than surfacing later as a 500 on some request. A
LANG_PORTAL_* variable that names no setting is refused the same way: it is
most likely a misspelt one.
"""
import ipaddress
import json
import os
import re
from urllib.parse import urlsplit

import click

from lib.core.clock import time_zone

PREFIX = "LANG_PORTAL_"
HOST_NAME = re.compile(r"\.?[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*\.?")


class StartupError(click.ClickException, RuntimeError):
    """The app cannot start, said in one line: ``flask`` prints it as
    "Error: ..." and gunicorn, for a RuntimeError, as "Error: ..." too, both
    without a traceback, and both exit non-zero."""


class Invalid(ValueError):
    pass


def whole_number(low, high=None):
    def check(value):
        # from_prefixed_env reads "5" as 5; a test config may give "5" as text.
        if isinstance(value, str) and re.fullmatch(r"[0-9]+", value.strip()):
            value = int(value)
        if (isinstance(value, bool) or not isinstance(value, int) or value < low
                or high is not None and value > high):
            raise Invalid(f"a whole number, at least {low}" + (f" and at most {high}" if high is not None else ""))
        return value
    return check


def number_between(low, high):
    def check(value):
        if isinstance(value, str):  # a test config may give it as text
            try:
                value = json.loads(value)
            except ValueError:
                pass
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
            raise Invalid(f"a number from {low} to {high}")
        return float(value)
    return check


def boolean(value):
    if not isinstance(value, bool):
        raise Invalid("true or false (in lower case)")
    return value


def path(value):
    if not isinstance(value, (str, os.PathLike)) or not str(value).strip():
        raise Invalid("a file or folder path")
    return str(value)


def origins(value):
    found = names(value, "origins such as http://portal.lan:8080")
    for origin in found:
        parts = urlsplit(origin.rstrip("/"))
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.path or parts.query:
            raise Invalid(f"origins such as http://portal.lan:8080, comma separated (not {origin!r})")
    return [origin.rstrip("/") for origin in found]


def absolute_url(value):
    if value in (None, ""):
        return None
    parts = urlsplit(value) if isinstance(value, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise Invalid("an absolute http(s) URL such as https://portal.example")
    return value.rstrip("/")


def host_names(value):
    found = names(value, "host names such as portal.lan")
    for name in found:
        if not HOST_NAME.fullmatch(name):
            raise Invalid(f"host names such as portal.lan, comma separated (not {name!r})")
    return found


def one_of(*choices):
    def check(value):
        if value not in choices:
            raise Invalid(" or ".join(choices))
        return value
    return check


def ip_addresses(value):
    found = names(value, "IP addresses such as 127.0.0.1")
    for address in found:
        try:
            ipaddress.ip_address(address)
        except ValueError:
            raise Invalid(f"IP addresses such as 127.0.0.1, comma separated (not {address!r})") from None
    return found


# What Litestream replicates to (its replica types), by URL scheme.
REPLICA_SCHEMES = ("file", "s3", "gs", "abs", "sftp", "nats", "oss", "webdav", "webdavs")
REPLICA_URL = "a replica URL as Litestream takes it, such as file:///var/backups/lang_portal, s3://bucket/path or sftp://host/path"


def replica_url(value):
    if value in (None, ""):
        return None
    parts = urlsplit(value) if isinstance(value, str) else None
    if parts is None or parts.scheme not in REPLICA_SCHEMES or parts.fragment:
        raise Invalid(REPLICA_URL)
    if parts.scheme == "file":
        # file://backups/x names the host "backups", not a folder
        if parts.netloc or not parts.path.startswith("/") or not parts.path.strip("/") or parts.query:
            raise Invalid(f"{REPLICA_URL} (file:/// and an absolute folder path)")
    elif not parts.netloc:
        raise Invalid(REPLICA_URL)
    return value.rstrip("/")


DURATION = re.compile(r"([0-9]+(?:\.[0-9]+)?)(ms|s|m|h)?")
SECONDS_IN = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, None: 1}


def duration(low, high, low_text, high_text):
    """A length of time in seconds, written as Litestream writes it (500ms,
    1s, 10m, 24h) or as a number of seconds."""
    def check(value):
        match = None
        if isinstance(value, (str, int, float)) and not isinstance(value, bool):
            match = DURATION.fullmatch(str(value).strip())
        seconds = float(match.group(1)) * SECONDS_IN[match.group(2)] if match else None
        if seconds is None or not low <= seconds <= high:
            raise Invalid(f"a time such as 500ms, 1s, 10m or 24h, from {low_text} to {high_text}")
        return seconds
    return check


def time_zone_name(value):
    if time_zone(value) is None:
        raise Invalid("an IANA time zone name such as UTC or Asia/Tokyo")
    return value


def as_list(value):
    """A value given as a JSON list or as a comma/space separated string."""
    if not value:
        return []
    if isinstance(value, str):
        return [item for item in re.split(r"[\s,]+", value) if item]
    return [str(item) for item in value]


def names(value, what):
    if not isinstance(value, (str, list)) or (isinstance(value, list)
                                               and not all(isinstance(item, str) for item in value)):
        raise Invalid(f"{what}, comma separated or a JSON list of strings")
    return as_list(value)


# The setting, how its value is checked (and brought to its type), and what it is.
CHECKS = {
    "DATABASE": path,
    "SEED_DIR": path,
    "BACKUP_DIR": path,
    "INIT_DATABASE": boolean,
    "MAX_CONTENT_LENGTH": whole_number(1),
    "IMPORT_MAX_CONTENT_LENGTH": whole_number(1),
    "BACKUPS_KEPT": whole_number(1),
    "CORS_ORIGINS": origins,
    "ALLOWED_HOSTS": host_names,
    "PUBLIC_URL": absolute_url,
    "TIMEZONE": time_zone_name,
    # FSRS's target chance of recalling a word when it comes back
    "DESIRED_RETENTION": number_between(0.7, 0.99),
    # a learner may set their own (stored, and bound to queries): SQLite's integers are 64-bit
    "NEW_PER_DAY": whole_number(0, 2**63 - 1),
    # who a request without a token acts for: the default learner when it
    # comes from this machine (loopback), or nobody (none)
    "ANONYMOUS": one_of("loopback", "none"),
    # the reverse proxies whose X-Forwarded-For names the client
    "TRUSTED_PROXIES": ip_addresses,
    # Continuous replication with Litestream (lib/store/replication.py)
    "REPLICA": replica_url,
    "REPLICA_SYNC_INTERVAL": duration(0.01, 3600, "10ms", "1h"),
    "REPLICA_SNAPSHOT_INTERVAL": duration(60, 365 * 24 * 3600, "1m", "8760h"),
    "REPLICA_RETENTION": duration(3600, 365 * 24 * 3600, "1h", "8760h"),
}


def check(config, known, environ=os.environ):
    """Check and normalise every setting in ``config``; raise StartupError
    for the first bad one, or for a LANG_PORTAL_ variable that names none of
    the ``known`` ones."""
    for variable in sorted(environ):
        key = variable[len(PREFIX):].split("__")[0]
        if variable.startswith(PREFIX) and key not in known:
            listed = ", ".join(PREFIX + name for name in CHECKS)
            raise StartupError(f"{variable} is not a setting of this app (the settings are {listed})")
    for key, check_value in CHECKS.items():
        if key not in config:
            continue
        try:
            config[key] = check_value(config[key])
        except Invalid as error:
            raise StartupError(f"{PREFIX}{key}={shown(config[key])} is not allowed: it must be {error}") from None


def shown(value):
    """The value as it was written in the environment (read there as JSON)."""
    return value if isinstance(value, str) else json.dumps(value, default=str)
