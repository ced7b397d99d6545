-- How many of a learner's words they have forgotten exactly so many times
-- (a lapse: Again while in the review state), kept as schedules change:
-- the leeches' total (words forgotten at least N times) adds up a few rows
-- instead of counting every leech, which only grow with the history.
-- A word never forgotten counts nowhere, and most reviews leave lapses be:
-- a review writes lapses only when they change (lib/store/schedules.py).

CREATE TABLE learner_lapses (
    learner_id INTEGER NOT NULL REFERENCES learners (id) ON DELETE CASCADE,
    lapses     INTEGER NOT NULL CHECK (lapses > 0),
    words      INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (learner_id, lapses)
) WITHOUT ROWID;

INSERT INTO learner_lapses (learner_id, lapses, words)
SELECT learner_id, lapses, count(*) FROM word_schedules WHERE lapses > 0 GROUP BY learner_id, lapses;

CREATE TRIGGER word_schedules_lapses_counted AFTER INSERT ON word_schedules
WHEN NEW.lapses > 0
BEGIN
    INSERT INTO learner_lapses (learner_id, lapses, words) VALUES (NEW.learner_id, NEW.lapses, 1)
    ON CONFLICT (learner_id, lapses) DO UPDATE SET words = words + 1;
END;

CREATE TRIGGER word_schedules_lapses_moved AFTER UPDATE OF lapses ON word_schedules
WHEN NEW.lapses != OLD.lapses
BEGIN
    UPDATE learner_lapses SET words = words - 1 WHERE learner_id = OLD.learner_id AND lapses = OLD.lapses;
    INSERT INTO learner_lapses (learner_id, lapses, words) SELECT NEW.learner_id, NEW.lapses, 1 WHERE NEW.lapses > 0
    ON CONFLICT (learner_id, lapses) DO UPDATE SET words = words + 1;
END;

CREATE TRIGGER word_schedules_lapses_uncounted AFTER DELETE ON word_schedules
WHEN OLD.lapses > 0
BEGIN
    UPDATE learner_lapses SET words = words - 1 WHERE learner_id = OLD.learner_id AND lapses = OLD.lapses;
END;
