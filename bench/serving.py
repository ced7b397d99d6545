"""What every benchmark runs on: its databases in bench/out/ (git-ignored),
built by bench/generate.py and reused while their parameters, the generator,
the scheduler and the migrations are unchanged; working copies of them, since
measurements write; and the app served by gunicorn as `make run` serves it
(the tests' live server, tests/live_server.py)."""
import argparse
import hashlib
import json
import shutil
import time
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

from bench import generate
from lib.core import scheduler
from lib.startup import init_database
from lib.store import migrations, schedules
from lib.store import seed as seed_files
from tests.live_server import LiveServer

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
OUT = BENCH / "out"
SEED = 1
SCALES = {
    "small": {"words": 0, "groups": 0, "sessions": 1000, "reviews": 10000},  # on top of the seed
    "large": {"words": 10000, "groups": 50, "sessions": 100000, "reviews": 1000000},
    "vocabulary": {"words": 10000, "groups": 50, "sessions": 1000, "reviews": 10000},
    # the large history, spread over many learners
    "learners": {"words": 10000, "groups": 50, "sessions": 100000, "reviews": 1000000, "learners": 1000},
}
# Ten times the large history over five years (make bench-10x, not run by make bench)
TENFOLD = {"tenfold": {"words": 20000, "groups": 100, "sessions": 1000000, "reviews": 10000000, "days": 1826}}
BARE_APP = "bench.bare_app:create_app()"
BARE_PATH = "/api/bare"
# The app checks a large database for damage before it serves it.
START_SECONDS = 30


# ---------------------------------------------------------------- databases

def fingerprint():
    """What a built database depends on besides its parameters."""
    digest = hashlib.sha256()
    for module in (generate, scheduler, schedules, migrations):
        digest.update(Path(module.__file__).read_bytes())
    for path in sorted(migrations.MIGRATIONS_DIR.glob("*.sql")):
        digest.update(path.name.encode() + path.read_bytes())
    for path in sorted(Path(seed_files.SEED_DIR).rglob("*.json")):
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()[:16]


def database(scale, end=None, reuse=False):
    """(bench/out/<scale>.db, what it was built with), built unless one with
    the same parameters is there (and its learners' tokens beside it); its
    history ends before ``end`` (by default the start of the current hour).
    ``reuse``: one built by other code with the same parameters is kept, and
    migrated as an installation would be."""
    end = end or generate.default_end()
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"{scale}.db"
    meta_path = OUT / f"{scale}.json"
    shape = {**SCALES, **TENFOLD}[scale]
    params = {**shape, "seed": SEED, "end_date": end.date().isoformat(),
              "fingerprint": fingerprint()}
    tokens_missing = shape.get("learners") and not generate.tokens_path(path).exists()
    if path.exists() and meta_path.exists() and not tokens_missing:
        meta = json.loads(meta_path.read_text())
        if meta.get("params") == params:
            print(f"{scale}: reusing {path.relative_to(ROOT)} (built {meta['built_at']})")
            return path, meta
        if reuse and {**meta.get("params", {}), "fingerprint": None} == {**params, "fingerprint": None}:
            applied = migrations.migrate(path, scheduler=generate.SCHEDULER)
            print(f"{scale}: reusing {path.relative_to(ROOT)} (built {meta['built_at']} by other code;"
                  f" migrations applied now: {applied or 'none'})")
            return path, {**meta, "migrated": applied}
    generate.remove_database(path)
    meta_path.unlink(missing_ok=True)
    print(f"{scale}: building {path.relative_to(ROOT)} ...", flush=True)
    started = time.perf_counter()
    if scale == "small":
        init_database(str(path), str(seed_files.SEED_DIR), generate.SCHEDULER)
    summary = generate.build(path, seed=SEED, end=end, log=lambda line: print(f"  {line}"),
                             **shape)
    if not summary["ok"]:
        raise SystemExit(f"{scale}: the generated counters do not match a recount: {summary['check']}")
    meta = {"params": params, "built_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "build_seconds": round(time.perf_counter() - started, 1), "generator": summary}
    meta_path.write_text(json.dumps(meta, indent=2))
    return path, meta


def parser_with_database(description):
    """An argument parser for a script that measures a copy of one database:
    ``--db``, or by default the large one."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--db", type=Path, help="the database to measure a copy of (default: bench/out/large.db,"
                                                " built when missing or out of date)")
    return parser


def database_named(args):
    """The database ``--db`` names, or the large one, built if need be."""
    return args.db if args.db is not None else database("large")[0]


@contextmanager
def working_copy(path, name):
    """bench/out/work-<name>.db, a copy of the database at ``path`` to
    measure on, removed when the block is left."""
    OUT.mkdir(parents=True, exist_ok=True)
    copy = OUT / f"work-{name}.db"
    generate.remove_database(copy)
    shutil.copyfile(path, copy)
    try:
        yield copy
    finally:
        generate.remove_database(copy)


# ---------------------------------------------------------------- servers

@contextmanager
def running(server):
    """``server`` started for the block, stopped when it is left."""
    try:
        yield server.start(timeout=START_SECONDS)
    finally:
        server.stop()


def app_server(path):
    """The app on the database at ``path``, with the settings `make run`
    uses (lib/gunicorn_conf.py, its number of workers included)."""
    return running(LiveServer(path, workers=None, log=OUT / "gunicorn-app.log"))


def bare_server():
    """The bare Flask route (bench/bare_app.py), served the same way."""
    return running(LiveServer(None, workers=None, app=BARE_APP, ready=BARE_PATH, log=OUT / "gunicorn-bare.log"))
