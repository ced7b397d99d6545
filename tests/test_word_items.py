"""The due queues and the leeches write their words in Python, from each
word's fields as SQLite writes them, kept per worker under the vocabulary's
version (lib/web/word_items.py): the words they show are the word lists'
Words, and a word changed in any way shows its new text at once."""
import sqlite3

import pytest

from tests.helpers import freeze_clock, group_word_ids, start_session

# Text that JSON must escape, or that is not ASCII
AWKWARD = {"kanji": '引"用\\符', "english": 'a "quote", a back\\slash,\ta tab, \u2028 and 🍣'}
QUEUES = ("/api/words/due?limit=100&new=100", "/api/groups/1/words/due?limit=100&new=100",
          "/api/words/leeches?lapses=1&per_page=100")
WORD_FIELDS = ("id", "kanji", "kana", "romaji", "english", "correct_count", "wrong_count")


@pytest.fixture
def studied(client, db, monkeypatch):
    """The first words of group 1 forgotten once (leeches, due again at once),
    the first of them with AWKWARD text; the rest of the group never reviewed."""
    freeze_clock(monkeypatch, "2026-03-10T09:00:00Z")
    words = group_word_ids(db, 1)[:6]
    response = client.patch(f"/api/words/{words[0]}", json=AWKWARD)
    assert response.status_code == 200, response.get_json()
    session_id = start_session(client, 1)
    reviews = [{"word_id": word_id, "rating": rating} for word_id in words for rating in ("easy", "again")]
    response = client.post(f"/api/study-sessions/{session_id}/review",
                           json={"reviews": [*reviews, {"word_id": words[1], "rating": "again"}]})
    assert response.status_code == 201, response.get_json()
    freeze_clock(monkeypatch, "2026-03-10T12:00:00Z")
    return words


def shown(client, path):
    response = client.get(path)
    assert response.status_code == 200, response.get_json()
    return {word["id"]: word for word in response.get_json()["words"]}


def test_the_queues_and_leeches_show_each_word_as_the_word_lists_do(client, studied):
    listed = shown(client, "/api/groups/1/words?per_page=100")
    for path in QUEUES:
        words = shown(client, path)
        assert set(studied) <= set(words), path
        for word_id, word in words.items():
            assert {field: word[field] for field in WORD_FIELDS} == listed[word_id], (path, word_id)
            if "due" in path:
                detail = client.get(f"/api/words/{word_id}").get_json()["word"]
                assert word["parts"] == detail["parts"]
    first = shown(client, QUEUES[0])[studied[0]]
    assert {field: first[field] for field in AWKWARD} == AWKWARD
    assert (first["correct_count"], first["wrong_count"]) == (1, 1)
    assert shown(client, QUEUES[0])[studied[1]]["wrong_count"] == 2


def test_a_word_changed_through_the_api_shows_its_new_text_in_every_queue(client, studied):
    for path in QUEUES:
        shown(client, path)  # the words' values kept
    response = client.patch(f"/api/words/{studied[1]}", json={"english": "changed"})
    assert response.status_code == 200, response.get_json()
    for path in QUEUES:
        word = shown(client, path)[studied[1]]
        assert word["english"] == "changed", path


def test_a_word_changed_or_removed_by_hand_shows_so_in_every_queue(client, studied, db_path):
    for path in QUEUES:
        shown(client, path)
    by_hand = sqlite3.connect(db_path)  # as the sqlite3 shell would: another connection, no app
    by_hand.execute("UPDATE words SET english = 'by hand', parts = '[{\"kanji\": \"手\", \"romaji\": [\"te\"]}]'"
                    " WHERE id = ?", (studied[2],))
    by_hand.execute("PRAGMA foreign_keys = OFF")  # its schedule and counts stay behind
    by_hand.execute("DELETE FROM words WHERE id = ?", (studied[3],))
    by_hand.commit()
    by_hand.close()
    for path in QUEUES:
        words = shown(client, path)
        assert words[studied[2]]["english"] == "by hand" and studied[3] not in words, path
        if "due" in path:
            assert words[studied[2]]["parts"] == [{"kanji": "手", "romaji": ["te"]}]


def test_another_learners_queue_shows_their_own_counts_of_the_same_words(client, studied):
    response = client.post("/api/learners", json={"name": "Ren"})
    assert response.status_code == 201, response.get_json()
    headers = {"Authorization": f"Bearer {response.get_json()['token']}"}
    shown(client, QUEUES[0])  # the default learner's first
    words = client.get(QUEUES[0], headers=headers).get_json()["words"]
    assert words and all((word["correct_count"], word["wrong_count"], word["schedule"]) == (0, 0, None)
                         for word in words)
    assert {word["id"]: word["english"] for word in words}[studied[0]] == AWKWARD["english"]
