-- What a new session and a review move, in fewer trigger programs: each
-- program SQLite starts costs a write about as much as a statement.
--
-- A new session: its day's first and last session (0019), its activity's
-- day (0018) and its learner's version (0021) are written by the trigger
-- that counts it, the day's times in the same statement as its count.
--
-- A review: its counting trigger updates its session, whose update draws the
-- learner's version (0021), so the review itself need not. No answer an ETag
-- is kept for (lib/web/caching.py) reads a schedule but through the counts
-- of each group's words by state (0017): those, not every schedule written,
-- draw the version.

DROP TRIGGER study_sessions_timed;
DROP TRIGGER study_sessions_counted_by_activity_day;
DROP TRIGGER study_sessions_versioned;
DROP TRIGGER study_sessions_counted;

CREATE TRIGGER study_sessions_counted AFTER INSERT ON study_sessions
BEGIN
    UPDATE learner_totals SET sessions_count = sessions_count + 1 WHERE learner_id = NEW.learner_id;
    INSERT INTO learner_groups (learner_id, group_id, sessions_count, last_session_at)
    VALUES (NEW.learner_id, NEW.group_id, 1, NEW.created_at)
    ON CONFLICT (learner_id, group_id) DO UPDATE SET
        sessions_count = sessions_count + 1, last_session_at = max(last_session_at, excluded.last_session_at);
    INSERT INTO learner_activities (learner_id, study_activity_id, sessions_count)
    VALUES (NEW.learner_id, NEW.study_activity_id, 1)
    ON CONFLICT (learner_id, study_activity_id) DO UPDATE SET sessions_count = sessions_count + 1;
    INSERT INTO study_days (learner_id, day, sessions_count, first_session_at, last_session_at)
    VALUES (NEW.learner_id, substr(NEW.created_at, 1, 10), 1, NEW.created_at, NEW.created_at)
    ON CONFLICT (learner_id, day) DO UPDATE SET
        sessions_count = sessions_count + 1,
        first_session_at = min(coalesce(first_session_at, excluded.first_session_at), excluded.first_session_at),
        last_session_at = max(coalesce(last_session_at, excluded.last_session_at), excluded.last_session_at);
    INSERT INTO learner_activity_days (learner_id, study_activity_id, day, sessions_count)
    VALUES (NEW.learner_id, NEW.study_activity_id, substr(NEW.created_at, 1, 10), 1)
    ON CONFLICT (learner_id, study_activity_id, day) DO UPDATE SET sessions_count = sessions_count + 1;
    UPDATE learner_versions SET version = random() WHERE learner_id = NEW.learner_id;
END;

DROP TRIGGER word_review_items_versioned;
DROP TRIGGER word_schedules_versioned;
DROP TRIGGER word_schedules_changed_versioned;
DROP TRIGGER word_schedules_moved_versioned;
DROP TRIGGER word_schedules_removed_versioned;

CREATE TRIGGER learner_group_states_versioned AFTER INSERT ON learner_group_states
BEGIN
    UPDATE learner_versions SET version = random() WHERE learner_id = NEW.learner_id;
END;

CREATE TRIGGER learner_group_states_changed_versioned AFTER UPDATE ON learner_group_states
BEGIN
    UPDATE learner_versions SET version = random() WHERE learner_id = NEW.learner_id;
END;

CREATE TRIGGER learner_group_states_moved_versioned AFTER UPDATE OF learner_id ON learner_group_states
WHEN OLD.learner_id IS NOT NEW.learner_id
BEGIN
    UPDATE learner_versions SET version = random() WHERE learner_id = OLD.learner_id;
END;

CREATE TRIGGER learner_group_states_removed_versioned AFTER DELETE ON learner_group_states
BEGIN
    UPDATE learner_versions SET version = random() WHERE learner_id = OLD.learner_id;
END;
