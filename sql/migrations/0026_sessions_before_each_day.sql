-- How many of the learner's sessions (all of them, and each activity's)
-- came on the days before each day. The day that holds a deep page of a
-- session list is then one seek of an index on it, where it was a walk
-- through the days before it (years of them, at ten times the history).
-- A session added adds to its day and to every later one: most often there
-- is none. Removing sessions (lib/store/history.py) counts them anew.
ALTER TABLE study_days ADD COLUMN sessions_before INTEGER NOT NULL DEFAULT 0;
ALTER TABLE learner_activity_days ADD COLUMN sessions_before INTEGER NOT NULL DEFAULT 0;

UPDATE study_days SET sessions_before = counted.sessions_before
FROM (SELECT learner_id, day, coalesce(sum(sessions_count) OVER (PARTITION BY learner_id ORDER BY day
                                       ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS sessions_before
      FROM study_days) AS counted
WHERE counted.learner_id = study_days.learner_id AND counted.day = study_days.day;

UPDATE learner_activity_days SET sessions_before = counted.sessions_before
FROM (SELECT learner_id, study_activity_id, day,
             coalesce(sum(sessions_count) OVER (PARTITION BY learner_id, study_activity_id ORDER BY day
                                                ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS sessions_before
      FROM learner_activity_days) AS counted
WHERE counted.learner_id = learner_activity_days.learner_id
  AND counted.study_activity_id = learner_activity_days.study_activity_id AND counted.day = learner_activity_days.day;

CREATE INDEX study_days_by_sessions_before ON study_days (learner_id, sessions_before);
CREATE INDEX learner_activity_days_by_sessions_before
    ON learner_activity_days (learner_id, study_activity_id, sessions_before);

CREATE TRIGGER study_days_sessions_before AFTER INSERT ON study_days
BEGIN
    UPDATE study_days SET sessions_before = coalesce((
        SELECT sessions_before + sessions_count FROM study_days
        WHERE learner_id = NEW.learner_id AND day < NEW.day ORDER BY day DESC LIMIT 1), 0)
    WHERE learner_id = NEW.learner_id AND day = NEW.day;
    UPDATE study_days SET sessions_before = sessions_before + NEW.sessions_count
    WHERE learner_id = NEW.learner_id AND day > NEW.day;
END;

CREATE TRIGGER study_days_sessions_before_counted AFTER UPDATE OF sessions_count ON study_days
WHEN NEW.sessions_count > OLD.sessions_count
BEGIN
    UPDATE study_days SET sessions_before = sessions_before + NEW.sessions_count - OLD.sessions_count
    WHERE learner_id = NEW.learner_id AND day > NEW.day;
END;

CREATE TRIGGER learner_activity_days_sessions_before AFTER INSERT ON learner_activity_days
BEGIN
    UPDATE learner_activity_days SET sessions_before = coalesce((
        SELECT sessions_before + sessions_count FROM learner_activity_days
        WHERE learner_id = NEW.learner_id AND study_activity_id = NEW.study_activity_id AND day < NEW.day
        ORDER BY day DESC LIMIT 1), 0)
    WHERE learner_id = NEW.learner_id AND study_activity_id = NEW.study_activity_id AND day = NEW.day;
    UPDATE learner_activity_days SET sessions_before = sessions_before + NEW.sessions_count
    WHERE learner_id = NEW.learner_id AND study_activity_id = NEW.study_activity_id AND day > NEW.day;
END;

CREATE TRIGGER learner_activity_days_sessions_before_counted AFTER UPDATE OF sessions_count ON learner_activity_days
WHEN NEW.sessions_count > OLD.sessions_count
BEGIN
    UPDATE learner_activity_days SET sessions_before = sessions_before + NEW.sessions_count - OLD.sessions_count
    WHERE learner_id = NEW.learner_id AND study_activity_id = NEW.study_activity_id AND day > NEW.day;
END;
