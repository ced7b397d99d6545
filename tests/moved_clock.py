"""The app as a live-server test serves it when time must pass: its clock
(lib/core/clock.py) runs ahead of the real one by the seconds written in the file
that MOVED_CLOCK_FILE names. Tests in one process move time by monkeypatching
clock.utcnow; a server in another process reads how far from that file.

    LiveServer(path, app="tests.moved_clock:create_app()",
               env={"MOVED_CLOCK_FILE": str(file)})
"""
import os
from datetime import datetime, timedelta, timezone

import app
from lib.core import clock


def ahead():
    try:
        with open(os.environ["MOVED_CLOCK_FILE"]) as file:
            return timedelta(seconds=float(file.read()))
    except (FileNotFoundError, ValueError):
        return timedelta()


def utcnow():
    return datetime.now(timezone.utc) + ahead()


def move(path, seconds):
    """Set the clock of a server reading ``path`` ``seconds`` ahead of the real one."""
    part = f"{path}.part"
    with open(part, "w") as file:
        file.write(str(seconds))
    os.replace(part, path)  # a reader sees the old offset or the new, never half of one


def create_app():
    clock.utcnow = utcnow
    return app.create_app()
