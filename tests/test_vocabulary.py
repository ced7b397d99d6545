"""Words and groups a learner owns: create, edit, delete, find."""
import pytest

from tests.helpers import (
    WORD_COUNTS,
    SEED_WORDS, WORD_DETAIL, assert_error, assert_fields, count, counters_that_differ_from_a_recount, freeze_clock,
    group_word_ids, post_reviews, start_session,
)

SUSHI = {"kanji": "回転寿司", "kana": "かいてんずし", "english": "conveyor-belt sushi"}


def rows(db, sql, params=()):
    return [tuple(row) for row in db.execute(sql, params)]


def create(client, **fields):
    response = client.post("/api/words", json={**SUSHI, **fields})
    assert response.status_code == 201, response.get_json()
    return response


def test_a_new_word_gets_romaji_and_parts_from_its_kana(client, db):
    response = create(client, group_ids=[3])
    word = response.get_json()["word"]
    assert_fields(word, WORD_DETAIL)
    assert (word["romaji"], word["english"]) == ("kaitenzushi", "conveyor-belt sushi")
    assert [(p["kanji"], p["romaji"]) for p in word["parts"]] == [
        ("回", ["ka", "i"]), ("転", ["te", "n"]), ("寿", ["zu"]), ("司", ["shi"])]
    assert [g["id"] for g in word["groups"]] == [3]
    assert client.get(response.headers["Location"]).get_json() == {"word": word}
    assert rows(db, "SELECT kana FROM words WHERE id = ?", (word["id"],)) == [("かいてんずし",)]
    assert rows(db, "SELECT word_count FROM groups WHERE id = 3") == [(54,)]


def test_romaji_and_parts_sent_with_the_word_are_kept_when_they_agree(client):
    parts = [{"kanji": "回転", "romaji": ["ka", "i", "te", "n"]}, {"kanji": "寿司", "romaji": ["zu", "shi"]}]
    word = create(client, romaji="kaitenzushi", parts=parts).get_json()["word"]
    assert word["parts"] == parts


@pytest.mark.parametrize("fields, mention", [
    ({"kana": "kaitenzushi"}, "kana must be written in hiragana or katakana"),
    ({"kana": ""}, "kana must be a non-empty string"),
    ({"kana": "ゝゞ"}, "kana has ゝ, which has no reading there"),  # an iteration mark with nothing to repeat
    ({"kana": "カヷ"}, "kana has ヷ, which has no reading there"),
    ({"english": "  "}, "english must be a non-empty string"),
    ({"kanji": 5}, "kanji must be a non-empty string"),
    ({"romaji": "kaitensushi"}, "does not match the kana, which reads kaitenzushi"),
    ({"parts": [{"kanji": "回転", "romaji": ["kaiten"]}]}, "parts' kanji do not join"),
    ({"parts": "回転寿司"}, "parts must be a non-empty list"),
    ({"reading": "x"}, "reading is not a field of a word"),
    ({"": "x"}, '"" is not a field of a word'),
    ({"group_ids": [0]}, "group_ids[0] must be a positive integer"),
    ({"group_ids": "3"}, "group_ids must be a list"),
])
def test_a_bad_field_is_named_and_nothing_is_stored(client, db, fields, mention):
    assert_error(client.post("/api/words", json={**SUSHI, **fields}), 400, mention)
    assert count(db, "words") == SEED_WORDS


def test_a_word_naming_an_unknown_group_is_422(client, db):
    assert_error(client.post("/api/words", json={**SUSHI, "group_ids": [1, 98, 99]}), 422, "Groups 98, 99")
    assert count(db, "words") == SEED_WORDS


def test_the_same_kanji_and_kana_again_is_409_naming_the_word(client):
    word_id = create(client).get_json()["word"]["id"]
    assert_error(client.post("/api/words", json={**SUSHI, "english": "sushi train"}), 409, f"Word {word_id}")


def test_changing_the_kana_derives_romaji_and_parts_again(client):
    word_id = create(client).get_json()["word"]["id"]
    response = client.patch(f"/api/words/{word_id}", json={"kana": "かいてんすし"})
    assert response.status_code == 200
    word = response.get_json()["word"]
    assert (word["kana"], word["romaji"], word["english"]) == ("かいてんすし", "kaitensushi", SUSHI["english"])
    assert word["parts"][2] == {"kanji": "寿", "romaji": ["su"]}


def test_changing_the_english_keeps_the_rest(client):
    before = client.get("/api/words/1").get_json()["word"]
    response = client.patch("/api/words/1", json={"english": "big"})
    assert response.get_json()["word"] == {**before, "english": "big"}


def test_a_change_that_makes_a_duplicate_is_409(client):
    word_id = create(client).get_json()["word"]["id"]
    first = client.get("/api/words/1").get_json()["word"]
    assert_error(client.patch(f"/api/words/{word_id}", json={"kanji": first["kanji"], "kana": first["kana"]}),
                 409, "Word 1")


def test_patch_errors(client, db):
    assert_error(client.patch("/api/words/99999", json={"english": "x"}), 404, "Word 99999")
    assert_error(client.patch("/api/words/1", json={}), 400, "at least one")
    assert_error(client.patch("/api/words/1", data="x", content_type="text/plain"), 415)
    before = rows(db, "SELECT group_id FROM word_groups WHERE word_id = 1")
    assert_error(client.patch("/api/words/1", json={"group_ids": [1, 999]}), 422, "999")
    assert_error(client.patch("/api/words/1", json={"group_ids": "1"}), 400, "group_ids")
    assert rows(db, "SELECT group_id FROM word_groups WHERE word_id = 1") == before


def test_group_ids_in_a_patch_replace_the_words_groups(client):
    word_id = create(client, group_ids=[1, 2]).get_json()["word"]["id"]
    word = client.patch(f"/api/words/{word_id}", json={"group_ids": [2, 3]}).get_json()["word"]
    assert sorted(g["id"] for g in word["groups"]) == [2, 3]


def test_an_empty_group_ids_in_a_patch_takes_the_word_out_of_every_group(client, db):
    word_id = create(client, group_ids=[1, 2]).get_json()["word"]["id"]
    response = client.patch(f"/api/words/{word_id}", json={"group_ids": []})
    assert response.status_code == 200 and response.get_json()["word"]["groups"] == []
    assert rows(db, "SELECT group_id FROM word_groups WHERE word_id = ?", (word_id,)) == []


def test_another_kana_with_the_same_romaji_is_409(client, db):
    """The words table still holds the older rule: one word per kanji, romaji and English."""
    create(client, kanji="猫犬", kana="ねこいぬ", english="catdog")
    assert_error(client.post("/api/words", json={"kanji": "猫犬", "kana": "ネコイヌ", "english": "catdog"}),
                 409, "romaji nekoinu")
    assert count(db, "words") == SEED_WORDS + 1


def reviewed_word(client, db):
    """A word of group 2 with three reviews in two sessions; (word_id, session ids)."""
    word_id, other = group_word_ids(db, 2)[:2]
    first = start_session(client, 2)
    post_reviews(client, first, [(word_id, True), (other, False), (word_id, False)])
    second = start_session(client, 2)
    post_reviews(client, second, [(word_id, True)])
    return word_id, (first, second)


def test_a_word_with_reviews_is_deleted_only_with_its_history(client, db, db_path):
    word_id, (first, second) = reviewed_word(client, db)
    assert_error(client.delete(f"/api/words/{word_id}"), 409, "has 3 reviews", "with_history=true")
    assert count(db, "word_review_items") == 4
    response = client.delete(f"/api/words/{word_id}?with_history=true")
    assert response.status_code == 200 and response.get_json()["deleted_reviews"] == 3
    assert client.get(f"/api/words/{word_id}").status_code == 404
    assert rows(db, "SELECT id, review_items_count, correct_count FROM study_sessions ORDER BY id") == [
        (first, 1, 0), (second, 0, 0)]
    # a session left without reviews ends when it started
    assert rows(db, "SELECT ended_at = created_at FROM study_sessions WHERE id = ?", (second,)) == [(1,)]
    assert counters_that_differ_from_a_recount(db_path) == []
    stats = client.get("/api/dashboard/stats").get_json()
    assert (stats["total_vocabulary"], stats["total_words_studied"], stats["success_rate"]) == (SEED_WORDS - 1, 1, 0.0)


def test_a_word_never_reviewed_is_deleted_at_once(client, db, db_path):
    word_id = create(client, group_ids=[1]).get_json()["word"]["id"]
    assert client.delete(f"/api/words/{word_id}").status_code == 200
    assert count(db, "words") == SEED_WORDS
    assert counters_that_differ_from_a_recount(db_path) == []


def test_delete_errors(client):
    assert_error(client.delete("/api/words/99999"), 404, "Word 99999")
    assert_error(client.delete("/api/words/1?with_history=yes"), 400, "with_history must be true or false")


# Groups

def test_a_group_is_created_renamed_and_filled(client, db):
    response = client.post("/api/groups", json={"name": "Kitchen"})
    assert response.status_code == 201
    group = response.get_json()
    assert group == {"id": group["id"], "group_name": "Kitchen", "word_count": 0}
    assert client.get(response.headers["Location"]).get_json() == group
    assert_error(client.post("/api/groups", json={"name": "Kitchen"}), 409, f"Group {group['id']}")
    renamed = client.patch(f"/api/groups/{group['id']}", json={"name": "In the kitchen"})
    assert renamed.get_json()["group_name"] == "In the kitchen"
    added = client.post(f"/api/groups/{group['id']}/words", json={"word_ids": [1, 2, 3, 2]})
    assert added.get_json() == {"group_id": group["id"], "added": 3, "word_count": 3}
    assert client.delete(f"/api/groups/{group['id']}/words/2").get_json()["word_count"] == 2
    assert group_word_ids(db, group["id"]) == [1, 3]


def test_adding_words_is_all_or_nothing(client, db):
    assert_error(client.post("/api/groups/1/words", json={"word_ids": [1, 99998, 99999]}), 422, "99998, 99999")
    assert_error(client.post("/api/groups/1/words", json={"word_ids": []}), 400, "word_ids")
    assert_error(client.post("/api/groups/1/words", json={"word_ids": ["1"]}), 400, "word_ids[0] must be a positive")
    assert_error(client.post("/api/groups/1/words", json={"word_ids": 1}), 400, "word_ids")
    assert_error(client.post("/api/groups/1/words", json={"word_ids": [1], "colour": "red"}), 400, "colour")
    assert_error(client.post("/api/groups/1/words", data="x", content_type="text/plain"), 415)
    assert_error(client.post("/api/groups/999/words", json={"word_ids": [1]}), 404, "Group 999")
    assert_error(client.delete("/api/groups/1/words/444"), 422, "not in group")
    assert_error(client.delete("/api/groups/999/words/1"), 404, "Group 999")
    assert rows(db, "SELECT word_count FROM groups WHERE id = 1") == [(74,)]


def test_group_errors(client, db):
    assert_error(client.patch("/api/groups/999", json={"name": "Nowhere"}), 404, "Group 999")
    assert_error(client.delete("/api/groups/999"), 404, "Group 999")
    assert_error(client.delete("/api/groups/1?with_history=yes"), 400, "with_history must be true or false")
    assert_error(client.post("/api/groups", data="x", content_type="text/plain"), 415)
    assert_error(client.patch("/api/groups/1", data="x", content_type="text/plain"), 415)
    assert count(db, "groups") == 9


@pytest.mark.parametrize("body, status", [({}, 400), ({"name": ""}, 400), ({"name": 3}, 400),
                                          ({"name": "g" * 101}, 400), ({"name": "Kitchen", "colour": "red"}, 400),
                                          ({"name": "Core Verbs"}, 409)])
def test_bad_group_names(client, db, body, status):
    assert_error(client.post("/api/groups", json=body), status)
    assert_error(client.patch("/api/groups/1", json=body), status)
    assert rows(db, "SELECT name FROM groups WHERE id = 1") == [("Core Adjectives",)] and count(db, "groups") == 9


def test_deleting_a_group_keeps_its_words(client, db, db_path):
    words = group_word_ids(db, 4)
    assert client.delete("/api/groups/4").status_code == 200
    assert client.get("/api/groups/4").status_code == 404
    assert count(db, "words") == SEED_WORDS
    assert all(client.get(f"/api/words/{w}").status_code == 200 for w in words)
    assert counters_that_differ_from_a_recount(db_path) == []


def test_a_group_with_sessions_is_deleted_only_with_its_history(client, db, db_path, monkeypatch):
    freeze_clock(monkeypatch, "2026-03-09T10:00:00Z")
    kept = start_session(client, 1)
    post_reviews(client, kept, [(group_word_ids(db, 1)[0], True)])
    shared_word = group_word_ids(db, 2)[0]
    client.post("/api/groups/1/words", json={"word_ids": [shared_word]})
    freeze_clock(monkeypatch, "2026-03-10T10:00:00Z")
    gone = start_session(client, 2)
    post_reviews(client, gone, [(shared_word, True), (shared_word, False)])
    other = start_session(client, 1)
    post_reviews(client, other, [(shared_word, True)])
    assert_error(client.delete("/api/groups/2"), 409, "1 study session", "with_history=true")
    response = client.delete("/api/groups/2?with_history=true")
    assert response.status_code == 200
    assert (response.get_json()["deleted_sessions"], response.get_json()["deleted_reviews"]) == (1, 2)
    assert rows(db, "SELECT id FROM study_sessions ORDER BY id") == [(kept,), (other,)]
    assert rows(db, WORD_COUNTS, (shared_word,)) == [(1, 0)]
    # its schedule is replayed from the one review left
    assert rows(db, "SELECT reps, lapses FROM word_schedules WHERE word_id = ?", (shared_word,)) == [(1, 0)]
    assert counters_that_differ_from_a_recount(db_path) == []
    stats = client.get("/api/dashboard/stats").get_json()
    assert (stats["total_sessions"], stats["success_rate"]) == (2, 1.0)


def test_the_last_session_of_a_day_takes_the_day_with_it(client, db, db_path, monkeypatch):
    freeze_clock(monkeypatch, "2026-03-10T10:00:00Z")
    start_session(client, 5)
    freeze_clock(monkeypatch, "2026-03-11T10:00:00Z")
    start_session(client, 1)
    client.delete("/api/groups/5?with_history=true")
    assert rows(db, "SELECT day, sessions_count FROM study_days") == [("2026-03-11", 1)]
    assert counters_that_differ_from_a_recount(db_path) == []


# Finding words

@pytest.mark.parametrize("q, expected", [
    ("食べ", "食べる"), ("たべる", "食べる"), ("TABERU", "食べる"), ("To Eat", "食べる"), ("aber", "食べる"),
])
def test_q_finds_a_word_by_kanji_kana_romaji_or_english(client, q, expected):
    words = client.get("/api/words", query_string={"q": q}).get_json()
    assert expected in [w["kanji"] for w in words["words"]]
    assert words["total_words"] == len(words["words"])


def test_q_pages_and_sorts_like_the_whole_list(client):
    everything = client.get("/api/words?q=i&per_page=100&sort_by=romaji&order=desc").get_json()
    total = everything["total_words"]
    assert 100 < total < SEED_WORDS
    first = client.get("/api/words?q=i&per_page=5&sort_by=romaji&order=desc").get_json()
    assert first["total_pages"] == -(-total // 5)
    assert [w["id"] for w in first["words"]] == [w["id"] for w in everything["words"][:5]]
    assert all("i" in w["romaji"] or "i" in w["english"].lower() for w in everything["words"])


def test_q_in_a_group_finds_only_its_words(client, db):
    found = client.get("/api/groups/2/words", query_string={"q": "る", "per_page": 100}).get_json()
    assert found["total_words"] == len(found["words"]) > 10
    assert {w["id"] for w in found["words"]} <= set(group_word_ids(db, 2))


def test_q_matches_percent_and_underscore_literally(client):
    assert client.get("/api/words?q=%25").get_json()["total_words"] == 0
    assert client.get("/api/words?q=_").get_json()["total_words"] == 0
    assert_error(client.get("/api/words", query_string={"q": "x" * 101}), 400, "q may be at most")


@pytest.mark.parametrize("path", ["/api/words", "/api/groups/2/words"])
def test_q_with_a_nul_character_is_400_not_every_word(client, path):
    assert_error(client.get(path, query_string={"q": "\x00"}), 400, "q may not contain a NUL character")


# Browsers

PORTAL = "http://localhost:5173"


@pytest.mark.parametrize("method", ["PATCH", "DELETE"])
def test_patch_and_delete_are_allowed_from_the_portal_only(client, method):
    preflight = client.options("/api/words/1", headers={
        "Origin": PORTAL, "Access-Control-Request-Method": method,
        "Access-Control-Request-Headers": "content-type"})
    assert method in preflight.headers["Access-Control-Allow-Methods"]
    assert preflight.headers["Access-Control-Allow-Origin"] == PORTAL
    response = client.open("/api/groups/6", method=method, json={"name": "Elsewhere"},
                           headers={"Origin": "https://evil.example"})
    assert_error(response, 403)
    assert client.get("/api/groups/6").get_json()["group_name"] == "Numbers & Counting"


def test_a_word_stored_without_kana_must_be_given_one_when_changed(client, db):
    db.execute("UPDATE words SET kana = '' WHERE id = 1")
    assert_error(client.patch("/api/words/1", json={"english": "big"}), 400, "kana is required")
    assert client.patch("/api/words/1", json={"kana": "おおきい"}).get_json()["word"]["kana"] == "おおきい"
