-- How many sessions each learner began with each activity on each UTC day,
-- kept as sessions are added (removals recount them: lib/store/history.py),
-- like study_days for all of a learner's sessions: a deep page of an
-- activity's sessions then starts at its day instead of walking every
-- session of the activity before it.

CREATE TABLE learner_activity_days (
    learner_id        INTEGER NOT NULL REFERENCES learners (id) ON DELETE CASCADE,
    study_activity_id INTEGER NOT NULL REFERENCES study_activities (id) ON DELETE CASCADE,
    day               TEXT    NOT NULL,
    sessions_count    INTEGER NOT NULL CHECK (sessions_count > 0),
    PRIMARY KEY (learner_id, study_activity_id, day)
) WITHOUT ROWID;

INSERT INTO learner_activity_days (learner_id, study_activity_id, day, sessions_count)
SELECT learner_id, study_activity_id, substr(created_at, 1, 10), count(*) FROM study_sessions GROUP BY 1, 2, 3;

CREATE TRIGGER study_sessions_counted_by_activity_day AFTER INSERT ON study_sessions
BEGIN
    INSERT INTO learner_activity_days (learner_id, study_activity_id, day, sessions_count)
    VALUES (NEW.learner_id, NEW.study_activity_id, substr(NEW.created_at, 1, 10), 1)
    ON CONFLICT (learner_id, study_activity_id, day) DO UPDATE SET sessions_count = sessions_count + 1;
END;
