-- word_groups with its columns in primary-key order (group_id, word_id).
--
-- PRAGMA quick_check of SQLite 3.40.0 to 3.41.0 reports "NULL value in
-- word_groups.word_id" on every intact file while the WITHOUT ROWID table's
-- columns are in another order than its key. The rows, the index and the
-- triggers are the same as before; the groups' word counts are not touched
-- (copying rows fires no trigger, and neither does dropping the old table).

CREATE TABLE word_groups_in_key_order (
    group_id INTEGER NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    word_id  INTEGER NOT NULL REFERENCES words (id) ON DELETE CASCADE,
    PRIMARY KEY (group_id, word_id)
) WITHOUT ROWID;
INSERT INTO word_groups_in_key_order (group_id, word_id) SELECT group_id, word_id FROM word_groups;
DROP TABLE word_groups;
ALTER TABLE word_groups_in_key_order RENAME TO word_groups;
CREATE INDEX word_groups_by_word ON word_groups (word_id, group_id);

-- word_groups: a group's word count.
CREATE TRIGGER word_groups_counted AFTER INSERT ON word_groups
BEGIN
    UPDATE groups SET word_count = word_count + 1 WHERE id = NEW.group_id;
END;

CREATE TRIGGER word_groups_uncounted AFTER DELETE ON word_groups
BEGIN
    UPDATE groups SET word_count = word_count - 1 WHERE id = OLD.group_id;
END;
