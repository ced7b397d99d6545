-- A new session wrote nine index entries, two of them (on group_id and on
-- study_activity_id alone) only so that removing a group or an activity
-- finds its sessions. The learner's lists by group id and by activity find
-- their rows as well with the group or the activity first (each is matched
-- by equality, as the learner is), and so serve that search too: a new
-- session writes seven.

DROP INDEX study_sessions_of_group;
DROP INDEX study_sessions_by_activity_id;
DROP INDEX study_sessions_by_group_id;
DROP INDEX study_sessions_by_activity;
CREATE INDEX study_sessions_by_group_id ON study_sessions (group_id, learner_id);
CREATE INDEX study_sessions_by_activity ON study_sessions (study_activity_id, learner_id, created_at);
