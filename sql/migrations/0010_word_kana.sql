-- Words carry their reading in kana: two words are the same word when
-- their kanji and kana match, and romaji and parts are derived from the kana.
ALTER TABLE words ADD COLUMN kana TEXT NOT NULL DEFAULT '';

-- Backfill from the parts: a part written in kana is its own reading; a
-- kanji part's romaji syllables are written back in hiragana (a lone
-- consonant being the っ that doubles the next one).
CREATE TEMP TABLE syllable_kana (syllable TEXT PRIMARY KEY, kana TEXT NOT NULL);
INSERT INTO syllable_kana (syllable, kana) VALUES
    ('a', 'あ'), ('ba', 'ば'), ('be', 'べ'), ('bi', 'び'), ('bo', 'ぼ'), ('bu', 'ぶ'), ('bya', 'びゃ'),
    ('byo', 'びょ'), ('byu', 'びゅ'), ('cha', 'ちゃ'), ('che', 'ちぇ'), ('chi', 'ち'), ('cho', 'ちょ'),
    ('chu', 'ちゅ'), ('da', 'だ'), ('de', 'で'), ('di', 'でぃ'), ('do', 'ど'), ('du', 'どぅ'), ('dyu', 'でゅ'),
    ('e', 'え'), ('fa', 'ふぁ'), ('fe', 'ふぇ'), ('fi', 'ふぃ'), ('fo', 'ふぉ'), ('fu', 'ふ'), ('fyu', 'ふゅ'),
    ('ga', 'が'), ('ge', 'げ'), ('gi', 'ぎ'), ('go', 'ご'), ('gu', 'ぐ'), ('gwa', 'ぐぁ'), ('gya', 'ぎゃ'),
    ('gyo', 'ぎょ'), ('gyu', 'ぎゅ'), ('ha', 'は'), ('he', 'へ'), ('hi', 'ひ'), ('ho', 'ほ'), ('hya', 'ひゃ'),
    ('hyo', 'ひょ'), ('hyu', 'ひゅ'), ('i', 'い'), ('ja', 'じゃ'), ('je', 'じぇ'), ('ji', 'じ'), ('jo', 'じょ'),
    ('ju', 'じゅ'), ('ka', 'か'), ('ke', 'け'), ('ki', 'き'), ('ko', 'こ'), ('ku', 'く'), ('kwa', 'くぁ'),
    ('kya', 'きゃ'), ('kyo', 'きょ'), ('kyu', 'きゅ'), ('ma', 'ま'), ('me', 'め'), ('mi', 'み'), ('mo', 'も'),
    ('mu', 'む'), ('mya', 'みゃ'), ('myo', 'みょ'), ('myu', 'みゅ'), ('n', 'ん'), ('na', 'な'), ('ne', 'ね'),
    ('ni', 'に'), ('no', 'の'), ('nu', 'ぬ'), ('nya', 'にゃ'), ('nyo', 'にょ'), ('nyu', 'にゅ'), ('o', 'お'),
    ('pa', 'ぱ'), ('pe', 'ぺ'), ('pi', 'ぴ'), ('po', 'ぽ'), ('pu', 'ぷ'), ('pya', 'ぴゃ'), ('pyo', 'ぴょ'),
    ('pyu', 'ぴゅ'), ('ra', 'ら'), ('re', 'れ'), ('ri', 'り'), ('ro', 'ろ'), ('ru', 'る'), ('rya', 'りゃ'),
    ('ryo', 'りょ'), ('ryu', 'りゅ'), ('sa', 'さ'), ('se', 'せ'), ('sha', 'しゃ'), ('she', 'しぇ'),
    ('shi', 'し'), ('sho', 'しょ'), ('shu', 'しゅ'), ('so', 'そ'), ('su', 'す'), ('ta', 'た'), ('te', 'て'),
    ('ti', 'てぃ'), ('to', 'と'), ('tsa', 'つぁ'), ('tse', 'つぇ'), ('tsi', 'つぃ'), ('tso', 'つぉ'),
    ('tsu', 'つ'), ('tu', 'とぅ'), ('tyu', 'てゅ'), ('u', 'う'), ('va', 'ゔぁ'), ('ve', 'ゔぇ'), ('vi', 'ゔぃ'),
    ('vo', 'ゔぉ'), ('vu', 'ゔ'), ('wa', 'わ'), ('we', 'うぇ'), ('wi', 'うぃ'), ('wo', 'うぉ'), ('ya', 'や'),
    ('ye', 'いぇ'), ('yo', 'よ'), ('yu', 'ゆ'), ('za', 'ざ'), ('ze', 'ぜ'), ('zo', 'ぞ'), ('zu', 'ず'),
    ('b', 'っ'), ('c', 'っ'), ('d', 'っ'), ('f', 'っ'), ('g', 'っ'), ('h', 'っ'), ('j', 'っ'), ('k', 'っ'),
    ('m', 'っ'), ('p', 'っ'), ('r', 'っ'), ('s', 'っ'), ('t', 'っ'), ('v', 'っ'), ('w', 'っ'), ('y', 'っ'),
    ('z', 'っ');

-- A word whose parts give no reading keeps '' (no seed word is such).
UPDATE words SET kana = coalesce((
    SELECT group_concat(reading, '') FROM (
        SELECT CASE
                   WHEN json_extract(p.value, '$.kanji') NOT GLOB '*[^ぁ-ゖァ-ヺーゝゞヽヾ]*'
                   THEN json_extract(p.value, '$.kanji')
                   ELSE (SELECT group_concat(kana, '') FROM (
                             SELECT m.kana FROM json_each(p.value, '$.romaji') s
                             JOIN syllable_kana m ON m.syllable = s.value
                             ORDER BY s.key))
               END AS reading
        FROM json_each(words.parts) p
        ORDER BY p.key
    )
), '')
WHERE kana = '';

DROP TABLE syllable_kana;

CREATE UNIQUE INDEX words_by_kanji_kana ON words (kanji, kana);
-- finding a word by its reading
CREATE INDEX words_by_kana ON words (kana);
