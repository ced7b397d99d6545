"""The one way this project talks to SQLite (lib/web/database.py binds it
to the requests).

Connections are kept, not reopened: each worker thread keeps one read-only
connection for reading requests (GET, HEAD, OPTIONS) and one writable
connection for the others, reused across requests, so that SQLite parses the
schema once per connection and prepares each statement once. A request leaves
its connection with no transaction open. Every write goes through
``Connections.writing()``: the writers' lock, BEGIN IMMEDIATE, the sync.

The app's writers queue on a lock of their own before they take SQLite's
write lock (see WritersLock): SQLite makes a writer that finds its lock taken
sleep 1, 2, 5, 10 ms... before it tries again, while the lock may sit idle.
Other programs that write (the command line, a backup) wait on SQLite's lock.

A write is answered only once it is on disk, but the sync is not done under
the locks: the writable connections commit at synchronous=NORMAL (the WAL is
written, not synced) and ``writing()`` syncs the WAL after the commit,
once the locks are free. A sync covers every commit written before it, so a
writer no longer waits for the syncs of the writers before it to take its
turn, and several syncs in flight are one flush of the disk.
"""
import fcntl
import os
import sqlite3
import threading
import time
import weakref
from contextlib import contextmanager, suppress
from pathlib import Path

BUSY_TIMEOUT_SECONDS = 10.0
# Beside the database: what writers queue on (see WritersLock), tried again
# after 50 microseconds, then twice as long each time up to 0.2 ms: a write
# holds it for 1-2 ms, and a lock left free while its next writer sleeps is
# time no one writes.
WRITERS_LOCK_SUFFIX = "-writers.lock"
FIRST_PAUSE = 0.00005
LONGEST_PAUSE = 0.0002
# Every statement the routes run, with room to spare: a statement that falls
# out of the cache is prepared again on its next use.
STATEMENT_CACHE_SIZE = 512
# Within a transaction, SQLite keeps the pages a statement changes (its
# triggers' included) as they were, to undo that statement alone; past 64 KiB,
# about the 17 pages a new session changes, it writes them to a temporary
# file, created and removed for each statement: a third of the SQLite time
# of a new session. A request's writes keep them in memory; a write that
# may change much of a table says so (Connections.writing).
SMALL_WRITES_JOURNAL = "MEMORY"
# SQLite's codes for a lock held by another connection
BUSY_CODES = (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


class DatabaseBusy(Exception):
    """Another writer held the database past the busy timeout: a moment's
    wait, not a fault."""


class WriteNotSynced(Exception):
    """A commit whose WAL could not be synced: it may not be on disk."""


class WritersLockUnavailable(Exception):
    """The writers' lock file beside the database cannot be opened."""


def primary_code(error):
    """SQLite's primary result code of ``error`` (extended codes carry it in the low byte)."""
    code = getattr(error, "sqlite_errorcode", None)
    return code & 0xFF if code is not None else None


def connect(path, read_only=False):
    """Open a connection with the settings every connection here needs;
    ``read_only``: one that cannot write, nor create a missing file."""
    if read_only:
        path = Path(path).absolute().as_uri() + "?mode=ro"
    # isolation_level=None: we issue BEGIN ourselves, so that PRAGMAs run
    # outside any transaction and every write is BEGIN IMMEDIATE.
    # check_same_thread=False: kept connections are used only by the thread
    # that opened them (see Connections), but close_all() may run elsewhere.
    conn = sqlite3.connect(
        path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None, uri=read_only,
        check_same_thread=False, cached_statements=STATEMENT_CACHE_SIZE,
    )
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


def file_identity(path):
    """What tells one database file from another put in its place (a restore)."""
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return stat.st_dev, stat.st_ino


def log_path(conn):
    """The path of the WAL of ``conn``'s database, beside the file SQLite
    opened (symbolic links followed); None for a database without a file."""
    path = conn.execute("PRAGMA database_list").fetchone()[2]
    return f"{path}-wal" if path else None


def sync_log(path):
    """Sync the WAL at ``path`` to disk: every commit written to it so far is
    then as durable as a commit at synchronous=FULL."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        return  # checkpointed into the database file, which was synced, and removed
    try:
        os.fdatasync(fd)
    finally:
        os.close(fd)


class KeptConnection:
    __slots__ = ("conn", "pid", "identity", "log", "__weakref__")

    def __init__(self, conn, identity, log=None):
        self.conn = conn
        self.pid = os.getpid()
        self.identity = identity
        self.log = log  # a writable connection's WAL, synced by transaction()


class WritersLock:
    """What this process's writers queue on before they take SQLite's write
    lock: a thread lock for the threads of this process, which wakes the
    next one as soon as it is released, then an flock on a file beside the
    database for the other processes, tried every fraction of a millisecond
    (SQLite's own retries wait 1, 2, 5, 10 ms... while its lock may sit idle).
    A wait longer than the busy timeout is DatabaseBusy. Made anew
    in a forked process: the parent's would share its lock."""

    def __init__(self, path):
        self.fd = os.open(f"{path}{WRITERS_LOCK_SUFFIX}", os.O_RDONLY | os.O_CREAT | os.O_CLOEXEC, 0o644)
        self.pid = os.getpid()
        self.threads = threading.Lock()

    @contextmanager
    def held(self):
        timeout = BUSY_TIMEOUT_SECONDS
        deadline = time.monotonic() + timeout
        if not self.threads.acquire(timeout=timeout):
            raise DatabaseBusy()
        try:
            pause = FIRST_PAUSE
            while True:
                try:
                    fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise DatabaseBusy() from None
                    time.sleep(pause)
                    pause = min(pause * 2, LONGEST_PAUSE)
            try:
                yield
            finally:
                fcntl.flock(self.fd, fcntl.LOCK_UN)
        finally:
            self.threads.release()

    def close(self):
        os.close(self.fd)


class Connections:
    """An app's connections: per thread, one read-only and one writable.

    A connection is used only by the thread and the process that opened it
    (never across a fork), only while the file it opened is still the one at
    the path, and not after an error that may have broken it."""

    def __init__(self, path, checkpoints=True):
        self.path = path
        # False: the writable connections leave checkpoints to another
        # program (Litestream, which must see every frame before it is
        # copied into the file and the WAL starts over)
        self.checkpoints = checkpoints
        self.local = threading.local()
        # every connection open now, for close_all(); weak, so that those of
        # a thread that has ended (a server may start one per request) are
        # closed when the thread's locals go, not kept for ever
        self.opened = weakref.WeakSet()
        self.writers = None  # this process's WritersLock, opened with the first write
        self.lock = threading.Lock()

    def get(self, read_only):
        name = "ro" if read_only else "rw"
        identity = file_identity(self.path)
        for other in ("ro", "rw"):
            kept = getattr(self.local, other, None)
            if kept is not None and (kept.pid != os.getpid() or kept.identity != identity):
                setattr(self.local, other, None)
                # one from before a fork is abandoned, not closed: its file
                # handles and locks are the parent's
                if kept.pid == os.getpid():
                    self.close(kept)
        kept = getattr(self.local, name, None)
        if kept is None:
            conn = connect(self.path, read_only=read_only)
            if not read_only:
                # durable once transaction() has synced the WAL, not at COMMIT
                conn.execute("PRAGMA synchronous = NORMAL")
                conn.execute(f"PRAGMA temp_store = {SMALL_WRITES_JOURNAL}")
                if not self.checkpoints:
                    conn.execute("PRAGMA wal_autocheckpoint = 0")
            kept = KeptConnection(conn, identity, None if read_only else log_path(conn))
            with self.lock:
                self.opened.add(kept)
            setattr(self.local, name, kept)
        return kept.conn

    @contextmanager
    def writing(self, conn, large=False):
        """A write transaction on ``conn`` (this thread's writable connection):
        all of it is stored, or none; and on disk when the block is left,
        synced after the locks are let go. ``large``: one statement of it may
        change much of a table (a learner's whole history), so what undoes
        that statement is written to a file as it grows, not kept in memory."""
        if large:
            conn.execute("PRAGMA temp_store = FILE")  # read at BEGIN: set before it
        try:
            with self.writers_lock().held(), immediate(conn):
                yield conn
        finally:
            if large:
                with suppress(sqlite3.Error):  # a connection that broke is closed by release()
                    conn.execute(f"PRAGMA temp_store = {SMALL_WRITES_JOURNAL}")
        self.sync_written()

    def sync_written(self):
        """Sync the WAL this thread's writable connection commits to: what it
        committed is then on disk, or WriteNotSynced says it may not be."""
        kept = getattr(self.local, "rw", None)
        if kept is None or kept.log is None:
            return
        try:
            sync_log(kept.log)
        except OSError as error:
            raise WriteNotSynced(f"cannot sync the database's log {kept.log}: {error}") from None

    def writers_lock(self):
        """The WritersLock of this process."""
        with self.lock:
            if self.writers is None or self.writers.pid != os.getpid():
                try:
                    self.writers = WritersLock(self.path)
                except OSError as error:
                    raise WritersLockUnavailable(f"cannot open the writers' lock file: {error}") from None
            return self.writers

    def release(self, conn, broken=False):
        """The end of a request's use of ``conn``: no transaction stays open;
        a connection that may be broken is closed, and opened anew next time."""
        if not broken:
            try:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                return
            except sqlite3.Error:
                pass
        for name in ("ro", "rw"):
            kept = getattr(self.local, name, None)
            if kept is not None and kept.conn is conn:
                setattr(self.local, name, None)
                self.close(kept)

    def close(self, kept):
        with self.lock:
            self.opened.discard(kept)
        kept.conn.close()

    def close_all(self):
        """Close every connection this process opened (each thread's), and its
        handle on the writers' lock file: when no request is being served
        (at shutdown, after a test)."""
        with self.lock:
            kept, self.opened = list(self.opened), weakref.WeakSet()
            writers, self.writers = self.writers, None
        for item in kept:
            if item.pid == os.getpid():
                item.conn.close()
        if writers is not None and writers.pid == os.getpid():
            writers.close()
        self.local = threading.local()


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


def placeholders(values):
    """"?,?,?" for ``values``: the parameters of an IN (...) list."""
    return ",".join("?" * len(values))


def chunks(values, size=500):
    """``values`` in lists short enough for one statement's parameters
    (SQLite takes 32,766; each value may need several)."""
    values = list(values)
    return [values[i:i + size] for i in range(0, len(values), size)]
