"""JSON as this API reads and writes it."""
import json

# One encoder for every call: json.dumps with arguments builds a new one each time.
ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def dumps(value):
    """``value`` as jsonify writes it (compact, UTF-8 as is)."""
    return ENCODER.encode(value)


class DuplicateKey(ValueError):
    def __init__(self, key):
        super().__init__(f"duplicate key {key!r}")
        self.key = key


def unique_keys(pairs):
    """A JSON object's pairs as a dict; a key given twice is refused, since
    which of its values counts is not said by JSON."""
    found = {}
    for key, value in pairs:
        if key in found:
            raise DuplicateKey(key)
        found[key] = value
    return found


def array_text(texts):
    """A JSON array of values each already written as JSON text."""
    return "[" + ",".join(texts) + "]"


def object_text(members):
    """A JSON object of {key: value already written as JSON text}; its keys
    are ids or names of ours, which need no escaping."""
    return "{" + ",".join(f'"{key}":{text}' for key, text in members.items()) + "}"
