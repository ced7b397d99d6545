"""Answers that SQLite writes as one JSON text; answers kept, and values
kept, while what they were built from is unchanged.

For a list of many rows, reading each row into a dict and encoding the lot
costs several times what SQLite's json_object / json_group_array take to
write the same text. A shape is a tuple of (field name, SQL value) pairs in
answer order: ``object_sql`` makes it the JSON object SQLite writes, whole.
The tests hold what SQLite writes to what jsonify writes of the same rows.

Only text, integers and JSON values go in a shape: SQLite writes floats with
fewer digits than Python does. JSON values (``json(w.parts)``) come out as
SQLite minifies them, which is what Python writes for the texts we store
(json.dumps(..., ensure_ascii=False); a stored \\u escape would stay one).
"""
import threading
from collections import OrderedDict

from flask import current_app

# Kept answers (KeptAnswers), per worker: room for the raw words of every
# group of a big vocabulary (10,000 words write about 2 MiB).
KEPT_BYTES = 16 * 1024 * 1024


def object_sql(shape):
    return "json_object(" + ", ".join(f"'{name}', {value}" for name, value in shape) + ")"


def answer_column(json_sql):
    """The column ``answer`` of a query that writes an answer: the JSON as
    its UTF-8 bytes. Read as text, a long answer would be decoded into a str
    only to be encoded again (0.1 ms of an answer of 100 words)."""
    return f"CAST({json_sql} AS BLOB) AS answer"


def body(text):
    """The bytes of an answer from a text SQLite wrote (or bytes: from
    ``answer_column``, or written by Python), ending in a newline as every
    jsonify answer does."""
    if isinstance(text, bytes):
        return text + b"\n"
    return (text + "\n").encode()


def response(text_or_body):
    """A JSON answer from a text SQLite wrote (or its ``body``)."""
    if isinstance(text_or_body, str):
        text_or_body = body(text_or_body)
    return current_app.response_class(text_or_body, mimetype="application/json")


class KeptAnswers:
    """Answers' bodies kept while what they were built from is unchanged:
    each under a key that names that state (the vocabulary's version, say:
    a state that has passed is never asked for again, and its answers leave
    as the least recently used), up to ``max_bytes`` in all."""

    def __init__(self, max_bytes=KEPT_BYTES):
        self.max_bytes = max_bytes
        self.size = 0
        self.bodies = OrderedDict()
        self.lock = threading.Lock()  # the threads of a worker share it

    def get(self, key):
        with self.lock:
            kept = self.bodies.get(key)
            if kept is not None:
                self.bodies.move_to_end(key)
            return kept

    def keep(self, key, kept):
        if len(kept) > self.max_bytes:
            return
        with self.lock:
            if key in self.bodies:
                return
            self.bodies[key] = kept
            self.size += len(kept)
            while self.size > self.max_bytes:
                self.size -= len(self.bodies.popitem(last=False)[1])


class KeptValues:
    """Values kept while what they were read from is unchanged: a dict for
    each key that names that state (a version, say), for the last
    ``max_keys`` keys asked for, of up to ``max_each`` values. A state that
    has passed is never asked for again, and its values leave as the least
    recently used."""

    def __init__(self, max_keys, max_each):
        self.max_keys = max_keys
        self.max_each = max_each
        self.values = OrderedDict()
        self.lock = threading.Lock()  # the threads of a worker share it

    def at(self, key):
        """The dict kept under ``key``, to be read and added to (``keep``);
        an empty dict kept by no one when ``key`` is None (nothing names
        the state)."""
        if key is None:
            return {}
        with self.lock:
            values = self.values.get(key)
            if values is None:
                values = self.values[key] = {}
                if len(self.values) > self.max_keys:
                    self.values.popitem(last=False)
            else:
                self.values.move_to_end(key)
            return values

    def keep(self, kept, values):
        """Add ``values`` ({key: value}) to ``kept`` (a dict of ``at``) if
        it has room for them all; whether it had. Several threads may add
        the same values: the same state gives the same ones."""
        if len(kept) + len(values) > self.max_each:
            return False
        kept.update(values)
        return True


def init_app(app):
    app.extensions["kept_answers"] = KeptAnswers()


def kept_answers():
    return current_app.extensions["kept_answers"]
