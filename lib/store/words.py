"""How a word and a word's place in a group are stored, wherever they come
from (the seed, the API, an imported file)."""

INSERT_WORD = "INSERT INTO words (kanji, kana, romaji, english, parts) VALUES (?, ?, ?, ?, ?)"
ADD_TO_GROUP = "INSERT INTO word_groups (word_id, group_id) VALUES (?, ?) ON CONFLICT DO NOTHING"
# Drawn anew by triggers on every change to a word, a group, their links or
# the activities (migration 0013): what is kept of them is kept under it.
VOCABULARY_VERSION = "SELECT version FROM vocabulary_version WHERE id = 1"
