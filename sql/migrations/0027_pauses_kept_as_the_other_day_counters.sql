-- The flags of migration 0025 without a trigger on deleting a day, so that
-- a reset empties study_days at once rather than row by row: removing
-- sessions (lib/store/history.py) first updates each day's first and last
-- session, and a day emptied of them is left with none before it goes,
-- which flags the day after it, as it should be: a whole UTC day then lies
-- between the sessions around it. And a day's first session moving sets
-- its own flag, its last session moving the next day's: a new session moves
-- only the last, and sets only the next day's.
DROP TRIGGER study_days_paused_when_removed;
DROP TRIGGER study_days_paused_when_timed;

CREATE TRIGGER study_days_paused_when_first_moves AFTER UPDATE OF first_session_at ON study_days
WHEN NEW.first_session_at IS NOT OLD.first_session_at
BEGIN
    UPDATE study_days SET after_pause = coalesce((
        SELECT unixepoch(NEW.first_session_at) - unixepoch(p.last_session_at) >= 86400 FROM study_days p
        WHERE p.learner_id = NEW.learner_id AND p.day < NEW.day ORDER BY p.day DESC LIMIT 1), 1)
    WHERE learner_id = NEW.learner_id AND day = NEW.day;
END;

CREATE TRIGGER study_days_paused_when_last_moves AFTER UPDATE OF last_session_at ON study_days
WHEN NEW.last_session_at IS NOT OLD.last_session_at
BEGIN
    UPDATE study_days SET after_pause = coalesce(
        unixepoch(first_session_at) - unixepoch(NEW.last_session_at) >= 86400, 1)
    WHERE learner_id = NEW.learner_id AND day = (SELECT min(day) FROM study_days
                                                 WHERE learner_id = NEW.learner_id AND day > NEW.day);
END;
