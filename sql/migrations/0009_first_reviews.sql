-- When each word was first reviewed: the day's allowance of new words counts
-- the words first reviewed today, read from an index rather than the history.
ALTER TABLE word_schedules ADD COLUMN first_reviewed_at TEXT;
UPDATE word_schedules SET first_reviewed_at = (
    SELECT min(created_at) FROM word_review_items r WHERE r.word_id = word_schedules.word_id);
CREATE INDEX word_schedules_by_first_review ON word_schedules (first_reviewed_at);
