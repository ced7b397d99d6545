"""Words imported from and exported to files: JSON, CSV, TSV and Anki's text."""
import json

import pytest

from app import create_app
from lib.store import word_files
from lib.core.settings import StartupError
from tests.helpers import SEED_WORDS, assert_error, count, counters_that_differ_from_a_recount, run_flask

CSV = "text/csv"
TSV = "text/tab-separated-values"
TWO_WORDS = "kanji,kana,english\n回転寿司,かいてんずし,conveyor-belt sushi\n子猫,こねこ,kitten\n"


def imported(client, data, content_type=CSV, **query):
    return client.post("/api/words/import", data=data, content_type=content_type, query_string=query)


def problems(response):
    assert response.status_code == 422, response.get_data(as_text=True)
    body = response.get_json()
    assert set(body) == {"error", "problems"} and body["error"]
    return [(p["row"], p["field"]) for p in body["problems"]]


def test_csv_words_are_created_in_the_named_group(client, db, db_path):
    response = imported(client, TWO_WORDS, group="Sushi bar")
    assert response.status_code == 200
    body = response.get_json()
    assert (body["created"], body["updated"], body["skipped"]) == (2, 0, 0)
    group = body["groups"][0]
    assert group["name"] == "Sushi bar"
    words = client.get(f"/api/groups/{group['id']}/words/raw").get_json()["words"]
    assert [(w["id"], w["romaji"]) for w in words] == list(zip(body["word_ids"], ["kaitenzushi", "koneko"]))
    assert counters_that_differ_from_a_recount(db_path) == []


def test_a_group_column_and_json_lists_work_too(client, db):
    words = [{"kanji": "子猫", "kana": "こねこ", "english": "kitten", "group": "Animals"},
             {"kanji": "子犬", "kana": "こいぬ", "english": "puppy", "group": "Animals", "romaji": "koinu"}]
    body = imported(client, json.dumps(words), "application/json").get_json()
    assert body["created"] == 2 and [g["name"] for g in body["groups"]] == ["Animals"]
    assert count(db, "words") == SEED_WORDS + 2


def test_anki_header_lines_are_understood(client):
    anki = "#separator:tab\n#html:false\n#tags column:4\n子猫\tこねこ\tkitten\tanimals\n"
    assert imported(client, anki, TSV, group="Anki").get_json()["created"] == 1
    named = "#separator:semicolon\n#columns:kana;kanji;english\nこいぬ;子犬;puppy\n"
    assert imported(client, named, TSV).get_json()["created"] == 1


def test_dry_run_reports_and_stores_nothing(client, db):
    body = imported(client, TWO_WORDS, group="Sushi bar", dry_run="true").get_json()
    assert (body["dry_run"], body["created"], body["word_ids"]) == (True, 2, [None, None])
    assert count(db, "words") == SEED_WORDS and count(db, "groups") == 9


@pytest.mark.parametrize("query, mention", [({"group": " "}, "group"), ({"group": "g" * 101}, "100 characters"),
                                            ({"dry_run": "yes"}, "dry_run")])
def test_a_bad_import_parameter_is_a_400_and_stores_nothing(client, db, query, mention):
    assert_error(imported(client, TWO_WORDS, **query), 400, mention)
    assert count(db, "words") == SEED_WORDS and count(db, "groups") == 9


def test_a_dry_run_names_what_is_stored_and_leaves_it_as_it_was(client, db, db_path):
    stored = imported(client, TWO_WORDS, group="Sushi bar").get_json()
    before = (count(db, "words"), count(db, "word_groups"), db.execute("SELECT * FROM learning_totals").fetchone())
    more = TWO_WORDS + "猫舌,ねこじた,sensitive to hot food\n"
    body = imported(client, more, group="Sushi bar", dry_run="true", on_duplicate="update").get_json()
    assert body["word_ids"] == stored["word_ids"] + [None] and body["groups"] == stored["groups"]
    assert (count(db, "words"), count(db, "word_groups"),
            db.execute("SELECT * FROM learning_totals").fetchone()) == before
    assert counters_that_differ_from_a_recount(db_path) == []


@pytest.mark.parametrize("on_duplicate, created, updated, skipped", [
    ("skip", 1, 0, 1), ("update", 1, 1, 0)])
def test_a_word_already_there_is_skipped_or_updated(client, db, on_duplicate, created, updated, skipped):
    imported(client, TWO_WORDS)
    again = "kanji,kana,english\n子猫,こねこ,a kitten\n子犬,こいぬ,puppy\n"
    body = imported(client, again, on_duplicate=on_duplicate).get_json()
    assert (body["created"], body["updated"], body["skipped"]) == (created, updated, skipped)
    expected = "a kitten" if on_duplicate == "update" else "kitten"
    assert db.execute("SELECT english FROM words WHERE kanji = '子猫'").fetchone()[0] == expected


def test_on_duplicate_error_names_the_rows(client, db):
    imported(client, TWO_WORDS)
    assert problems(imported(client, TWO_WORDS, on_duplicate="error")) == [(1, "kana"), (2, "kana")]
    assert_error(imported(client, TWO_WORDS, on_duplicate="replace"), 400, "on_duplicate")


@pytest.mark.parametrize("data, expected", [
    ("kanji,kana,english\n,こねこ,kitten\n子犬,koinu,puppy\n", [(1, "kanji"), (2, "kana")]),
    ("kanji,kana,english,romaji\n子猫,こねこ,kitten,konneko\n", [(1, "romaji")]),
    ("kanji,kana,english,parts\n子猫,こねこ,kitten,\"[{\"\"kanji\"\":\"\"子\"\",\"\"romaji\"\":[\"\"ko\"\"]}]\"\n",
     [(1, "parts")]),
    ("kanji,kana,english,colour\n子猫,こねこ,kitten,white\n", [(0, "colour")]),
    ("kanji,kana,english,\n子猫,こねこ,kitten,white\n", [(0, '""')]),  # a column without a name
    ("kanji,kana,english\n子猫,\"こねこ,kitten\n", [(0, "file")]),
    ("kanji,kana,english\n子猫,こねこ,kitten\n子猫,こねこ,cat\n", [(2, "kana")]),
    ("kanji,kana,english\n", [(0, "file")]),
    # a group named in a row is checked as POST /api/groups checks a name
    ("kanji,kana,english,group\n子猫,こねこ,kitten," + "g" * 101 + "\n子犬,こいぬ,puppy," + "g" * 100 + "\n",
     [(1, "group")]),
])
def test_every_bad_row_is_named_and_nothing_is_stored(client, db, data, expected):
    assert problems(imported(client, data)) == expected
    assert count(db, "words") == SEED_WORDS


@pytest.mark.parametrize("header", ["#tags column:²", "#tags column:999999999", "#tags column:0",
                                    "#tags column:8", "#tags column:-1", "#tags column:"])
def test_a_tags_column_out_of_range_is_refused(client, db, header):
    anki = f"#separator:tab\n{header}\n子猫\tこねこ\tkitten\tanimals\n"
    response = imported(client, anki, TSV)
    assert problems(response) == [(0, "tags column")]
    assert header.partition(":")[2] in response.get_json()["problems"][0]["message"]
    assert count(db, "words") == SEED_WORDS


def test_the_last_tags_column_is_the_one_after_every_field(client):
    anki = ("#separator:tab\n#columns:kanji\tkana\tenglish\tromaji\tparts\tgroup\n#tags column:7\n"
            "子猫\tこねこ\tkitten\t\t\t\tanimals\n")
    assert imported(client, anki, TSV).get_json()["created"] == 1


def test_parts_nested_too_deep_are_a_problem_of_the_row(client, db):
    data = f"kanji,kana,english,parts\n子猫,こねこ,kitten,{'[' * 100_000}\n"
    assert problems(imported(client, data)) == [(1, "parts")]
    assert count(db, "words") == SEED_WORDS


CATDOG = [{"kanji": "猫犬", "kana": "ねこいぬ", "english": "catdog"},
          {"kanji": "猫犬", "kana": "ネコイヌ", "english": "catdog"}]


def test_two_kana_with_the_same_romaji_in_one_file_are_refused(client, db):
    response = imported(client, json.dumps(CATDOG), "application/json")
    assert problems(response) == [(2, "romaji")]
    assert "row 1" in response.get_json()["problems"][0]["message"]
    assert count(db, "words") == SEED_WORDS


@pytest.mark.parametrize("dry_run", ["false", "true"])  # a dry run meets every rule the import meets
@pytest.mark.parametrize("on_duplicate", ["skip", "update"])
def test_a_kana_with_the_romaji_of_a_stored_word_is_refused(client, db, on_duplicate, dry_run):
    client.post("/api/words", json=CATDOG[0])
    data = json.dumps([{"kanji": "子猫", "kana": "こねこ", "english": "kitten"}, CATDOG[1]])
    response = imported(client, data, "application/json", on_duplicate=on_duplicate, dry_run=dry_run)
    assert problems(response) == [(2, "romaji")]
    assert "romaji nekoinu" in response.get_json()["problems"][0]["message"]
    assert count(db, "words") == SEED_WORDS + 1


def test_a_json_word_naming_a_key_twice_is_refused(client, db):
    data = '[{"kanji": "子猫", "kana": "こねこ", "english": "kitten", "english": "cat"}]'
    assert problems(imported(client, data, "application/json")) == [(0, "file")]
    assert count(db, "words") == SEED_WORDS


def test_a_file_in_another_encoding_is_refused(client, db):
    assert problems(imported(client, TWO_WORDS.encode("shift_jis"))) == [(0, "file")]
    assert count(db, "words") == SEED_WORDS


def test_at_most_10000_rows(client, db):
    rows = "".join(f"語{n},ご,word {n}\n" for n in range(10_001))
    assert problems(imported(client, "kanji,kana,english\n" + rows)) == [(10_001, "file")]
    assert count(db, "words") == SEED_WORDS


def test_10000_words_fit_the_routes_own_body_limit(client, db, db_path):
    kana = "あいうえおかきくけこさしすせそたちつてと"
    gloss = "; a longer gloss" * 6
    rows = "".join(f"語{n},{kana[n % 20]}{kana[n // 20 % 20]}{kana[n // 400 % 20]},word number {n}{gloss}\n"
                   for n in range(10_000))
    data = ("kanji,kana,english\n" + rows).encode()
    assert len(data) > 1024 * 1024  # over the API's general limit
    body = imported(client, data, group="Many").get_json()
    assert body["created"] == 10_000
    assert counters_that_differ_from_a_recount(db_path) == []


def test_a_body_over_the_import_limit_is_413(db_path):
    client = create_app({"TESTING": True, "DATABASE": str(db_path), "IMPORT_MAX_CONTENT_LENGTH": 100}).test_client()
    assert_error(imported(client, TWO_WORDS * 3), 413)


def test_the_import_limit_is_checked_at_start(db_path):
    with pytest.raises(StartupError, match="IMPORT_MAX_CONTENT_LENGTH"):
        create_app({"TESTING": True, "DATABASE": str(db_path), "IMPORT_MAX_CONTENT_LENGTH": "8M"})


def test_other_body_types_are_415(client):
    assert_error(imported(client, TWO_WORDS, "text/plain"), 415)
    assert_error(client.post("/api/words", data=TWO_WORDS, content_type=CSV), 415)


def test_an_idempotency_key_replays_the_import(client, db):
    headers = {"Idempotency-Key": "import-1"}
    first = client.post("/api/words/import", data=TWO_WORDS, content_type=CSV, headers=headers)
    again = client.post("/api/words/import", data=TWO_WORDS, content_type=CSV, headers=headers)
    assert again.get_json() == first.get_json() and again.headers["Idempotent-Replayed"] == "true"
    assert count(db, "words") == SEED_WORDS + 2


@pytest.mark.parametrize("file_format", word_files.FORMATS)
def test_an_exported_group_imports_back_to_the_same_words(client, db, file_format):
    custom = [{"kanji": "回転", "romaji": ["ka", "i", "te", "n"]}, {"kanji": "寿司", "romaji": ["zu", "shi"]}]
    client.post("/api/words", json={"kanji": "回転寿司", "kana": "かいてんずし", "english": 'sushi, "train"',
                                    "parts": custom, "group_ids": [3]})
    before = client.get("/api/groups/3/words/raw").get_json()["words"]
    response = client.get(f"/api/groups/3/export?format={file_format}")
    assert response.status_code == 200
    assert response.mimetype == word_files.MEDIA_TYPES[file_format]
    client.delete("/api/groups/3")
    for word in before:
        client.delete(f"/api/words/{word['id']}")
    body = imported(client, response.data, word_files.MEDIA_TYPES[file_format], group="Food again").get_json()
    assert body["created"] == len(before)
    after = client.get(f"/api/groups/{body['groups'][0]['id']}/words/raw").get_json()["words"]
    strip = lambda words: [{k: v for k, v in w.items() if k != "id"} for w in words]  # noqa: E731
    assert strip(after) == strip(before)


def test_export_errors(client):
    assert_error(client.get("/api/groups/99/export"), 404, "Group 99")
    assert_error(client.get("/api/groups/1/export?format=xml"), 400, "format")


def test_the_command_line_imports_and_exports(runner, db, tmp_path):
    source = tmp_path / "anki.txt"
    source.write_text("#separator:tab\n子猫\tこねこ\tkitten\n", encoding="utf-8")
    result = runner.invoke(args=["import", str(source), "--group", "Pets", "--dry-run"])
    assert result.exit_code == 0 and "1 words would be created" in result.output
    assert count(db, "words") == SEED_WORDS
    result = runner.invoke(args=["import", str(source), "--group", "Pets"])
    assert result.exit_code == 0 and count(db, "words") == SEED_WORDS + 1
    out = tmp_path / "pets.csv"
    result = runner.invoke(args=["export", "--group", "Pets", str(out)])
    assert result.exit_code == 0
    assert out.read_text(encoding="utf-8").splitlines()[1].startswith("子猫,こねこ,koneko,kitten,")


def test_the_command_line_names_each_problem(runner, db, tmp_path):
    source = tmp_path / "bad.csv"
    source.write_text("kanji,kana,english\n子猫,koneko,kitten\n", encoding="utf-8")
    result = runner.invoke(args=["import", str(source)])
    assert result.exit_code != 0
    assert "row 1, kana" in result.output and "nothing imported" in result.output


def test_a_field_sent_without_a_name_is_named_as_empty(client, db):
    words = [{"kanji": "子猫", "kana": "こねこ", "english": "kitten", "": "white"}]
    response = imported(client, json.dumps(words), content_type="application/json")

    assert problems(response) == [(1, '""')]
    assert response.get_json()["problems"][0]["message"].startswith('"" is not a field of a word')
    assert count(db, "words") == SEED_WORDS


@pytest.mark.parametrize("args", [["import", "words.csv"], ["reschedule"], ["export", "--group", "Mine", "out.csv"]])
def test_a_command_on_a_missing_database_says_so_and_creates_none(tmp_path, args):
    """Created empty here, the file would be seeded at the next start and
    shipped to the replica in place of the one it holds."""
    (tmp_path / "words.csv").write_text("kanji,kana,english\n猫,ねこ,cat\n", encoding="utf-8")
    database = tmp_path / "missing" / "lang_portal.db"
    result = run_flask(*args, database=database, cwd=tmp_path)
    assert result.returncode == 1
    assert f"there is no database at {database}" in result.stderr
    assert not database.exists()
