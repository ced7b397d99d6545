import json

from flask import Blueprint, current_app, jsonify

from lib.db import query_all, query_one, query_one_or_404, snapshot
from lib.errors import not_found
from lib.validation import paging, sorting, total_pages
from routes.study_sessions import sessions_page
from routes.words import due_words, page_of_words

bp = Blueprint("groups", __name__)

GROUP_SELECT = "SELECT g.id, g.name AS group_name, g.word_count FROM groups g"

SORT_COLUMNS = {"name": "g.name", "word_count": "g.word_count", "words_count": "g.word_count"}


def get_group_or_404(group_id):
    return query_one_or_404(f"{GROUP_SELECT} WHERE g.id = ?", (group_id,), f"Group {group_id}")


@bp.get("/groups")
def list_groups():
    page, per_page, offset = paging(10)
    column, direction = sorting(SORT_COLUMNS, "name", "asc")
    with snapshot():
        total = query_one("SELECT count(*) AS total FROM groups")["total"]
        groups = query_all(
            f"{GROUP_SELECT} ORDER BY {column} {direction}, g.id {direction} LIMIT ? OFFSET ?",
            (per_page, offset),
        )
    return jsonify(groups=groups, total_pages=total_pages(total, per_page), current_page=page)


@bp.get("/groups/<int:group_id>")
def get_group(group_id):
    return jsonify(get_group_or_404(group_id))


@bp.get("/groups/<int:group_id>/words")
def list_group_words(group_id):
    with snapshot():
        get_group_or_404(group_id)
        return jsonify(page_of_words(
            "SELECT word_count AS total FROM groups WHERE id = ?",
            "SELECT w.id FROM word_groups wg JOIN words w ON w.id = wg.word_id"
            " WHERE wg.group_id = ? ORDER BY {order} LIMIT ? OFFSET ?",
            (group_id,), default_per_page=10,
        ))


@bp.get("/groups/<int:group_id>/words/due")
def list_group_due_words(group_id):
    """The group's due queue: its words due now, then new ones."""
    with snapshot():
        get_group_or_404(group_id)
        return jsonify(due_words(group_id))


# The words an activity app studies, as /groups/<id>/words/raw answers them:
# each field's name and the SQL for its value, in answer order. SQLite builds
# the answer from this (one text instead of a dict per word: several times
# faster for a large group) and ``render_raw_words`` is the same answer
# rendered in Python; a test holds the two to the same bytes. Text and
# integers only: SQLite writes floats with fewer digits than Python. Parts are
# stored as json.dumps(..., ensure_ascii=False) writes them (lib/seed.py):
# json() would keep a stored \u escape where Python writes the character.
RAW_WORD_FIELDS = (
    ("id", "w.id"),
    ("kanji", "w.kanji"),
    ("kana", "w.kana"),
    ("romaji", "w.romaji"),
    ("english", "w.english"),
    ("parts", "json(w.parts)"),
)
GROUP_WORDS_IN_ORDER = ("SELECT w.* FROM word_groups wg JOIN words w ON w.id = wg.word_id"
                        " WHERE wg.group_id = ? ORDER BY wg.word_id")
RAW_WORDS_JSON = f"""
SELECT json_object('group_id', g.id, 'group_name', g.name, 'words', (
    SELECT json_group_array(json_object({", ".join(f"'{name}', {value}" for name, value in RAW_WORD_FIELDS)}))
    FROM ({GROUP_WORDS_IN_ORDER}) w)) AS answer
FROM groups g WHERE g.id = ?
"""
RAW_WORDS_ROWS = f"""
SELECT {", ".join(f"{value} AS {name}" for name, value in RAW_WORD_FIELDS)}
FROM ({GROUP_WORDS_IN_ORDER}) w
"""


def render_raw_words(group, rows):
    """The raw words' answer rendered in Python from the rows of RAW_WORDS_ROWS."""
    words = [{**row, "parts": json.loads(row["parts"])} for row in rows]
    return jsonify(group_id=group["id"], group_name=group["group_name"], words=words)


@bp.get("/groups/<int:group_id>/words/raw")
def list_group_words_raw(group_id):
    """Every word of the group with its parts, for study activity apps."""
    answer = query_one(RAW_WORDS_JSON, (group_id, group_id))
    if answer is None:
        raise not_found(f"Group {group_id} does not exist.")
    # the same trailing newline as every jsonify answer
    return current_app.response_class(answer["answer"] + "\n", mimetype="application/json")


@bp.get("/groups/<int:group_id>/study-sessions")
def list_group_sessions(group_id):
    with snapshot():
        get_group_or_404(group_id)
        items, total, page, per_page = sessions_page(
            "s.group_id = ?", (group_id,),
            "SELECT sessions_count AS total FROM groups WHERE id = ?", sortable=True)
    return jsonify(study_sessions=items, total_pages=total_pages(total, per_page), current_page=page)
