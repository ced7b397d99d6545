"""Which SQL statements an app's GET requests run, as SQLite runs them.

The query-plan guard in tests/ and the benchmark's plan report both use it:
each GET request's connection (``lib.web.database.get_db()``) traces every statement,
with its parameters inlined, so that it can be explained as it ran.
"""
from flask import request

from lib.web import database


def trace_statements(app):
    """Register the tracing on ``app``; return the list the statements go to."""
    statements = []

    @app.before_request
    def trace():
        if request.method == "GET":
            database.get_db().set_trace_callback(statements.append)

    @app.teardown_request
    def untrace(_error=None):
        database.get_db().set_trace_callback(None)

    return statements


def selects(statements):
    """The reads among ``statements`` (no BEGIN, COMMIT or PRAGMA)."""
    return [sql for sql in statements if sql.lstrip().upper().startswith(("SELECT", "WITH"))]
