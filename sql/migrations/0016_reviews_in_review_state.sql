-- True retention: of the answers given for a word already in the review
-- state, the share that were right (Anki's "true retention"). The state a
-- word was in when it was answered was not kept, and a schedule only knows
-- its state now: each review keeps it, and the running totals per quarter
-- hour count those given in the review state and those of them right, so
-- that any week in any zone is the difference of two rows, as days are.
--
-- The state is known to the code that records a review (it moves the
-- schedule on, lib/store/schedules.py) and to a replay of the history: the
-- Python step review_states_from_history fills it in for the reviews stored
-- before, and adds them to the totals.

-- fsrs.State of the word's schedule when the answer was given: 1 learning,
-- 2 review, 3 relearning; NULL for a word answered for the first time
ALTER TABLE word_review_items ADD COLUMN state_before INTEGER CHECK (state_before IN (1, 2, 3));

ALTER TABLE study_quarters ADD COLUMN in_review_items_total INTEGER NOT NULL DEFAULT 0;
ALTER TABLE study_quarters ADD COLUMN in_review_correct_total INTEGER NOT NULL DEFAULT 0;

DROP TRIGGER study_quarters_opened;
DROP TRIGGER word_review_items_quartered;

CREATE TRIGGER study_quarters_opened INSTEAD OF INSERT ON study_quarter_openings
BEGIN
    INSERT INTO study_quarters (learner_id, quarter, sessions_total, review_items_total, correct_total,
                                in_review_items_total, in_review_correct_total)
    SELECT NEW.learner_id,
           substr(NEW.created_at, 1, 14) || printf('%02d:00Z', substr(NEW.created_at, 15, 2) / 15 * 15),
           coalesce(before.sessions_total, 0), coalesce(before.review_items_total, 0),
           coalesce(before.correct_total, 0), coalesce(before.in_review_items_total, 0),
           coalesce(before.in_review_correct_total, 0)
    FROM (SELECT 1) LEFT JOIN (
        SELECT sessions_total, review_items_total, correct_total, in_review_items_total, in_review_correct_total
        FROM study_quarters
        WHERE learner_id = NEW.learner_id
          AND quarter < substr(NEW.created_at, 1, 14) || printf('%02d:00Z', substr(NEW.created_at, 15, 2) / 15 * 15)
        ORDER BY quarter DESC LIMIT 1) before;
END;

CREATE TRIGGER word_review_items_quartered AFTER INSERT ON word_review_items
BEGIN
    UPDATE study_quarters SET
        review_items_total = review_items_total + 1,
        correct_total = correct_total + NEW.correct,
        in_review_items_total = in_review_items_total + (NEW.state_before IS 2),
        in_review_correct_total = in_review_correct_total + (NEW.state_before IS 2 AND NEW.correct = 1)
    WHERE learner_id = NEW.learner_id
      AND quarter >= substr(NEW.created_at, 1, 14) || printf('%02d:00Z', substr(NEW.created_at, 15, 2) / 15 * 15);
END;
