"""Checks of the database file: right on an intact file with the SQLite the
machine has, and finding damage where there is some."""
import sqlite3

from lib.store import migrations
from lib.store import integrity
from tests.helpers import rows_in


def test_an_intact_database_passes_the_quick_and_the_full_check(db_path):
    assert integrity.problems_in(db_path) == []
    assert integrity.problems_in(db_path, full=True) == []
    assert rows_in(db_path, "PRAGMA quick_check") == [("ok",)]  # whatever SQLite's version


def test_word_groups_keep_their_rows_and_counts_through_the_reordering(tmp_path):
    before = tmp_path / "before.db"
    pending = [version for version, *_ in migrations.available() if version >= 8]
    folder = tmp_path / "migrations"
    folder.mkdir()
    for version, name, path, _ in migrations.available():
        if version < 8:
            (folder / path.name).write_bytes(path.read_bytes())
    migrations.migrate(before, folder)
    conn = sqlite3.connect(before)
    conn.executescript("INSERT INTO groups (id, name) VALUES (1, 'g'), (2, 'h');"
                       "INSERT INTO words (id, kanji, romaji, english) VALUES (1, 'a', 'a', 'a'), (2, 'b', 'b', 'b');"
                       "INSERT INTO word_groups (word_id, group_id) VALUES (1, 1), (2, 1), (2, 2);")
    conn.close()

    assert pending and "0008_word_groups_in_key_order.sql" in migrations.migrate(before)

    assert rows_in(before, "SELECT group_id, word_id FROM word_groups") == [(1, 1), (1, 2), (2, 2)]
    assert rows_in(before, "SELECT id, word_count FROM groups ORDER BY id") == [(1, 2), (2, 1)]
    assert rows_in(before, "PRAGMA quick_check") == [("ok",)]
    conn = sqlite3.connect(before)
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("DELETE FROM words WHERE id = 2")
    conn.commit()
    conn.close()
    assert rows_in(before, "SELECT id, word_count FROM groups ORDER BY id") == [(1, 1), (2, 0)]


def damage(path):
    """Overwrite the middle of the words table's pages with garbage."""
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    (root,) = conn.execute("SELECT rootpage FROM sqlite_schema WHERE name = 'words'").fetchone()
    conn.close()
    with open(path, "r+b") as file:
        file.seek((root - 1) * page_size)
        file.write(b"\xff" * page_size)


def test_a_damaged_file_is_found_by_both_checks(db_path):
    damage(db_path)
    assert integrity.problems_in(db_path) != []
    assert integrity.problems_in(db_path, full=True) != []


def test_a_file_that_is_no_database_is_a_problem(tmp_path):
    path = tmp_path / "notes.db"
    path.write_text("shopping list\n" * 1000)
    assert integrity.problems_in(path) == ["file is not a database"]


def test_a_path_that_is_not_a_plain_uri_is_checked_where_it_is(seeded_template, tmp_path):
    folder = tmp_path / "my portal #1 ?100%"
    folder.mkdir()
    path = folder / "lang_portal.db"
    path.write_bytes(seeded_template.read_bytes())
    damage(path)
    assert integrity.problems_in(path) != []
    assert integrity.problems_in(path, full=True) != []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["my portal #1 ?100%"]  # nothing made beside it
