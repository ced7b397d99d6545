"""Load the seed vocabulary and study activities from seed/*.json.

Every entry is checked before anything is written; a bad entry stops the load
with an error naming its file and entry. Loading twice leaves the same rows:
words, groups and activities are matched on their natural keys.
"""
import json
import re
from pathlib import Path
from urllib.parse import urlsplit

from lib import history

SEED_DIR = Path(__file__).resolve().parent.parent / "seed"
ROMAJI = re.compile(r"[a-z]+")
SLUG = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
# The activities the app serves itself: /activities/<slug>/ is this folder's <slug>/.
ACTIVITIES_DIR = Path(__file__).resolve().parent.parent / "activities"


class SeedError(Exception):
    pass


def _text(entry, field, where):
    value = entry.get(field) if isinstance(entry, dict) else None
    if not isinstance(value, str) or not value.strip():
        raise SeedError(f"{where}: {field} must be a non-empty string")
    return value


def check_word(word, where):
    kanji = _text(word, "kanji", where)
    romaji = _text(word, "romaji", where)
    english = _text(word, "english", where)
    where = f"{where} ({kanji})"
    if not ROMAJI.fullmatch(romaji):
        raise SeedError(f"{where}: romaji must be lowercase letters a-z only, got {romaji!r}")
    parts = word.get("parts")
    if not isinstance(parts, list) or not parts:
        raise SeedError(f"{where}: parts must be a non-empty list")
    for number, part in enumerate(parts, 1):
        _text(part, "kanji", f"{where}, part {number}")
        syllables = part.get("romaji")
        if (not isinstance(syllables, list) or not syllables
                or not all(isinstance(s, str) and s for s in syllables)):
            raise SeedError(f"{where}, part {number}: romaji must be a non-empty list of syllables")
    if "".join(part["kanji"] for part in parts) != kanji:
        raise SeedError(f"{where}: the parts' kanji do not join to {kanji!r}")
    if "".join(s for part in parts for s in part["romaji"]) != romaji:
        raise SeedError(f"{where}: the parts' romaji do not join to {romaji!r}")
    return {"kanji": kanji, "romaji": romaji, "english": english,
            "parts": [{"kanji": p["kanji"], "romaji": p["romaji"]} for p in parts]}


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
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise SeedError(f"{path.name}: cannot be read as JSON ({error})") from error


def read_seed(seed_dir=SEED_DIR):
    """({group name: [word]}, [activity]) from the seed files, all checked."""
    seed_dir = Path(seed_dir)
    groups = {}
    for path in sorted((seed_dir / "vocabulary").glob("*.json")):
        data = _read_json(path)
        where = f"vocabulary/{path.name}"
        if not isinstance(data, dict):
            raise SeedError(f"{where}: must be an object with group and words")
        name = _text(data, "group", where)
        words = data.get("words")
        if not isinstance(words, list) or not words:
            raise SeedError(f"{where}: words must be a non-empty list")
        if name in groups:
            raise SeedError(f"{where}: group {name!r} is defined twice")
        groups[name] = [check_word(word, f"{where}, word {n}") for n, word in enumerate(words, 1)]
    if not groups:
        raise SeedError(f"{seed_dir / 'vocabulary'}: no vocabulary files")
    activities = _read_json(seed_dir / "study_activities.json")
    if not isinstance(activities, list) or not activities:
        raise SeedError("study_activities.json: must be a non-empty list")
    activities = [check_activity(a, f"study_activities.json, activity {n}")
                  for n, a in enumerate(activities, 1)]
    return groups, activities


def load(conn, seed_dir=SEED_DIR):
    """Insert what is missing of the seed; call inside a write transaction."""
    groups, activities = read_seed(seed_dir)
    for name, words in groups.items():
        conn.execute("INSERT INTO groups (name) VALUES (?) ON CONFLICT (name) DO NOTHING", (name,))
        (group_id,) = conn.execute("SELECT id FROM groups WHERE name = ?", (name,)).fetchone()
        for word in words:
            conn.execute(
                "INSERT INTO words (kanji, romaji, english, parts) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (kanji, romaji, english) DO NOTHING",
                (word["kanji"], word["romaji"], word["english"],
                 json.dumps(word["parts"], ensure_ascii=False)),
            )
            (word_id,) = conn.execute(
                "SELECT id FROM words WHERE kanji = ? AND romaji = ? AND english = ?",
                (word["kanji"], word["romaji"], word["english"]),
            ).fetchone()
            conn.execute(
                "INSERT INTO word_groups (word_id, group_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
                (word_id, group_id),
            )
    for activity in activities:
        conn.execute(
            "INSERT INTO study_activities (name, slug, url, preview_url, description) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT DO NOTHING",
            (activity["name"], activity["slug"], activity["url"], activity["preview_url"],
             activity["description"]),
        )


def is_empty(conn):
    return conn.execute("SELECT NOT EXISTS (SELECT 1 FROM words)").fetchone()[0] == 1


VOCABULARY_TABLES = ("word_groups", "words", "groups", "study_activities")


def reset(conn, seed_dir=SEED_DIR):
    """Empty every table and load the seed again; call inside
    ``db.bulk_transaction()``."""
    read_seed(seed_dir)  # a broken seed must not leave an empty database
    history.clear(conn)
    for table in VOCABULARY_TABLES:
        conn.execute(f"DELETE FROM {table}")
    load(conn, seed_dir)
