"""The one way this project talks to SQLite.

A connection per request, kept on ``g`` and closed on teardown. Reads use
``query_all`` / ``query_one``; every write goes through ``transaction()``.
A GET, HEAD or OPTIONS request gets a read-only connection.
"""
import sqlite3
from contextlib import contextmanager
from pathlib import Path

from flask import current_app, g, has_request_context, request

from lib.errors import not_found

BUSY_TIMEOUT_SECONDS = 10.0
READING_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def connect(path, read_only=False):
    """Open a connection with the settings every connection here needs;
    ``read_only``: one that cannot write, nor create a missing file."""
    if read_only:
        path = Path(path).absolute().as_uri() + "?mode=ro"
    # isolation_level=None: we issue BEGIN ourselves, so that PRAGMAs run
    # outside any transaction and every write is BEGIN IMMEDIATE.
    conn = sqlite3.connect(
        path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None, uri=read_only
    )
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


def get_db():
    if "db" not in g:
        # A reading request cannot write by mistake, and closing a read-only
        # connection skips the checkpoint that the last writable one runs.
        read_only = has_request_context() and request.method in READING_METHODS
        g.db = connect(current_app.config["DATABASE"], read_only=read_only)
    return g.db


def close_db(_error=None):
    db = g.pop("db", None)
    if db is not None:
        db.close()


@contextmanager
def immediate(conn):
    """BEGIN IMMEDIATE on ``conn``; commit on success, roll back on any error."""
    # IMMEDIATE takes the write lock up front: a deferred read-then-write would
    # fail with "database is locked" instead of waiting for the busy timeout.
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        if conn.in_transaction:  # some errors (a full disk, say) have rolled it back already
            conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


@contextmanager
def transaction():
    """The request's write transaction: all of it is stored, or none.

    Nested uses join the outermost one, which alone commits."""
    db = get_db()
    if g.get("writing"):
        yield db
        return
    g.writing = True
    try:
        with immediate(db):
            yield db
    finally:
        g.writing = False


@contextmanager
def bulk_transaction():
    """``transaction()`` for emptying whole tables.

    With foreign keys off SQLite drops a table's pages at once instead of
    deleting row by row (seconds for a million review items, all of them
    under the write lock). The check before COMMIT makes sure that nothing
    is left pointing at a deleted row."""
    db = get_db()
    db.execute("PRAGMA foreign_keys = OFF")  # only takes effect outside a transaction
    try:
        with transaction():
            yield db
            if db.execute("PRAGMA foreign_key_check").fetchone() is not None:
                raise RuntimeError("a bulk delete left a row pointing at a deleted one")
    finally:
        db.execute("PRAGMA foreign_keys = ON")


@contextmanager
def snapshot():
    """Run several reads against one consistent state of the database."""
    db = get_db()
    if db.in_transaction:  # already inside one: it is the snapshot
        yield db
        return
    db.execute("BEGIN")
    try:
        yield db
    finally:
        db.execute("COMMIT")


def query_all(sql, params=()):
    return [dict(row) for row in get_db().execute(sql, params)]


def query_one(sql, params=()):
    row = get_db().execute(sql, params).fetchone()
    return dict(row) if row is not None else None


def query_one_or_404(sql, params, what):
    """The one row the query finds, or a 404 saying that ``what`` does not exist."""
    row = query_one(sql, params)
    if row is None:
        raise not_found(f"{what} does not exist.")
    return row


def init_app(app):
    app.teardown_appcontext(close_db)
