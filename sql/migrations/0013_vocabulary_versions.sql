-- Which state the vocabulary is in: a number drawn anew by every change to
-- what a group's words answer (their ids, text and parts, a group's id and
-- name, which words a group has). An answer built from the vocabulary can
-- be kept while the number stays; reviews and sessions do not change it.
-- Drawn at random, not counted, so that no two states share one, even
-- across a restore of an older copy of the file.
CREATE TABLE vocabulary_version (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL
);
INSERT INTO vocabulary_version (id, version) VALUES (1, random());

CREATE TRIGGER words_added_to_vocabulary AFTER INSERT ON words
BEGIN
    UPDATE vocabulary_version SET version = random() WHERE id = 1;
END;
CREATE TRIGGER words_edited_in_vocabulary AFTER UPDATE OF id, kanji, kana, romaji, english, parts ON words
BEGIN
    UPDATE vocabulary_version SET version = random() WHERE id = 1;
END;
CREATE TRIGGER words_removed_from_vocabulary AFTER DELETE ON words
BEGIN
    UPDATE vocabulary_version SET version = random() WHERE id = 1;
END;
CREATE TRIGGER groups_added_to_vocabulary AFTER INSERT ON groups
BEGIN
    UPDATE vocabulary_version SET version = random() WHERE id = 1;
END;
CREATE TRIGGER groups_renamed_in_vocabulary AFTER UPDATE OF id, name ON groups
BEGIN
    UPDATE vocabulary_version SET version = random() WHERE id = 1;
END;
CREATE TRIGGER groups_removed_from_vocabulary AFTER DELETE ON groups
BEGIN
    UPDATE vocabulary_version SET version = random() WHERE id = 1;
END;
CREATE TRIGGER word_groups_added_to_vocabulary AFTER INSERT ON word_groups
BEGIN
    UPDATE vocabulary_version SET version = random() WHERE id = 1;
END;
CREATE TRIGGER word_groups_moved_in_vocabulary AFTER UPDATE ON word_groups
BEGIN
    UPDATE vocabulary_version SET version = random() WHERE id = 1;
END;
CREATE TRIGGER word_groups_removed_from_vocabulary AFTER DELETE ON word_groups
BEGIN
    UPDATE vocabulary_version SET version = random() WHERE id = 1;
END;
