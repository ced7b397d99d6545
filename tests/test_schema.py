"""sql/schema.sql is the schema of a database migrated from zero: loaded alone
into an empty database, it makes the same tables, indexes, triggers and views,
each with the same SQL (compared with its whitespace collapsed)."""
import shutil
import sqlite3
from contextlib import closing

import migrate
from lib.store import migrations
from lib.store.schema import SCHEMA_FILE

REGENERATE = "sql/schema.sql is not what the migrations build; write it again with python migrate.py --dump-schema"


def schema_of(conn):
    """{(type, name): (table, SQL with its whitespace collapsed)} of every object but SQLite's own."""
    rows = conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'")
    return {(kind, name): (table, " ".join(sql.split())) for kind, name, table, sql in rows}


def migrated_schema(path, directory=None):
    migrations.migrate(path, directory)
    with closing(sqlite3.connect(path)) as conn:
        return schema_of(conn)


def loaded_schema(schema_file):
    with closing(sqlite3.connect(":memory:")) as conn:
        conn.executescript(schema_file.read_text(encoding="utf-8"))
        return schema_of(conn)


def differences(migrated, loaded):
    """A line for each object the two schemas do not share, by type and name."""
    return [f"{kind} {name}: " + ("made by the migrations, missing from sql/schema.sql" if (kind, name) not in loaded
                                  else "in sql/schema.sql, not made by the migrations" if (kind, name) not in migrated
                                  else "its SQL differs")
            for kind, name in sorted(migrated.keys() | loaded.keys())
            if migrated.get((kind, name)) != loaded.get((kind, name))]


def test_schema_file_is_the_schema_the_migrations_build(tmp_path):
    found = differences(migrated_schema(tmp_path / "lang.db"), loaded_schema(SCHEMA_FILE))
    assert not found, REGENERATE + ":\n" + "\n".join(found)


def test_a_migration_added_without_writing_the_schema_again_is_named(tmp_path):
    folder = shutil.copytree(migrations.MIGRATIONS_DIR, tmp_path / "migrations")
    (folder / "0900_more.sql").write_text(
        "CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL);\n"
        "DROP INDEX words_by_kana;\n"
        "DROP TRIGGER word_groups_counted;\n"
        "CREATE TRIGGER word_groups_counted AFTER INSERT ON word_groups\n"
        "BEGIN\n    UPDATE groups SET word_count = word_count + 2 WHERE id = NEW.group_id;\nEND;\n")
    assert differences(migrated_schema(tmp_path / "lang.db", folder), loaded_schema(SCHEMA_FILE)) == [
        "index words_by_kana: in sql/schema.sql, not made by the migrations",
        "table notes: made by the migrations, missing from sql/schema.sql",
        "trigger word_groups_counted: its SQL differs",
    ]


def test_the_command_writes_the_same_schema_each_time_and_it_loads_as_the_migrated_one(tmp_path, capsys):
    written, again = tmp_path / "schema.sql", tmp_path / "again.sql"
    assert migrate.main(["--dump-schema", str(written)]) == 0
    assert capsys.readouterr().out == f"wrote {written}\n"
    assert migrate.main(["--dump-schema", str(again)]) == 0
    assert written.read_text(encoding="utf-8") == again.read_text(encoding="utf-8")
    assert differences(migrated_schema(tmp_path / "lang.db"), loaded_schema(written)) == []


def test_the_command_says_when_it_cannot_write(tmp_path, capsys):
    assert migrate.main(["--dump-schema", str(tmp_path / "no such folder" / "schema.sql")]) == 1
    assert "cannot write the schema" in capsys.readouterr().err
