"""Write a large, realistic learning history through the project's own schema.

    python -m bench.generate --db PATH --words 10000 --groups 50 \\
        --sessions 100000 --reviews 1000000 --seed 1 [--learners 1000]

The schema and its triggers come from ``lib.store.migrations.migrate``; every
row goes in with a plain INSERT, in time order, so the counters (per learner
and word, per session, group, activity, day and quarter hour, totals) are
kept by the triggers exactly as in production. Every schedule then comes from
replaying its learner's reviews (``lib.store.schedules.replay_all``), as
``flask reschedule`` does. At the end a recount from word_review_items checks
them, and the check is printed. The same seed and end date give the same
history.

The history belongs to the default learner (id 1), or with ``--learners N``
to the learners learner-1 .. learner-N, each session to one of them drawn at
random: the sessions and reviews are the same as without, only their owners
differ. Each of those learners gets a token with the read and review scopes,
and the tokens' secrets, new on every build, are written to
``<db>.tokens.json`` (only their hashes are in the database).

``--words 0 --groups 0`` keeps the vocabulary already in the file (e.g. the
seed) and only adds study sessions and review items.
"""
import argparse
import json
import os
import random
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from lib.core import kana as kana_lib
from lib.core.scheduler import DEFAULT_RETENTION, build_scheduler
from lib.store import integrity, learners as learner_records, migrations, schedules
from lib.store import seed as seed_files
from lib.store.connection import WRITERS_LOCK_SUFFIX, connect
from lib.store.learners import DEFAULT_LEARNER_ID
from lib.store.learners import new_token

# The app's default retention, whatever the environment sets: the same seed
# and end date give the same schedules.
SCHEDULER = build_scheduler(DEFAULT_RETENTION)
# What the generated learners' tokens may do: their own study, not the vocabulary.
TOKEN_SCOPES = ("read", "review")
TOKENS_SUFFIX = ".tokens.json"

# Hiragana with their romaji syllable, for okurigana-like endings.
KANA = [
    ("い", "i"), ("う", "u"), ("か", "ka"), ("き", "ki"), ("く", "ku"), ("さ", "sa"),
    ("し", "shi"), ("た", "ta"), ("ち", "chi"), ("つ", "tsu"), ("な", "na"), ("に", "ni"),
    ("の", "no"), ("ま", "ma"), ("み", "mi"), ("や", "ya"), ("ら", "ra"), ("り", "ri"),
    ("る", "ru"), ("れ", "re"), ("ろ", "ro"), ("わ", "wa"), ("ん", "n"), ("ご", "go"),
]
# Kanji nouns: character, reading as syllables, meaning.
NOUNS = [
    ("山", "ya ma", "mountain"), ("川", "ka wa", "river"), ("木", "ki", "tree"),
    ("森", "mo ri", "forest"), ("花", "ha na", "flower"), ("水", "mi zu", "water"),
    ("火", "hi", "fire"), ("空", "so ra", "sky"), ("雨", "a me", "rain"),
    ("雪", "yu ki", "snow"), ("風", "ka ze", "wind"), ("海", "u mi", "sea"),
    ("石", "i shi", "stone"), ("田", "ta", "rice field"), ("町", "ma chi", "town"),
    ("村", "mu ra", "village"), ("道", "mi chi", "road"), ("門", "mo n", "gate"),
    ("車", "ku ru ma", "car"), ("手", "te", "hand"), ("目", "me", "eye"),
    ("口", "ku chi", "mouth"), ("耳", "mi mi", "ear"), ("足", "a shi", "foot"),
    ("心", "ko ko ro", "heart"), ("猫", "ne ko", "cat"), ("犬", "i nu", "dog"),
    ("鳥", "to ri", "bird"), ("魚", "sa ka na", "fish"), ("虫", "mu shi", "insect"),
    ("月", "tsu ki", "moon"), ("星", "ho shi", "star"), ("光", "hi ka ri", "light"),
    ("夜", "yo ru", "night"), ("朝", "a sa", "morning"), ("春", "ha ru", "spring"),
    ("夏", "na tsu", "summer"), ("秋", "a ki", "autumn"), ("冬", "fu yu", "winter"),
    ("本", "ho n", "book"), ("紙", "ka mi", "paper"), ("糸", "i to", "thread"),
    ("竹", "ta ke", "bamboo"), ("米", "ko me", "rice"), ("茶", "cha", "tea"),
    ("色", "i ro", "colour"), ("声", "ko e", "voice"), ("歌", "u ta", "song"),
    ("夢", "yu me", "dream"), ("橋", "ha shi", "bridge"), ("島", "shi ma", "island"),
    ("池", "i ke", "pond"), ("坂", "sa ka", "slope"), ("庭", "ni wa", "garden"),
    ("窓", "ma do", "window"), ("箱", "ha ko", "box"), ("船", "fu ne", "boat"),
    ("旅", "ta bi", "journey"), ("家", "i e", "house"), ("店", "mi se", "shop"),
]
ADJECTIVES = [
    ("青", "a o", "blue"), ("赤", "a ka", "red"), ("白", "shi ro", "white"),
    ("黒", "ku ro", "black"), ("古", "fu ru", "old"), ("若", "wa ka", "young"),
    ("高", "ta ka", "tall"), ("長", "na ga", "long"), ("小", "ko", "little"),
    ("大", "o o", "great"), ("深", "fu ka", "deep"), ("早", "ha ya", "early"),
]
TOPICS = [
    "Nature", "Weather", "Animals", "Home", "Town", "Travel", "Body", "Seasons",
    "Colours", "Food", "School", "Work", "Shopping", "Health", "Sports", "Music",
    "Feelings", "Family", "Time", "Numbers", "Clothes", "Kitchen", "Garden",
    "Sea", "Mountains",
]


def part(entry):
    kanji, reading, _ = entry
    return {"kanji": kanji, "romaji": reading.split()}


def synthetic_words(rng, count):
    """``count`` distinct words [(kanji, kana, romaji, english, parts_json)] whose
    parts' kanji and romaji join to the word's."""
    words, seen = [], set()
    attempts = 0
    while len(words) < count:
        attempts += 1
        shape = rng.random()
        first, second = rng.choice(NOUNS), rng.choice(NOUNS)
        if shape < 0.25:
            adjective = rng.choice(ADJECTIVES)
            entries, english = [adjective, first], f"{adjective[2]} {first[2]}"
        elif shape < 0.55:
            entries, english = [first, second], f"{first[2]} {second[2]}"
        else:
            adjective = rng.choice(ADJECTIVES)
            entries = [adjective, first, second]
            english = f"{adjective[2]} {first[2]} {second[2]}"
        parts = [part(entry) for entry in entries]
        if rng.random() < 0.2:  # a kana ending, as in many real words
            kana, syllable = rng.choice(KANA)
            parts.append({"kanji": kana, "romaji": [syllable]})
            english += f" ({syllable})"
        kanji = "".join(p["kanji"] for p in parts)
        if kanji in seen:
            if attempts < 50 * count:
                continue
            # the space of shapes is used up: a numbered variant stays distinct
            english += f" #{len(words)}"
        seen.add(kanji)
        romaji = "".join(s for p in parts for s in p["romaji"])
        kana = "".join(p["kanji"] if kana_lib.is_kana(p["kanji"]) else kana_lib.kana_from_syllables(p["romaji"])
                       for p in parts)
        words.append((kanji, kana, romaji, english, json.dumps(parts, ensure_ascii=False)))
    return words


def group_names(count):
    return [f"{TOPICS[i % len(TOPICS)]} {i // len(TOPICS) + 1}" for i in range(count)]


def insert_vocabulary(conn, rng, words, groups):
    conn.executemany("INSERT INTO groups (name) VALUES (?)", [(name,) for name in group_names(groups)])
    group_ids = [row[0] for row in conn.execute("SELECT id FROM groups ORDER BY id DESC LIMIT ?", (groups,))]
    conn.executemany("INSERT INTO words (kanji, kana, romaji, english, parts) VALUES (?, ?, ?, ?, ?)",
                     synthetic_words(rng, words))
    word_ids = [row[0] for row in conn.execute("SELECT id FROM words ORDER BY id DESC LIMIT ?", (words,))]
    rng.shuffle(word_ids)
    # Each word in one group, one in ten in a second group too.
    links = set()
    for index, word_id in enumerate(word_ids):
        primary = group_ids[index % len(group_ids)]
        links.add((word_id, primary))
        if len(group_ids) > 1 and rng.random() < 0.1:
            links.add((word_id, rng.choice([g for g in group_ids if g != primary])))
    conn.executemany("INSERT INTO word_groups (word_id, group_id) VALUES (?, ?)", sorted(links))


def insert_activities(conn, seed_dir):
    _, activities = seed_files.read_seed(seed_dir)
    conn.executemany(
        "INSERT INTO study_activities (name, url, preview_url, description) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (name) DO NOTHING",
        [(a["name"], a["url"], a["preview_url"], a["description"]) for a in activities],
    )


def first_day(days, end):
    return end.date() - timedelta(days=days - 1)


def insert_learners(conn, count, created_at):
    """Learners learner-1 .. learner-``count``, each with one token:
    [{"id", "name", "token"}], the tokens' secrets included."""
    added = []
    for n in range(1, count + 1):
        name = f"learner-{n}"
        learner_id = learner_records.add_learner(conn, name, False, created_at)
        token, secret_hash = new_token()
        learner_records.add_token(conn, learner_id, "bench", TOKEN_SCOPES, secret_hash, created_at)
        added.append({"id": learner_id, "name": name, "token": token})
    return added


def write_tokens(path, learners):
    """The learners' tokens, as JSON beside the database; readable by its owner only."""
    fd = os.open(tokens_path(path), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as file:
        json.dump({"database": Path(path).name, "scopes": list(TOKEN_SCOPES), "learners": learners}, file, indent=1)


def tokens_path(path):
    return Path(f"{path}{TOKENS_SUFFIX}")


def read_tokens(path):
    """[{"id", "name", "token"}] of the learners generated into the database at ``path``."""
    return json.loads(tokens_path(path).read_text())["learners"]


def plan_sessions(rng, count, group_ids, activity_ids, days, end):
    """[(group_id, activity_id, day, second_of_day)] in time order, none after ``end``."""
    last_day_seconds = end.hour * 3600 + end.minute * 60 + end.second
    first = first_day(days, end)
    calendar = [first + timedelta(days=n) for n in range(days)]
    # More study on weekdays, and more as the year goes on.
    day_weights = [(0.6 if day.weekday() >= 5 else 1.0) * (0.7 + 0.6 * n / max(days - 1, 1))
                   for n, day in enumerate(calendar)]
    # Mostly daytime and evening.
    hour_weights = [0.1] * 7 + [1.0] * 5 + [0.7] * 5 + [1.5] * 6 + [0.4]
    group_weights = [1 / (rank + 1) ** 0.5 for rank in range(len(group_ids))]
    groups = list(group_ids)
    rng.shuffle(groups)  # which groups are popular is random too
    planned = []
    day_picks = rng.choices(range(days), weights=day_weights, k=count)
    hour_picks = rng.choices(range(24), weights=hour_weights, k=count)
    group_picks = rng.choices(groups, weights=group_weights, k=count)
    activity_picks = rng.choices(activity_ids, weights=[0.6] + [0.4] * (len(activity_ids) - 1), k=count)
    for n in range(count):
        # A session starts at least ten minutes before midnight, so that its
        # reviews stay on its day.
        second = min(hour_picks[n] * 3600 + rng.randrange(3600), 86400 - 600)
        if day_picks[n] == days - 1:  # today: squeezed into the hours before ``end``
            second = second * last_day_seconds // 86400
        planned.append((day_picks[n], second, group_picks[n], activity_picks[n]))
    planned.sort()
    return [(group, activity, calendar[day], second) for day, second, group, activity in planned]


def session_sizes(rng, sessions, reviews):
    """How many review items each session has, adding up to ``reviews``."""
    if sessions == 0:
        return []
    # Some sessions are abandoned at once; the others vary around the mean.
    weights = [0.0 if rng.random() < 0.05 else rng.gammavariate(3.0, 1.0) for _ in range(sessions)]
    if not any(weights):
        weights[0] = 1.0
    sizes = [0] * sessions
    for index in rng.choices(range(sessions), weights=weights, k=reviews):
        sizes[index] += 1
    return sizes


def stamp(day, second):
    """ISO 8601 UTC, as the app stores it, for a second of a day."""
    return f"{day.isoformat()}T{second // 3600:02d}:{second % 3600 // 60:02d}:{second % 60:02d}Z"


def session_reviews(rng, plan, sizes, words_by_group, skill):
    """For each session in turn, its reviews [(word_id, correct, created_at)]."""
    clock = [f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}" for s in range(86400)]
    random_ = rng.random
    for (group_id, _, day, second), size in zip(plan, sizes):
        if not size:
            yield []
            continue
        words = words_by_group[group_id]
        picked = rng.sample(words, size) if size <= len(words) else rng.choices(words, k=size)
        prefix = day.isoformat() + "T"
        moment = second
        reviews = []
        for word_id in picked:
            moment = min(moment + 4 + int(random_() * 12), 86399)
            reviews.append((word_id, 1 if random_() < skill[word_id] else 0, prefix + clock[moment] + "Z"))
        yield reviews


def insert_history(conn, rng, sessions, reviews, days, end, owners):
    """``sessions`` sessions with ``reviews`` reviews in all, each session
    ``owners``' learner in turn (an iterable of learner ids)."""
    group_ids = [row[0] for row in conn.execute("SELECT id FROM groups WHERE word_count > 0 ORDER BY id")]
    activity_ids = [row[0] for row in conn.execute("SELECT id FROM study_activities ORDER BY id")]
    if sessions and (not group_ids or not activity_ids):
        raise SystemExit("generate: no groups with words, or no study activities, to make sessions of")
    words_by_group = {}
    for word_id, group_id in conn.execute("SELECT word_id, group_id FROM word_groups ORDER BY group_id, word_id"):
        words_by_group.setdefault(group_id, []).append(word_id)
    # How well the learners know each word: most fairly well, some poorly.
    skill = {word_id: rng.betavariate(5.0, 1.6)
             for word_id in sorted({w for ws in words_by_group.values() for w in ws})}

    plan = plan_sessions(rng, sessions, group_ids, activity_ids, days, end)
    sizes = session_sizes(rng, sessions, reviews)
    # Each session, then its reviews, in time order as the app records them:
    # the running totals per quarter hour then grow at their end.
    for (group, activity, day, second), learner_id, reviews_of_session in zip(
            plan, owners, session_reviews(rng, plan, sizes, words_by_group, skill)):
        session_id = conn.execute(
            "INSERT INTO study_sessions (learner_id, group_id, study_activity_id, created_at, ended_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (learner_id, group, activity, stamp(day, second), stamp(day, second))).lastrowid
        conn.executemany(
            "INSERT INTO word_review_items (learner_id, word_id, study_session_id, correct, created_at)"
            " VALUES (?, ?, ?, ?, ?)",
            [(learner_id, word_id, session_id, correct, created_at)
             for word_id, correct, created_at in reviews_of_session])


# What the generator itself promises of its data; every counter is checked
# by the project's own recount (lib/store/integrity.py).
SHAPE_CHECKS = {
    "review items not on their session's day": """
        SELECT count(*) FROM word_review_items r JOIN study_sessions s ON s.id = r.study_session_id
        WHERE substr(r.created_at, 1, 10) <> substr(s.created_at, 1, 10)""",
    "review items of a word outside the session's group": """
        SELECT count(*) FROM word_review_items r JOIN study_sessions s ON s.id = r.study_session_id
        WHERE NOT EXISTS (SELECT 1 FROM word_groups wg WHERE wg.group_id = s.group_id AND wg.word_id = r.word_id)""",
}


def recount(conn):
    """{check: number of rows that disagree}; all zero when the counters are right."""
    found = {name: conn.execute(sql).fetchone()[0] for name, sql in SHAPE_CHECKS.items()}
    found.update((f"counter {name} differs from a recount", len(rows))
                 for name, rows in integrity.counter_problems(conn))
    return found


def remove_database(path):
    """The database file at ``path`` and the files SQLite, the app and the
    generator keep beside it."""
    for suffix in ("", "-wal", "-shm", WRITERS_LOCK_SUFFIX, TOKENS_SUFFIX):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def default_end():
    """The start of the current hour, UTC: the history ends today, in the past."""
    return datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0, tzinfo=None)


def build(path, *, words, groups, sessions, reviews, seed=1, days=365, end=None, learners=0,
          seed_dir=seed_files.SEED_DIR, log=print):
    """Add a generated history to the database at ``path``, its last session
    before ``end`` (a naive UTC datetime), of the default learner or of
    ``learners`` new ones; return a summary."""
    end = end or default_end()
    rng = random.Random(seed)
    # Owners come from a generator of their own: the history is the same
    # whatever the number of learners.
    owner_rng = random.Random(f"learners {seed}")
    timings = {}
    started = time.perf_counter()
    migrations.migrate(path, scheduler=SCHEDULER)
    conn = connect(str(path))
    try:
        # Generation only: the app's own connections keep the defaults.
        conn.execute("PRAGMA synchronous = OFF")
        conn.execute("PRAGMA cache_size = -524288")  # 512 MiB
        conn.execute("PRAGMA temp_store = MEMORY")
        conn.execute("BEGIN IMMEDIATE")
        try:
            if words or groups:
                insert_vocabulary(conn, rng, words, groups)
            insert_activities(conn, seed_dir)
            added = insert_learners(conn, learners, stamp(first_day(days, end), 0))
            timings["vocabulary_s"] = time.perf_counter() - started
            owners = ((owner_rng.choice(added)["id"] for _ in range(sessions)) if added
                      else [DEFAULT_LEARNER_ID] * sessions)
            insert_history(conn, rng, sessions, reviews, days, end, owners)
            timings["history_s"] = time.perf_counter() - started - timings["vocabulary_s"]
            scheduled = time.perf_counter()
            schedules.replay_all(conn, lambda _learner_id: SCHEDULER)
            timings["schedules_s"] = time.perf_counter() - scheduled
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        if added:
            write_tokens(path, added)
        timings["build_s"] = time.perf_counter() - started
        log(f"built {path} in {timings['build_s']:.1f} s "
            f"(vocabulary{' and learners' if added else ''} {timings['vocabulary_s']:.1f} s,"
            f" history {timings['history_s']:.1f} s, schedules {timings['schedules_s']:.1f} s)")
        if added:
            log(f"wrote the tokens of {len(added)} learners to {tokens_path(path)}")
        checked = time.perf_counter()
        problems = recount(conn)
        timings["check_s"] = time.perf_counter() - checked
        sizes = dict(zip(("words", "groups", "word_groups", "learners", "sessions", "review_items", "days",
                          "schedules"), conn.execute(
            "SELECT (SELECT count(*) FROM words), (SELECT count(*) FROM groups),"
            " (SELECT count(*) FROM word_groups), (SELECT count(*) FROM learners),"
            " (SELECT count(*) FROM study_sessions), (SELECT count(*) FROM word_review_items),"
            " (SELECT count(*) FROM study_days), (SELECT count(*) FROM word_schedules)").fetchone()))
    finally:
        conn.close()
    for name, wrong in problems.items():
        log(f"check: {name}: {wrong}")
    log(f"check: {'OK, every counter matches a recount' if not any(problems.values()) else 'FAILED'}"
        f" ({timings['check_s']:.1f} s); {sizes}")
    return {"timings": timings, "check": problems, "ok": not any(problems.values()), "sizes": sizes,
            "file_bytes": os.path.getsize(path)}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", required=True, help="SQLite file to create (or add a history to)")
    parser.add_argument("--words", type=int, default=10000)
    parser.add_argument("--groups", type=int, default=50)
    parser.add_argument("--sessions", type=int, default=100000)
    parser.add_argument("--reviews", type=int, default=1000000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--days", type=int, default=365, help="the history spans this many days")
    parser.add_argument("--learners", type=int, default=0,
                        help="spread the history over this many new learners, each with a token"
                             " (default: 0, all of it the default learner's)")
    parser.add_argument("--end", type=datetime.fromisoformat, default=None,
                        help="the history ends before this UTC time, YYYY-MM-DDTHH:MM"
                             " (default: the start of the current hour)")
    parser.add_argument("--replace", action="store_true", help="delete the file first if it exists")
    args = parser.parse_args(argv)
    if args.learners < 0:
        parser.error("--learners is 0 or more")
    if (args.words > 0) != (args.groups > 0):
        parser.error("--words and --groups are both positive, or both 0 to keep the file's vocabulary")
    path = Path(args.db)
    if args.replace:
        remove_database(path)
    elif path.exists() and args.words:
        parser.error(f"{path} exists: pass --replace, or --words 0 --groups 0 to add a history to it")
    summary = build(path, words=args.words, groups=args.groups, sessions=args.sessions,
                    reviews=args.reviews, seed=args.seed, days=args.days, end=args.end,
                    learners=args.learners)
    return 0 if summary["ok"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
