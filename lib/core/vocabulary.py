"""What a word is made of, checked the same way wherever one comes from:
the seed files, the API, an imported file.

A word has ``kanji`` (as written: kanji, kana or both), ``kana`` (its
reading), ``english``, and the ``romaji`` and ``parts`` derived from the
kana (lib/core/kana.py) unless they are given, in which case they must agree
with it. Two words are the same word when their kanji and kana match.
"""
import json

from lib.core import kana as kana_lib

MAX_TEXT = {"kanji": 100, "kana": 100, "english": 500}
WORD_FIELDS = ("kanji", "kana", "english", "romaji", "parts")
MAX_GROUP_NAME = 100


def field_name(field):
    """A field's name as a sentence shows it: a key sent empty is shown as ""."""
    return field or '""'


def text_problem(value, field, longest):
    """Why ``value`` (given as ``field``) is not a text of 1 to ``longest``
    characters once the spaces around it are gone, or None."""
    if not isinstance(value, str) or not value.strip():
        return f"{field} must be a non-empty string."
    if len(value.strip()) > longest:
        return f"{field} may be at most {longest} characters."
    return None


def group_name_problem(name, field):
    """Why ``name`` (given as ``field``) cannot name a group, or None; a name
    is stored without the spaces around it."""
    return text_problem(name, field, MAX_GROUP_NAME)


def _text(value, field, problems):
    problem = text_problem(value, field, MAX_TEXT.get(field, 500))
    if problem:
        problems.append((field, problem))
        return None
    return value.strip()


def _parts_problem(parts, kanji, romaji):
    if not isinstance(parts, list) or not parts:
        return "parts must be a non-empty list of {kanji, romaji}."
    for number, part in enumerate(parts, 1):
        if not isinstance(part, dict) or not isinstance(part.get("kanji"), str) or not part["kanji"]:
            return f"parts[{number - 1}].kanji must be a non-empty string."
        syllables = part.get("romaji")
        if (not isinstance(syllables, list) or not syllables
                or not all(isinstance(s, str) and s for s in syllables)):
            return f"parts[{number - 1}].romaji must be a non-empty list of syllables."
    if "".join(part["kanji"] for part in parts) != kanji:
        return f"the parts' kanji do not join to {kanji}."
    if "".join(s for part in parts for s in part["romaji"]) != romaji:
        return f"the parts' romaji do not join to {romaji}."
    return None


def check_word(data, current=None):
    """(word, problems): the word's five fields, complete, and
    [(field, sentence)] for whatever is wrong with them.

    ``current`` is the stored word a change applies to: fields not in
    ``data`` are kept from it, except that a new kana re-derives romaji and
    parts (unless those are sent too)."""
    problems = []
    if not isinstance(data, dict):
        return None, [("word", "a word must be an object.")]
    unknown = sorted(set(data) - set(WORD_FIELDS))
    problems += [(field_name(field), f"{field_name(field)} is not a field of a word.") for field in unknown]
    word = dict(current or {})
    if current is not None and ("kana" in data or "kanji" in data):
        # a new reading or spelling: derived fields follow it unless sent
        word.pop("romaji", None)
        word.pop("parts", None)
    for field in ("kanji", "kana", "english"):
        if field in data or current is None:
            word[field] = _text(data.get(field), field, problems)
    if word.get("kana") and not kana_lib.is_kana(word["kana"]):
        problems.append(("kana", "kana must be written in hiragana or katakana only."))
        word["kana"] = None
    derived_romaji = None
    if word.get("kana"):
        try:
            derived_romaji = kana_lib.romaji(word["kana"])
        except ValueError as error:
            problems.append(("kana", f"kana {error}."))
    if "romaji" in data:
        word["romaji"] = _text(data["romaji"], "romaji", problems)
        if word["romaji"] and derived_romaji and word["romaji"] != derived_romaji:
            problems.append(("romaji", f"romaji {word['romaji']} does not match the kana, which reads {derived_romaji}."))
    elif derived_romaji:
        word["romaji"] = derived_romaji
    if "parts" in data:
        word["parts"] = data["parts"]
    named = {field for field, _ in problems}
    # a stored word from before kana was kept has none: a change must give it
    problems += [(field, f"{field} is required.") for field in ("kanji", "kana", "english")
                 if not word.get(field) and field not in named]
    if problems or not word.get("romaji"):
        return None, problems or [("romaji", "romaji is required.")]
    if word.get("parts") is None:
        word["parts"] = kana_lib.parts(word["kanji"], word["kana"])
        if word["parts"] is None:
            return None, [("kana", f"kana {word['kana']} does not fit the kana written in {word['kanji']}.")]
    problem = _parts_problem(word["parts"], word["kanji"], word["romaji"])
    if problem:
        return None, [("parts", problem)]
    word["parts"] = [{"kanji": p["kanji"], "romaji": list(p["romaji"])} for p in word["parts"]]
    return {field: word[field] for field in WORD_FIELDS}, []


def same_romaji(word, other="another word"):
    """Why storing ``word`` broke the older rule of the words table: no two
    words with the same kanji, romaji and English (two kana, such as ねこ and
    ネコ, can give the same romaji)."""
    return (f"kanji {word['kanji']}, romaji {word['romaji']} and English {word['english']} already belong to"
            f" {other}: change the English to tell them apart.")


def parts_json(word):
    return json.dumps(word["parts"], ensure_ascii=False)
