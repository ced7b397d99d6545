"""How fast ``flask reschedule`` rebuilds every schedule from the history.

    python -m bench.reschedule [--db bench/out/large.db]

Times ``lib.store.schedules.replay_all`` (every learner's schedules) on a
copy of the large bench database (bench/out/large.db: 10,000 words,
1,000,000 review items; built first, as ``make bench`` builds it, when
missing or out of date) or of --db, and prints reviews per second and the
total. The copy is removed afterwards.
"""
import time

from bench.generate import SCHEDULER
from bench.serving import database_named, parser_with_database, working_copy
from lib.store import schedules
from lib.store.connection import connect, immediate


def main(argv=None):
    args = parser_with_database(__doc__.splitlines()[0]).parse_args(argv)
    with working_copy(database_named(args), "reschedule") as copy:
        conn = connect(str(copy))
        try:
            reviews = conn.execute("SELECT count(*) FROM word_review_items").fetchone()[0]
            started = time.perf_counter()
            with immediate(conn):
                words = schedules.replay_all(conn, lambda _learner_id: SCHEDULER)
            seconds = time.perf_counter() - started
        finally:
            conn.close()
    print(f"replayed {reviews} reviews into {words} schedules in {seconds:.1f} s: {reviews / seconds:,.0f} reviews/s")


if __name__ == "__main__":
    main()
