-- How many of each group's words a learner is learning, has in review and
-- has mature, kept as schedules and groups change: the progress page reads
-- one row per group, not every schedule of the learner. A word never
-- reviewed has no schedule: a group's new words are its word_count less these.
--
-- A schedule's kind: learning (states 1 and 3: learning, relearning), in
-- review (state 2) with a stability under 21 days, mature (21 days or more,
-- Anki's threshold; routes/dashboard.py MATURE_STABILITY_DAYS).
--
-- Each pair of a schedule and a membership of its word in a group counts
-- once, while both exist: whichever goes first takes it away (deleting a
-- word takes both, in either order).

CREATE TABLE learner_group_states (
    learner_id INTEGER NOT NULL REFERENCES learners (id) ON DELETE CASCADE,
    group_id   INTEGER NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    learning   INTEGER NOT NULL DEFAULT 0,
    review     INTEGER NOT NULL DEFAULT 0,
    mature     INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (learner_id, group_id)
) WITHOUT ROWID;
CREATE INDEX learner_group_states_by_group ON learner_group_states (group_id);

INSERT INTO learner_group_states (learner_id, group_id, learning, review, mature)
SELECT s.learner_id, wg.group_id, sum(s.state != 2), sum(s.state = 2 AND coalesce(s.stability, 0) < 21),
       sum(s.state = 2 AND coalesce(s.stability, 0) >= 21)
FROM word_schedules s JOIN word_groups wg ON wg.word_id = s.word_id
GROUP BY s.learner_id, wg.group_id;

CREATE TRIGGER word_schedules_grouped AFTER INSERT ON word_schedules
BEGIN
    INSERT INTO learner_group_states (learner_id, group_id, learning, review, mature)
    SELECT NEW.learner_id, group_id, NEW.state != 2, NEW.state = 2 AND coalesce(NEW.stability, 0) < 21,
           NEW.state = 2 AND coalesce(NEW.stability, 0) >= 21
    FROM word_groups WHERE word_id = NEW.word_id
    ON CONFLICT (learner_id, group_id) DO UPDATE SET
        learning = learning + excluded.learning, review = review + excluded.review, mature = mature + excluded.mature;
END;

-- Most reviews leave a word of the same kind: nothing to count then.
CREATE TRIGGER word_schedules_regrouped AFTER UPDATE OF state, stability ON word_schedules
WHEN (OLD.state != 2) != (NEW.state != 2)
  OR (NEW.state = 2 AND (coalesce(OLD.stability, 0) >= 21) != (coalesce(NEW.stability, 0) >= 21))
BEGIN
    UPDATE learner_group_states SET
        learning = learning + (NEW.state != 2) - (OLD.state != 2),
        review = review + (NEW.state = 2 AND coalesce(NEW.stability, 0) < 21)
                        - (OLD.state = 2 AND coalesce(OLD.stability, 0) < 21),
        mature = mature + (NEW.state = 2 AND coalesce(NEW.stability, 0) >= 21)
                        - (OLD.state = 2 AND coalesce(OLD.stability, 0) >= 21)
    WHERE learner_id = NEW.learner_id
      AND group_id IN (SELECT group_id FROM word_groups WHERE word_id = NEW.word_id);
END;

CREATE TRIGGER word_schedules_ungrouped AFTER DELETE ON word_schedules
BEGIN
    UPDATE learner_group_states SET
        learning = learning - (OLD.state != 2),
        review = review - (OLD.state = 2 AND coalesce(OLD.stability, 0) < 21),
        mature = mature - (OLD.state = 2 AND coalesce(OLD.stability, 0) >= 21)
    WHERE learner_id = OLD.learner_id
      AND group_id IN (SELECT group_id FROM word_groups WHERE word_id = OLD.word_id);
END;

CREATE TRIGGER word_groups_states_counted AFTER INSERT ON word_groups
BEGIN
    INSERT INTO learner_group_states (learner_id, group_id, learning, review, mature)
    SELECT learner_id, NEW.group_id, state != 2, state = 2 AND coalesce(stability, 0) < 21,
           state = 2 AND coalesce(stability, 0) >= 21
    FROM word_schedules WHERE word_id = NEW.word_id
    ON CONFLICT (learner_id, group_id) DO UPDATE SET
        learning = learning + excluded.learning, review = review + excluded.review, mature = mature + excluded.mature;
END;

CREATE TRIGGER word_groups_states_uncounted AFTER DELETE ON word_groups
BEGIN
    UPDATE learner_group_states SET
        learning = learning - (SELECT s.state != 2 FROM word_schedules s
                               WHERE s.learner_id = learner_group_states.learner_id AND s.word_id = OLD.word_id),
        review = review - (SELECT s.state = 2 AND coalesce(s.stability, 0) < 21 FROM word_schedules s
                           WHERE s.learner_id = learner_group_states.learner_id AND s.word_id = OLD.word_id),
        mature = mature - (SELECT s.state = 2 AND coalesce(s.stability, 0) >= 21 FROM word_schedules s
                           WHERE s.learner_id = learner_group_states.learner_id AND s.word_id = OLD.word_id)
    WHERE group_id = OLD.group_id
      AND learner_id IN (SELECT learner_id FROM word_schedules WHERE word_id = OLD.word_id);
END;
