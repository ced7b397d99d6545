-- A learner's quarters before their latest are settled: a new session or
-- review adds to the latest quarter, or opens a later one, and leaves the
-- others as they are. Whatever else changes one draws a new settled_version,
-- under which the dashboard keeps the running totals it read from them
-- (routes/dashboard.py, totals_at): a session or review stamped before the
-- latest quarter (the clock set back, or SQL by hand), a quarter opened
-- before others, moved or removed; and, from Python, history removed or a
-- replay (lib/store/quarters.py). As with every counter, the totals edited
-- by hand are for the recount to find (lib/store/integrity.py): a trigger
-- on each update of a quarter would cost every review 4 µs.
ALTER TABLE learner_versions ADD COLUMN settled_version INTEGER NOT NULL DEFAULT 0;
UPDATE learner_versions SET settled_version = random();

-- drawn for a new learner too: a removed learner's id may be given again
DROP TRIGGER learners_versioned;
CREATE TRIGGER learners_versioned AFTER INSERT ON learners
BEGIN
    INSERT INTO learner_versions (learner_id, version, settled_version) VALUES (NEW.id, random(), random())
    ON CONFLICT (learner_id) DO UPDATE SET version = excluded.version, settled_version = excluded.settled_version;
END;

DROP TRIGGER study_sessions_quartered;
CREATE TRIGGER study_sessions_quartered AFTER INSERT ON study_sessions
BEGIN
    UPDATE study_quarters SET sessions_total = sessions_total + 1
    WHERE learner_id = NEW.learner_id
      AND quarter >= substr(NEW.created_at, 1, 14) || printf('%02d:00Z', substr(NEW.created_at, 15, 2) / 15 * 15);
    UPDATE learner_versions SET settled_version = random()
    WHERE learner_id = NEW.learner_id
      AND EXISTS (SELECT 1 FROM study_quarters WHERE learner_id = NEW.learner_id AND quarter >
                  substr(NEW.created_at, 1, 14) || printf('%02d:00Z', substr(NEW.created_at, 15, 2) / 15 * 15));
END;

DROP TRIGGER word_review_items_quartered;
CREATE TRIGGER word_review_items_quartered AFTER INSERT ON word_review_items
BEGIN
    UPDATE study_quarters SET
        review_items_total = review_items_total + 1,
        correct_total = correct_total + NEW.correct,
        in_review_items_total = in_review_items_total + (NEW.state_before IS 2),
        in_review_correct_total = in_review_correct_total + (NEW.state_before IS 2 AND NEW.correct = 1)
    WHERE learner_id = NEW.learner_id
      AND quarter >= substr(NEW.created_at, 1, 14) || printf('%02d:00Z', substr(NEW.created_at, 15, 2) / 15 * 15);
    UPDATE learner_versions SET settled_version = random()
    WHERE learner_id = NEW.learner_id
      AND EXISTS (SELECT 1 FROM study_quarters WHERE learner_id = NEW.learner_id AND quarter >
                  substr(NEW.created_at, 1, 14) || printf('%02d:00Z', substr(NEW.created_at, 15, 2) / 15 * 15));
END;

CREATE TRIGGER study_quarters_unsettled_by_insert AFTER INSERT ON study_quarters
WHEN EXISTS (SELECT 1 FROM study_quarters WHERE learner_id = NEW.learner_id AND quarter > NEW.quarter)
BEGIN
    UPDATE learner_versions SET settled_version = random() WHERE learner_id = NEW.learner_id;
END;

CREATE TRIGGER study_quarters_unsettled_by_move AFTER UPDATE OF learner_id, quarter ON study_quarters
BEGIN
    UPDATE learner_versions SET settled_version = random() WHERE learner_id IN (OLD.learner_id, NEW.learner_id);
END;

CREATE TRIGGER study_quarters_unsettled_by_delete AFTER DELETE ON study_quarters
BEGIN
    UPDATE learner_versions SET settled_version = random() WHERE learner_id = OLD.learner_id;
END;
