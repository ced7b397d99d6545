import json
from zoneinfo import ZoneInfo

from flask import Blueprint, current_app, jsonify

from lib import clock, scheduling
from lib.db import query_all, query_one, query_one_or_404, snapshot
from lib.pages import fetch_page
from lib.validation import MAX_PAGE, int_arg, paging, sorting, total_pages

bp = Blueprint("words", __name__)

WORD_COLUMNS = "w.id, w.kanji, w.kana, w.romaji, w.english, w.correct_count, w.wrong_count"

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
        word = query_one_or_404(f"SELECT {WORD_COLUMNS}, w.parts, {scheduling.SELECT_COLUMNS}"
                                " FROM words w LEFT JOIN word_schedules s ON s.word_id = w.id WHERE w.id = ?",
                                (word_id,), f"Word {word_id}")
        word["parts"] = json.loads(word["parts"])
        with_schedule(word, scheduling.now_whole_seconds())
        word["groups"] = query_all(
            "SELECT g.id, g.name FROM word_groups wg JOIN groups g ON g.id = wg.group_id"
            " WHERE wg.word_id = ? ORDER BY g.name, g.id",
            (word_id,),
        )
    return jsonify(word=word)


# --- spaced repetition ------------------------------------------------------------

# {parts}: "w.parts, " or nothing
WORDS_WITH_SCHEDULES_BY_ID = (f"SELECT {WORD_COLUMNS}, {{parts}}{scheduling.SELECT_COLUMNS}"
                              " FROM words w LEFT JOIN word_schedules s ON s.word_id = w.id WHERE w.id IN ({ids})")


def with_schedule(word, now, next_due=False):
    """``word`` with its schedule's columns made into ``schedule`` (and
    ``next_due``, the due time after each rating)."""
    schedule = {column: word.pop(column) for column in scheduling.COLUMNS}
    schedule["word_id"] = word["id"]
    word["schedule"] = scheduling.schedule_view(schedule, now)
    if next_due:
        word["next_due"] = scheduling.next_due(schedule, now)
    return word


# "What is due" for all words and for one group's: the page of due words is
# read from the index on due (the group's words checked one by one as the
# index hands them out), new words in id order.
DUE_QUERIES = {
    "all": {
        "due": "SELECT s.word_id AS id FROM word_schedules s WHERE s.due <= ? ORDER BY s.due, s.word_id LIMIT ?",
        "due_count": "SELECT count(*) AS n FROM word_schedules s WHERE s.due <= ?",
        "next_due_at": "SELECT min(s.due) AS due FROM word_schedules s WHERE s.due > ?",
        # learning_totals counts the words ever reviewed: those with a schedule
        "any_new": "SELECT words_count > words_studied AS n FROM learning_totals",
        "new": "SELECT w.id FROM words w WHERE NOT EXISTS (SELECT 1 FROM word_schedules s WHERE s.word_id = w.id)"
               " ORDER BY w.id LIMIT ?",
    },
    "group": {
        "due": "SELECT s.word_id AS id FROM word_schedules s"
               " CROSS JOIN word_groups wg ON wg.group_id = ? AND wg.word_id = s.word_id"
               " WHERE s.due <= ? ORDER BY s.due, s.word_id LIMIT ?",
        "due_count": "SELECT count(*) AS n FROM word_groups wg JOIN word_schedules s ON s.word_id = wg.word_id"
                     " WHERE wg.group_id = ? AND s.due <= ?",
        "next_due_at": "SELECT s.due FROM word_schedules s"
                       " CROSS JOIN word_groups wg ON wg.group_id = ? AND wg.word_id = s.word_id"
                       " WHERE s.due > ? ORDER BY s.due LIMIT 1",
        "any_new": "SELECT 1 AS n",
        "new": "SELECT wg.word_id AS id FROM word_groups wg WHERE wg.group_id = ?"
               " AND NOT EXISTS (SELECT 1 FROM word_schedules s WHERE s.word_id = wg.word_id)"
               " ORDER BY wg.word_id LIMIT ?",
    },
}
FIRST_REVIEWED_SINCE = "SELECT count(*) AS n FROM word_schedules WHERE first_reviewed_at >= ?"


def due_words(group_id=None):
    """The due queue: words due now, most overdue first (up to ``limit``),
    then never-reviewed words (up to ``new``, and no more than today's
    allowance of new words). Call inside ``snapshot()``."""
    limit = int_arg("limit", 20, 1, 100)
    new = int_arg("new", 10, 0, 100)
    now = scheduling.now_whole_seconds()
    queries, scope = (DUE_QUERIES["all"], ()) if group_id is None else (DUE_QUERIES["group"], (group_id,))
    now_iso = clock.iso(now)
    today = clock.day_start(now, ZoneInfo(current_app.config["TIMEZONE"]))  # the learner's day
    new_left = max(0, scheduling.new_per_day() - query_one(FIRST_REVIEWED_SINCE, (clock.iso(today),))["n"])
    ids = [row["id"] for row in query_all(queries["due"], (*scope, now_iso, limit))]
    if min(new, new_left) > 0 and query_one(queries["any_new"])["n"]:
        ids += [row["id"] for row in query_all(queries["new"], (*scope, min(new, new_left)))]
    words = {}
    if ids:
        sql = WORDS_WITH_SCHEDULES_BY_ID.format(parts="w.parts, ", ids=",".join("?" * len(ids)))
        words = {row["id"]: row for row in query_all(sql, ids)}
    page = []
    for word_id in ids:
        word = words[word_id]
        word["parts"] = json.loads(word["parts"])
        page.append(with_schedule(word, now, next_due=True))
    return {"words": page,
            "due_count": query_one(queries["due_count"], (*scope, now_iso))["n"],
            "next_due_at": (query_one(queries["next_due_at"], (*scope, now_iso)) or {"due": None})["due"],
            "new_left_today": new_left}


@bp.get("/words/due")
def list_due_words():
    with snapshot():
        return jsonify(due_words())


@bp.get("/words/leeches")
def list_leeches():
    """Words forgotten at least ``lapses`` times, most lapses first."""
    lapses = int_arg("lapses", 8, 1, MAX_PAGE)
    page, per_page, offset = paging(50)
    now = scheduling.now_whole_seconds()
    with snapshot():
        total = query_one("SELECT count(*) AS total FROM word_schedules WHERE lapses >= ?", (lapses,))["total"]
        words = fetch_page(
            "SELECT s.word_id AS id FROM word_schedules s WHERE s.lapses >= ? ORDER BY {order} LIMIT ? OFFSET ?",
            WORDS_WITH_SCHEDULES_BY_ID.format(parts="", ids="{ids}"), (lapses,),
            ("s.lapses", "s.word_id", "DESC"), total, per_page, offset)
    return jsonify(words=[with_schedule(word, now) for word in words], total_pages=total_pages(total, per_page),
                   current_page=page, total_words=total)
