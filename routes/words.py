import json
import sqlite3
from functools import wraps

from flask import Blueprint, current_app, jsonify, request, url_for

from lib.core import clock, vocabulary
from lib.core.scheduler import COLUMNS, StoredSchedule
from lib.store import history, word_files
from lib.store.connection import placeholders
from lib.store.words import ADD_TO_GROUP, INSERT_WORD
from lib.web.answers import body, response
from lib.web.caching import versioned
from lib.web.database import query_all, query_one, query_one_or_404, require_existing, snapshot, \
    transaction
from lib.web.errors import ApiError, bad_request
from lib.web.auth import learner_id, requires
from lib.web.idempotency import idempotent
from lib.web.pages import page_rows
from lib.web.scheduling import scheduler
from lib.web.validation import MAX_PAGE, choice_arg, flag_arg, id_list, int_arg, json_body, paging, request_body, \
    total_pages
from lib.web.word_items import COUNTS, SCHEDULE_COUNTS, item_shape, write_items
from lib.web.word_lists import LEARNER_COUNTS, LEARNER_WORD_COLUMNS, STORED_COLUMNS, due_queue, page_of_words

bp = Blueprint("words", __name__)


@bp.get("/words")
@versioned
def list_words():
    return page_of_words("words w", "1", (), "SELECT words_count AS total FROM learning_totals",
                         default_per_page=50)


# A word with the learner's counts and schedule's columns (None for a word
# they never reviewed), by id. ?: the learner, twice.
SCHEDULE_COLUMNS = ", ".join(f"s.{column}" for column in COLUMNS)
LEARNER_SCHEDULE = "LEFT JOIN word_schedules s ON s.learner_id = ? AND s.word_id = w.id"
WORD_WITH_SCHEDULE = (f"SELECT {LEARNER_WORD_COLUMNS}, w.parts, {SCHEDULE_COLUMNS}"
                      f" FROM words w {LEARNER_COUNTS} {LEARNER_SCHEDULE} WHERE w.id = ?")


def with_schedule(word, now):
    """``word`` with its schedule's columns made into its ``schedule`` at ``now``."""
    stored = StoredSchedule(word["id"], *(word.pop(column) for column in COLUMNS))
    word["schedule"] = scheduler().schedule_at(stored, now)
    return word


def word_detail(word_id):
    """One word with its parts, schedule and groups, or a 404."""
    word = query_one_or_404(WORD_WITH_SCHEDULE, (learner_id(), learner_id(), word_id), f"Word {word_id}")
    word["parts"] = json.loads(word["parts"])
    with_schedule(word, clock.now_whole_seconds())
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

@bp.get("/words/due")
def list_due_words():
    with snapshot():
        return due_queue()


# A page of leeches: the words with their schedules (written by Python, as
# in the due queue), in the page's order, read with the learner's counts.
# The page's words are found on the index on lapses alone, so that the rows
# an offset skips cost an index entry each; only the page's schedules and
# counts are read, put in order by Python (leech_order). ?1 the learner,
# ?2 the lapses, then LIMIT and OFFSET.
LEECHES = (f"SELECT {STORED_COLUMNS}, {COUNTS} FROM (SELECT s.word_id FROM word_schedules s"
           " WHERE s.learner_id = ?1 AND s.lapses >= ?2 ORDER BY {order} LIMIT ?3 OFFSET ?4) page"
           f" CROSS JOIN word_schedules s ON s.learner_id = ?1 AND s.word_id = page.word_id {SCHEDULE_COUNTS}")
LAPSES = StoredSchedule._fields.index("lapses")


def leech_order(row):
    """The sort key of a row of LEECHES, highest first: most lapses, then
    the highest word id."""
    return row[LAPSES], row[0]


LEECH_ITEM = item_shape(("schedule",))
LEECH_PAGE = b'{"words":%b,"total_pages":%d,"current_page":%d,"total_words":%d}'


@bp.get("/words/leeches")
def list_leeches():
    """Words forgotten at least ``lapses`` times, most lapses first."""
    lapses = int_arg("lapses", 8, 1, MAX_PAGE)
    page, per_page, offset = paging(50)
    now = clock.now_whole_seconds()
    learner = learner_id()
    with snapshot():
        total = query_one("SELECT coalesce(sum(words), 0) AS total FROM learner_lapses"
                          " WHERE learner_id = ? AND lapses >= ?", (learner, lapses))["total"]
        rows = page_rows(LEECHES, (learner, lapses), ("s.lapses", "s.word_id", "DESC"), total, per_page, offset)
        schedule_json_at = scheduler().schedule_json_at
        leeches = {row[0]: (*row[-2:], schedule_json_at(StoredSchedule._make(row[:-2]), now).encode())
                   for row in sorted(rows, key=leech_order, reverse=True)}
        words = write_items(LEECH_ITEM, leeches)
    return response(body(LEECH_PAGE % (words, total_pages(total, per_page), page, total)))


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
            return db.execute(INSERT_WORD, values).lastrowid
        db.execute("UPDATE words SET kanji = ?, kana = ?, romaji = ?, english = ?, parts = ? WHERE id = ?",
                   (*values, word_id))
        return word_id
    except sqlite3.IntegrityError:
        raise ApiError(409, vocabulary.same_romaji(word)) from None


def set_groups(db, word_id, group_ids):
    marks = placeholders(group_ids)  # NOT IN (): an empty list keeps no group
    db.execute(f"DELETE FROM word_groups WHERE word_id = ? AND group_id NOT IN ({marks})",
               (word_id, *group_ids))
    db.executemany(ADD_TO_GROUP, [(word_id, group_id) for group_id in group_ids])


@bp.post("/words")
@requires("vocabulary")
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
        db.executemany(ADD_TO_GROUP, [(word_id, group_id) for group_id in group_ids or []])
        created = word_detail(word_id)
    response = jsonify(word=created)
    response.status_code = 201
    response.headers["Location"] = url_for(".get_word", word_id=word_id)
    return response


@bp.patch("/words/<int:word_id>")
@requires("vocabulary")
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
@requires("vocabulary")
def delete_word(word_id):
    with_history = flag_arg("with_history")
    with transaction(large=True) as db:  # every learner's reviews of the word
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
@requires("vocabulary")
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
