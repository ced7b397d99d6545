"""Consistent copies of the database with SQLite's online backup API.

The copy is one read transaction on the source: safe while others write."""
import sqlite3
from pathlib import Path

from lib import clock
from lib.db import connect


def backup(source_path, target_path):
    target_path = Path(target_path)
    target_path.parent.mkdir(parents=True, exist_ok=True)
    source = connect(str(source_path), read_only=True)
    target = sqlite3.connect(str(target_path))
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()
    return target_path


def save_before_reset(source_path, backup_dir, keep):
    """A backup in ``backup_dir`` named after the database and the time; of
    these, only the newest ``keep`` are kept."""
    stem = Path(source_path).stem
    stamp = clock.utcnow().strftime("%Y%m%dT%H%M%S%fZ")
    saved = backup(source_path, Path(backup_dir) / f"{stem}-{stamp}.db")
    # The names sort by time: drop all but the newest.
    for old in sorted(Path(backup_dir).glob(f"{stem}-*Z.db"))[:-keep]:
        old.unlink()
    return saved
