"""Words in and out as files: JSON, CSV and TSV (Anki's plain-text exports too).

Importing is all or nothing: every row is checked as a word sent to the API
is (lib/vocabulary.py), and any problem stops the import with a list of
every problem as {row, field, message}. Rows are numbered from 1 (the first
word); row 0 is the file itself or its header.
"""
import csv
import io
import json
import sqlite3

from lib.core import vocabulary
from lib.core.json_text import DuplicateKey, unique_keys
from lib.core.vocabulary import field_name
from lib.store.connection import chunks
from lib.store.words import ADD_TO_GROUP, INSERT_WORD

MAX_ROWS = 10_000
FORMATS = ("json", "csv", "tsv")
MEDIA_TYPES = {"json": "application/json", "csv": "text/csv", "tsv": "text/tab-separated-values"}
COLUMNS = ("kanji", "kana", "romaji", "english", "parts", "group")
# Columns of an Anki export that says which columns it has but not their names.
ANKI_COLUMNS = ("kanji", "kana", "english")
ANKI_SEPARATORS = {"tab": "\t", "comma": ",", "semicolon": ";", "space": " ", "pipe": "|", "colon": ":"}
ON_DUPLICATE = ("skip", "update", "error")


class ImportProblems(Exception):
    def __init__(self, problems):
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems


def problem(row, field, message):
    return {"row": row, "field": field, "message": message}


def read_rows(data, file_format):
    """[(row, {field: value})] from a file's bytes; ImportProblems if the
    file cannot be read as ``file_format``."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ImportProblems([problem(0, "file", f"the file is not UTF-8 text (byte {error.start} is not).")])
    if file_format == "json":
        return _json_rows(text)
    return _delimited_rows(text, "," if file_format == "csv" else "\t")


def _json_rows(text):
    try:
        items = json.loads(text, object_pairs_hook=unique_keys)
    except DuplicateKey as error:
        raise ImportProblems([problem(0, "file", f"a word names the key {error.key} twice.")]) from None
    except (ValueError, RecursionError):
        raise ImportProblems([problem(0, "file", "the file is not valid JSON.")]) from None
    if not isinstance(items, list):
        raise ImportProblems([problem(0, "file", "the file must hold a JSON list of words.")])
    _check_size(len(items))
    return list(enumerate(items, 1))


def _check_size(rows):
    if rows > MAX_ROWS:
        raise ImportProblems([problem(MAX_ROWS + 1, "file", f"at most {MAX_ROWS} words may be imported at once.")])
    if rows == 0:
        raise ImportProblems([problem(0, "file", "the file holds no words.")])


def _tags_column(value):
    """The index of Anki's ``#tags column:`` header, which counts from 1 and
    may name the column just after the word's."""
    last = len(COLUMNS) + 1
    if not (value.isascii() and value.isdigit() and 1 <= int(value) <= last):
        raise ImportProblems([problem(0, "tags column", f"tags column must be a number from 1 to {last},"
                                                        f" not {value!r}.")])
    return int(value) - 1


def _delimited_rows(text, delimiter):
    lines = text.splitlines(keepends=True)
    columns, tags_column = None, None
    # Anki's header lines: #separator:tab, #columns:Front<TAB>Back, #tags column:3, #html:false ...
    while lines and lines[0].startswith("#") and ":" in lines[0]:
        key, _, value = lines.pop(0)[1:].strip().partition(":")
        key, value = key.strip().lower(), value.strip()
        if key == "separator":
            delimiter = ANKI_SEPARATORS.get(value.lower(), value[:1] or delimiter)
            columns = columns or ANKI_COLUMNS
        elif key == "columns":
            columns = next(csv.reader([value], delimiter=delimiter))
        elif key == "tags column":
            tags_column = _tags_column(value)
    try:
        records = list(csv.reader(lines, delimiter=delimiter, strict=True))
    except csv.Error as error:
        raise ImportProblems([problem(0, "file", f"the file is not well-formed {'CSV' if delimiter == ',' else 'TSV'}"
                                                 f" ({error}).")]) from None
    records = [record for record in records if any(cell.strip() for cell in record)]
    if columns is None:
        if not records:
            raise ImportProblems([problem(0, "file", "the file holds no header row.")])
        columns = records.pop(0)
    names = [name.strip().lower() for name in columns]
    if tags_column is not None:  # Anki's tags: not a field of a word
        names += [None] * (tags_column + 1 - len(names))
        names[tags_column] = None
    unknown = [problem(0, field_name(name), f"{field_name(name)} is not a column of a word"
                                            f" (columns: {', '.join(COLUMNS)}).")
               for name in names if name is not None and name not in COLUMNS]
    if unknown:
        raise ImportProblems(unknown)
    _check_size(len(records))
    rows = []
    for number, record in enumerate(records, 1):
        if len(record) > len(names):
            raise ImportProblems([problem(number, "file", f"the row has {len(record)} cells; the header names"
                                                          f" {len(names)}.")])
        row = {name: cell for name, cell in zip(names, record) if name is not None and cell.strip()}
        if "parts" in row:
            try:
                row["parts"] = json.loads(row["parts"])
            except (ValueError, RecursionError):
                pass  # checked with the word: not a list of parts
        rows.append((number, row))
    return rows


def check_rows(rows, group=None, progress=None):
    """[(row, word, group name)] for rows that all are words; ImportProblems
    listing every problem otherwise. ``progress(n)`` hears of each row done."""
    checked, problems, seen, seen_romaji = [], [], {}, {}
    for number, item in rows:
        if not isinstance(item, dict):
            problems.append(problem(number, "word", "a word must be an object."))
            continue
        fields = {key: value for key, value in item.items() if key != "group"}
        word, found = vocabulary.check_word(fields)
        problems += [problem(number, field, message) for field, message in found]
        group_name = item.get("group", group)
        group_problem = vocabulary.group_name_problem(group_name, "group") if group_name is not None else None
        if group_problem:
            problems.append(problem(number, "group", group_problem))
        if word is not None:
            key = (word["kanji"], word["kana"])
            if key in seen:
                problems.append(problem(number, "kana", f"the same word (kanji and kana) as row {seen[key]}."))
            seen.setdefault(key, number)
            # two kana can give the same romaji (ねこ, ネコ): the words table allows one
            other, other_kana = seen_romaji.setdefault((word["kanji"], word["romaji"], word["english"]),
                                                       (number, word["kana"]))
            if other_kana != word["kana"]:
                problems.append(problem(number, "romaji", vocabulary.same_romaji(word, f"row {other}")))
            checked.append((number, word, group_name.strip() if isinstance(group_name, str) else None))
        if progress:
            progress(1)
    if problems:
        raise ImportProblems(problems)
    return checked


def existing_words(conn, words):
    """{(kanji, kana): id} of the words already stored."""
    found = {}
    keys = [(word["kanji"], word["kana"]) for word in words]
    for chunk in chunks(keys, 400):  # two parameters each
        condition = " OR ".join(["(kanji = ? AND kana = ?)"] * len(chunk))
        found.update({(row[1], row[2]): row[0] for row in conn.execute(
            f"SELECT id, kanji, kana FROM words WHERE {condition}", [value for key in chunk for value in key])})
    return found


UPDATE_WORD = ("UPDATE words SET romaji = ?, english = ?, parts = ? WHERE id = ?"
               " AND (romaji, english, parts) IS NOT (?, ?, ?)")


def _write(conn, number, word, sql, values):
    """Run ``sql`` for row ``number``; the words table's older UNIQUE (kanji,
    romaji, english) is a problem of that row, not a server error."""
    try:
        return conn.execute(sql, values)
    except sqlite3.IntegrityError:
        raise ImportProblems([problem(number, "romaji", vocabulary.same_romaji(word))]) from None


def store(conn, checked, on_duplicate="skip", dry_run=False):
    """Write the checked rows inside the caller's transaction:
    {created, updated, skipped, word_ids, groups}. A ``dry_run`` writes them
    in a savepoint it rolls back, so that it meets every rule the import
    would meet; what it would create has no id (None)."""
    if dry_run:
        conn.execute("SAVEPOINT dry_run")
        try:
            result, created = _store(conn, checked, on_duplicate)
        finally:
            if conn.in_transaction:  # an I/O error may have rolled all of it back already
                conn.execute("ROLLBACK TO dry_run")
                conn.execute("RELEASE dry_run")
        result["word_ids"] = [None if word_id in created["words"] else word_id for word_id in result["word_ids"]]
        result["groups"] = [{**group, "id": None if group["id"] in created["groups"] else group["id"]}
                            for group in result["groups"]]
        return result
    return _store(conn, checked, on_duplicate)[0]


def _store(conn, checked, on_duplicate):
    """``store`` for real: (result, {"words": ids created, "groups": ids created})."""
    created = {"words": set(), "groups": set()}
    existing = existing_words(conn, [word for _, word, _ in checked])
    if on_duplicate == "error":
        clashes = [problem(number, "kana", f"word {existing[(w['kanji'], w['kana'])]} already has this"
                                           f" kanji and kana.")
                   for number, w, _ in checked if (w["kanji"], w["kana"]) in existing]
        if clashes:
            raise ImportProblems(clashes)
    result = {"created": 0, "updated": 0, "skipped": 0, "word_ids": [], "groups": {}}
    group_ids = {}
    for name in sorted({name for _, _, name in checked if name}):
        row = conn.execute("SELECT id FROM groups WHERE name = ?", (name,)).fetchone()
        if row is None:
            row = (conn.execute("INSERT INTO groups (name) VALUES (?)", (name,)).lastrowid,)
            created["groups"].add(row[0])
        group_ids[name] = row[0]
    memberships = []
    for number, word, group_name in checked:
        word_id = existing.get((word["kanji"], word["kana"]))
        parts = vocabulary.parts_json(word)
        if word_id is None:
            result["created"] += 1
            word_id = _write(conn, number, word, INSERT_WORD,
                             (word["kanji"], word["kana"], word["romaji"], word["english"], parts)).lastrowid
            created["words"].add(word_id)
        elif on_duplicate == "update":
            # the UPDATE changes nothing, and counts no row, when nothing differs
            changed = _write(conn, number, word, UPDATE_WORD, (word["romaji"], word["english"], parts, word_id,
                                                               word["romaji"], word["english"], parts)).rowcount
            result["updated" if changed else "skipped"] += 1
        else:
            result["skipped"] += 1
        result["word_ids"].append(word_id)
        if group_name:
            memberships.append((word_id, group_ids[group_name]))
    conn.executemany(ADD_TO_GROUP, memberships)
    result["groups"] = [{"id": group_ids[name], "name": name} for name in sorted(group_ids)]
    return result, created


EXPORT_SQL = ("SELECT w.kanji, w.kana, w.romaji, w.english, w.parts FROM word_groups wg"
              " JOIN words w ON w.id = wg.word_id WHERE wg.group_id = ? ORDER BY w.id")
EXPORT_COLUMNS = ("kanji", "kana", "romaji", "english", "parts")


def export(conn, group_id, file_format):
    """The group's words as a file's text that imports back to the same words."""
    words = [{**dict(zip(EXPORT_COLUMNS, row)), "parts": json.loads(row[4])}
             for row in conn.execute(EXPORT_SQL, (group_id,))]
    if file_format == "json":
        return json.dumps(words, ensure_ascii=False, indent=2) + "\n"
    out = io.StringIO()
    writer = csv.writer(out, delimiter="," if file_format == "csv" else "\t", lineterminator="\n")
    writer.writerow(EXPORT_COLUMNS)
    for word in words:
        writer.writerow([word["kanji"], word["kana"], word["romaji"], word["english"],
                         json.dumps(word["parts"], ensure_ascii=False, separators=(",", ":"))])
    return out.getvalue()
