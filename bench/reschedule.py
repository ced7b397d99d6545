"""How fast ``flask reschedule`` rebuilds every schedule from the history.

    python bench/reschedule.py

Times ``lib.scheduling.replay`` on a copy of the large bench database
(bench/out/large.db: 10,000 words, 1,000,000 review items; built first, as
``make bench`` builds it, when missing or out of date) and prints reviews per
second and the total. The copy is removed afterwards.
"""
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))
sys.path.insert(0, str(BENCH))

import generate  # noqa: E402
from run import database, remove_database, working_copy  # noqa: E402
from lib import scheduling  # noqa: E402
from lib.db import connect, immediate  # noqa: E402


def main():
    path, _ = database("large", generate.default_end())
    copy = working_copy(path, "reschedule")
    try:
        conn = connect(str(copy))
        try:
            reviews = conn.execute("SELECT count(*) FROM word_review_items").fetchone()[0]
            started = time.perf_counter()
            with immediate(conn):
                words = scheduling.replay(conn)
            seconds = time.perf_counter() - started
        finally:
            conn.close()
    finally:
        remove_database(copy)
    print(f"replayed {reviews} reviews of {words} words in {seconds:.1f} s: {reviews / seconds:,.0f} reviews/s")


if __name__ == "__main__":
    main()
