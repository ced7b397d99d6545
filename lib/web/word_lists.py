"""The lists of words that all words and one group's words are both
answered as: a page of words, and the due queue."""
import json
from zoneinfo import ZoneInfo

from flask import request

from lib.core import clock
from lib.core.scheduler import StoredSchedule, next_due_json
from lib.store.schedules import DUE_BEFORE
from lib.web.answers import answer_column, body, object_sql, response
from lib.web.auth import current_learner, learner_id
from lib.web.database import query_one, query_one_or_404, query_tuples, snapshot
from lib.web.errors import bad_request
from lib.web.pages import page_ids
from lib.web.scheduling import scheduler
from lib.web.validation import int_arg, paging, sorting, total_pages
from lib.web.word_items import COUNTS, SCHEDULE_COUNTS, WORD_FIELDS, item_shape, json_bytes, write_items

# The contract's Word, as the word lists answer it (see lib/web/answers.py),
# from a row ``w`` of LEARNER_WORD_COLUMNS: the learner's own counts.
WORD_SHAPE = tuple((field, f"w.{field}") for field in WORD_FIELDS)
# A word w with the learner's counts of it (0 for a word they never
# reviewed), from LEARNER_COUNTS: their learner_words row lw, if any.
LEARNER_WORD_COLUMNS = ("w.id, w.kanji, w.kana, w.romaji, w.english,"
                        " coalesce(lw.correct_count, 0) AS correct_count, coalesce(lw.wrong_count, 0) AS wrong_count")
# ?: the learner
LEARNER_COUNTS = "LEFT JOIN learner_words lw ON lw.learner_id = ? AND lw.word_id = w.id"

COUNT_COLUMNS = {"correct_count": "coalesce(lw.correct_count, 0)", "wrong_count": "coalesce(lw.wrong_count, 0)"}
SORT_COLUMNS = {
    "kanji": "w.kanji",
    "romaji": "w.romaji",
    "english": "w.english",
    **COUNT_COLUMNS,
}
MAX_QUERY = 100

# A page of words, SQLite writing the whole answer; the page's ids (a JSON
# array) give the words and their order, then the learner.
WORD_PAGE_JSON = "SELECT " + answer_column(f"""json_object(
    'words', (SELECT json_group_array({object_sql(WORD_SHAPE)}) FROM (
        SELECT {LEARNER_WORD_COLUMNS} FROM json_each(?) page JOIN words w ON w.id = page.value {LEARNER_COUNTS}
        ORDER BY page.key) w),
    'total_pages', ?, 'current_page', ?, 'total_words', ?)""")
# Every word in order of the learner's count of it: the words they have a
# count of (an index of learner_words) on one side, the others, in id order,
# on the other. {column}: a key of COUNTED_TOTALS; ?: the learner.
COUNTED_IDS = ("SELECT word_id FROM learner_words WHERE learner_id = ? AND {column} > 0"
               " ORDER BY {{order}} LIMIT ? OFFSET ?")
UNCOUNTED_IDS = ("SELECT w.id FROM words w WHERE NOT EXISTS (SELECT 1 FROM learner_words lw"
                 " WHERE lw.learner_id = ? AND lw.word_id = w.id AND lw.{column} > 0) ORDER BY {{order}} LIMIT ? OFFSET ?")
COUNTED_TOTALS = {"correct_count": "words_answered_right", "wrong_count": "words_answered_wrong"}
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


def page_of_words(source, where, params, count_sql, default_per_page, missing=None):
    """The contract's paged word list, for all words or for one group's,
    with the learner's counts.

    ``source`` joins ``words w``; ``where`` picks the list's words, and
    ``count_sql`` counts them from a counter, finding no row when what the
    list is of does not exist (a 404 naming ``missing``). With ``q`` the
    matching words are counted instead. The id breaks ties so that pages
    neither repeat nor skip a word."""
    learner = learner_id()
    with snapshot():
        total = query_one_or_404(count_sql, params, missing)["total"]  # a missing group before bad paging
        page, per_page, offset = paging(default_per_page)
        column, direction = sorting(SORT_COLUMNS, "kanji", "asc")
        by_count = next((key for key, counted in COUNT_COLUMNS.items() if counted == column), None)
        found = search()
        if found is not None:
            where, params = f"{where} AND {found[0]}", (*params, *found[1])
            total = query_one(f"SELECT count(*) AS total FROM {source} WHERE {where}", params)["total"]
        if by_count is not None and where == "1":
            ids = every_word_by_count(learner, by_count, direction, total, per_page, offset)
        else:
            # a group's words are few: sorted by the learner's counts as they are read
            counts, learner_params = (LEARNER_COUNTS, (learner,)) if by_count else ("", ())
            ids_sql = f"SELECT w.id FROM {source} {counts} WHERE {where} ORDER BY {{order}} LIMIT ? OFFSET ?"
            ids = page_ids(ids_sql, (*learner_params, *params), (column, "w.id", direction), total, per_page, offset)
        answer = query_one(WORD_PAGE_JSON, (json.dumps(ids), learner, total_pages(total, per_page), page, total))
    return response(body(answer["answer"]))


def every_word_by_count(learner, count, direction, total, per_page, offset):
    """The ids of a page of every word sorted by the learner's ``count``:
    ascending, the words at 0 come first, in id order; descending, last."""
    counted = query_one(f"SELECT {COUNTED_TOTALS[count]} AS n FROM learner_totals WHERE learner_id = ?",
                        (learner,))["n"]
    parts = [(UNCOUNTED_IDS, ("w.id", "w.id"), total - counted), (COUNTED_IDS, (count, "word_id"), counted)]
    if direction == "DESC":
        parts.reverse()
    ids, start, end, position = [], offset, min(offset + per_page, total), 0
    for sql, (column, id_column), size in parts:
        low, high = max(start, position), min(end, position + size)
        if low < high:
            ids += page_ids(sql.format(column=count), (learner,), (column, id_column, direction), size,
                            high - low, low - position)
        position += size
    return ids


# A StoredSchedule of word_schedules s, read with a queue's due words
STORED_COLUMNS = ", ".join(f"s.{column}" for column in StoredSchedule._fields)

# "What is due" for all words and for one group's, new words in id order,
# each with the learner's counts of it (COUNTS). For all words the page is
# read from the index on due and the count from the due hours (DUE_BEFORE).
# A group's page, count and next due time come from the group's own words:
# walking the index on due and keeping the group's words would read every
# overdue (or every future) word of every group whenever the group has fewer
# than it looks for. The group's count and next due time are read in one
# walk of its words.
# The learner comes first in each, then the group; "due" and "counts" take
# the second after now: what falls due before it is due.
# Whether there are new words at all is told by counters, so that a queue
# need not walk every word to find none.
DUE_QUERIES = {
    "all": {
        "due": f"SELECT {STORED_COLUMNS}, {COUNTS} FROM word_schedules s {SCHEDULE_COUNTS}"
               " WHERE s.learner_id = ? AND s.due < ? ORDER BY s.due, s.word_id LIMIT ?",
        "counts": f"SELECT {DUE_BEFORE.format(learner='?1', moment='?2')} AS n,"
                  " (SELECT min(s.due) FROM word_schedules s WHERE s.learner_id = ?1 AND s.due >= ?2) AS due",
        "new": f"SELECT w.id, {COUNTS} FROM words w"
               " LEFT JOIN learner_words lw ON lw.learner_id = ?1 AND lw.word_id = w.id"
               " WHERE NOT EXISTS (SELECT 1 FROM word_schedules s WHERE s.learner_id = ?1 AND s.word_id = w.id)"
               " ORDER BY w.id LIMIT ?2",
        # words never reviewed are those without a schedule
        "any_new": "SELECT (SELECT words_count FROM learning_totals)"
                   " > (SELECT words_studied FROM learner_totals WHERE learner_id = ?) AS n",
    },
    "group": {
        "due": f"SELECT {STORED_COLUMNS}, {COUNTS} FROM word_groups wg CROSS JOIN word_schedules s"
               f" ON s.learner_id = ? AND s.word_id = wg.word_id {SCHEDULE_COUNTS}"
               " WHERE wg.group_id = ? AND s.due < ? ORDER BY s.due, s.word_id LIMIT ?",
        "counts": "SELECT count(*) FILTER (WHERE s.due < ?3) AS n, min(s.due) FILTER (WHERE s.due >= ?3) AS due"
                  " FROM word_groups wg CROSS JOIN word_schedules s ON s.learner_id = ?1 AND s.word_id = wg.word_id"
                  " WHERE wg.group_id = ?2",
        "new": f"SELECT wg.word_id, {COUNTS} FROM word_groups wg"
               " LEFT JOIN learner_words lw ON lw.learner_id = ?1 AND lw.word_id = wg.word_id"
               " WHERE NOT EXISTS (SELECT 1 FROM word_schedules s WHERE s.learner_id = ?1 AND s.word_id = wg.word_id)"
               " AND wg.group_id = ?2 ORDER BY wg.word_id LIMIT ?3",
        # the group's words less those the learner has a schedule of, by kind
        "any_new": "SELECT (SELECT word_count FROM groups WHERE id = ?2) > coalesce((SELECT learning + review + mature"
                   " FROM learner_group_states WHERE learner_id = ?1 AND group_id = ?2), 0) AS n",
    },
}
FIRST_REVIEWED_SINCE = "SELECT count(*) AS n FROM word_schedules WHERE learner_id = ? AND first_reviewed_at >= ?"

# A due queue's item: the word as the word lists show it, its parts, its
# schedule and when it would come back after each rating (both written by
# Python: SQLite would write the schedule's floats with fewer digits).
DUE_ITEM = item_shape(("schedule", "next_due"), parts=True)
DUE_QUEUE = b'{"words":%b,"due_count":%d,"next_due_at":%b,"new_left_today":%d}'


def due_queue(group_id=None):
    """The due queue: words due now, most overdue first (up to ``limit``),
    then never-reviewed words (up to ``new``, and no more than today's
    allowance of new words). A word deleted outside the app leaves its
    schedule behind, which the queue does not show. Call inside
    ``snapshot()``."""
    limit = int_arg("limit", 20, 1, 100)
    new = int_arg("new", 10, 0, 100)
    learner = current_learner()
    now = clock.now_whole_seconds()
    scope = (learner.id,) if group_id is None else (learner.id, group_id)
    queries = DUE_QUERIES["all" if group_id is None else "group"]
    until = clock.iso(now + clock.ONE_SECOND)  # due now: up to this second, included
    today = clock.day_start(now, ZoneInfo(learner.time_zone))  # the learner's day
    new_left = max(0, learner.new_per_day - query_one(FIRST_REVIEWED_SINCE, (learner.id, clock.iso(today)))["n"])
    # (schedule, the learner's counts of its word)
    queued = [(StoredSchedule._make(row[:-2]), row[-2:])
              for row in query_tuples(queries["due"], (*scope, until, limit))]
    if min(new, new_left) > 0 and query_one(queries["any_new"], scope)["n"]:
        queued += [(StoredSchedule(row[0]), row[1:])
                   for row in query_tuples(queries["new"], (*scope, min(new, new_left)))]
    outlook = scheduler().outlook
    second = int(now.timestamp())  # now is a whole second
    queue = {}
    for stored, (right, wrong) in queued:
        seen = outlook(stored, now)
        queue[stored.word_id] = (right, wrong, seen.schedule_json.encode(), next_due_json(seen, second).encode())
    counts = query_one(queries["counts"], (*scope, until))
    words = write_items(DUE_ITEM, queue)
    return response(body(DUE_QUEUE % (words, counts["n"], json_bytes(counts["due"]), new_left)))
