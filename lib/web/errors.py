"""One error shape everywhere: {"error": "<sentence>"} with the HTTP status."""
import sqlite3

from flask import g, jsonify, request
from werkzeug.exceptions import HTTPException, SecurityError

from lib.store.connection import BUSY_CODES, DatabaseBusy, WriteNotSynced, WritersLockUnavailable, primary_code


class ApiError(Exception):
    def __init__(self, status, message, headers=None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


def busy():
    """Another writer held the database past the busy timeout: a moment's
    wait, not a fault, so the client is told to retry."""
    return ApiError(503, "The database is busy; retry in a moment.", {"Retry-After": "1"})


def bad_request(message):
    return ApiError(400, message)


def not_found(message):
    return ApiError(404, message)


def unprocessable(message):
    return ApiError(422, message)


# Our own sentences for the errors Werkzeug raises, so that no framework text
# (or anything from the request) is echoed back.
HTTP_MESSAGES = {
    400: "The request is malformed.",
    403: "This request is not allowed.",
    404: "There is nothing at this URL.",
    405: "This method is not allowed on this URL.",
    413: "The request body is too large.",
    415: "The request body must be JSON (Content-Type: application/json).",
}


# What the database itself reports, by SQLite's primary result code, as
# (status, sentence). The full error goes to the log.
DATABASE_FAULTS = {
    sqlite3.SQLITE_FULL: (507, "The disk holding the database is full; nothing was stored."),
    sqlite3.SQLITE_READONLY: (503, "The database cannot be written: its file or folder is read-only;"
                                   " nothing was stored."),
    sqlite3.SQLITE_IOERR: (503, "The database file could not be read or written (an I/O error)."),
    sqlite3.SQLITE_CORRUPT: (503, "The database file is damaged."),
    sqlite3.SQLITE_NOTADB: (503, "The database file is damaged."),
    sqlite3.SQLITE_CANTOPEN: (503, "The database file cannot be opened."),
}
# A body over the size limit is read this far (and thrown away) before the
# 413 is sent: a client still sending then reads the answer instead of
# having its connection reset under it.
DISCARD_AT_MOST = 16 * 1024 * 1024


def error_response(status, message):
    response = jsonify(error=message)
    response.status_code = status
    return response


def init_app(app):
    @app.errorhandler(ApiError)
    def api_error(error):
        response = error_response(error.status, error.message)
        response.headers.update(error.headers)
        return response

    @app.errorhandler(DatabaseBusy)
    def database_busy(_error):
        return api_error(busy())

    @app.errorhandler(WriteNotSynced)
    def write_not_synced(error):
        app.logger.error("%s", error)
        return api_error(ApiError(
            503, "The write could not be confirmed on disk (an I/O error): it may not have been stored. Sent"
                 " again with the same Idempotency-Key, it is answered as it was stored."))

    @app.errorhandler(WritersLockUnavailable)
    def writers_lock_unavailable(error):
        app.logger.error("%s", error)
        return api_error(ApiError(503, "The database cannot be written: the lock file beside it cannot be"
                                       " opened; nothing was stored."))

    @app.errorhandler(HTTPException)
    def http_error(error):
        status = error.code or 500
        message = HTTP_MESSAGES.get(status, "The request could not be served.")
        if isinstance(error, SecurityError):
            message = "This host name is not served here."
        response = error_response(status, message)
        if status == 405 and error.valid_methods:
            response.headers["Allow"] = ", ".join(error.valid_methods)
        if status == 413:
            discard_body()
        return response

    @app.errorhandler(sqlite3.Error)
    def database_error(error):
        code = primary_code(error)
        if code in BUSY_CODES:
            return api_error(busy())
        if code not in DATABASE_FAULTS:
            return unexpected_error(error)
        mark_broken()  # a file made writable or mended again is opened afresh
        app.logger.error("database error on %s %s: %s (%s)", request.method, request.path,
                         error, getattr(error, "sqlite_errorname", "?"))
        return error_response(*DATABASE_FAULTS[code])

    @app.errorhandler(Exception)
    def unexpected_error(error):
        app.logger.exception("unhandled error")
        if isinstance(error, sqlite3.Error):
            mark_broken()
        return error_response(500, "Internal server error.")


def discard_body():
    """Read what is left of the request body, up to DISCARD_AT_MOST bytes."""
    stream = request.environ.get("wsgi.input")
    length = request.content_length
    # Without a length only a server that marks the end of the body
    # (chunked, dechunked for us) can be read to its end without blocking.
    if stream is None or (length is None and not request.environ.get("wsgi.input_terminated")):
        return
    left = min(length if length is not None else DISCARD_AT_MOST, DISCARD_AT_MOST)
    try:
        while left > 0:
            chunk = stream.read(min(left, 64 * 1024))
            if not chunk:
                break
            left -= len(chunk)
    except Exception:  # the client went away, or sent a broken chunk: each server says so its own way
        pass


def mark_broken():
    """The request's connection met an error that may have broken it (an
    I/O error, say): it is closed at the end of the request
    (lib/web/database.py releases it)."""
    g.db_broken = True


def unknown_ids(what, ids, shown=20):
    """A 422 naming the ids of ``what`` (singular) that do not exist."""
    named = ", ".join(str(i) for i in ids[:shown]) + (f" and {len(ids) - shown} more" if len(ids) > shown else "")
    if len(ids) == 1:
        return unprocessable(f"{what} {named} does not exist.")
    return unprocessable(f"{what}s {named} do not exist.")
