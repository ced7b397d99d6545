-- Which state each learner's record is in: a number drawn anew by every
-- write that can change an answer built from their record (their sessions,
-- their schedules, a review counted, their settings), whoever makes it, the
-- sqlite3 shell included. With the vocabulary's version (migration 0013) it
-- names the state an answer was built from, so that a client's ETag is
-- checked without building the answer again (lib/web/caching.py). Drawn at
-- random, not counted, as the vocabulary's: a restored older file must not
-- bring back a number that named another state.
--
-- A review item moves it when inserted only: every answer built from these
-- versions reads the reviews through the counters, and no trigger counts a
-- deleted or changed item (migration 0004); the answers that read the items
-- themselves are checked against their body. That also keeps the full
-- reset's DELETE of every review item a drop of its pages (a DELETE trigger
-- would make it visit each of a million rows).
CREATE TABLE learner_versions (
    learner_id INTEGER PRIMARY KEY REFERENCES learners (id) ON DELETE CASCADE,
    version    INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO learner_versions (learner_id, version) SELECT id, random() FROM learners;

-- A row left by a learner deleted with foreign keys off is drawn anew.
CREATE TRIGGER learners_versioned AFTER INSERT ON learners
BEGIN
    INSERT INTO learner_versions (learner_id, version) VALUES (NEW.id, random())
    ON CONFLICT (learner_id) DO UPDATE SET version = excluded.version;
END;
CREATE TRIGGER learner_settings_versioned AFTER UPDATE OF time_zone, new_per_day, desired_retention ON learners
BEGIN
    UPDATE learner_versions SET version = random() WHERE learner_id = NEW.id;
END;

CREATE TRIGGER study_sessions_versioned AFTER INSERT ON study_sessions
BEGIN
    UPDATE learner_versions SET version = random() WHERE learner_id = NEW.learner_id;
END;
-- Two learners only when the row moves from one to the other: an IN of two
-- costs a review's session update three times what one key does.
CREATE TRIGGER study_sessions_changed_versioned AFTER UPDATE ON study_sessions
BEGIN
    UPDATE learner_versions SET version = random() WHERE learner_id = NEW.learner_id;
END;
CREATE TRIGGER study_sessions_moved_versioned AFTER UPDATE OF learner_id ON study_sessions
WHEN OLD.learner_id IS NOT NEW.learner_id
BEGIN
    UPDATE learner_versions SET version = random() WHERE learner_id = OLD.learner_id;
END;
CREATE TRIGGER study_sessions_removed_versioned AFTER DELETE ON study_sessions
BEGIN
    UPDATE learner_versions SET version = random() WHERE learner_id = OLD.learner_id;
END;

CREATE TRIGGER word_review_items_versioned AFTER INSERT ON word_review_items
BEGIN
    UPDATE learner_versions SET version = random() WHERE learner_id = NEW.learner_id;
END;

CREATE TRIGGER word_schedules_versioned AFTER INSERT ON word_schedules
BEGIN
    UPDATE learner_versions SET version = random() WHERE learner_id = NEW.learner_id;
END;
CREATE TRIGGER word_schedules_changed_versioned AFTER UPDATE ON word_schedules
BEGIN
    UPDATE learner_versions SET version = random() WHERE learner_id = NEW.learner_id;
END;
CREATE TRIGGER word_schedules_moved_versioned AFTER UPDATE OF learner_id ON word_schedules
WHEN OLD.learner_id IS NOT NEW.learner_id
BEGIN
    UPDATE learner_versions SET version = random() WHERE learner_id = OLD.learner_id;
END;
CREATE TRIGGER word_schedules_removed_versioned AFTER DELETE ON word_schedules
BEGIN
    UPDATE learner_versions SET version = random() WHERE learner_id = OLD.learner_id;
END;

-- The activities are shared as the vocabulary is: their names and URLs are
-- in the activities' answers and in every list of sessions.
CREATE TRIGGER study_activities_added_to_vocabulary AFTER INSERT ON study_activities
BEGIN
    UPDATE vocabulary_version SET version = random() WHERE id = 1;
END;
CREATE TRIGGER study_activities_changed_in_vocabulary AFTER UPDATE ON study_activities
BEGIN
    UPDATE vocabulary_version SET version = random() WHERE id = 1;
END;
CREATE TRIGGER study_activities_removed_from_vocabulary AFTER DELETE ON study_activities
BEGIN
    UPDATE vocabulary_version SET version = random() WHERE id = 1;
END;
