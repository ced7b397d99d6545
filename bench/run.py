"""The benchmark behind ``make bench``.

    python -m bench.run            # the full run (about 10 minutes, +5 to build)
    python -m bench.run --quick    # shorter samples, same cases (about 3 minutes)

On a small database (the seed plus 10,000 review items) and a large one
(bench/generate.py's defaults: 10,000 words, 100,000 sessions, 1,000,000
review items) it measures every GET route of the contract, and the two writes,
twice:

- latency in-process (Flask's test client): p50 and p99;
- requests per second over HTTP under gunicorn (the settings `make run` uses, on
  loopback) with bench/load.py, next to a bare Flask route served the same way
  (bench/bare_app.py): the ceiling each route is a fraction of. The two are
  measured in turn, case by case, so that both see the same machine.

A third database, "vocabulary", has the large one's words and groups but the
small one's history. Its in-process latency separates what grows with the
history (large / vocabulary) from what grows with the vocabulary: a group of
200 words costs more to list than one of 50, however short the history.

A fourth, "learners", holds the large one's history spread over 1,000
learners. Its cases are sent as one of them (the one with the most reviews),
with their Bearer token, in-process and over HTTP, on the large one's group,
activity and word: the p50 over the large one's (N/L) is what many learners
cost one of them, the token's lookup included, and its share of the bare
route is what a request with a token keeps. On the other databases every
request is the default learner's, sent without a header from loopback.

For the cases that miss a target, the SQL each one runs and its EXPLAIN QUERY
PLAN are printed after the table.

The databases are built in bench/out/ (git-ignored) and reused while their
parameters, the generator, the scheduler and the migrations are unchanged.
Every measurement runs on a copy, so that the writes never change them. The
table goes to stdout, everything to bench/out/results.json.
"""
import argparse
import json
import os
import platform
import re
import sqlite3
import statistics
import time
from contextlib import ExitStack
from datetime import datetime, timezone

from app import create_app
from bench import generate, import_words, load
from bench.serving import BARE_PATH, OUT, ROOT, SCALES, TENFOLD, app_server, bare_server, database, working_copy
from lib.store.learners import DEFAULT_LEARNER_ID
from tests.live_server import HOST
from tests.sql_trace import selects, trace_statements

REVIEW_BATCH = 10
WRITE_SESSIONS = 50  # review batches go to these in turn

# Targets, checked at the large scale.
MAX_LATENCY_RATIO = 1.5
MIN_CEILING_SHARE = 0.5  # every GET route, unless it has a share of its own below
CEILING_SHARES = {
    "group words raw": 0.35,  # every word of a group, by contract
    "groups p1": 0.63,        # the cheapest routes: 1.3x what the original backend serves
    "activities": 0.68,
    "words due, 100": 0.35,   # a queue of 100 words: issue 23's own floor
    "group words due, 100": 0.35,
    "POST session": 0.35,
    f"POST {REVIEW_BATCH} reviews": 0.20,
}
MAX_STATS_OVER_CHEAPEST = 3.0
# Conditional GETs: each of these list routes again, sent the ETag of its
# answer in If-None-Match, and answered 304 Not Modified (issue 23's
# target: 80 % of the bare route's rate).
CONDITIONAL = ("words p1", "groups p1", "group words p1", "group sessions p1", "activities",
               "activity sessions p1", "sessions p1")
NOT_MODIFIED = ", 304"
MIN_CONDITIONAL_SHARE = 0.8
# Routes whose answers grow with the data: their cost is compared per item
# they answer (words or groups listed; for the forecast, schedules counted).
GROWING = {
    "words due": "words", "words due, 100": "words", "leeches": "words",
    "group words due": "words", "group words due, 100": "words",
    "dashboard forecast": "schedules", "dashboard forecast 365 days": "schedules",
    "dashboard groups": "groups",
}
# Checked on the learners database, each GET route with a Bearer token: its
# p50 against the same route's on the large one (MAX_LATENCY_RATIO), its
# share of the bare route's rate; a route's own lower share above holds.
MIN_TOKEN_SHARE = 0.45
# The targets whose misses the table marks with a *
FLAGGED = ("latency_ratio", "ceiling_share", "learners_ratio", "token_share")


# ---------------------------------------------------------------- databases

def learner_of(scale, path):
    """(learner id, request headers) the cases of ``scale`` are sent as: the
    default learner, whom a request from this machine needs no header for;
    on a database of many learners, the one with the most review items,
    named by their token (beside the database at ``path``)."""
    if not SCALES.get(scale, {}).get("learners"):
        return DEFAULT_LEARNER_ID, {}
    conn = sqlite3.connect(path)
    try:
        learner = conn.execute("SELECT learner_id FROM learner_totals WHERE learner_id != ?"
                               " ORDER BY review_items_count DESC, learner_id LIMIT 1",
                               (DEFAULT_LEARNER_ID,)).fetchone()[0]
    finally:
        conn.close()
    token = next(entry["token"] for entry in generate.read_tokens(path) if entry["id"] == learner)
    return learner, {"Authorization": f"Bearer {token}"}


def context(path, learner, like=None):
    """Ids and page numbers for the cases, as the learner sees them: typical
    rows of their history, or the group, activity and word of the context
    ``like``."""
    conn = sqlite3.connect(path)
    try:
        def one(sql, *params):
            return conn.execute(sql, params).fetchone()[0]
        if like is None:
            group = one("SELECT group_id FROM learner_groups WHERE learner_id = ?"
                        " ORDER BY sessions_count DESC, group_id LIMIT 1", learner)
            activity = one("SELECT study_activity_id FROM learner_activities WHERE learner_id = ?"
                           " ORDER BY sessions_count DESC, study_activity_id LIMIT 1", learner)
            word = one("SELECT id FROM words ORDER BY id LIMIT 1 OFFSET (SELECT count(*) / 2 FROM words)")
        else:
            group, activity, word = like["group"], like["activity"], like["word"]
        group_words = [row[0] for row in conn.execute(
            "SELECT word_id FROM word_groups WHERE group_id = ? ORDER BY word_id", (group,))]
        group_sessions = one("SELECT coalesce((SELECT sessions_count FROM learner_groups"
                             " WHERE learner_id = ? AND group_id = ?), 0)", learner, group)
        activity_sessions = one("SELECT coalesce((SELECT sessions_count FROM learner_activities"
                                " WHERE learner_id = ? AND study_activity_id = ?), 0)", learner, activity)
        sessions = one("SELECT sessions_count FROM learner_totals WHERE learner_id = ?", learner)
        return {
            "learner": learner,
            "group": group,
            "activity": activity,
            "word": word,
            # a recent session of a typical size
            "session": one("SELECT id FROM study_sessions WHERE learner_id = ?"
                           " ORDER BY abs(review_items_count - 10), id DESC LIMIT 1", learner),
            "group_words": group_words,
            "last": {
                "words": last_page(one("SELECT count(*) FROM words"), 50),
                "groups": last_page(one("SELECT count(*) FROM groups"), 10),
                "group_words": last_page(len(group_words), 10),
                "group_sessions": last_page(group_sessions, 10),
                "activity_sessions": last_page(activity_sessions, 10),
                "sessions": last_page(sessions, 10),
            },
            # learners: those with a history; the learner's sessions and
            # reviews; all_: every learner's
            "counts": {
                "words": one("SELECT count(*) FROM words"),
                "learners": one("SELECT count(*) FROM learner_totals WHERE sessions_count > 0"),
                "sessions": sessions,
                "review_items": one("SELECT review_items_count FROM learner_totals WHERE learner_id = ?", learner),
                "group_sessions": group_sessions,
                "all_sessions": one("SELECT count(*) FROM study_sessions"),
                "all_review_items": one("SELECT count(*) FROM word_review_items"),
            },
        }
    finally:
        conn.close()


def last_page(total, per_page):
    return max(1, (total + per_page - 1) // per_page)


# ---------------------------------------------------------------- cases

CASE_FILTER = None  # --only: a regular expression that case names must match


def selected(cases):
    return [case for case in cases if CASE_FILTER is None or CASE_FILTER.search(case[0])]


def read_cases(ctx):
    """[(name, path)]: every GET route of the contract, first page, the
    deepest page and each sort key where the route has them."""
    g, a, last = ctx["group"], ctx["activity"], ctx["last"]
    cases = [
        ("words p1", "/api/words"),
        ("words last page", f"/api/words?page={last['words']}"),
        ("words middle page", f"/api/words?page={(last['words'] + 1) // 2}"),
        ("words by romaji", "/api/words?sort_by=romaji"),
        ("words by english", "/api/words?sort_by=english"),
        ("words by correct_count desc", "/api/words?sort_by=correct_count&order=desc"),
        ("words by wrong_count desc", "/api/words?sort_by=wrong_count&order=desc"),
        ("word", f"/api/words/{ctx['word']}"),
        ("words due", "/api/words/due"),
        ("words due, 100", "/api/words/due?limit=100&new=100"),
        ("leeches", "/api/words/leeches?lapses=3"),
        ("groups p1", "/api/groups"),
        ("groups last page", f"/api/groups?page={last['groups']}"),
        ("groups by word_count desc", "/api/groups?sort_by=word_count&order=desc"),
        ("group", f"/api/groups/{g}"),
        ("group words p1", f"/api/groups/{g}/words"),
        ("group words last page", f"/api/groups/{g}/words?page={last['group_words']}"),
        ("group words by romaji", f"/api/groups/{g}/words?sort_by=romaji"),
        ("group words by english", f"/api/groups/{g}/words?sort_by=english"),
        ("group words by correct_count desc", f"/api/groups/{g}/words?sort_by=correct_count&order=desc"),
        ("group words by wrong_count desc", f"/api/groups/{g}/words?sort_by=wrong_count&order=desc"),
        ("group words raw", f"/api/groups/{g}/words/raw"),
        ("group words due", f"/api/groups/{g}/words/due"),
        ("group words due, 100", f"/api/groups/{g}/words/due?limit=100&new=100"),
        ("group sessions p1", f"/api/groups/{g}/study-sessions"),
        ("group sessions last page", f"/api/groups/{g}/study-sessions?page={last['group_sessions']}"),
    ]
    for key in ("id", "activity_name", "group_name", "end_time", "review_items_count"):
        cases.append((f"group sessions by {key}", f"/api/groups/{g}/study-sessions?sort_by={key}"))
    cases += [
        ("activities", "/api/study-activities"),
        ("activity", f"/api/study-activities/{a}"),
        ("activity sessions p1", f"/api/study-activities/{a}/sessions"),
        ("activity sessions last page", f"/api/study-activities/{a}/sessions?page={last['activity_sessions']}"),
        ("activity sessions middle page",
         f"/api/study-activities/{a}/sessions?page={(last['activity_sessions'] + 1) // 2}"),
        ("activity launch", f"/api/study-activities/{a}/launch"),
        ("sessions p1", "/api/study-sessions"),
        ("sessions last page", f"/api/study-sessions?page={last['sessions']}"),
        # Pages are read from the nearer end of an index: the middle is the deepest.
        ("sessions middle page", f"/api/study-sessions?page={(last['sessions'] + 1) // 2}"),
        ("session", f"/api/study-sessions/{ctx['session']}"),
        ("dashboard recent-session", "/api/dashboard/recent-session"),
        ("dashboard stats", "/api/dashboard/stats"),
        ("dashboard stats in Tokyo", "/api/dashboard/stats?tz=Asia/Tokyo"),
        ("dashboard history", "/api/dashboard/history"),
        ("dashboard history in New York", "/api/dashboard/history?tz=America/New_York"),
        ("dashboard history 30 days", "/api/dashboard/history?days=30&tz=Asia/Tokyo"),
        ("dashboard forecast", "/api/dashboard/forecast?tz=Asia/Tokyo"),
        ("dashboard forecast 365 days", "/api/dashboard/forecast?days=365&tz=Asia/Tokyo"),
        ("dashboard retention", "/api/dashboard/retention"),
        ("dashboard retention 52 weeks", "/api/dashboard/retention?weeks=52&tz=Asia/Tokyo"),
        ("dashboard groups", "/api/dashboard/groups"),
    ]
    paths = dict(cases)
    cases += [(name + NOT_MODIFIED, paths[name]) for name in CONDITIONAL]
    return selected(cases)


def conditional(name, headers, etag_of):
    """The headers of case ``name``: for a conditional case, with the
    If-None-Match of the ETag ``etag_of()`` fetches from the same server."""
    if not name.endswith(NOT_MODIFIED):
        return headers
    return {**headers, "If-None-Match": etag_of()}


def etag_in(raw_response):
    """The ETag header's value in a raw HTTP response."""
    head = raw_response.split(b"\r\n\r\n", 1)[0].decode("latin-1")
    return next(line.split(":", 1)[1].strip() for line in head.split("\r\n")[1:]
                if line.lower().startswith("etag:"))


def write_cases(ctx, session_ids):
    """[(name, [(path, json body)])]: the variants are sent in turn."""
    words = ctx["group_words"]
    batch = words[:REVIEW_BATCH] if len(words) >= REVIEW_BATCH else (words * REVIEW_BATCH)[:REVIEW_BATCH]
    reviews = [{"word_id": word, "is_correct": n % 4 != 0} for n, word in enumerate(batch)]
    return selected([
        ("POST session", [("/api/study-sessions",
                           {"group_id": ctx["group"], "study_activity_id": ctx["activity"]})]),
        (f"POST {REVIEW_BATCH} reviews", [(f"/api/study-sessions/{session_id}/review", {"reviews": reviews})
                                          for session_id in session_ids]),
    ])


def create_write_sessions(client, ctx, headers):
    ids = []
    for _ in range(WRITE_SESSIONS):
        response = client.post("/api/study-sessions", headers=headers,
                               json={"group_id": ctx["group"], "study_activity_id": ctx["activity"]})
        assert response.status_code == 201, response.get_data(as_text=True)
        ids.append(response.get_json()["id"])
    return ids


# ---------------------------------------------------------------- in-process latency

def percentile(sorted_values, fraction):
    index = min(len(sorted_values) - 1, max(0, round(fraction * (len(sorted_values) - 1))))
    return sorted_values[index]


def time_requests(senders, count, budget):
    """Latency of each of ``senders`` ({scale: send}, each returning a
    status): up to ``count`` samples each within ``budget`` seconds per
    sender, after a short warm-up. The senders take turns request by
    request, so that every scale sees the same machine (other processes
    come and go): their ratios are far steadier than timings taken apart."""
    for send in senders.values():
        for _ in range(3):
            status = send()
            if status >= 400:
                raise RuntimeError(f"status {status}")
    samples = {scale: [] for scale in senders}
    deadline = time.perf_counter() + budget * len(senders)
    rounds = 0
    while rounds < count and (rounds < 20 or time.perf_counter() < deadline):
        for scale, send in senders.items():
            started = time.perf_counter()
            status = send()
            samples[scale].append(time.perf_counter() - started)
            if status >= 400:
                raise RuntimeError(f"status {status}")
        rounds += 1
    results = {}
    for scale, taken in samples.items():
        taken.sort()
        results[scale] = {"p50_ms": percentile(taken, 0.5) * 1000, "p99_ms": percentile(taken, 0.99) * 1000,
                          "samples": len(taken), "mean_ms": statistics.fmean(taken) * 1000}
    return results


def items_in(name, answer):
    """How many items the answer of the growing case ``name`` holds (at least 1)."""
    if GROWING[name] == "schedules":
        return max(1, sum(day["due"] for day in answer["days"]))
    return max(1, len(answer[GROWING[name]]))


def in_process(works, ctxs, headers, settings):
    """{scale: {case: latency}} for every case on every scale's database
    (``works``, with their contexts ``ctxs``, sent with the scale's
    ``headers``), the scales in turn."""
    clients = {scale: create_app({"DATABASE": str(path)}).test_client() for scale, path in works.items()}
    results = {scale: {} for scale in works}

    def record(name, senders):
        for scale, latency in time_requests(senders, settings["samples"], settings["budget"]).items():
            results[scale][name] = latency

    cases = {scale: dict(read_cases(ctx)) for scale, ctx in ctxs.items()}
    for name in cases[next(iter(cases))]:
        def sender(client, url, headers):
            headers = conditional(name, headers, lambda: client.get(url, headers=headers).headers["ETag"])

            def send():
                response = client.get(url, headers=headers)
                response.get_data()
                return response.status_code
            return send
        record(name, {scale: sender(clients[scale], cases[scale][name], headers[scale]) for scale in works})
        if name in GROWING:
            for scale in works:
                answer = clients[scale].get(cases[scale][name], headers=headers[scale]).get_json()
                latency = results[scale][name]
                latency["items"] = items_in(name, answer)
                latency["p50_ms_per_item"] = latency["p50_ms"] / latency["items"]
    writes = {scale: dict(write_cases(ctx, create_write_sessions(clients[scale], ctx, headers[scale])))
              for scale, ctx in ctxs.items()}
    for name in writes[next(iter(writes))]:
        def sender(client, variants, headers):
            turn = iter(range(10**9))

            def send():
                url, body = variants[next(turn) % len(variants)]
                response = client.post(url, json=body, headers=headers)
                response.get_data()
                return response.status_code
            return send
        record(name, {scale: sender(clients[scale], writes[scale][name], headers[scale]) for scale in works})
    return results


def query_plans(path, ctx, headers):
    """{case: [{"sql", "plan"}]}: every SELECT each read case runs, explained."""
    app = create_app({"DATABASE": str(path)})
    statements = trace_statements(app)
    client = app.test_client()
    conn = sqlite3.connect(path)
    plans = {}
    try:
        for name, url in read_cases(ctx):
            statements.clear()
            client.get(url, headers=headers)
            plans[name] = [{"sql": " ".join(sql.split()),
                            "plan": [row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}")]}
                           for sql in selects(statements)]
    finally:
        conn.close()
    return plans


# ---------------------------------------------------------------- HTTP throughput

def throughput(app_port, raw_requests, bare_port, settings):
    """Requests per second of one case, and of the bare route measured in
    turn with it, so that both see the same machine (other processes on it
    come and go): {"rps", "bare_rps", "ceiling_share", "failed"}."""
    bare_raw = [load.request_bytes("GET", BARE_PATH, HOST, bare_port)]
    done = failed = bare_done = 0
    for _ in range(settings["rounds"]):
        result = load.run(HOST, app_port, raw_requests, settings["slice"],
                          connections=settings["connections"], warmup=settings["warmup"])
        done, failed = done + result["requests"], failed + result["failed"]
        bare_done += load.run(HOST, bare_port, bare_raw, settings["bare_slice"],
                              connections=settings["connections"], warmup=settings["warmup"])["requests"]
    if failed:
        print(f"    {failed} requests failed", flush=True)
    rps = done / (settings["rounds"] * settings["slice"])
    bare_rps = bare_done / (settings["rounds"] * settings["bare_slice"])
    return {"rps": rps, "bare_rps": bare_rps, "ceiling_share": rps / bare_rps, "failed": failed}


def over_http(path, ctx, headers, settings):
    """Every case over HTTP against ``path``, sent with ``headers``, next to
    the bare route."""
    # The sessions that review batches go to are made before the server starts.
    app = create_app({"DATABASE": str(path)})
    session_ids = create_write_sessions(app.test_client(), ctx, headers)
    results = {}
    with bare_server() as bare, app_server(path) as server:
        def request(method, url, body=None, sent=headers):
            return load.request_bytes(method, url, HOST, server.port, body, sent)
        # the workers' first requests fill their caches
        load.run(HOST, server.port, [request("GET", "/api/words")], 0.5)
        load.run(HOST, bare.port, [load.request_bytes("GET", BARE_PATH, HOST, bare.port)], 0.5)
        for name, url in read_cases(ctx):
            sent = conditional(name, headers, lambda: etag_in(load.fetch((HOST, server.port), request("GET", url))))
            results[name] = throughput(server.port, [request("GET", url, sent=sent)], bare.port, settings)
        for name, variants in write_cases(ctx, session_ids):
            raw = [request("POST", url, json.dumps(body)) for url, body in variants]
            results[name] = throughput(server.port, raw, bare.port, settings)
    return results


# ---------------------------------------------------------------- report

def share_target(name):
    if name.endswith(NOT_MODIFIED):
        return MIN_CONDITIONAL_SHARE
    return CEILING_SHARES.get(name, 0 if name.startswith("POST") else MIN_CEILING_SHARE)


def token_share_target(name):
    return 0 if name.startswith("POST") else min(MIN_TOKEN_SHARE, share_target(name))


def summarize(scales, bare):
    """Ratios and the issue's targets, from the measurements."""
    large, small, vocabulary, learners = (scales[scale] for scale in ("large", "small", "vocabulary", "learners"))
    rows = {}
    for name in large["latency"]:
        row = {}
        for scale, data in scales.items():
            row[scale] = {**data["latency"][name], **data.get("http", {}).get(name, {})}
        row["large_small_p50"] = large["latency"][name]["p50_ms"] / small["latency"][name]["p50_ms"]
        row["large_vocabulary_p50"] = large["latency"][name]["p50_ms"] / vocabulary["latency"][name]["p50_ms"]
        row["learners_large_p50"] = learners["latency"][name]["p50_ms"] / large["latency"][name]["p50_ms"]
        row["learners_large_rps"] = row["learners"]["rps"] / row["large"]["rps"]
        if name in GROWING:
            row["large_vocabulary_per_item"] = (large["latency"][name]["p50_ms_per_item"]
                                                / vocabulary["latency"][name]["p50_ms_per_item"])
        rows[name] = row
    reads = [name for name in rows if not name.startswith("POST")]
    same_size = [name for name in reads if name not in GROWING]
    counts = learners["context"]["counts"]
    targets = {
        "latency_ratio": {
            "scale": "large",
            "target": f"every GET route's large/small p50 <= {MAX_LATENCY_RATIO}, but those whose answers"
                      " grow with the data (per item below)",
            "misses": {n: round(rows[n]["large_small_p50"], 2) for n in same_size
                       if rows[n]["large_small_p50"] > MAX_LATENCY_RATIO}},
        "history_ratio": {
            "scale": "large",
            "target": f"every GET route's large/vocabulary p50 <= {MAX_LATENCY_RATIO}"
                      " (the same vocabulary, 100x the history), per item for those whose answers grow",
            "misses": {n: round(rows[n].get("large_vocabulary_per_item", rows[n]["large_vocabulary_p50"]), 2)
                       for n in reads if rows[n].get("large_vocabulary_per_item", rows[n]["large_vocabulary_p50"])
                       > MAX_LATENCY_RATIO}},
        "ceiling_share": {
            "scale": "large",
            "target": f"HTTP throughput as a share of bare Flask's (large): every GET route >= "
                      f"{MIN_CEILING_SHARE:.0%}, 304s >= {MIN_CONDITIONAL_SHARE:.0%}, and "
                      + ", ".join(f"{n} >= {share:.0%}" for n, share in CEILING_SHARES.items()),
            "misses": {n: round(rows[n]["large"]["ceiling_share"], 2) for n in rows
                       if rows[n]["large"]["ceiling_share"] < share_target(n)}},
        "learners_ratio": {
            "scale": "learners",
            "target": f"every GET route's learners/large p50 <= {MAX_LATENCY_RATIO} (the large history over"
                      f" {counts['learners']} learners, with a Bearer token)",
            "misses": {n: round(rows[n]["learners_large_p50"], 2) for n in reads
                       if rows[n]["learners_large_p50"] > MAX_LATENCY_RATIO}},
        "token_share": {
            "scale": "learners",
            "target": f"HTTP throughput with a Bearer token as a share of bare Flask's (learners): every GET route"
                      f" >= {MIN_TOKEN_SHARE:.0%}" + "".join(f", {n} >= {token_share_target(n):.0%}" for n in reads
                                                             if token_share_target(n) < MIN_TOKEN_SHARE),
            "misses": {n: round(rows[n]["learners"]["ceiling_share"], 2) for n in reads
                       if rows[n]["learners"]["ceiling_share"] < token_share_target(n)}},
    }
    if "dashboard stats" in rows:
        cheapest = min(reads, key=lambda name: rows[name]["large"]["p50_ms"])
        fastest = max(reads, key=lambda name: rows[name]["large"]["rps"])
        stats = rows["dashboard stats"]["large"]
        stats_cost = targets["stats_cost"] = {
            "scale": "large",
            "target": f"dashboard stats <= {MAX_STATS_OVER_CHEAPEST}x the cheapest route (large)",
            "cheapest_by_p50": cheapest,
            "stats_over_cheapest_p50": stats["p50_ms"] / rows[cheapest]["large"]["p50_ms"],
            "cheapest_by_rps": fastest,
            "stats_over_cheapest_rps": rows[fastest]["large"]["rps"] / stats["rps"],
        }
        stats_cost["misses"] = {key: round(stats_cost[key], 2) for key in
                                ("stats_over_cheapest_p50", "stats_over_cheapest_rps")
                                if stats_cost[key] > MAX_STATS_OVER_CHEAPEST}
    for target in targets.values():
        target["met"] = not target["misses"]
    return rows, targets


def learner_writes(rows):
    """{write case: its rate and p50 as one of many learners, with a token,
    and on the large database}."""
    return {name: {"rps": row["learners"]["rps"], "ceiling_share": row["learners"]["ceiling_share"],
                   "large_rps": row["large"]["rps"], "over_large_rps": row["learners_large_rps"],
                   "p50_ms": row["learners"]["p50_ms"], "large_p50_ms": row["large"]["p50_ms"]}
            for name, row in rows.items() if name.startswith("POST")}


def print_table(rows, targets, bare, scales):
    measured = ("small", "large", "learners")
    head = (f"{'case':36} | " + " | ".join(f"{scale + ' p50':>12} {'p99':>7} {'req/s':>6} {'bare':>5}"
                                           for scale in measured)
            + f" | {'L/S p50':>7} {'L/V p50':>7} {'N/L p50':>7}")
    print()
    for scale in scales:
        c = scales[scale]["context"]["counts"]
        ceiling = f"; bare Flask ceiling {bare[scale]['rps']:.0f} req/s" if scale in bare else " (in-process only)"
        if c["learners"] == 1:
            print(f"{scale}: {c['words']} words, {c['sessions']} sessions, {c['review_items']} review items{ceiling}")
        else:
            print(f"{scale}: {c['words']} words, {c['all_sessions']} sessions, {c['all_review_items']} review items"
                  f" of {c['learners']} learners; sent as learner id {scales[scale]['context']['learner']} with a"
                  f" Bearer token: {c['sessions']} sessions, {c['review_items']} review items{ceiling}")
    print("latency in ms in-process (test client); req/s over HTTP (gunicorn as make run serves);"
          " 'bare' = req/s as a share of the bare Flask route's, measured in turn with it;"
          " L/S and L/V = large p50 over small and over vocabulary p50;"
          " N/L = learners p50 (one learner of many, with a token) over large p50")
    print(head)
    print("-" * len(head))
    for name, row in rows.items():
        missed = any(name in targets[key]["misses"] for key in FLAGGED)
        print(f"{name:36} | " + " | ".join(
                  f"{row[scale]['p50_ms']:12.2f} {row[scale]['p99_ms']:7.2f} {row[scale]['rps']:6.0f}"
                  f" {row[scale]['ceiling_share']:5.0%}" for scale in measured)
              + f" | {row['large_small_p50']:7.2f} {row['large_vocabulary_p50']:7.2f}"
                f" {row['learners_large_p50']:7.2f}{' *' if missed else ''}")
    print_per_item(rows, ("small", "large", "vocabulary", "learners"),
                   {"L/V": "large_vocabulary_per_item"})
    print()
    for key, target in targets.items():
        verdict = "met" if target["met"] else f"MISSED: {target['misses']}"
        print(f"target {target['target']}: {verdict}")
    for name, write in learner_writes(rows).items():
        print(f"  {name} with a Bearer token (learners): {write['rps']:.0f} req/s ({write['ceiling_share']:.0%} of"
              f" bare), {write['over_large_rps']:.2f}x the {write['large_rps']:.0f} req/s of large;"
              f" p50 {write['p50_ms']:.2f} ms against {write['large_p50_ms']:.2f}")
    if "stats_cost" in targets:
        stats_cost = targets["stats_cost"]
        print(f"  dashboard stats: {stats_cost['stats_over_cheapest_p50']:.2f}x the p50 of"
              f" {stats_cost['cheapest_by_p50']!r}, the req/s of {stats_cost['cheapest_by_rps']!r}"
              f" is {stats_cost['stats_over_cheapest_rps']:.2f}x its own")


def print_per_item(rows, measured, ratios):
    """The routes whose answers grow with the data: items answered and p50
    per item on each database, and ``ratios`` ({heading: row key}) of those."""
    grown = [name for name in rows if name in GROWING]
    if not grown:
        return
    print(f"\nper item answered (words, or schedules counted by the forecast), p50 in µs:")
    head = f"{'case':36} | " + " | ".join(f"{scale + ' items':>16} {'µs/item':>8}" for scale in measured) + " | " + \
        " ".join(f"{heading + '/item':>10}" for heading in ratios)
    print(head)
    print("-" * len(head))
    for name in grown:
        row = rows[name]
        print(f"{name:36} | " + " | ".join(f"{row[scale]['items']:16d} {row[scale]['p50_ms_per_item'] * 1000:8.1f}"
                                           for scale in measured)
              + " | " + " ".join(f"{row[key]:10.2f}" for key in ratios.values()))


def print_plans(targets, scales):
    """The SQL and plans of the cases that miss a target, on the database
    each target is checked on."""
    for scale in ("large", "learners"):
        plans = scales[scale]["plans"]
        missed = sorted({name for target in targets.values() if target["scale"] == scale
                         for name in target["misses"] if name in plans})
        if not missed:
            continue
        print(f"\nSQL and EXPLAIN QUERY PLAN ({scale}) of the cases that miss a target:")
        for name in missed:
            print(f"  {name}:")
            for statement in plans[name]:
                sql = statement["sql"]
                print(f"    {sql if len(sql) <= 200 else sql[:140] + ' ... ' + sql[-55:]}")
                for row in statement["plan"]:
                    print(f"        {row}")


def main(argv=None):
    parser = argparse.ArgumentParser(description="Benchmark the API on a small, a large, a vocabulary-only"
                                                 " and a many-learner database.")
    parser.add_argument("--quick", action="store_true", help="shorter samples (about 2 minutes)")
    parser.add_argument("--only", metavar="REGEX", help="only the cases whose name matches, e.g. 'words|stats'")
    parser.add_argument("--tenfold", action="store_true",
                        help="the small database against one of ten times the large history (make bench-10x)")
    parser.add_argument("--reuse", action="store_true",
                        help="keep databases built by other code with the same parameters, migrated")
    args = parser.parse_args(argv)
    global CASE_FILTER
    CASE_FILTER = re.compile(args.only) if args.only else None
    settings = ({"samples": 100, "budget": 1.0, "rounds": 1, "slice": 0.6, "bare_slice": 0.4,
                 "warmup": 0.2, "connections": 4}
                if args.quick else
                {"samples": 300, "budget": 2.0, "rounds": 2, "slice": 1.0, "bare_slice": 0.6,
                 "warmup": 0.2, "connections": 4})
    if args.tenfold:
        return tenfold(args, settings)
    started = time.perf_counter()
    end = generate.default_end()
    built = {scale: database(scale, end, args.reuse) for scale in SCALES}
    # the vocabulary and learners databases are measured on the large one's
    # group, activity and word; the vocabulary one in-process only
    scales, bare = measure(built, settings, like=("vocabulary", "learners"), plans=("small", "large", "learners"),
                           in_process_only=("vocabulary",))
    rows, targets = summarize(scales, bare)
    print_table(rows, targets, bare, scales)
    print_plans(targets, scales)
    with working_copy(built["large"][0], "import") as work:
        imported = import_words.measure(work)
    print(import_words.report(imported))
    results = {
        "run": {"at": datetime.now(timezone.utc).isoformat(timespec="seconds"), "quick": args.quick,
                "only": args.only,
                "settings": settings, "seconds": round(time.perf_counter() - started, 1),
                "load_average_at_end": os.getloadavg(),
                "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                            "sqlite": sqlite3.sqlite_version, "platform": platform.platform()}},
        "bare": bare, "scales": scales, "rows": rows, "targets": targets, "learner_writes": learner_writes(rows),
        "import": imported,
    }
    (OUT / "results.json").write_text(json.dumps(results, indent=2, ensure_ascii=False))
    print(f"\nwrote {(OUT / 'results.json').relative_to(ROOT)} in {results['run']['seconds']:.0f} s")
    return 0


def measure(built, settings, like=(), plans=(), in_process_only=()):
    """In-process latency of every case on each of ``built`` ({scale: (path,
    meta)}), the scales in turn, then HTTP throughput on each but
    ``in_process_only`` next to the bare route: {scale: {"context",
    "database", "latency", "http", "plans"}} and the bare route's rate on
    each. The scales ``like`` are sent the cases of the large one's group,
    activity and word; ``plans``: the scales whose queries are explained."""
    scales, bare = {}, {}
    with ExitStack() as copies:
        works = {scale: copies.enter_context(working_copy(path, scale)) for scale, (path, _) in built.items()}
        ctxs, headers = {}, {}
        for scale, (path, _) in built.items():
            learner, headers[scale] = learner_of(scale, path)
            ctxs[scale] = context(works[scale], learner, like=ctxs["large"] if scale in like else None)
        print("in-process latency, the databases in turn ...", flush=True)
        latency = in_process(works, ctxs, headers, settings)
        explained = {scale: query_plans(works[scale], ctxs[scale], headers[scale]) for scale in plans}
    for scale, (path, meta) in built.items():
        scales[scale] = {"context": {k: v for k, v in ctxs[scale].items() if k != "group_words"},
                         "database": meta, "latency": latency[scale]}
        if scale in explained:
            scales[scale]["plans"] = explained[scale]
        if scale in in_process_only:
            continue
        print(f"{scale}: HTTP throughput, each case next to the bare route ...", flush=True)
        with working_copy(path, scale) as work:
            scales[scale]["http"] = over_http(work, ctxs[scale], headers[scale], settings)
        bare[scale] = {"rps": statistics.median(case["bare_rps"] for case in scales[scale]["http"].values())}
    return scales, bare


def tenfold(args, settings):
    """make bench-10x: the small database against ten times the large
    history (bench/serving.py's TENFOLD), every case on both."""
    started = time.perf_counter()
    end = generate.default_end()
    built = {scale: database(scale, end, args.reuse) for scale in ("small", *TENFOLD)}
    scales, bare = measure(built, settings)
    small, big = scales["small"], scales["tenfold"]
    rows = {}
    for name in big["latency"]:
        row = {scale: {**data["latency"][name], **data["http"].get(name, {})} for scale, data in scales.items()}
        row["tenfold_small_p50"] = row["tenfold"]["p50_ms"] / row["small"]["p50_ms"]
        if name in GROWING:
            row["tenfold_small_per_item"] = row["tenfold"]["p50_ms_per_item"] / row["small"]["p50_ms_per_item"]
        rows[name] = row
    reads = [name for name in rows if not name.startswith("POST")]
    ratio = {name: rows[name].get("tenfold_small_per_item", rows[name]["tenfold_small_p50"]) for name in reads}
    targets = {
        "tenfold_ratio": {
            "scale": "tenfold",
            "target": f"every GET route's tenfold/small p50 <= {MAX_LATENCY_RATIO}, per item for those whose"
                      " answers grow with the data",
            "misses": {n: round(r, 2) for n, r in ratio.items() if r > MAX_LATENCY_RATIO}},
        "ceiling_share": {
            "scale": "tenfold",
            "target": f"HTTP throughput as a share of bare Flask's (tenfold): every GET route >= "
                      f"{MIN_CEILING_SHARE:.0%}, and " + ", ".join(f"{n} >= {share:.0%}" for n, share in
                                                              CEILING_SHARES.items()),
            "misses": {n: round(rows[n]["tenfold"]["ceiling_share"], 2) for n in rows
                       if rows[n]["tenfold"]["ceiling_share"] < share_target(n)}},
    }
    for target in targets.values():
        target["met"] = not target["misses"]
    measured = ("small", "tenfold")
    print()
    for scale in measured:
        c = scales[scale]["context"]["counts"]
        print(f"{scale}: {c['words']} words, {c['sessions']} sessions, {c['review_items']} review items;"
              f" bare Flask ceiling {bare[scale]['rps']:.0f} req/s; built in"
              f" {scales[scale]['database']['build_seconds']:.0f} s,"
              f" {scales[scale]['database']['generator']['file_bytes'] / 2**20:.0f} MiB")
    head = (f"{'case':36} | " + " | ".join(f"{scale + ' p50':>12} {'p99':>7} {'req/s':>6} {'bare':>5}"
                                           for scale in measured) + f" | {'T/S p50':>7}")
    print(head)
    print("-" * len(head))
    for name, row in rows.items():
        missed = any(name in target["misses"] for target in targets.values())
        print(f"{name:36} | " + " | ".join(
                  f"{row[scale]['p50_ms']:12.2f} {row[scale]['p99_ms']:7.2f} {row[scale]['rps']:6.0f}"
                  f" {row[scale]['ceiling_share']:5.0%}" for scale in measured)
              + f" | {row['tenfold_small_p50']:7.2f}{' *' if missed else ''}")
    print_per_item(rows, measured, {"T/S": "tenfold_small_per_item"})
    print()
    for target in targets.values():
        print(f"target {target['target']}: {'met' if target['met'] else 'MISSED: ' + str(target['misses'])}")
    results = {"run": {"at": datetime.now(timezone.utc).isoformat(timespec="seconds"), "tenfold": True,
                       "settings": settings, "seconds": round(time.perf_counter() - started, 1),
                       "load_average_at_end": os.getloadavg()},
               "bare": bare, "scales": scales, "rows": rows, "targets": targets}
    (OUT / "results-tenfold.json").write_text(json.dumps(results, indent=2, ensure_ascii=False))
    print(f"\nwrote {(OUT / 'results-tenfold.json').relative_to(ROOT)} in {results['run']['seconds']:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
