"""Readings in kana: their romaji, and a word's split into parts.

Romaji is Hepburn as the seed writes it: one syllable per mora, long vowels
written twice (がっこう gakkou, ラーメン raamen), っ doubling the next
consonant (まっちゃ matcha), ん always ``n``, no macrons or apostrophes.

A word's ``parts`` give each kanji its own reading (食べる: 食 ta, べ be,
る ru), found from the per-kanji readings of KANJIDIC2 in
``seed/kanji_readings.json``; a kanji run whose reading cannot be split
kanji by kanji (今日 kyou) becomes one part.
"""
import json
import re
from functools import lru_cache
from pathlib import Path

READINGS_PATH = Path(__file__).resolve().parents[2] / "seed" / "kanji_readings.json"

SMALL_TSU = "っ"
LONG_MARK = "ー"
# Hiragana and katakana (with ー and the iteration marks ゝゞヽヾ): what a
# reading may be written in.
KANA = re.compile(r"[\u3041-\u3096\u309d\u309e\u30a1-\u30fa\u30fc-\u30fe]+")

_ROWS = """
あ a い i う u え e お o
か ka き ki く ku け ke こ ko   が ga ぎ gi ぐ gu げ ge ご go
さ sa し shi す su せ se そ so  ざ za じ ji ず zu ぜ ze ぞ zo
た ta ち chi つ tsu て te と to だ da ぢ ji づ zu で de ど do
な na に ni ぬ nu ね ne の no
は ha ひ hi ふ fu へ he ほ ho   ば ba び bi ぶ bu べ be ぼ bo  ぱ pa ぴ pi ぷ pu ぺ pe ぽ po
ま ma み mi む mu め me も mo
や ya ゆ yu よ yo
ら ra り ri る ru れ re ろ ro
わ wa ゐ i ゑ e を o ん n ゔ vu
ぁ a ぃ i ぅ u ぇ e ぉ o ゃ ya ゅ yu ょ yo ゎ wa ゕ ka ゖ ke
きゃ kya きゅ kyu きょ kyo ぎゃ gya ぎゅ gyu ぎょ gyo
しゃ sha しゅ shu しぇ she しょ sho じゃ ja じゅ ju じぇ je じょ jo
ちゃ cha ちゅ chu ちぇ che ちょ cho ぢゃ ja ぢゅ ju ぢょ jo
にゃ nya にゅ nyu にょ nyo ひゃ hya ひゅ hyu ひょ hyo
びゃ bya びゅ byu びょ byo ぴゃ pya ぴゅ pyu ぴょ pyo
みゃ mya みゅ myu みょ myo りゃ rya りゅ ryu りょ ryo
てぃ ti でぃ di とぅ tu どぅ du でゅ dyu てゅ tyu
ふぁ fa ふぃ fi ふぇ fe ふぉ fo ふゅ fyu
うぃ wi うぇ we うぉ wo いぇ ye
ゔぁ va ゔぃ vi ゔぇ ve ゔぉ vo
くぁ kwa ぐぁ gwa つぁ tsa つぃ tsi つぇ tse つぉ tso
"""
# One mora in hiragana -> its romaji syllable.
SYLLABLES = dict(zip(_ROWS.split()[::2], _ROWS.split()[1::2]))
# The kana each syllable is written with, for reading romaji back.
KANA_OF = {}
for _kana, _syllable in SYLLABLES.items():
    KANA_OF.setdefault(_syllable, _kana)
VOWELS = "aeiou"


def to_hiragana(text):
    """Katakana turned into hiragana; ー and everything else left as it is."""
    return "".join(chr(ord(c) - 0x60) if "\u30a1" <= c <= "\u30f6" or c in "ヽヾ" else c for c in text)


def is_kana(text):
    return bool(KANA.fullmatch(text))


def _expand_iteration(text):
    """ゝ and ゞ written out: the kana before them, again (voiced for ゞ)."""
    out = []
    for char in text:
        if char in "ゝゞ" and out:
            char = VOICED.get(out[-1], out[-1]) if char == "ゞ" else out[-1]
        out.append(char)
    return "".join(out)


def moras(kana):
    """The reading cut into morae: [(kana as written, romaji syllable)].

    っ takes the next syllable's first consonant (``t`` before ch), ー the
    previous syllable's vowel. A reading that is not kana, or whose っ or ー
    has nothing to lean on, raises ValueError."""
    if not is_kana(kana):
        raise ValueError("is not kana")
    written = kana
    kana = _expand_iteration(to_hiragana(kana))
    chunks, i = [], 0
    while i < len(kana):
        size = 2 if kana[i:i + 2] in SYLLABLES and i + 1 < len(kana) else 1
        chunks.append([written[i:i + size], kana[i:i + size]])
        i += size
    result = []
    for n, (text, hiragana) in enumerate(chunks):
        if hiragana == SMALL_TSU:
            following = chunks[n + 1][1] if n + 1 < len(chunks) else ""
            syllable = SYLLABLES.get(following, "")
            if not syllable or syllable[0] in VOWELS or syllable == "n":
                raise ValueError("has a っ with no consonant after it")
            result.append((text, "t" if syllable.startswith("ch") else syllable[0]))
        elif hiragana == LONG_MARK:
            if not result or result[-1][1][-1] not in VOWELS:
                raise ValueError("has a ー with no vowel before it")
            result.append((text, result[-1][1][-1]))
        elif hiragana in SYLLABLES:
            result.append((text, SYLLABLES[hiragana]))
        else:  # an iteration mark with nothing before it, or a kana with no syllable of its own
            raise ValueError(f"has {text}, which has no reading there")
    return result


def romaji(kana):
    return "".join(syllable for _, syllable in moras(kana))


def kana_from_syllables(syllables):
    """Hiragana for romaji syllables as the seed's parts write them (a lone
    consonant is a っ); None if a syllable is unknown."""
    out = []
    for syllable in syllables:
        if len(syllable) == 1 and syllable not in VOWELS and syllable != "n":
            out.append(SMALL_TSU)
        elif syllable in KANA_OF:
            out.append(KANA_OF[syllable])
        else:
            return None
    return "".join(out)


# Sound changes of a kanji's reading inside a word.
VOICED = dict(zip("かきくけこさしすせそたちつてとはひふへほ", "がぎぐげござじずぜぞだぢづでどばびぶべぼ"))
HALF_VOICED = dict(zip("はひふへほ", "ぱぴぷぺぽ"))
GEMINATING = "つちくき"


@lru_cache(maxsize=1)
def kanji_readings():
    """{kanji: [reading in hiragana]} from the KANJIDIC2 extract in the repo."""
    return json.loads(READINGS_PATH.read_text(encoding="utf-8"))


def reading_variants(kanji, previous=None):
    """The readings a kanji may take in a word, best first: its own, then
    voiced at the start (rendaku), then with a final っ (gemination).
    々 repeats the kanji before it."""
    base = kanji_readings().get(previous, []) if kanji == "々" else kanji_readings().get(kanji, [])
    variants = list(base)
    for reading in base:
        first = reading[0]
        for changed in (VOICED.get(first), HALF_VOICED.get(first)):
            if changed:
                variants.append(changed + reading[1:])
    for reading in list(variants):
        if len(reading) > 1 and reading[-1] in GEMINATING:
            variants.append(reading[:-1] + SMALL_TSU)
    return list(dict.fromkeys(variants))


def _segments(word):
    """The word as [(text, is_kana)]: each kana character alone, each run of
    anything else (kanji, 々, letters) together."""
    segments = []
    for char in word:
        if is_kana(char):
            segments.append((char, True))
        elif segments and not segments[-1][1]:
            segments[-1] = (segments[-1][0] + char, False)
        else:
            segments.append((char, False))
    return segments


def _align(segments, reading, start):
    """[(text, start, end)] spanning reading[start:] segment by segment, or
    None. Each segment tries its readings in order and the first that lets the
    rest fit wins; what is known of each (segment, position) is kept, so a
    long word costs polynomial time, not exponential."""
    aligned, split = {}, {}

    def align(index, at):
        if (index, at) not in aligned:
            aligned[index, at] = align_from(index, at)
        return aligned[index, at]

    def align_from(index, at):
        if index == len(segments):
            return [] if at == len(reading) else None
        text, kana_segment = segments[index]
        if kana_segment:
            own = _expand_iteration(to_hiragana(text))
            if reading.startswith(own, at) or (text == LONG_MARK and reading[at:at + 1] in "あいうえお"):
                found = align(index + 1, at + len(own))
                return None if found is None else [(text, at, at + len(own))] + found
            return None
        pieces = split_run(index, 0, at)
        if pieces is not None:
            spans = []
            for kanji, piece in pieces:
                spans.append((kanji, at, at + len(piece)))
                at += len(piece)
            return spans + align(index + 1, at)
        # No kanji-by-kanji reading: the whole run takes what lies before the next kana.
        for end in range(at + 1, len(reading) + 1):
            found = align(index + 1, end)
            if found is not None:
                return [(text, at, end)] + found
        return None

    def split_run(index, kanji, at):
        """The first way to read segment ``index`` from its ``kanji``-th
        character on, kanji by kanji from reading[at:], after which the
        following segments fit: [(kanji, reading)], or None."""
        key = (index, kanji, at)
        if key not in split:
            run = segments[index][0]
            if kanji == len(run):
                split[key] = [] if align(index + 1, at) is not None else None
            else:
                split[key] = None
                for variant in reading_variants(run[kanji], run[kanji - 1] if kanji else None):
                    if reading.startswith(variant, at):
                        rest = split_run(index, kanji + 1, at + len(variant))
                        if rest is not None:
                            split[key] = [(run[kanji], variant)] + rest
                            break
        return split[key]

    return align(0, start)


def parts(word, kana):
    """The word's parts [{"kanji", "romaji": [syllables]}] for reading ``kana``,
    or None when the word's own kana do not fit the reading.

    Kana in the word are a part each, a small ゃゅょ with the kana before it
    and っ or ー with the part before them, as the seed writes them."""
    mora_list = moras(kana)
    reading = _expand_iteration(to_hiragana(kana))
    # Which mora each reading position starts; None inside a two-kana mora.
    mora_at, position = {}, 0
    for index, (text, _) in enumerate(mora_list):
        mora_at[position] = index
        position += len(text)
    mora_at[position] = len(mora_list)
    spans = _align(_merge_small_kana(_segments(word)), reading, 0)
    if spans is None:
        return None
    result = []
    for text, start, end in spans:
        if start not in mora_at or end not in mora_at:
            return None  # a part would begin inside a mora such as きゃ
        syllables = [syllable for _, syllable in mora_list[mora_at[start]:mora_at[end]]]
        leaning = is_kana(text) and to_hiragana(text) in (SMALL_TSU, LONG_MARK)
        if leaning and result:
            result[-1]["kanji"] += text
            result[-1]["romaji"] += syllables
        else:
            result.append({"kanji": text, "romaji": syllables})
    return result


def _merge_small_kana(segments):
    """A small ゃ, ゅ, ょ (and ぁ...) is one kana segment with the kana before it."""
    merged = []
    for text, kana_segment in segments:
        if (kana_segment and merged and merged[-1][1] and to_hiragana(text) in "ぁぃぅぇぉゃゅょゎ"
                and to_hiragana(merged[-1][0] + text) in SYLLABLES):
            merged[-1] = (merged[-1][0] + text, True)
        else:
            merged.append((text, kana_segment))
    return merged
