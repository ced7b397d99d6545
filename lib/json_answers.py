"""Answers that SQLite writes as one JSON text.

For a list of many rows, reading each row into a dict and encoding the lot
costs several times what SQLite's json_object / json_group_array take to
write the same text. A shape is a tuple of (field name, SQL value) pairs in
answer order; the same shape gives the JSON object (``object_sql``) and the
plain columns (``columns_sql``) from which the Python rendering is made,
and the tests hold the two renderings to the same bytes.

Only text, integers and JSON values go in a shape: SQLite writes floats with
fewer digits than Python does. JSON values (``json(w.parts)``) come out as
SQLite minifies them, which is what Python writes for the texts we store
(json.dumps(..., ensure_ascii=False); a stored \\u escape would stay one).
"""
from flask import current_app


def object_sql(shape):
    return "json_object(" + ", ".join(f"'{name}', {value}" for name, value in shape) + ")"


def columns_sql(shape):
    return ", ".join(f"{value} AS {name}" for name, value in shape)


def response(text):
    """A JSON answer from a text SQLite wrote, ending in a newline as every
    jsonify answer does."""
    return current_app.response_class(text + "\n", mimetype="application/json")
