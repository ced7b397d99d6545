"""Serve the app as ``make run`` does: gunicorn with lib/gunicorn_conf.py, and,
when LANG_PORTAL_REPLICA is set, under Litestream, which replicates the
database from before the first request to after the last.

    python serve.py [gunicorn options, e.g. --workers 2 --bind 127.0.0.1:5000]

Without a replica this is gunicorn itself (the process becomes it). With
one, the settings are checked and the database prepared here first, then
the replica is proved reachable and writable; what fails stops the start
with one line.
"""
import os
import sys
from pathlib import Path

GUNICORN = Path(sys.executable).parent / "gunicorn"


def gunicorn_command(options):
    return [str(GUNICORN), "--config", "python:lib.gunicorn_conf", *options, "app:create_app()"]


def main(argv=None):
    command = gunicorn_command(sys.argv[1:] if argv is None else argv)
    if not os.environ.get("LANG_PORTAL_REPLICA"):
        os.execv(command[0], command)
    from app import create_app
    from lib.core.settings import StartupError
    from lib.startup import replicated_command
    try:
        command = replicated_command(create_app(), command)
    except StartupError as error:
        print(f"Error: {error.message}", file=sys.stderr)
        return 1
    os.execv(command[0], command)


if __name__ == "__main__":
    sys.exit(main())
