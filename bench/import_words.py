"""Import 10,000 new words into a copy of the large benchmark database.

    python -m bench.import_words [--db bench/out/large.db]

Builds bench/out/large.db as ``make bench`` does (reused when unchanged)
unless --db names another database, posts 10,000 words as one CSV to
POST /api/words/import on a copy of it (in-process, with a group named in
the query), and reports the seconds the request took and whether every
counter still equals a recount.
"""
import json
import sqlite3
import time

from app import create_app
from bench.serving import database_named, parser_with_database, working_copy
from tests.helpers import counters_that_differ_from_a_recount

WORDS = 10_000
KANA = "あいうえおかきくけこさしすせそたちつてとなにぬねのはひふへほまみむめも"


def csv_of_new_words(count):
    """``count`` words that the large database does not hold: 新 and a
    number as kanji, three kana as the reading."""
    size = len(KANA)
    rows = [f"新{n},{KANA[n % size]}{KANA[n // size % size]}{KANA[n // size // size % size]},new word {n}"
            for n in range(count)]
    return ("kanji,kana,english\n" + "\n".join(rows) + "\n").encode()


def measure(work):
    """Import the words into the database file ``work`` (changing it):
    {seconds, words, bytes, review_items, counters_wrong}."""
    app = create_app({"DATABASE": str(work), "INIT_DATABASE": False})
    data = csv_of_new_words(WORDS)
    started = time.perf_counter()
    response = app.test_client().post("/api/words/import?group=Imported", data=data, content_type="text/csv")
    seconds = time.perf_counter() - started
    body = response.get_json()
    if response.status_code != 200:
        raise SystemExit(f"import failed: {response.status_code} {json.dumps(body)[:500]}")
    conn = sqlite3.connect(work)
    try:
        reviews = conn.execute("SELECT count(*) FROM word_review_items").fetchone()[0]
    finally:
        conn.close()
    return {"seconds": round(seconds, 2), "words": body["created"], "bytes": len(data), "review_items": reviews,
            "counters_wrong": [name for name, _ in counters_that_differ_from_a_recount(work)]}


def report(result):
    wrong = result["counters_wrong"]
    return (f"imported {result['words']} words ({result['bytes'] / 2**20:.1f} MiB of CSV) into a database of"
            f" {result['review_items']:,} review items in {result['seconds']:.2f} s (target < 10 s); counters "
            + ("all equal a recount" if not wrong else f"that differ from a recount: {', '.join(wrong)}"))


def main(argv=None):
    args = parser_with_database(__doc__.splitlines()[0]).parse_args(argv)
    with working_copy(database_named(args), "import") as work:
        result = measure(work)
    print(report(result))
    return 0 if not result["counters_wrong"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
