"""Readings in kana: their romaji as the seed writes it, and words split
into parts with a reading per kanji."""
import json

import pytest

from lib.core import kana, vocabulary
from lib.store import seed


@pytest.mark.parametrize("reading, romaji", [
    ("がっこう", "gakkou"),
    ("ちゅうしゃじょう", "chuushajou"),
    ("まっちゃ", "matcha"),
    ("きんようび", "kinyoubi"),
    ("ラーメン", "raamen"),
    ("コーヒー", "koohii"),
    ("しんぶん", "shinbun"),
    ("ジュース", "juusu"),
    ("パーティー", "paatii"),
    ("ファイル", "fairu"),
    ("ちぢむ", "chijimu"),
    ("いちいち", "ichiichi"),
])
def test_romaji_is_hepburn_as_the_seed_writes_it(reading, romaji):
    assert kana.romaji(reading) == romaji


@pytest.mark.parametrize("reading", ["gakkou", "がっ", "ーあ", "がっこう1", "", "漢字", "っか"[::-1]])
def test_what_cannot_be_read_is_refused(reading):
    with pytest.raises(ValueError):
        kana.romaji(reading)


def brief(parts):
    return " ".join(f"{p['kanji']}:{'.'.join(p['romaji'])}" for p in parts)


@pytest.mark.parametrize("word, reading, expected", [
    ("食べる", "たべる", "食:ta べ:be る:ru"),
    ("学校", "がっこう", "学:ga.k 校:ko.u"),           # gemination
    ("三百", "さんびゃく", "三:sa.n 百:bya.ku"),        # voiced
    ("一本", "いっぽん", "一:i.p 本:po.n"),             # half-voiced and geminated
    ("人々", "ひとびと", "人:hi.to 々:bi.to"),          # repeat mark
    ("建物", "たてもの", "建:ta.te 物:mo.no"),          # okurigana dropped in a compound
    ("今日", "きょう", "今日:kyo.u"),                   # no split kanji by kanji: one part
    ("お土産", "おみやげ", "お:o 土産:mi.ya.ge"),
    ("赤ちゃん", "あかちゃん", "赤:a.ka ちゃ:cha ん:n"),
    ("コップ", "コップ", "コッ:ko.p プ:pu"),
    ("ラーメン", "らーめん", "ラー:ra.a メ:me ン:n"),
])
def test_parts_give_each_kanji_its_reading(word, reading, expected):
    assert brief(kana.parts(word, reading)) == expected


def test_kana_in_the_word_that_the_reading_lacks_gives_no_parts():
    assert kana.parts("食べる", "たべた") is None


def test_a_long_word_whose_kana_do_not_fit_is_refused_without_trying_every_split():
    """Each kanji run may take any stretch of the reading; the aligner tries
    each run at each place once, or a word of 60 characters would take hours."""
    assert kana.parts("Xあ" * 40, "あ" * 120 + "い") is None
    word, problems = vocabulary.check_word({"kanji": "Xあ" * 30, "kana": "あ" * 90 + "い", "english": "x"})
    assert word is None and [field for field, _ in problems] == ["kana"]


def test_the_aligner_splits_the_seed_words_as_the_seed_does():
    """The hand-made seed splits most words kanji by kanji; the aligner
    finds the same split wherever the kanji readings allow one."""
    groups, _ = seed.read_seed()
    words = [word for group in groups.values() for word in group]
    same = [word for word in words if kana.parts(word["kanji"], word["kana"]) == word["parts"]]
    assert len(same) >= 0.95 * len(words)


def test_the_kanji_readings_file_is_hiragana():
    readings = json.loads(kana.READINGS_PATH.read_text(encoding="utf-8"))
    assert len(readings) > 2000
    assert all(kana.is_kana(r) and r == kana.to_hiragana(r) for rs in readings.values() for r in rs)


def test_every_reading_of_one_or_two_kana_has_romaji_or_a_sentence_why_not():
    """Any kana a client can send either reads or is refused with a reason
    (ValueError), never an error of the code's own."""
    alphabet = [chr(code) for code in range(0x3041, 0x30ff) if kana.is_kana(chr(code))]
    for first in alphabet:
        for reading in [first] + [first + second for second in alphabet]:
            try:
                assert kana.romaji(reading)
            except ValueError as error:
                assert str(error)
