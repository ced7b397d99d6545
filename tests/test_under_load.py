"""Several gunicorn workers writing at once lose nothing, and a server killed
in the middle of writing keeps everything it acknowledged."""
import http.client
import random
import sqlite3
import threading

import pytest

from tests.helpers import counters_that_differ_from_a_recount, rows_in
from tests.live_server import LiveServer

CLIENTS = 8
REQUESTS_PER_CLIENT = 40
BATCHES_BEFORE_THE_KILL = 40


@pytest.fixture
def server(db_path):
    live = LiveServer(db_path, workers=4).start()
    yield live
    live.stop()


def group_words(db_path):
    conn = sqlite3.connect(db_path)
    try:
        words = {}
        for group_id, word_id in conn.execute("SELECT group_id, word_id FROM word_groups"):
            words.setdefault(group_id, []).append(word_id)
        return words
    finally:
        conn.close()


class Tally:
    """What the clients were told, across threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.changed = threading.Condition(self.lock)  # notified when a batch is acknowledged
        self.sessions = set()
        self.review_items = 0
        self.sent = {}  # session id -> items in the one batch sent to it
        self.batches = {}  # the same, for the batches acknowledged
        self.unexpected = []  # (request, status, body) of every answer that was not the one expected
        self.locked = 0
        self.requests = 0

    def saw(self, request, status, body, expected):
        with self.lock:
            self.requests += 1
            if status != expected:
                self.unexpected.append((request, status, body))
            if "locked" in str(body):
                self.locked += 1


def client_run(server, words, tally, seed):
    rng = random.Random(seed)
    session_id, group_id = None, None
    for _ in range(REQUESTS_PER_CLIENT):
        kind = rng.choice(["create", "batch", "batch", "single", "read"]) if session_id else "create"
        if kind == "create":
            group_id = rng.choice(list(words))
            path = "/api/study-sessions"
            status, body = server.request("POST", path, {"group_id": group_id, "study_activity_id": rng.choice([1, 2])})
            if status == 201:
                session_id = body["id"]
                with tally.lock:
                    tally.sessions.add(session_id)
        elif kind == "batch":
            reviews = [{"word_id": rng.choice(words[group_id]), "is_correct": rng.random() < 0.7}
                       for _ in range(rng.randint(1, 20))]
            path = f"/api/study-sessions/{session_id}/review"
            status, body = server.request("POST", path, {"reviews": reviews})
            if status == 201:
                with tally.lock:
                    tally.review_items += body["recorded"]
        elif kind == "single":
            path = f"/api/study-sessions/{session_id}/words/{rng.choice(words[group_id])}/review"
            status, body = server.request("POST", path, {"correct": rng.random() < 0.5})
            if status == 201:
                with tally.lock:
                    tally.review_items += 1
        else:
            path = rng.choice(["/api/study-sessions", "/api/dashboard/stats", "/api/dashboard/recent-session",
                               f"/api/study-sessions/{session_id}", "/words?sort_by=wrong_count&order=desc",
                               f"/groups/{group_id}/study_sessions"])
            status, body = server.request("GET", path)
        tally.saw(path, status, body, 200 if kind == "read" else 201)


def run_clients(target, *args):
    threads = [threading.Thread(target=target, args=(*args, seed)) for seed in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def test_concurrent_writers_lose_nothing(server, db_path):
    tally = Tally()
    run_clients(client_run, server, group_words(db_path), tally)
    print(f"\nload: {tally.requests} requests, {len(tally.sessions)} sessions and "
          f"{tally.review_items} review items acknowledged, {len(tally.unexpected)} unexpected, {tally.locked} locked")
    assert tally.requests == CLIENTS * REQUESTS_PER_CLIENT  # every request answered
    assert tally.unexpected == [] and tally.locked == 0
    assert rows_in(db_path, "SELECT count(*) FROM study_sessions") == [(len(tally.sessions),)]
    assert rows_in(db_path, "SELECT count(*) FROM word_review_items") == [(tally.review_items,)]
    assert counters_that_differ_from_a_recount(db_path) == []


def writer_until_killed(server, words, tally, stop, seed):
    """One session per batch, so a batch half-written would show as a short session."""
    rng = random.Random(seed)
    while not stop.is_set():
        try:
            group_id = rng.choice(list(words))
            status, body = server.request("POST", "/api/study-sessions", {"group_id": group_id,
                                                                          "study_activity_id": 1})
            if status != 201:
                continue
            session_id = body["id"]
            with tally.lock:
                tally.sessions.add(session_id)
            size = rng.randint(2, 20)
            reviews = [{"word_id": rng.choice(words[group_id]), "is_correct": rng.random() < 0.5}
                       for _ in range(size)]
            with tally.lock:
                tally.sent[session_id] = size
            status, body = server.request("POST", f"/api/study-sessions/{session_id}/review", {"reviews": reviews})
            if status == 201:
                with tally.lock:
                    tally.batches[session_id] = size
                    tally.changed.notify_all()
        except (OSError, http.client.HTTPException):  # the server is gone: unanswered means unacknowledged
            return


def test_a_killed_server_keeps_every_acknowledged_write(db_path):
    server = LiveServer(db_path, workers=4).start()
    words, tally, stop = group_words(db_path), Tally(), threading.Event()
    threads = [threading.Thread(target=writer_until_killed, args=(server, words, tally, stop, seed))
               for seed in range(CLIENTS)]
    for thread in threads:
        thread.start()
    try:
        with tally.changed:  # the timeout only keeps the test from hanging
            got_going = tally.changed.wait_for(lambda: len(tally.batches) >= BATCHES_BEFORE_THE_KILL, timeout=120)
    finally:
        server.kill()  # amid the writes of the other clients
        stop.set()
        for thread in threads:
            thread.join()
    assert got_going, "the load did not get going"
    sizes = dict(rows_in(db_path, "SELECT study_session_id, count(*) FROM word_review_items GROUP BY 1"))
    posted = rows_in(db_path, "SELECT id FROM study_sessions")
    print(f"\ncrash: {len(tally.sessions)} sessions and {len(tally.batches)} batches acknowledged before the kill; "
          f"{len(posted)} sessions and {sum(sizes.values())} review items stored")
    assert rows_in(db_path, "PRAGMA integrity_check") == [("ok",)]
    assert tally.sessions <= {row[0] for row in posted}
    assert all(sizes.get(session_id) == size for session_id, size in tally.batches.items())
    # each batch went to a session of its own: even one cut off by the kill is all there or not at all
    assert all(sizes.get(session_id, 0) in (0, size) for session_id, size in tally.sent.items())
    assert counters_that_differ_from_a_recount(db_path) == []

    restarted = LiveServer(db_path, workers=2).start()
    try:
        assert restarted.request("GET", "/api/dashboard/stats")[1]["total_sessions"] == len(posted)
        assert restarted.request("POST", "/api/study-sessions", {"group_id": 1, "study_activity_id": 1})[0] == 201
    finally:
        restarted.stop()
