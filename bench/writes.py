"""Where a write's time goes: the disk's sync, SQLite (triggers and indexes
included) and Python (Flask, validation, JSON).

    python -m bench.writes [--db bench/out/large.db] [--samples 300]

For a new study session and a 10-item review batch, on a copy of the
database (by default the large one, built when missing), it times
in-process (Flask's test client, one thread):

- ``request``: the whole request as served (committed at synchronous=NORMAL,
  then the WAL synced outside the locks before the answer: see
  lib/store/connection.py);
- ``no sync``: the same with the request's connection at synchronous=OFF and
  no sync of the WAL, so the difference is the time spent waiting for the disk;
- ``sql``: the request's own statements, as traced, replayed on a bare
  connection at synchronous=OFF: what SQLite itself costs; ``no sync`` less
  this is Python's share;
- ``sql, no triggers`` and ``sql, no indexes``: the replay on a copy without
  the counting triggers, or without the secondary indexes of the two tables
  written: the share of each.

It also reports the disk's sync latency (a 4 KiB write and fsync, as a commit
in WAL mode does). Medians in ms.
"""
import json
import os
import sqlite3
import statistics
import time
from pathlib import Path

from app import create_app
from bench.serving import OUT, database_named, parser_with_database, working_copy
from lib.store import connection
from lib.web import database

BATCH = 10


def median_ms(samples):
    return statistics.median(samples) * 1000


def sync_latency(directory, count=200):
    """Median and p99 of a 4 KiB write followed by fsync, in ms."""
    probe = Path(directory) / "sync-probe"
    fd = os.open(probe, os.O_WRONLY | os.O_CREAT, 0o644)
    samples = []
    try:
        for n in range(count):
            os.pwrite(fd, b"x" * 4096, (n % 16) * 4096)
            started = time.perf_counter()
            os.fsync(fd)
            samples.append(time.perf_counter() - started)
    finally:
        os.close(fd)
        probe.unlink()
    samples.sort()
    return {"p50_ms": median_ms(samples), "p99_ms": samples[int(0.99 * (len(samples) - 1))] * 1000}


def cases(conn):
    group, activity = conn.execute(
        "SELECT g.id, (SELECT id FROM study_activities ORDER BY id LIMIT 1) FROM groups g"
        " ORDER BY g.word_count DESC LIMIT 1").fetchone()
    words = [row[0] for row in conn.execute(
        "SELECT word_id FROM word_groups WHERE group_id = ? ORDER BY word_id LIMIT ?", (group, BATCH))]
    return group, activity, [{"word_id": word, "is_correct": n % 4 != 0} for n, word in enumerate(words)]


def time_requests(app, send, count, synced):
    """Per-request times of ``send``, as served or (``synced`` False) with
    nothing synced to disk; and the statements the last request ran."""
    statements = []
    with app.test_request_context("/", method="POST"):
        conn = database.get_db()  # the connection this thread's requests write through
    served = conn.execute("PRAGMA synchronous").fetchone()[0]
    sync_log = connection.sync_log
    if not synced:
        conn.execute("PRAGMA synchronous = OFF")
        connection.sync_log = lambda path: None
    samples = []
    for n in range(count + 5):
        statements.clear()
        conn.set_trace_callback(statements.append)
        started = time.perf_counter()
        send()
        if n >= 5:
            samples.append(time.perf_counter() - started)
        conn.set_trace_callback(None)
    conn.execute(f"PRAGMA synchronous = {served}")
    connection.sync_log = sync_log
    return samples, list(statements)


def replay(path, statements, count, drop=()):
    """Per-run times of ``statements`` on a bare connection, synchronous OFF."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA synchronous = OFF")
    for sql in drop:
        conn.execute(sql)
    samples = []
    for n in range(count + 5):
        started = time.perf_counter()
        for sql in statements:
            conn.execute(sql).fetchall()
        if n >= 5:
            samples.append(time.perf_counter() - started)
    conn.close()
    return samples


def breakdown(source, name, send_factory, count):
    with working_copy(source, f"writes-{name}") as path:
        app = create_app({"DATABASE": str(path), "INIT_DATABASE": False})
        client = app.test_client()
        send = send_factory(client)
        full, _ = time_requests(app, send, count, synced=True)
        no_sync, statements = time_requests(app, send, count, synced=False)
        database.close_all(app)
        # The traced statements replayed: the write's SQL alone. A statement is
        # traced again for each trigger program it runs: keep it once.
        writes = [sql for n, sql in enumerate(statements)
                  if not sql.upper().startswith(("BEGIN", "COMMIT")) and (n == 0 or statements[n - 1] != sql)]
        script = ["BEGIN IMMEDIATE", *writes, "COMMIT"]
        conn = sqlite3.connect(path)
        triggers = [f"DROP TRIGGER {row[0]}" for row in conn.execute(
            "SELECT name FROM sqlite_schema WHERE type = 'trigger'")]
        indexes = [f"DROP INDEX {row[0]}" for row in conn.execute(
            "SELECT name FROM sqlite_schema WHERE type = 'index' AND sql IS NOT NULL"
            " AND tbl_name IN ('study_sessions', 'word_review_items')")]
        conn.close()
        with working_copy(path, f"writes-{name}-nt") as no_triggers, \
                working_copy(path, f"writes-{name}-ni") as no_indexes:
            return {
                "request": median_ms(full),
                "no sync": median_ms(no_sync),
                "sql": median_ms(replay(path, script, count)),
                "sql, no triggers": median_ms(replay(no_triggers, script, count, triggers)),
                "sql, no indexes": median_ms(replay(no_indexes, script, count, indexes)),
                "statements": len(writes),
            }


def main(argv=None):
    parser = parser_with_database(__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=300)
    args = parser.parse_args(argv)
    path = database_named(args)
    OUT.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path)
    group, activity, reviews = cases(conn)
    sessions = [row[0] for row in conn.execute(
        "SELECT id FROM study_sessions WHERE group_id = ? ORDER BY id DESC LIMIT 50", (group,))]
    conn.close()

    def new_session(client):
        body = {"group_id": group, "study_activity_id": activity}
        return lambda: client.post("/api/study-sessions", json=body)

    def review_batch(client):
        turn = iter(range(10**9))
        return lambda: client.post(f"/api/study-sessions/{sessions[next(turn) % len(sessions)]}/review",
                                   json={"reviews": reviews})

    sync = sync_latency(OUT)
    results = {"disk sync": sync,
               "POST session": breakdown(path, "session", new_session, args.samples),
               f"POST {BATCH} reviews": breakdown(path, "batch", review_batch, args.samples)}
    print(f"disk sync (4 KiB write + fsync): p50 {sync['p50_ms']:.2f} ms, p99 {sync['p99_ms']:.2f} ms")
    print(f"{'case':18} {'request':>8} {'no sync':>8} {'sql':>8} {'-trigs':>8} {'-idx':>8}"
          f" | {'sync':>6} {'python':>6} {'trigs':>6} {'idx':>6}  (ms, medians)")
    for name in ("POST session", f"POST {BATCH} reviews"):
        r = results[name]
        print(f"{name:18} {r['request']:8.3f} {r['no sync']:8.3f} {r['sql']:8.3f} {r['sql, no triggers']:8.3f}"
              f" {r['sql, no indexes']:8.3f} | {r['request'] - r['no sync']:6.3f} {r['no sync'] - r['sql']:6.3f}"
              f" {r['sql'] - r['sql, no triggers']:6.3f} {r['sql'] - r['sql, no indexes']:6.3f}")
    (OUT / "writes.json").write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
