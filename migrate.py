"""Apply pending migrations to the database (lib/store/migrations.py).

    python migrate.py [--db PATH] [--status]
    python migrate.py --dump-schema [FILE]    (writes sql/schema.sql by default)
"""
import argparse
import os
import sqlite3
import sys
from pathlib import Path

from lib.startup import cannot_use
from lib.store.migrations import MigrationError, migrate, status
from lib.store.schema import SCHEMA_FILE, dump

DEFAULT_DATABASE = Path(__file__).resolve().parent / "instance" / "lang_portal.db"


def main(argv=None):
    parser = argparse.ArgumentParser(description="Apply pending migrations to the database.")
    parser.add_argument("--db", default=os.environ.get("LANG_PORTAL_DATABASE", str(DEFAULT_DATABASE)),
                        help="SQLite file (default: $LANG_PORTAL_DATABASE or instance/lang_portal.db)")
    parser.add_argument("--status", action="store_true", help="list migrations and whether each is applied")
    parser.add_argument("--dump-schema", nargs="?", const=str(SCHEMA_FILE), metavar="FILE",
                        help="write the schema of a database migrated from zero (default: sql/schema.sql)")
    args = parser.parse_args(argv)
    if args.dump_schema:
        try:
            dump(args.dump_schema)
        except (MigrationError, sqlite3.Error, OSError) as error:
            print(f"migrate: cannot write the schema to {args.dump_schema}: {error}", file=sys.stderr)
            return 1
        print(f"wrote {args.dump_schema}")
        return 0
    try:
        if args.status:
            for name, applied_at in status(args.db):
                print(f"{name}  {applied_at or 'pending'}")
            return 0
        names = migrate(args.db)
    except MigrationError as error:
        print(f"migrate: {error}", file=sys.stderr)
        return 1
    except (sqlite3.Error, OSError) as error:
        print(f"migrate: {cannot_use(args.db, error).message}", file=sys.stderr)
        return 1
    print("\n".join(f"applied {name}" for name in names) or "nothing to apply")
    return 0


if __name__ == "__main__":
    sys.exit(main())
