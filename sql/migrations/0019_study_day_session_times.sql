-- The first and the last session of each study day (a UTC day): the days
-- of a learner in any time zone, read from one row per day. A UTC day's
-- sessions fall on at most two of the learner's days, and the first and the
-- last session fall on both of them (its earliest and its latest): a streak
-- in a zone is one walk through the study days, where it was a lookup of
-- the running totals for each day of the zone.
ALTER TABLE study_days ADD COLUMN first_session_at TEXT;
ALTER TABLE study_days ADD COLUMN last_session_at TEXT;

UPDATE study_days SET first_session_at = times.first, last_session_at = times.last
FROM (SELECT learner_id, substr(created_at, 1, 10) AS day, min(created_at) AS first, max(created_at) AS last
      FROM study_sessions GROUP BY 1, 2) AS times
WHERE times.learner_id = study_days.learner_id AND times.day = study_days.day;

-- Whichever of this and study_sessions_counted runs first makes the day's
-- row; the other finds it.
CREATE TRIGGER study_sessions_timed AFTER INSERT ON study_sessions
BEGIN
    INSERT INTO study_days (learner_id, day, sessions_count, first_session_at, last_session_at)
    VALUES (NEW.learner_id, substr(NEW.created_at, 1, 10), 0, NEW.created_at, NEW.created_at)
    ON CONFLICT (learner_id, day) DO UPDATE SET
        first_session_at = min(coalesce(first_session_at, excluded.first_session_at), excluded.first_session_at),
        last_session_at = max(coalesce(last_session_at, excluded.last_session_at), excluded.last_session_at);
END;
