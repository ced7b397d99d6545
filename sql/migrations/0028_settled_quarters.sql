-- A learner's quarters before their latest are settled: a new session or
-- review adds to the latest quarter, or opens a later one, and leaves the
-- others as they are. Whatever else changes one (history removed, a review
-- stamped earlier, the clock having been set back, a replay, SQL by hand)
-- draws a new settled_version, under which the dashboard keeps the running
-- totals it read from them (routes/dashboard.py, totals_at).
ALTER TABLE learner_versions ADD COLUMN settled_version INTEGER NOT NULL DEFAULT 0;
UPDATE learner_versions SET settled_version = random();

-- drawn for a new learner too: a removed learner's id may be given again
DROP TRIGGER learners_versioned;
CREATE TRIGGER learners_versioned AFTER INSERT ON learners
BEGIN
    INSERT INTO learner_versions (learner_id, version, settled_version) VALUES (NEW.id, random(), random())
    ON CONFLICT (learner_id) DO UPDATE SET version = excluded.version, settled_version = excluded.settled_version;
END;

CREATE TRIGGER study_quarters_unsettled_by_insert AFTER INSERT ON study_quarters
WHEN EXISTS (SELECT 1 FROM study_quarters WHERE learner_id = NEW.learner_id AND quarter > NEW.quarter)
BEGIN
    UPDATE learner_versions SET settled_version = random() WHERE learner_id = NEW.learner_id;
END;

CREATE TRIGGER study_quarters_unsettled_by_update AFTER UPDATE ON study_quarters
WHEN NEW.learner_id IS NOT OLD.learner_id OR NEW.quarter IS NOT OLD.quarter
  OR OLD.quarter < (SELECT max(quarter) FROM study_quarters WHERE learner_id = OLD.learner_id)
BEGIN
    UPDATE learner_versions SET settled_version = random() WHERE learner_id IN (OLD.learner_id, NEW.learner_id);
END;

CREATE TRIGGER study_quarters_unsettled_by_delete AFTER DELETE ON study_quarters
BEGIN
    UPDATE learner_versions SET settled_version = random() WHERE learner_id = OLD.learner_id;
END;
