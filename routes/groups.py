import json

from flask import Blueprint, jsonify

from lib.db import query_all, query_one, query_one_or_404, snapshot
from lib.validation import paging, sorting, total_pages
from routes.study_sessions import sessions_page
from routes.words import page_of_words

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


@bp.get("/groups/<int:group_id>/words/raw")
def list_group_words_raw(group_id):
    """Every word of the group with its parts, for study activity apps."""
    with snapshot():
        group = get_group_or_404(group_id)
        words = query_all(
            "SELECT w.id, w.kanji, w.romaji, w.english, w.parts"
            " FROM word_groups wg JOIN words w ON w.id = wg.word_id"
            " WHERE wg.group_id = ? ORDER BY w.id",
            (group_id,),
        )
    for word in words:
        word["parts"] = json.loads(word["parts"])
    return jsonify(group_id=group_id, group_name=group["group_name"], words=words)


@bp.get("/groups/<int:group_id>/study-sessions")
def list_group_sessions(group_id):
    with snapshot():
        get_group_or_404(group_id)
        items, total, page, per_page = sessions_page(
            "s.group_id = ?", (group_id,),
            "SELECT sessions_count AS total FROM groups WHERE id = ?", sortable=True)
    return jsonify(study_sessions=items, total_pages=total_pages(total, per_page), current_page=page)
