"""The words of the due queues and of the leeches, written by Python as
UTF-8 bytes: each word's fields as SQLite writes them (JSON values, kept per
worker under the vocabulary's version), the learner's counts of it, then
what the answer adds (its schedule...).

SQLite 3.40 takes about 7 µs to write such an item with json_object, most
of it parsing again the JSON handed to it; formatting bytes takes under 1 µs.
Text would cost several times that: a str holding kana is widened whole.
The items are the Word of the word lists (WORD_SHAPE), whose fields they
write in the same order, with the same values (tests/test_word_items.py)."""
from typing import NamedTuple

from flask import current_app

from lib.core.json_text import dumps
from lib.store.connection import placeholders
from lib.store.words import VOCABULARY_VERSION
from lib.web.answers import KeptValues
from lib.web.database import query_one, query_tuples

# The Word's fields (WORD_SHAPE's names): the word's own, then the learner's counts
WORD_FIELDS = ("id", "kanji", "kana", "romaji", "english", "correct_count", "wrong_count")
# A word's own fields and its parts, each written by SQLite as the word lists
# write it ({ids}: the placeholders of the words' ids)
FIELD_VALUES = ("SELECT id, CAST(id AS TEXT), json_quote(kanji), json_quote(kana), json_quote(romaji),"
                " json_quote(english), json(parts) FROM words WHERE id IN ({ids})")
# The learner's counts of a word, for a query that reads their schedules s
# (a word with a schedule may have no counts: its reviews taken out by hand)
SCHEDULE_COUNTS = "LEFT JOIN learner_words lw ON lw.learner_id = s.learner_id AND lw.word_id = s.word_id"
COUNTS = "coalesce(lw.correct_count, 0), coalesce(lw.wrong_count, 0)"
# Past it, the words of a very large vocabulary are read again each time.
KEPT_WORDS = 50_000


class ItemShape(NamedTuple):
    """How items are written: a %-template of bytes taking each field's
    JSON bytes, in the order of WORD_FIELDS, parts if ``parts``, then the
    fields the answer adds."""
    template: bytes
    parts: bool


def item_shape(added, parts=False):
    """The ItemShape of a Word, with its parts if ``parts``, then ``added``
    (names of fields whose JSON the answer gives)."""
    names = (*WORD_FIELDS, *(["parts"] if parts else []), *added)
    return ItemShape(b"{" + b",".join(b'"%s":%%b' % name.encode() for name in names) + b"}", parts)


def init_app(app):
    # Each word's own fields and parts (as JSON bytes, FIELD_VALUES) at the
    # vocabulary's version: any change to a word, made here or by hand
    # through SQL, moves it on (migration 0013) and starts them over.
    app.extensions["kept_word_values"] = KeptValues(max_keys=1, max_each=KEPT_WORDS)


def word_values(word_ids):
    """{word id: its FIELD_VALUES as JSON bytes} of those of
    ``word_ids`` that exist. Call inside ``snapshot()``."""
    version = query_one(VOCABULARY_VERSION)
    kept_values = current_app.extensions["kept_word_values"]
    # without its row (taken out by hand) nothing names the vocabulary's state: nothing is kept
    values = kept_values.at(version and version["version"])
    missing = [word_id for word_id in word_ids if word_id not in values]
    if missing:
        read = {row[0]: tuple(text.encode() for text in row[1:])
                for row in query_tuples(FIELD_VALUES.format(ids=placeholders(missing)), missing)}
        if not kept_values.keep(values, read):
            values = {**values, **read}
    return values


def write_items(shape, words):
    """The JSON array, as bytes, of the words ``words`` names ({word id:
    the learner's correct and wrong counts of it, then the JSON bytes of
    the fields ``shape`` adds}, in the answer's order; the counts read with
    the query that chose the words, COUNTS). A word that no longer exists
    (deleted by hand) is left out. Call inside ``snapshot()``."""
    if not words:
        return b"[]"
    values = word_values(list(words))
    # of FIELD_VALUES: the word's own fields (id to english), then its parts
    template, own_fields, parts = shape.template, slice(0, 5), slice(5, 6 if shape.parts else 5)
    items = []
    for word_id, (right, wrong, *fields) in words.items():
        own = values.get(word_id)
        if own is None:
            continue
        items.append(template % (*own[own_fields], b"%d" % right, b"%d" % wrong, *own[parts], *fields))
    return b"[" + b",".join(items) + b"]"


def json_bytes(value):
    return dumps(value).encode()
