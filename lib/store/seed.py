"""Load the seed vocabulary and study activities from seed/*.json.

Every entry is checked before anything is written; a bad entry stops the load
with an error naming its file and entry. Loading twice leaves the same rows:
words, groups and activities are matched on their natural keys.
"""
import json
import re
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from lib.core import vocabulary
from lib.store import history
from lib.store.words import ADD_TO_GROUP, INSERT_WORD

SEED_DIR = Path(__file__).resolve().parents[2] / "seed"
SLUG = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
# The activities the app serves itself: /activities/<slug>/ is this folder's <slug>/.
ACTIVITIES_DIR = Path(__file__).resolve().parents[2] / "activities"


class SeedError(Exception):
    pass


def _text(entry, field, where):
    value = entry.get(field) if isinstance(entry, dict) else None
    if not isinstance(value, str) or not value.strip():
        raise SeedError(f"{where}: {field} must be a non-empty string")
    return value


def check_word(word, where):
    if isinstance(word, dict) and isinstance(word.get("kanji"), str) and word["kanji"].strip():
        where = f"{where} ({word['kanji']})"
    checked, problems = vocabulary.check_word(word)
    if problems:
        raise SeedError(f"{where}: {problems[0][1]}")
    return checked


def check_activity(activity, where):
    name = _text(activity, "name", where)
    where = f"{where} ({name})"
    slug = _text(activity, "slug", where)
    if not SLUG.fullmatch(slug):
        raise SeedError(f"{where}: slug must be lowercase letters, digits and hyphens, got {slug!r}")
    url = _text(activity, "url", where)
    parts = urlsplit(url)
    if url == f"/activities/{slug}/":
        _check_served(url, "index.html", where)
    elif parts.scheme not in ("http", "https") or not parts.netloc:
        raise SeedError(f"{where}: url must be /activities/{slug}/ or an absolute http(s) URL, got {url!r}")
    preview_url = _text(activity, "preview_url", where)
    if preview_url.startswith("/activities/"):
        _check_served(preview_url, "", where)
    return {"name": name, "slug": slug, "url": url, "preview_url": preview_url,
            "description": _text(activity, "description", where)}


def _check_served(url, index, where):
    """A URL under /activities/ names a file the app serves: no dead links."""
    path = ACTIVITIES_DIR / url.removeprefix("/activities/") / index
    if not path.is_file():
        raise SeedError(f"{where}: {url} names no file under activities/")


def _read_json(path):
    return _parse_json(path.name, _read_bytes(path))


def _read_bytes(path):
    try:
        return path.read_bytes()
    except OSError as error:
        raise SeedError(f"{path.name}: cannot be read as JSON ({error})") from error


def _parse_json(name, data):
    try:
        return json.loads(data.decode("utf-8"))
    except ValueError as error:
        raise SeedError(f"{name}: cannot be read as JSON ({error})") from error


def read_seed(seed_dir=SEED_DIR):
    """({group name: [word]}, [activity]) from the seed files, all checked."""
    seed_dir = Path(seed_dir)
    files = tuple((path.name, _read_bytes(path)) for path in sorted((seed_dir / "vocabulary").glob("*.json")))
    if not files:
        raise SeedError(f"{seed_dir / 'vocabulary'}: no vocabulary files")
    groups = {name: list(words) for name, words in checked_vocabulary(files)}
    activities = _read_json(seed_dir / "study_activities.json")
    if not isinstance(activities, list) or not activities:
        raise SeedError("study_activities.json: must be a non-empty list")
    activities = [check_activity(a, f"study_activities.json, activity {n}")
                  for n, a in enumerate(activities, 1)]
    return groups, activities


# Checking the 1,402 words was most of a full reset (some 40 ms): the same
# files' bytes are checked once per process; an edited file is new bytes.
@lru_cache(maxsize=1)
def checked_vocabulary(files):
    """((group name, (word, ...)), ...) from ((file name, its bytes), ...),
    every word checked. The words are shared by every call: never change one."""
    groups, defined = {}, {}
    for file_name, data in files:
        where = f"vocabulary/{file_name}"
        data = _parse_json(file_name, data)
        if not isinstance(data, dict):
            raise SeedError(f"{where}: must be an object with group and words")
        name = _text(data, "group", where)
        words = data.get("words")
        if not isinstance(words, list) or not words:
            raise SeedError(f"{where}: words must be a non-empty list")
        if name in groups:
            raise SeedError(f"{where}: group {name!r} is defined twice")
        groups[name] = tuple(check_word(word, f"{where}, word {n}") for n, word in enumerate(words, 1))
        for word in groups[name]:
            # a word in several groups is one word: its entries must agree
            first = defined.setdefault((word["kanji"], word["kana"]), (where, word))
            if first[1] != word:
                raise SeedError(f"{where} ({word['kanji']}): differs from its entry in {first[0]}")
    return tuple(groups.items())


def load(conn, seed_dir=SEED_DIR, seed=None):
    """Insert what is missing of the seed (``seed``: read_seed's answer, when
    it was read already); call inside a write transaction."""
    groups, activities = seed or read_seed(seed_dir)
    for name, words in groups.items():
        conn.execute("INSERT INTO groups (name) VALUES (?) ON CONFLICT (name) DO NOTHING", (name,))
        (group_id,) = conn.execute("SELECT id FROM groups WHERE name = ?", (name,)).fetchone()
        for word in words:
            word_id = upsert_word(conn, word)
            conn.execute(ADD_TO_GROUP, (word_id, group_id))
    for activity in activities:
        conn.execute(
            "INSERT INTO study_activities (name, slug, url, preview_url, description) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT DO NOTHING",
            (activity["name"], activity["slug"], activity["url"], activity["preview_url"],
             activity["description"]),
        )


# A word already there (same kanji and kana) takes the seed's romaji,
# English and parts: editing a seed file and reseeding corrects the word.
UPSERT_WORD = INSERT_WORD + """
ON CONFLICT (kanji, kana) DO UPDATE SET
    romaji = excluded.romaji, english = excluded.english, parts = excluded.parts
    WHERE (romaji, english, parts) IS NOT (excluded.romaji, excluded.english, excluded.parts)
"""


def upsert_word(conn, word):
    """Insert the word or update the one with its kanji and kana; its id."""
    conn.execute(UPSERT_WORD, (word["kanji"], word["kana"], word["romaji"], word["english"],
                               vocabulary.parts_json(word)))
    return conn.execute("SELECT id FROM words WHERE kanji = ? AND kana = ?",
                        (word["kanji"], word["kana"])).fetchone()[0]


def is_empty(conn):
    return conn.execute("SELECT NOT EXISTS (SELECT 1 FROM words)").fetchone()[0] == 1


VOCABULARY_TABLES = ("word_groups", "words", "groups", "study_activities")


def reset(conn, seed_dir=SEED_DIR):
    """Empty every table and load the seed again; call inside
    ``bulk_transaction()`` (lib/web/database.py)."""
    seed = read_seed(seed_dir)  # read first: a broken seed must not leave an empty database
    history.clear_all(conn)
    for table in VOCABULARY_TABLES:
        conn.execute(f"DELETE FROM {table}")
    load(conn, seed=seed)
