"""Learners: who studies on this server. Each has their own record and may
have their own settings; NULL settings are the server's.

What the routes and the ``flask learners`` commands share: a learner made
with a first token, tokens made and revoked, settings changed (the
schedules replayed when the retention changes), a learner removed with
their whole record, and the export of it all as one JSON document.
"""
import hashlib
import re
import secrets
from contextlib import closing

from lib.core import clock
from lib.core.json_text import dumps
from lib.core.scheduler import RATINGS, STATE_BY_VALUE, STATES, build_scheduler
from lib.core.vocabulary import text_problem
from lib.store import history, schedules
from lib.store.connection import connect

# The learner of everything recorded before there were several (migration
# 0015), who may do anything; acting for anonymous requests from this machine.
DEFAULT_LEARNER_ID = 1

SCOPES = ("read", "review", "vocabulary", "admin")
# A new token's, unless it names its own; an admin's first token has every scope.
STUDY_SCOPES = ("read", "review")
TOKEN_PREFIX = "lp_"
LONGEST_NAME = 100
# A learner's tokens are listed whole, never paged: there are never many.
MOST_TOKENS = 100
# A learner's own settings: NULL is the server's.
SETTINGS = ("time_zone", "new_per_day", "desired_retention")
# What ``update`` changes: the only column names its SQL is written with
CHANGEABLE = ("name", "admin", *SETTINGS)
# A name is shown on a line of its own and in a file name: it holds none.
CONTROL = re.compile(r"[\x00-\x1f\x7f]")

LEARNER = "SELECT id, name, admin, time_zone, new_per_day, desired_retention FROM learners WHERE id = ?"
LEARNER_NAMED = "SELECT id, name, admin FROM learners WHERE name = ?"
RETENTIONS = "SELECT id, desired_retention FROM learners WHERE desired_retention IS NOT NULL"
# one learner with their counters, as an admin sees them
DETAIL = """
SELECT l.id, l.name, l.admin, l.created_at, l.time_zone, l.new_per_day, l.desired_retention,
       t.sessions_count, t.review_items_count AS reviews_count
FROM learners l JOIN learner_totals t ON t.learner_id = l.id WHERE l.id = ?
"""
LEARNERS_PAGE = "SELECT id, name, admin, created_at FROM learners ORDER BY id LIMIT ? OFFSET ?"
TOKEN_SELECT = "SELECT id, name, scopes, created_at, last_used_at FROM tokens WHERE learner_id = ?"
ADMINS_BUT = "SELECT count(*) FROM learners WHERE admin = 1 AND id != ?"


class Refused(Exception):
    """A change the learners' rules refuse: a name taken, the default
    learner removed, the last admin gone. Its text is one sentence."""


def new_token():
    """(token, the hash kept of it): 256 random bits, shown once."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    return token, token_hash(token)


def token_hash(token):
    return hashlib.sha256(token.encode()).digest()


def name_problem(value, field="name"):
    """Why ``value`` cannot name a learner or a token, or None; a name is
    stored without the spaces around it."""
    problem = text_problem(value, field, LONGEST_NAME)
    if problem is None and CONTROL.search(value):
        return f"{field} may not hold a control character such as a line break."
    return problem


def scopes_problem(scopes):
    """Why ``scopes`` is not a non-empty list of scope names, or None."""
    if not isinstance(scopes, list) or not scopes:
        return f"scopes must be a non-empty list of: {', '.join(SCOPES)}."
    unknown = [scope for scope in scopes if scope not in SCOPES]
    if unknown:
        return f"scopes may hold only {', '.join(SCOPES)}; {dumps(unknown[0])} is not one."
    return None


def in_order(scopes):
    """``scopes`` once each, in SCOPES's order."""
    return tuple(scope for scope in SCOPES if scope in scopes)


def allowed_scopes(admin):
    """The scopes a token of a learner may carry: admin only an admin's."""
    return SCOPES if admin else tuple(scope for scope in SCOPES if scope != "admin")


def retentions(conn):
    """{learner id: desired retention} of the learners who set their own."""
    return dict(conn.execute(RETENTIONS).fetchall())


def named(conn, name):
    """The learner called ``name`` (id, name, admin), or None."""
    return conn.execute(LEARNER_NAMED, (name,)).fetchone()


def check_name_free(conn, name, learner_id=None):
    same = conn.execute("SELECT id FROM learners WHERE name = ? AND id IS NOT ?", (name, learner_id)).fetchone()
    if same is not None:
        raise Refused(f"There is already a learner named {name} (learner {same[0]}).")


def add_learner(conn, name, admin, created_at):
    """The new learner's id (their totals row comes with them: a trigger)."""
    return conn.execute("INSERT INTO learners (name, admin, created_at) VALUES (?, ?, ?)",
                        (name, int(admin), created_at)).lastrowid


def add_token(conn, learner_id, name, scopes, secret_hash, created_at):
    """Keep a token: its name, its scopes and the hash of its secret, never the secret."""
    return conn.execute("INSERT INTO tokens (learner_id, name, scopes, secret_hash, created_at) VALUES (?, ?, ?, ?, ?)",
                        (learner_id, name, " ".join(scopes), secret_hash, created_at)).lastrowid


def create(conn, name, admin):
    """Add a learner called ``name`` (checked, trimmed) with a first token:
    read and review, or every scope for an admin. (learner id, token).
    Call inside a write transaction."""
    check_name_free(conn, name)
    now = clock.now_iso()
    learner_id = add_learner(conn, name, admin, now)
    token, secret_hash = new_token()
    add_token(conn, learner_id, "first token", SCOPES if admin else STUDY_SCOPES, secret_hash, now)
    return learner_id, token


def create_token(conn, learner_id, name, scopes):
    """A new token of the learner: (its row as ``tokens_of`` lists it,
    the token itself, shown this once). ``scopes`` are checked by the caller."""
    held = conn.execute("SELECT count(*) FROM tokens WHERE learner_id = ?", (learner_id,)).fetchone()[0]
    if held >= MOST_TOKENS:
        raise Refused(f"A learner may hold at most {MOST_TOKENS} tokens: revoke one first.")
    token, secret_hash = new_token()
    token_id = add_token(conn, learner_id, name, in_order(scopes), secret_hash, clock.now_iso())
    return token_of(conn, learner_id, token_id), token


def token_row(row):
    return {"id": row[0], "name": row[1], "scopes": list(in_order(row[2].split())), "created_at": row[3],
            "last_used_at": row[4]}


def tokens_of(conn, learner_id):
    """The learner's tokens, oldest first, never their secrets."""
    return [token_row(row) for row in conn.execute(f"{TOKEN_SELECT} ORDER BY id", (learner_id,))]


def token_of(conn, learner_id, token_id):
    """The learner's token ``token_id`` as ``tokens_of`` lists it, or None
    (another learner's too: an id must not tell that it exists)."""
    row = conn.execute(f"{TOKEN_SELECT} AND id = ?", (learner_id, token_id)).fetchone()
    return token_row(row) if row is not None else None


def revoke_token(conn, learner_id, token_id):
    """Delete the learner's token ``token_id``; False if they have none such."""
    return conn.execute("DELETE FROM tokens WHERE id = ? AND learner_id = ?", (token_id, learner_id)).rowcount == 1


def learners_page(conn, limit, offset):
    """(learners in id order from ``offset``, how many there are in all)."""
    total = conn.execute("SELECT count(*) FROM learners").fetchone()[0]
    items = [{"id": row[0], "name": row[1], "admin": bool(row[2]), "created_at": row[3]}
             for row in conn.execute(LEARNERS_PAGE, (limit, offset))]
    return items, total


def detail(conn, learner_id):
    """The learner with their own settings (None: the server's) and counts, or None."""
    row = conn.execute(DETAIL, (learner_id,)).fetchone()
    if row is None:
        return None
    found = dict(zip(("id", "name", "admin", "created_at", *SETTINGS, "sessions_count", "reviews_count"), row))
    found["admin"] = bool(found["admin"])
    return found


def check_an_admin_stays(conn, learner_id):
    if conn.execute(ADMINS_BUT, (learner_id,)).fetchone()[0] == 0:
        raise Refused(f"Learner {learner_id} is the only admin: make another learner an admin first.")


def update(conn, learner_id, changes, default_retention):
    """Change the learner's ``name``, ``admin`` and settings (SETTINGS; None:
    the server's again) as ``changes`` says; checked values, the learner
    existing. A change of the retention that applies to them replays their
    schedules from their reviews with a scheduler of the new one. Call
    inside a write transaction."""
    if not set(changes) <= set(CHANGEABLE):
        raise ValueError(f"a learner has no {sorted(set(changes) - set(CHANGEABLE))[0]} to change")
    before = conn.execute(LEARNER, (learner_id,)).fetchone()
    if "name" in changes:
        check_name_free(conn, changes["name"], learner_id)
    if before[2] and changes.get("admin") is False:
        check_an_admin_stays(conn, learner_id)
        # A token keeps the admin scope only while its learner is an admin;
        # one left with no scope at all can do nothing, so it goes.
        for token_id, scopes in conn.execute("SELECT id, scopes FROM tokens WHERE learner_id = ?",
                                             (learner_id,)).fetchall():
            kept = [scope for scope in scopes.split() if scope != "admin"]
            if kept:
                conn.execute("UPDATE tokens SET scopes = ? WHERE id = ?", (" ".join(kept), token_id))
            else:
                conn.execute("DELETE FROM tokens WHERE id = ?", (token_id,))
    for column, value in changes.items():
        conn.execute(f"UPDATE learners SET {column} = ? WHERE id = ?",
                     (int(value) if column == "admin" else value, learner_id))
    if "desired_retention" in changes:
        old = before[5] if before[5] is not None else default_retention
        new = changes["desired_retention"] if changes["desired_retention"] is not None else default_retention
        if new != old:
            schedules.replay(conn, build_scheduler(new), learner_id)


def remove(conn, learner_id):
    """Remove the learner with their sessions, reviews, schedules, tokens
    and keys; every counter they had goes with them, no other learner's
    changes. (sessions, reviews) removed. Call inside a write transaction."""
    if learner_id == DEFAULT_LEARNER_ID:
        raise Refused("The default learner cannot be removed: the record from before there were several"
                      " learners, and anonymous requests from this machine, are theirs.")
    found = conn.execute("SELECT l.admin, t.sessions_count, t.review_items_count FROM learners l"
                         " JOIN learner_totals t ON t.learner_id = l.id WHERE l.id = ?", (learner_id,)).fetchone()
    if found is None:
        raise LookupError(f"there is no learner {learner_id}")
    admin, sessions, reviews = found
    if admin:
        check_an_admin_stays(conn, learner_id)
    history.clear(conn, learner_id)
    conn.execute("DELETE FROM tokens WHERE learner_id = ?", (learner_id,))
    # learner_totals and whatever else is only theirs goes by ON DELETE CASCADE
    conn.execute("DELETE FROM learners WHERE id = ?", (learner_id,))
    return sessions, reviews


# The export: everything of one learner's as one JSON document, written a
# row at a time, so that a history of a million reviews is never held whole.
EXPORT_LEARNER = "SELECT id, name, admin, created_at, time_zone, new_per_day, desired_retention FROM learners" \
                 " WHERE id = ?"
EXPORT_SESSIONS = """
SELECT s.id, s.group_id, g.name, s.study_activity_id, a.name, s.created_at, s.ended_at, s.review_items_count,
       s.correct_count
FROM study_sessions s JOIN groups g ON g.id = s.group_id JOIN study_activities a ON a.id = s.study_activity_id
WHERE s.learner_id = ? ORDER BY s.created_at, s.id
"""
# in the sessions' order, each session's in the order given
EXPORT_REVIEWS = """
SELECT r.id, r.study_session_id, r.word_id, r.correct, r.rating, r.created_at
FROM study_sessions s JOIN word_review_items r ON r.study_session_id = s.id
WHERE s.learner_id = ? ORDER BY s.created_at, s.id, r.id
"""
EXPORT_WORDS = """
SELECT w.id, w.kanji, w.kana, w.romaji, w.english, lw.correct_count, lw.wrong_count
FROM learner_words lw JOIN words w ON w.id = lw.word_id WHERE lw.learner_id = ? ORDER BY lw.word_id
"""
EXPORT_SCHEDULES = """
SELECT word_id, state, step, stability, difficulty, due, last_review, reps, lapses, first_reviewed_at
FROM word_schedules WHERE learner_id = ? ORDER BY word_id
"""
RATING_NAMES = {rating.value: name for name, rating in RATINGS.items()}
# What the export hands on at a time: a few rows' worth, not one write per row.
EXPORT_PIECE = 64 * 1024


def learner_document(row):
    return {"id": row[0], "name": row[1], "admin": bool(row[2]), "created_at": row[3],
            # the learner's own settings; null: the server's
            "settings": dict(zip(SETTINGS, row[4:7]))}


def session_document(row):
    return dict(zip(("id", "group_id", "group_name", "study_activity_id", "activity_name", "start_time",
                     "end_time", "review_items_count", "correct_count"), row))


def review_document(row):
    return {"id": row[0], "study_session_id": row[1], "word_id": row[2], "correct": bool(row[3]),
            # null: recorded before ratings were kept
            "rating": RATING_NAMES.get(row[4]), "created_at": row[5]}


def word_document(row):
    return dict(zip(("id", "kanji", "kana", "romaji", "english", "correct_count", "wrong_count"), row))


def schedule_document(row):
    return {"word_id": row[0], "state": STATES[STATE_BY_VALUE[row[1]]],
            **dict(zip(("step", "stability", "difficulty", "due", "last_review", "reps", "lapses",
                        "first_reviewed_at"), row[2:]))}


EXPORT_SECTIONS = (
    ("sessions", EXPORT_SESSIONS, session_document),
    ("reviews", EXPORT_REVIEWS, review_document),
    ("words", EXPORT_WORDS, word_document),
    ("schedules", EXPORT_SCHEDULES, schedule_document),
)


def export(conn, learner_id):
    """The learner's export as pieces of JSON text: their settings, sessions,
    reviews, words and schedules. ``conn`` is inside one read transaction,
    so that every part is of one moment. LookupError if there is no such learner."""
    row = conn.execute(EXPORT_LEARNER, (learner_id,)).fetchone()
    if row is None:
        raise LookupError(f"there is no learner {learner_id}")
    pieces = [f'{{"exported_at":{dumps(clock.now_iso())},"learner":{dumps(learner_document(tuple(row)))}']
    size = 0
    for name, sql, document in EXPORT_SECTIONS:
        pieces.append(f',"{name}":[')
        with closing(conn.cursor()) as cursor:
            cursor.row_factory = None  # plain tuples: a million of them
            separator = ""
            for found in cursor.execute(sql, (learner_id,)):
                text = separator + dumps(document(found))
                pieces.append(text)
                size += len(text)
                separator = ","
                if size >= EXPORT_PIECE:
                    yield "".join(pieces)
                    pieces, size = [], 0
        pieces.append("]")
    pieces.append("}\n")
    yield "".join(pieces)


def exported(path, learner_id):
    """``export`` of the learner in the database at ``path``, read on a
    read-only connection of its own inside one read transaction: what
    outlives a request (a streamed answer) or runs without one. The
    connection is closed when the pieces are all read, or the reading stops."""
    conn = connect(path, read_only=True)
    try:
        conn.execute("BEGIN")
        yield from export(conn, learner_id)
        conn.execute("COMMIT")
    finally:
        conn.close()
