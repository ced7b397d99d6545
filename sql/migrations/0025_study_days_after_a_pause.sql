-- Which study days follow a pause of a whole day (24 hours) or more since
-- the learner's session before them, or are their first. In any zone, a
-- day of 24 hours or more without study lies in such a pause; a shorter
-- day (where the clocks go forward) is looked at on its own. A streak in a
-- zone is then read from these days and the zone's short days, however long
-- it is, where it was a walk back through every day of it.
-- A study day's first session and the last of the day before it are kept in
-- their row (migration 0019); the flag of a day changes with either, so each
-- change of a day sets its own flag and the next day's.
ALTER TABLE study_days ADD COLUMN after_pause INTEGER NOT NULL DEFAULT 1;

UPDATE study_days SET after_pause = coalesce((
    SELECT unixepoch(study_days.first_session_at) - unixepoch(p.last_session_at) >= 86400 FROM study_days p
    WHERE p.learner_id = study_days.learner_id AND p.day < study_days.day ORDER BY p.day DESC LIMIT 1), 1);

CREATE INDEX study_days_after_pause ON study_days (learner_id, day) WHERE after_pause;

CREATE TRIGGER study_days_paused AFTER INSERT ON study_days
BEGIN
    UPDATE study_days SET after_pause = coalesce((
        SELECT unixepoch(study_days.first_session_at) - unixepoch(p.last_session_at) >= 86400 FROM study_days p
        WHERE p.learner_id = study_days.learner_id AND p.day < study_days.day ORDER BY p.day DESC LIMIT 1), 1)
    WHERE learner_id = NEW.learner_id AND day IN (NEW.day, (SELECT min(day) FROM study_days
                                                           WHERE learner_id = NEW.learner_id AND day > NEW.day));
END;

CREATE TRIGGER study_days_paused_when_timed AFTER UPDATE OF first_session_at, last_session_at ON study_days
WHEN NEW.first_session_at IS NOT OLD.first_session_at OR NEW.last_session_at IS NOT OLD.last_session_at
BEGIN
    UPDATE study_days SET after_pause = coalesce((
        SELECT unixepoch(study_days.first_session_at) - unixepoch(p.last_session_at) >= 86400 FROM study_days p
        WHERE p.learner_id = study_days.learner_id AND p.day < study_days.day ORDER BY p.day DESC LIMIT 1), 1)
    WHERE learner_id = NEW.learner_id AND day IN (NEW.day, (SELECT min(day) FROM study_days
                                                           WHERE learner_id = NEW.learner_id AND day > NEW.day));
END;

CREATE TRIGGER study_days_paused_when_removed AFTER DELETE ON study_days
BEGIN
    UPDATE study_days SET after_pause = coalesce((
        SELECT unixepoch(study_days.first_session_at) - unixepoch(p.last_session_at) >= 86400 FROM study_days p
        WHERE p.learner_id = study_days.learner_id AND p.day < study_days.day ORDER BY p.day DESC LIMIT 1), 1)
    WHERE learner_id = OLD.learner_id AND day = (SELECT min(day) FROM study_days
                                                 WHERE learner_id = OLD.learner_id AND day > OLD.day);
END;
