import json
import os
import shutil

import pytest

from lib.store import migrations
from app import create_app
from lib.store import seed
from lib.store.connection import connect, immediate
from lib.web.database import close_all

TABLES = ("words", "groups", "word_groups", "study_activities")


def contents(path):
    conn = connect(str(path))
    try:
        return {table: conn.execute(f"SELECT * FROM {table} ORDER BY 1, 2").fetchall() for table in TABLES}
    finally:
        conn.close()


def load(path, seed_dir=seed.SEED_DIR):
    conn = connect(str(path))
    try:
        with immediate(conn):
            seed.load(conn, seed_dir)
    finally:
        conn.close()


@pytest.fixture
def empty_db(tmp_path):
    path = tmp_path / "empty.db"
    migrations.migrate(path)
    return path


@pytest.fixture
def seed_copy(tmp_path):
    """A seed folder of the test's own, to break on purpose."""
    folder = tmp_path / "seed"
    shutil.copytree(seed.SEED_DIR, folder)
    return folder


def rewrite_first_word(seed_dir, **changes):
    path = sorted((seed_dir / "vocabulary").glob("*.json"))[0]
    data = json.loads(path.read_text(encoding="utf-8"))
    data["words"][0].update(changes)
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path.name


def test_seed_is_real_beginner_vocabulary():
    groups, activities = seed.read_seed()
    words = {(w["kanji"], w["romaji"], w["english"]) for ws in groups.values() for w in ws}
    assert len(groups) >= 6
    assert len(words) >= 300
    assert [(a["name"], a["slug"], a["url"], a["preview_url"]) for a in activities] == [
        ("Typing Tutor", "typing-tutor", "/activities/typing-tutor/", "/activities/typing-tutor/preview.png"),
        ("Flashcards", "flashcards", "/activities/flashcards/", "/activities/flashcards/preview.png"),
    ]


def test_loading_twice_leaves_the_same_rows(empty_db):
    load(empty_db)
    first = contents(empty_db)
    load(empty_db)
    assert contents(empty_db) == first
    groups, _ = seed.read_seed()
    assert len(first["groups"]) == len(groups)
    assert len(first["word_groups"]) == sum(len(words) for words in groups.values())


def test_group_word_counts_match_the_seed_files(empty_db):
    load(empty_db)
    groups, _ = seed.read_seed()
    conn = connect(str(empty_db))
    counts = dict(conn.execute("SELECT name, word_count FROM groups").fetchall())
    conn.close()
    assert counts == {name: len(words) for name, words in groups.items()}


def test_flask_seed_command_is_idempotent(app, runner, db_path):
    before = contents(db_path)
    result = runner.invoke(args=["seed"])
    assert result.exit_code == 0 and "seed loaded" in result.output
    assert contents(db_path) == before


@pytest.mark.parametrize("changes, message", [
    ({"parts": [{"kanji": "X", "romaji": ["x"]}]}, "kanji do not join"),
    ({"romaji": "nope"}, "romaji nope does not match the kana, which reads ookii"),
    ({"romaji": "Ookii"}, "does not match the kana"),
    ({"kana": "ookii"}, "kana must be written in hiragana or katakana"),
    ({"kana": ""}, "kana must be a non-empty string"),
    ({"kana": "おおきな"}, "romaji ookii does not match the kana, which reads ookina"),
    ({"english": ""}, "english must be a non-empty string"),
    ({"parts": []}, "parts must be a non-empty list"),
    ({"parts": [{"kanji": "x", "romaji": []}]}, "non-empty list of syllables"),
])
def test_a_bad_entry_is_named_and_nothing_is_loaded(empty_db, seed_copy, changes, message):
    file_name = rewrite_first_word(seed_copy, **changes)
    with pytest.raises(seed.SeedError, match=message) as error:
        load(empty_db, seed_copy)
    assert f"vocabulary/{file_name}, word 1" in str(error.value)
    assert all(rows == [] for rows in contents(empty_db).values())


@pytest.mark.parametrize("field, value, message", [
    ("url", "/typing", "must be /activities/typing-tutor/ or an absolute http"),
    ("url", "ftp://typing.example/", "must be /activities/typing-tutor/ or an absolute http"),
    ("slug", "Typing Tutor", "slug must be lowercase letters"),
    ("slug", "writing-practice", "url must be /activities/writing-practice/ or an absolute"),
    ("preview_url", "/activities/typing-tutor/missing.png", "names no file under activities/"),
])
def test_an_activity_that_would_point_nowhere_is_refused(empty_db, seed_copy, field, value, message):
    path = seed_copy / "study_activities.json"
    activities = json.loads(path.read_text(encoding="utf-8"))
    activities[0][field] = value
    path.write_text(json.dumps(activities), encoding="utf-8")
    with pytest.raises(seed.SeedError, match="study_activities.json, activity 1") as error:
        load(empty_db, seed_copy)
    assert message in str(error.value)


def test_an_activity_of_the_app_must_have_its_page(empty_db, seed_copy, monkeypatch, tmp_path):
    monkeypatch.setattr(seed, "ACTIVITIES_DIR", tmp_path / "no-activities")
    with pytest.raises(seed.SeedError, match="/activities/typing-tutor/ names no file under activities/"):
        load(empty_db, seed_copy)


def test_first_start_creates_migrates_and_seeds_the_database(tmp_path):
    path = tmp_path / "instance" / "fresh.db"
    client = create_app({"TESTING": True, "DATABASE": str(path)}).test_client()
    body = client.get("/api/words").get_json()
    assert body["total_words"] == len({(w["kanji"], w["romaji"], w["english"])
                                       for ws in seed.read_seed()[0].values() for w in ws})
    assert client.get("/api/study-activities").get_json()


def test_database_path_comes_from_the_environment(tmp_path, monkeypatch):
    path = tmp_path / "from_env.db"
    monkeypatch.setenv("LANG_PORTAL_DATABASE", str(path))
    app = create_app({"TESTING": True})
    assert app.config["DATABASE"] == str(path)
    assert path.exists()


def test_seed_if_empty_loads_an_empty_database(empty_db):
    runner = create_app({"TESTING": True, "DATABASE": str(empty_db), "INIT_DATABASE": False}).test_cli_runner()
    result = runner.invoke(args=["seed", "--if-empty"])
    assert result.exit_code == 0 and "seed loaded: 1402 words in 9 groups, 2 study activities" in result.output
    assert len(contents(empty_db)["words"]) == 1402


def test_seed_if_empty_leaves_a_database_with_words_alone(runner, db_path, db):
    db.execute("DELETE FROM word_groups WHERE group_id = 1")
    before = contents(db_path)
    result = runner.invoke(args=["seed", "--if-empty"])
    assert result.exit_code == 0 and "nothing loaded" in result.output
    assert contents(db_path) == before


def edit_everywhere(seed_dir, kanji, **changes):
    """Change a word in every seed file that holds it."""
    for path in (seed_dir / "vocabulary").glob("*.json"):
        data = json.loads(path.read_text(encoding="utf-8"))
        for word in data["words"]:
            if word["kanji"] == kanji:
                word.update(changes)
        path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def test_reseeding_an_edited_word_updates_it_in_place(empty_db, seed_copy):
    load(empty_db, seed_copy)
    edit_everywhere(seed_copy, "大きい", english="large, grand")
    load(empty_db, seed_copy)
    conn = connect(str(empty_db))
    try:
        found = conn.execute("SELECT english FROM words WHERE kanji = '大きい'").fetchall()
        total = conn.execute("SELECT count(*) FROM words").fetchone()[0]
    finally:
        conn.close()
    assert [row[0] for row in found] == ["large, grand"]
    assert total == 1402


def test_a_full_reset_checks_the_seed_again_only_once_a_file_changed(db_path, db, seed_copy, monkeypatch):
    app = create_app({"TESTING": True, "DATABASE": str(db_path), "INIT_DATABASE": False,
                      "SEED_DIR": str(seed_copy)})
    real, checked = seed.check_word, []
    monkeypatch.setattr(seed, "check_word", lambda word, where: checked.append(where) or real(word, where))

    def full_reset():
        assert app.test_client().post("/api/full-reset", json={}).status_code == 200
        return db.execute("SELECT english FROM words WHERE kanji = '大きい'").fetchone()[0]

    edit_everywhere(seed_copy, "大きい", english="large one")
    files = sorted((seed_copy / "vocabulary").glob("*.json"))
    stats = [path.stat() for path in files]
    assert full_reset() == "large one" and len(checked) >= 1402
    checks = len(checked)
    assert full_reset() == "large one" and len(checked) == checks  # the same bytes: not checked again

    # an edit that keeps each file's size and time is read all the same
    edit_everywhere(seed_copy, "大きい", english="large two")
    for path, stat in zip(files, stats):
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert [path.stat().st_size for path in files] == [stat.st_size for stat in stats]
    assert full_reset() == "large two"
    close_all(app)


def test_a_word_whose_entries_disagree_is_refused(empty_db, seed_copy):
    path = seed_copy / "vocabulary" / "jlpt-n5.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    word = next(w for w in data["words"] if w["kanji"] == "大きい")
    word["english"] = "huge"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(seed.SeedError, match="大きい.*differs from its entry"):
        load(empty_db, seed_copy)


def test_the_jlpt_groups_hold_the_n5_and_n4_vocabulary():
    groups, _ = seed.read_seed()
    assert len(groups["JLPT N5"]) >= 650 and len(groups["JLPT N4"]) >= 600
    n5 = {(w["kanji"], w["kana"]): w for w in groups["JLPT N5"]}
    assert n5[("散歩する", "さんぽする")]["romaji"] == "sanposuru"
    assert n5[("伯父", "おじ")]["english"] == "uncle"
    assert {("十", "じゅう"), ("十", "とお"), ("いい", "いい"), ("よい", "よい")} <= set(n5)
    assert not any(" " in kana or "/" in kanji for kanji, kana in n5)


def test_the_migration_gives_every_existing_word_its_kana(tmp_path):
    """A database from before words had kana: each word's kana is written
    back from its parts, and is the seed's."""
    before = tmp_path / "before"
    before.mkdir()
    for path in migrations.MIGRATIONS_DIR.glob("*.sql"):
        if path.name < "0006":
            (before / path.name).write_bytes(path.read_bytes())
    db_path = tmp_path / "old.db"
    migrations.migrate(db_path, before)
    groups, _ = seed.read_seed()
    # the theme groups: the seed of those days (romaji cannot tell づ from ず)
    words = {(w["kanji"], w["romaji"], w["english"]): w
             for name, group in groups.items() if not name.startswith("JLPT") for w in group}
    conn = connect(str(db_path))
    try:
        with immediate(conn):
            conn.executemany("INSERT INTO words (kanji, romaji, english, parts) VALUES (?, ?, ?, ?)",
                             [(*key, json.dumps(w["parts"], ensure_ascii=False)) for key, w in words.items()])
        migrations.migrate(db_path)
        stored = {(row[0], row[1], row[2]): row[3]
                  for row in conn.execute("SELECT kanji, romaji, english, kana FROM words")}
    finally:
        conn.close()
    assert stored == {key: w["kana"] for key, w in words.items()}
