"""The store's connections bound to the requests: each request reads and
writes through this thread's kept connection (lib/store/connection.py), and
leaves it with no transaction open. Reads use ``query_all`` / ``query_one``;
every write goes through ``transaction()``."""
from contextlib import closing, contextmanager

from flask import current_app, g, has_request_context, request

from lib.store.connection import Connections, placeholders
from lib.web.errors import not_found, unknown_ids

READING_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def connections(app=None):
    return (app or current_app).extensions["lang_portal_db"]


def get_db():
    # asked for before every statement: one look at g (each costs about a microsecond)
    db = g.get("db")
    if db is None:
        # A reading request cannot write by mistake.
        read_only = has_request_context() and request.method in READING_METHODS
        db = g.db = connections().get(read_only)
    return db


def release_db(_error=None):
    conn = g.pop("db", None)
    if conn is not None:
        connections().release(conn, broken=g.pop("db_broken", False))


def close_all(app):
    connections(app).close_all()


@contextmanager
def transaction(large=False):
    """The request's write transaction: all of it is stored, or none; and
    stored on disk when it returns, synced after the locks are let go.
    ``large``: a statement of it may change much of a table (Connections.writing).

    Nested uses join the outermost one, which alone commits."""
    db = get_db()
    if g.get("writing"):
        if large and not g.writing_large:  # its statements would be undone from memory
            raise RuntimeError("a large write inside an ordinary transaction")
        yield db
        return
    g.writing, g.writing_large = True, large
    try:
        with connections().writing(db, large):
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
        with transaction(large=True):
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


def query_column(sql, params=()):
    """The first value of every row: read as plain tuples, without a dict
    per row (a page's ids, a queue's)."""
    with closing(get_db().cursor()) as cursor:
        cursor.row_factory = None
        return [row[0] for row in cursor.execute(sql, params)]


def query_tuples(sql, params=()):
    """Every row as a plain tuple, without a dict per row."""
    with closing(get_db().cursor()) as cursor:
        cursor.row_factory = None
        return cursor.execute(sql, params).fetchall()


def query_one(sql, params=()):
    row = get_db().execute(sql, params).fetchone()
    return dict(row) if row is not None else None


def query_one_or_404(sql, params, what):
    """The one row the query finds, or a 404 saying that ``what`` does not exist."""
    row = query_one(sql, params)
    if row is None:
        raise not_found(f"{what} does not exist.")
    return row


def require_existing(table, ids, what):
    """The 422 naming those of ``ids`` that are no row of ``table`` (a name
    from the code, never from a request), if any; ``what`` as unknown_ids."""
    found = set(query_column(f"SELECT id FROM {table} WHERE id IN ({placeholders(ids)})", ids))
    missing = [value for value in ids if value not in found]
    if missing:
        raise unknown_ids(what, missing)


def init_app(app):
    # With a replica, checkpoints are Litestream's (lib/store/replication.py).
    app.extensions["lang_portal_db"] = Connections(app.config["DATABASE"], checkpoints=app.config["REPLICA"] is None)
    app.teardown_appcontext(release_db)
