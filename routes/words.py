import json

from flask import Blueprint, jsonify

from lib.db import query_all, query_one, query_one_or_404, snapshot
from lib.pages import fetch_page
from lib.validation import paging, sorting, total_pages

bp = Blueprint("words", __name__)

WORD_COLUMNS = "w.id, w.kanji, w.romaji, w.english, w.correct_count, w.wrong_count"

SORT_COLUMNS = {
    "kanji": "w.kanji",
    "romaji": "w.romaji",
    "english": "w.english",
    "correct_count": "w.correct_count",
    "wrong_count": "w.wrong_count",
}


WORDS_BY_ID = f"SELECT {WORD_COLUMNS} FROM words w WHERE w.id IN ({{ids}})"


def page_of_words(count_sql, ids_sql, params, default_per_page):
    """The contract's paged word list, for all words or for one group's.

    ``ids_sql`` selects ``w.id`` in ``{order}``, the whitelisted sort; the id
    breaks ties so that pages neither repeat nor skip a word."""
    page, per_page, offset = paging(default_per_page)
    column, direction = sorting(SORT_COLUMNS, "kanji", "asc")
    with snapshot():
        total = query_one(count_sql, params)["total"]
        words = fetch_page(ids_sql, WORDS_BY_ID, params, (column, "w.id", direction), total, per_page, offset)
    return {"words": words, "total_pages": total_pages(total, per_page),
            "current_page": page, "total_words": total}


@bp.get("/words")
def list_words():
    return jsonify(page_of_words(
        "SELECT words_count AS total FROM learning_totals",
        "SELECT w.id FROM words w ORDER BY {order} LIMIT ? OFFSET ?",
        (), default_per_page=50,
    ))


@bp.get("/words/<int:word_id>")
def get_word(word_id):
    with snapshot():
        word = query_one_or_404(f"SELECT {WORD_COLUMNS}, w.parts FROM words w WHERE w.id = ?", (word_id,),
                                f"Word {word_id}")
        word["parts"] = json.loads(word["parts"])
        word["groups"] = query_all(
            "SELECT g.id, g.name FROM word_groups wg JOIN groups g ON g.id = wg.group_id"
            " WHERE wg.word_id = ? ORDER BY g.name, g.id",
            (word_id,),
        )
    return jsonify(word=word)
