-- A write rewrites the index entries of every column its SET list names,
-- even when the value stays the same. The review counters named both of a
-- word's counts and the session's end time on every review: each review now
-- sets only what it changes, which halves the word-count index pages a
-- review batch writes (and so the WAL it syncs before it is acknowledged).

DROP TRIGGER word_review_items_counted;
CREATE TRIGGER word_review_items_counted AFTER INSERT ON word_review_items
BEGIN
    UPDATE words SET correct_count = correct_count + 1 WHERE id = NEW.word_id AND NEW.correct = 1;
    UPDATE words SET wrong_count = wrong_count + 1 WHERE id = NEW.word_id AND NEW.correct = 0;
    UPDATE study_sessions SET
        review_items_count = review_items_count + 1,
        correct_count = correct_count + NEW.correct
    WHERE id = NEW.study_session_id;
    UPDATE study_sessions SET ended_at = NEW.created_at
    WHERE id = NEW.study_session_id AND ended_at < NEW.created_at;
    UPDATE learning_totals SET
        review_items_count = review_items_count + 1,
        correct_count = correct_count + NEW.correct
    WHERE id = 1;
END;

-- No route sorts every session by its end time or its size (only a group's
-- sessions, which have indexes of their own): these were written on every
-- review and never read.
DROP INDEX study_sessions_by_ended_at;
DROP INDEX study_sessions_by_review_items_count;
