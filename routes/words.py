import json
import sqlite3
from functools import wraps
from zoneinfo import ZoneInfo

from flask import Blueprint, current_app, jsonify, request, url_for

from lib import clock, history, json_answers, scheduling, vocabulary, word_files
from lib.db import (placeholders, query_all, query_column, query_one, query_one_or_404, require_existing,
                    snapshot, transaction)
from lib.errors import ApiError, bad_request
from lib.idempotency import idempotent
from lib.pages import fetch_page, page_ids
from lib.validation import (
    MAX_PAGE, choice_arg, flag_arg, id_list, int_arg, json_body, paging, request_body, sorting,
    total_pages,
)

bp = Blueprint("words", __name__)

# The contract's Word, as the word lists answer it (see lib/json_answers.py).
WORD_SHAPE = (
    ("id", "w.id"),
    ("kanji", "w.kanji"),
    ("kana", "w.kana"),
    ("romaji", "w.romaji"),
    ("english", "w.english"),
    ("correct_count", "w.correct_count"),
    ("wrong_count", "w.wrong_count"),
)
WORD_COLUMNS = json_answers.columns_sql(WORD_SHAPE)

SORT_COLUMNS = {
    "kanji": "w.kanji",
    "romaji": "w.romaji",
    "english": "w.english",
    "correct_count": "w.correct_count",
    "wrong_count": "w.wrong_count",
}
MAX_QUERY = 100


# A page's words, in the order of its ids (a JSON array).
PAGE_WORDS = "SELECT w.* FROM json_each(?) page JOIN words w ON w.id = page.value ORDER BY page.key"
WORD_PAGE_JSON = f"""
SELECT json_object(
    'words', (SELECT json_group_array({json_answers.object_sql(WORD_SHAPE)}) FROM ({PAGE_WORDS}) w),
    'total_pages', ?, 'current_page', ?, 'total_words', ?) AS answer
"""
WORD_PAGE_ROWS = f"SELECT {WORD_COLUMNS} FROM ({PAGE_WORDS}) w"
# Kanji and kana as written; romaji and English whatever their case (LIKE
# ignores the case of ASCII letters).
SEARCH = ("(w.kanji LIKE ? ESCAPE '\\' OR w.kana LIKE ? ESCAPE '\\'"
          " OR w.romaji LIKE ? ESCAPE '\\' OR w.english LIKE ? ESCAPE '\\')")


def search():
    """(condition, params) for ``q``: words whose kanji, kana, romaji or
    English contain it; None without one."""
    text = request.args.get("q", "").strip()
    if not text:
        return None
    if len(text) > MAX_QUERY:
        raise bad_request(f"q may be at most {MAX_QUERY} characters.")
    if "\x00" in text:  # LIKE ends a pattern there: it would match every word
        raise bad_request("q may not contain a NUL character.")
    pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return SEARCH, (pattern,) * 4


def page_of_words(source, where, params, count_sql, default_per_page, missing=None, render=None):
    """The contract's paged word list, for all words or for one group's.

    ``source`` joins ``words w``; ``where`` picks the list's words, and
    ``count_sql`` counts them from a counter, finding no row when what the
    list is of does not exist (a 404 naming ``missing``). With ``q`` the
    matching words are counted instead. The id breaks ties so that pages
    neither repeat nor skip a word. SQLite writes the answer; ``render``
    (ids, total_pages, page, total) renders it otherwise (see
    render_word_page)."""
    with snapshot():
        total = query_one_or_404(count_sql, params, missing)["total"]  # a missing group before bad paging
        page, per_page, offset = paging(default_per_page)
        column, direction = sorting(SORT_COLUMNS, "kanji", "asc")
        found = search()
        if found is not None:
            where, params = f"{where} AND {found[0]}", (*params, *found[1])
            total = query_one(f"SELECT count(*) AS total FROM {source} WHERE {where}", params)["total"]
        ids_sql = f"SELECT w.id FROM {source} WHERE {where} ORDER BY {{order}} LIMIT ? OFFSET ?"
        ids = page_ids(ids_sql, params, (column, "w.id", direction), total, per_page, offset)
        answer = (json.dumps(ids), total_pages(total, per_page), page, total)
        if render is not None:
            return render(*answer)
        return json_answers.response(query_one(WORD_PAGE_JSON, answer)["answer"])


def render_word_page(ids, pages, page, total):
    """A page of words as Python renders it: the same bytes SQLite writes."""
    return jsonify(words=query_all(WORD_PAGE_ROWS, (ids,)), total_pages=pages, current_page=page,
                   total_words=total)


@bp.get("/words")
def list_words(render=None):
    return page_of_words("words w", "1", (), "SELECT words_count AS total FROM learning_totals",
                         default_per_page=50, render=render)


def word_detail(word_id):
    """One word with its parts, schedule and groups, or a 404."""
    word = query_one_or_404(WORDS_WITH_SCHEDULES_BY_ID.format(parts="w.parts, ", ids="?"), (word_id,),
                            f"Word {word_id}")
    word["parts"] = json.loads(word["parts"])
    with_schedule(word, scheduling.now_whole_seconds())
    word["groups"] = query_all(
        "SELECT g.id, g.name FROM word_groups wg JOIN groups g ON g.id = wg.group_id"
        " WHERE wg.word_id = ? ORDER BY g.name, g.id",
        (word_id,),
    )
    return word


@bp.get("/words/<int:word_id>")
def get_word(word_id):
    with snapshot():
        return jsonify(word=word_detail(word_id))


# --- spaced repetition ------------------------------------------------------------

# {parts}: "w.parts, " or nothing
WORDS_WITH_SCHEDULES_BY_ID = (f"SELECT {WORD_COLUMNS}, {{parts}}{scheduling.SELECT_COLUMNS}"
                              " FROM words w LEFT JOIN word_schedules s ON s.word_id = w.id WHERE w.id IN ({ids})")


def with_schedule(word, now):
    """``word`` with its schedule's columns made into ``schedule``."""
    schedule = {column: word.pop(column) for column in scheduling.COLUMNS}
    schedule["word_id"] = word["id"]
    word["schedule"] = scheduling.schedule_view(schedule, now)
    return word


# "What is due" for all words and for one group's, new words in id order.
# For all words the page is read from the index on due. A group's page, count
# and next due time come from the group's own words: walking the index on due
# and keeping the group's words would read every overdue (or every future)
# word of every group whenever the group has fewer than it looks for.
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
        "due": "SELECT s.word_id AS id FROM word_groups wg CROSS JOIN word_schedules s ON s.word_id = wg.word_id"
               " WHERE wg.group_id = ? AND s.due <= ? ORDER BY s.due, s.word_id LIMIT ?",
        "due_count": "SELECT count(*) AS n FROM word_groups wg JOIN word_schedules s ON s.word_id = wg.word_id"
                     " WHERE wg.group_id = ? AND s.due <= ?",
        "next_due_at": "SELECT min(s.due) AS due FROM word_groups wg CROSS JOIN word_schedules s"
                       " ON s.word_id = wg.word_id WHERE wg.group_id = ? AND s.due > ?",
        "any_new": "SELECT 1 AS n",
        "new": "SELECT wg.word_id AS id FROM word_groups wg WHERE wg.group_id = ?"
               " AND NOT EXISTS (SELECT 1 FROM word_schedules s WHERE s.word_id = wg.word_id)"
               " ORDER BY wg.word_id LIMIT ?",
    },
}
FIRST_REVIEWED_SINCE = "SELECT count(*) AS n FROM word_schedules WHERE first_reviewed_at >= ?"


# A due queue's words as SQLite writes them (their fields and parts), by id.
# Their schedule and next_due are Python's (see due_words).
QUEUE_WORD_SHAPE = (*WORD_SHAPE, ("parts", "json(w.parts)"))
QUEUE_WORDS_JSON = (f"SELECT w.id, {json_answers.object_sql(QUEUE_WORD_SHAPE)} AS word"
                    " FROM json_each(?) page JOIN words w ON w.id = page.value")
NO_SCHEDULE = dict.fromkeys(scheduling.COLUMNS)


def due_words(group_id=None, render=None):
    """The due queue: words due now, most overdue first (up to ``limit``),
    then never-reviewed words (up to ``new``, and no more than today's
    allowance of new words). Call inside ``snapshot()``. ``render``
    (outlooks, due_count, next_due_at, new_left_today) renders the answer
    otherwise (see render_due_queue)."""
    limit = int_arg("limit", 20, 1, 100)
    new = int_arg("new", 10, 0, 100)
    now = scheduling.now_whole_seconds()
    queries, scope = (DUE_QUERIES["all"], ()) if group_id is None else (DUE_QUERIES["group"], (group_id,))
    now_iso = clock.iso(now)
    today = clock.day_start(now, ZoneInfo(current_app.config["TIMEZONE"]))  # the learner's day
    new_left = max(0, scheduling.new_per_day() - query_one(FIRST_REVIEWED_SINCE, (clock.iso(today),))["n"])
    ids = query_column(queries["due"], (*scope, now_iso, limit))
    if min(new, new_left) > 0 and query_one(queries["any_new"])["n"]:
        ids += query_column(queries["new"], (*scope, min(new, new_left)))
    schedules = {}
    if ids:
        schedules = {row["word_id"]: row
                     for row in query_all(scheduling.SCHEDULES_BY_ID.format(ids=placeholders(ids)), ids)}
    rows = [schedules.get(word_id) or {**NO_SCHEDULE, "word_id": word_id} for word_id in ids]
    counts = (query_one(queries["due_count"], (*scope, now_iso))["n"],
              query_one(queries["next_due_at"], (*scope, now_iso))["due"], new_left)
    if render is not None:
        return render([(word_id, *scheduling.outlook_view(row, now))
                       for word_id, row in zip(ids, rows)], *counts)
    # SQLite writes each word's text, Python its schedule (floats are Python's)
    words = {row["id"]: row["word"] for row in query_all(QUEUE_WORDS_JSON, (json.dumps(ids),))}
    items = []
    for word_id, row in zip(ids, rows):
        if word_id in words:  # a schedule left behind by a word deleted outside the app is not shown
            schedule, next_due = scheduling.outlook_texts(row, now)
            items.append(json_answers.extended(words[word_id], schedule=schedule, next_due=next_due))
    dump = json_answers.dumps
    return json_answers.response(json_answers.object_text(
        words=f"[{','.join(items)}]", due_count=dump(counts[0]), next_due_at=dump(counts[1]),
        new_left_today=dump(counts[2])))


def render_due_queue(outlooks, due_count, next_due_at, new_left_today):
    """The due queue as Python renders it from (word id, schedule, next_due)
    of each word: the same bytes as due_words writes."""
    words = {}
    if outlooks:
        ids = [word_id for word_id, _, _ in outlooks]
        words = {row["id"]: row for row in query_all(
            f"SELECT {WORD_COLUMNS}, w.parts FROM words w WHERE w.id IN ({placeholders(ids)})", ids)}
    return jsonify(words=[{**words[word_id], "parts": json.loads(words[word_id]["parts"]),
                           "schedule": schedule, "next_due": next_due}
                          for word_id, schedule, next_due in outlooks if word_id in words],
                   due_count=due_count, next_due_at=next_due_at, new_left_today=new_left_today)


@bp.get("/words/due")
def list_due_words(render=None):
    with snapshot():
        return due_words(render=render)


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


# --- a learner's own words --------------------------------------------------------

def checked_word(body, current=None):
    """The word a POST or PATCH body describes, or a 400 naming each problem."""
    fields = {key: value for key, value in body.items() if key != "group_ids"}
    word, problems = vocabulary.check_word(fields, current)
    if problems:
        raise bad_request(" ".join(message for _, message in problems))
    return word


def check_unique(db, word, word_id=None):
    """A 409 naming the word that already has this kanji and kana."""
    same = db.execute("SELECT id FROM words WHERE kanji = ? AND kana = ? AND id IS NOT ?",
                      (word["kanji"], word["kana"], word_id)).fetchone()
    if same is not None:
        raise ApiError(409, f"Word {same['id']} already has kanji {word['kanji']} and kana {word['kana']}.")


def store_word(db, word, word_id=None):
    """Insert the word, or update word ``word_id``; its id."""
    values = (word["kanji"], word["kana"], word["romaji"], word["english"], vocabulary.parts_json(word))
    try:
        if word_id is None:
            return db.execute(vocabulary.INSERT_WORD, values).lastrowid
        db.execute("UPDATE words SET kanji = ?, kana = ?, romaji = ?, english = ?, parts = ? WHERE id = ?",
                   (*values, word_id))
        return word_id
    except sqlite3.IntegrityError:
        raise ApiError(409, vocabulary.same_romaji(word)) from None


def set_groups(db, word_id, group_ids):
    marks = placeholders(group_ids)  # NOT IN (): an empty list keeps no group
    db.execute(f"DELETE FROM word_groups WHERE word_id = ? AND group_id NOT IN ({marks})",
               (word_id, *group_ids))
    db.executemany(vocabulary.ADD_TO_GROUP, [(word_id, group_id) for group_id in group_ids])


@bp.post("/words")
@idempotent
def create_word():
    body = json_body()
    group_ids = id_list(body, "group_ids", required=False)
    word = checked_word(body)
    with transaction() as db:
        check_unique(db, word)
        if group_ids:
            require_existing("groups", group_ids, "Group")
        word_id = store_word(db, word)
        db.executemany(vocabulary.ADD_TO_GROUP, [(word_id, group_id) for group_id in group_ids or []])
        created = word_detail(word_id)
    response = jsonify(word=created)
    response.status_code = 201
    response.headers["Location"] = url_for(".get_word", word_id=word_id)
    return response


@bp.patch("/words/<int:word_id>")
def update_word(word_id):
    body = json_body()
    if not body:
        raise bad_request(f"Send at least one of: {', '.join(vocabulary.WORD_FIELDS)}, group_ids.")
    group_ids = id_list(body, "group_ids", required=False)
    with transaction() as db:
        current = query_one_or_404(f"SELECT {', '.join(vocabulary.WORD_FIELDS)} FROM words WHERE id = ?",
                                   (word_id,), f"Word {word_id}")
        current["parts"] = json.loads(current["parts"])
        word = checked_word(body, current)
        check_unique(db, word, word_id)
        if group_ids:
            require_existing("groups", group_ids, "Group")
        store_word(db, word, word_id)
        if group_ids is not None:
            set_groups(db, word_id, group_ids)
        updated = word_detail(word_id)
    return jsonify(word=updated)


@bp.delete("/words/<int:word_id>")
def delete_word(word_id):
    with_history = flag_arg("with_history")
    with transaction() as db:
        query_one_or_404("SELECT 1 AS found FROM words WHERE id = ?", (word_id,), f"Word {word_id}")
        reviews = db.execute("SELECT count(*) FROM word_review_items WHERE word_id = ?", (word_id,)).fetchone()[0]
        if reviews and not with_history:
            raise ApiError(409, f"Word {word_id} has {reviews} review{'s' if reviews != 1 else ''};"
                                " delete it with ?with_history=true to delete them too.")
        history.remove_reviews(db, "word_id = ?", (word_id,))
        # its schedule goes with it (ON DELETE CASCADE); no other word's history changed
        db.execute("DELETE FROM words WHERE id = ?", (word_id,))
    return jsonify(message=f"Word {word_id} was deleted.", deleted_reviews=reviews)


IMPORT_TYPES = {media_type: file_format for file_format, media_type in word_files.MEDIA_TYPES.items()}


def import_body_limit(view):
    """This route's own body limit (IMPORT_MAX_CONTENT_LENGTH), set before
    anything reads the body."""
    @wraps(view)
    def wrapper(*args, **kwargs):
        request.max_content_length = current_app.config["IMPORT_MAX_CONTENT_LENGTH"]
        return view(*args, **kwargs)
    return wrapper


def import_problems(problems):
    response = jsonify(error=f"Nothing was imported: {len(problems)} problem{'s' if len(problems) != 1 else ''}"
                             f" in the file, each named in problems.", problems=problems)
    response.status_code = 422
    return response


@bp.post("/words/import")
@import_body_limit
@idempotent
def import_words():
    """Words from a JSON list, a CSV or a TSV file, all or none."""
    file_format = IMPORT_TYPES.get(request.mimetype)
    if file_format is None:
        raise ApiError(415, "The body must be application/json, text/csv or text/tab-separated-values.")
    group = request.args.get("group")
    group_problem = vocabulary.group_name_problem(group, "group") if group is not None else None
    if group_problem:
        raise bad_request(group_problem)
    on_duplicate = choice_arg("on_duplicate", word_files.ON_DUPLICATE, "skip")
    dry_run = flag_arg("dry_run")
    data = request_body()
    try:
        checked = word_files.check_rows(word_files.read_rows(data, file_format), group)
        with transaction() as db:
            result = word_files.store(db, checked, on_duplicate, dry_run)
    except word_files.ImportProblems as problems:
        return import_problems(problems.problems)
    return jsonify(dry_run=dry_run, **result)
