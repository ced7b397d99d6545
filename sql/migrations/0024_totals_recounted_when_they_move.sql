-- A word's counts move on every review, but the learner's totals they feed
-- (words studied, mastered, answered right, answered wrong) move only when
-- one of its counts leaves zero or the word passes the mastery line: the
-- trigger that recounts them now runs only then, not on every review.
-- (A word is studied when either count is above zero: one of the two that
-- are compared says so.)

DROP TRIGGER learner_words_recounted;
CREATE TRIGGER learner_words_recounted AFTER UPDATE OF correct_count, wrong_count ON learner_words
WHEN (NEW.correct_count > 0) != (OLD.correct_count > 0)
  OR (NEW.wrong_count > 0) != (OLD.wrong_count > 0)
  OR (NEW.correct_count + NEW.wrong_count >= 5 AND NEW.correct_count * 5 >= (NEW.correct_count + NEW.wrong_count) * 4)
  != (OLD.correct_count + OLD.wrong_count >= 5 AND OLD.correct_count * 5 >= (OLD.correct_count + OLD.wrong_count) * 4)
BEGIN
    UPDATE learner_totals SET
        words_studied = words_studied
            + (NEW.correct_count + NEW.wrong_count > 0)
            - (OLD.correct_count + OLD.wrong_count > 0),
        words_mastered = words_mastered
            + (NEW.correct_count + NEW.wrong_count >= 5
               AND NEW.correct_count * 5 >= (NEW.correct_count + NEW.wrong_count) * 4)
            - (OLD.correct_count + OLD.wrong_count >= 5
               AND OLD.correct_count * 5 >= (OLD.correct_count + OLD.wrong_count) * 4),
        words_answered_right = words_answered_right + (NEW.correct_count > 0) - (OLD.correct_count > 0),
        words_answered_wrong = words_answered_wrong + (NEW.wrong_count > 0) - (OLD.wrong_count > 0)
    WHERE learner_id = NEW.learner_id;
END;

