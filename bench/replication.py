"""What continuous replication with Litestream costs, and what it may lose.

    python -m bench.replication [--large bench/out/large.db] [--kills 10] [--quick]

The servers are started as make run starts them (flask serve), on copies of a
freshly seeded database, each with a file:// replica of its own, at the
default settings (a sync interval of 1 s):

- write throughput with replication off and on, side by side: the two
  servers run together and take the load in turn, round by round, a new
  study session and a 10-review batch each;
- the data loss window: under a write load paced at two rates, the server
  and Litestream are killed together (kill -9 of both, the host lost) at a
  random moment; the replica is restored with ``flask restore
  --from-replica`` (integrity_check and the counters' recount included)
  and every acknowledged write it lacks is counted, with how long before the
  kill it was acknowledged;
- the time to restore the large benchmark database (1,000,000 review items)
  from its replica, and what its start under Litestream costs (the start
  ships the whole file).

Numbers depend on the machine and what else runs on it; results go to
bench/out/replication.json.
"""
import argparse
import http.client
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from lib.startup import init_database
from lib.store import replication, seed
from lib.store.connection import connect
from tests.live_server import ROOT, LiveServer

OUT = ROOT / "bench" / "out"
FLASK = Path(sys.executable).parent / "flask"
SESSION = {"group_id": 1, "study_activity_id": 1}
CLIENTS = 4


class Server(LiveServer):
    """The server as make run starts it."""

    def command(self):
        return [str(Path(sys.executable).parent / "flask"), "--app", "app", "serve", "--workers", "2",
                "--bind", f"127.0.0.1:{self.port}"]


class Client:
    """One kept-alive HTTP connection."""

    def __init__(self, port):
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def post(self, path, body):
        try:
            self.conn.request("POST", path, body=json.dumps(body), headers={"Content-Type": "application/json"})
            response = self.conn.getresponse()
            return response.status, json.loads(response.read() or "null")
        except (OSError, http.client.HTTPException, ValueError):
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            return None, None

    def close(self):
        self.conn.close()


def group_words(database):
    conn = connect(str(database), read_only=True)
    try:
        return [row[0] for row in conn.execute("SELECT word_id FROM word_groups WHERE group_id = 1 LIMIT 10")]
    finally:
        conn.close()


def batch(words):
    return {"reviews": [{"word_id": word, "is_correct": index % 3 != 0} for index, word in enumerate(words)]}


def start(folder, template, replica=None):
    """A server on a copy of ``template``; the seconds it took to answer."""
    folder.mkdir(parents=True, exist_ok=True)
    database = folder / "lang_portal.db"
    shutil.copy(template, database)
    env = {"LANG_PORTAL_REPLICA": replica} if replica else {}
    server = Server(database, env=env)
    began = time.monotonic()
    with open(folder / "server.log", "wb") as log:
        server.start(timeout=600, stderr=log)
    server.start_seconds = time.monotonic() - began
    return server


def restore_elsewhere(replica, database):
    """``flask restore --from-replica`` into a new ``database``, as on
    another machine; the seconds it took. A restored file that fails
    integrity_check or a counter's recount stops the benchmark."""
    began = time.monotonic()
    done = subprocess.run([str(FLASK), "--app", "app", "restore", "--from-replica"], cwd=ROOT, capture_output=True,
                          text=True, env={**os.environ, "LANG_PORTAL_DATABASE": str(database),
                                          "LANG_PORTAL_REPLICA": replica})
    if done.returncode != 0:
        raise SystemExit(f"restore from {replica} failed: {done.stderr}")
    return time.monotonic() - began


# --- throughput ---------------------------------------------------------

def load(port, case, words, seconds):
    """Requests per second that ``CLIENTS`` threads get answered with 201."""
    done = []
    deadline = time.monotonic() + seconds

    def client():
        http_client = Client(port)
        session = None
        count = 0
        while time.monotonic() < deadline:
            if case == "POST session" or session is None:
                status, answer = http_client.post("/api/study-sessions", SESSION)
                session = answer["id"] if status == 201 else None
                if case == "POST session" and status == 201:
                    count += 1
            elif http_client.post(f"/api/study-sessions/{session}/review", batch(words))[0] == 201:
                count += 1
        http_client.close()
        done.append(count)

    began = time.monotonic()
    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(done) / (time.monotonic() - began)


def throughput(work, template, rounds, seconds):
    """Each case's rate with replication off and on, in pairs of rounds
    taken one right after the other (in turn off first, on first): the
    cost is the median of the pairs' ratios, so that a change in what else
    the machine runs moves both sides of a pair alike."""
    off = start(work / "off", template)
    on = start(work / "on", template, f"file://{work / 'on-replica'}")
    words = group_words(template)
    results = {}
    try:
        for case in ("POST session", "POST 10 reviews"):
            rates = {"off": [], "on": []}
            for index in range(rounds):
                pair = (("off", off), ("on", on)) if index % 2 == 0 else (("on", on), ("off", off))
                for mode, server in pair:
                    rates[mode].append(load(server.port, case, words, seconds))
            cost = 1 - statistics.median(on_rate / off_rate for on_rate, off_rate in zip(rates["on"], rates["off"]))
            results[case] = {"off": rates["off"], "on": rates["on"], "cost": cost}
            print(f"{case:16} off {statistics.median(rates['off']):5.0f} req/s   on {statistics.median(rates['on']):5.0f}"
                  f" req/s   cost {cost:6.1%}   ({rounds} pairs of {seconds:g} s rounds; off {fmt(rates['off'])},"
                  f" on {fmt(rates['on'])})", flush=True)
    finally:
        off.stop()
        on.stop()
    return results


def fmt(values):
    return "/".join(f"{value:.0f}" for value in values)


# --- the loss window ----------------------------------------------------

def writer(port, words, rate, stop, acknowledged, offset, threads):
    """Write a session then its 10-review batch, over and over, paced at
    ``rate`` writes a second over all threads (None: as fast as answered);
    note when each write was acknowledged."""
    http_client = Client(port)
    began, turn = time.monotonic(), 0

    def wait_turn():
        nonlocal turn
        if rate:
            pause = began + (turn * threads + offset) / rate - time.monotonic()
            turn += 1
            if pause > 0:
                time.sleep(pause)

    while not stop.is_set():
        wait_turn()
        status, session = http_client.post("/api/study-sessions", SESSION)
        if status != 201:
            continue
        acknowledged.append(("session", session["id"], time.monotonic()))
        wait_turn()
        status, _ = http_client.post(f"/api/study-sessions/{session['id']}/review", batch(words))
        if status == 201:
            acknowledged.append(("batch", session["id"], time.monotonic()))


def one_kill(work, template, words, rate, trial):
    folder = work / f"kill-{rate or 'max'}-{trial}"
    replica = f"file://{folder / 'replica'}"
    server = start(folder, template, replica)
    acknowledged, stop = [], threading.Event()
    threads = [threading.Thread(target=writer, args=(server.port, words, rate, stop, acknowledged, index, CLIENTS))
               for index in range(CLIENTS)]
    for thread in threads:
        thread.start()
    time.sleep(random.uniform(3, 6))
    killed_at = time.monotonic()
    server.kill()  # the server and Litestream, at once
    stop.set()
    for thread in threads:
        thread.join()
    load_seconds = killed_at - min(at for _, _, at in acknowledged)

    restored = folder / "elsewhere" / "lang_portal.db"
    restore_seconds = restore_elsewhere(replica, restored)
    conn = connect(str(restored), read_only=True)
    try:
        sessions = {row[0] for row in conn.execute("SELECT id FROM study_sessions")}
        batches = {row[0] for row in conn.execute(
            "SELECT study_session_id FROM word_review_items GROUP BY 1 HAVING count(*) >= 10")}
    finally:
        conn.close()
    missing = [killed_at - at for kind, session, at in acknowledged
               if session not in (sessions if kind == "session" else batches)]
    shutil.rmtree(folder)
    return {"acknowledged": len(acknowledged), "rate": len(acknowledged) / load_seconds, "missing": len(missing),
            "oldest_missing": max(missing, default=0.0), "restore_seconds": restore_seconds}


def loss_window(work, template, rates, kills, sync_interval):
    words = group_words(template)
    results = {}
    for rate in rates:
        trials = []
        for trial in range(kills):
            found = one_kill(work, template, words, rate, trial)
            trials.append(found)
            print(f"  {rate or 'unpaced':>7} writes/s, kill {trial + 1:2}: {found['acknowledged']:5} acknowledged"
                  f" ({found['rate']:.0f}/s), {found['missing']:3} missing, the oldest"
                  f" {found['oldest_missing']:.2f} s before the kill", flush=True)
        oldest = [trial["oldest_missing"] for trial in trials]
        rate_seen = statistics.median(trial["rate"] for trial in trials)
        results[str(rate or "unpaced")] = {"trials": trials, "worst": max(oldest), "median": statistics.median(oldest)}
        print(f"{rate or 'unpaced'} writes/s (measured {rate_seen:.0f}/s), {kills} kills: acknowledged writes lost"
              f" worst {max(oldest):.2f} s, median {statistics.median(oldest):.2f} s before the kill;"
              f" missing writes worst {max(t['missing'] for t in trials)},"
              f" median {statistics.median(t['missing'] for t in trials):.0f}", flush=True)
        if max(oldest) > sync_interval + 1:
            print(f"  !! a write acknowledged more than {sync_interval + 1:g} s before a kill was lost", flush=True)
    return results


# --- the large database -------------------------------------------------

def large_restore(work, large):
    plain = start(work / "large-off", large)
    plain.stop()
    shutil.rmtree(work / "large-off")
    folder = work / "large"
    replica = f"file://{folder / 'replica'}"
    server = start(folder, large, replica)
    started = server.start_seconds
    for _ in range(20):
        server.request("POST", "/api/study-sessions", SESSION)
    server.stop()
    size = sum(path.stat().st_size for path in (folder / "replica").rglob("*") if path.is_file())
    began = time.monotonic()
    replication.restore(replica, folder / "bare.db")
    bare = time.monotonic() - began
    checked = restore_elsewhere(replica, folder / "elsewhere" / "lang_portal.db")
    result = {"database_bytes": large.stat().st_size, "replica_bytes": size, "start_seconds": started,
              "start_seconds_without_replica": plain.start_seconds,
              "litestream_restore_seconds": bare, "flask_restore_seconds": checked}
    print(f"large database ({large.stat().st_size / 1e6:.0f} MB, replica {size / 1e6:.0f} MB): a start under"
          f" Litestream {started:.1f} s (without {plain.start_seconds:.1f} s); litestream restore {bare:.1f} s;"
          f" flask restore --from-replica (with integrity_check and the recount) {checked:.1f} s", flush=True)
    shutil.rmtree(folder)
    return result


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--large", type=Path, default=OUT / "large.db",
                        help="the 1,000,000-review database (make bench builds it); skipped if missing")
    parser.add_argument("--kills", type=int, default=10, help="kills at each write rate")
    parser.add_argument("--rates", default="150,0", help="paced write rates, 0 for unpaced (default 150,0)")
    parser.add_argument("--rounds", type=int, default=8, help="pairs of rounds, off and on")
    parser.add_argument("--seconds", type=float, default=3, help="each round's length")
    parser.add_argument("--quick", action="store_true", help="2 kills a rate, 2 short rounds")
    parser.add_argument("--only", choices=["throughput", "loss", "large"], help="measure only this")
    args = parser.parse_args(argv)
    if args.quick:
        args.kills, args.rounds, args.seconds = 2, 2, 2
    rates = [int(rate) or None for rate in args.rates.split(",")]
    results = {"cpus": os.cpu_count()}
    with tempfile.TemporaryDirectory(prefix="bench-replication-") as scratch:
        work = Path(scratch)
        template = work / "seeded.db"
        init_database(str(template), str(seed.SEED_DIR))
        if args.only in (None, "throughput"):
            print("write throughput, replication off and on (2 workers, 4 clients):", flush=True)
            results["throughput"] = throughput(work, template, args.rounds, args.seconds)
        if args.only in (None, "loss"):
            print("the loss window (sync interval 1 s):", flush=True)
            results["loss_window"] = loss_window(work, template, rates, args.kills, sync_interval=1.0)
        if args.only not in (None, "large"):
            pass
        elif args.large.exists():
            results["large"] = large_restore(work, args.large)
        else:
            print(f"{args.large} is missing: no restore of the large database (make bench builds it)")
    OUT.mkdir(exist_ok=True)
    (OUT / "replication.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
