-- Indexes that hand out a page's rows already in the requested order
-- (the sort column, then the id), so no page sorts a whole table.

-- Words by kanji: the UNIQUE (kanji, romaji, english) index orders ties by
-- romaji, not by id.
CREATE INDEX words_by_kanji ON words (kanji);

-- A group's sessions in id order (sorted by id, or by the group's own name).
CREATE INDEX study_sessions_by_group_id ON study_sessions (group_id);
