-- The quarter totals of 0006, kept at a fraction of the cost per row.
--
-- Every new session and review went through the view study_quarter_additions,
-- whose trigger looked up the quarter before its own and tried to insert a
-- row for its quarter, on every row: about three quarters of what a review
-- batch's rows cost to insert, under the write lock. Now a quarter's row is
-- opened by a BEFORE trigger only when it does not exist yet (once a quarter
-- hour), and each row then only adds itself to its quarter and every later one.

DROP TRIGGER study_sessions_quartered;
DROP TRIGGER word_review_items_quartered;
DROP TRIGGER study_quarters_added;
DROP VIEW study_quarter_additions;

-- The quarter of a time written here opened, starting from the totals of the
-- quarter before it (a view only ever written to, so that both tables'
-- triggers share it).
CREATE VIEW study_quarter_openings (created_at) AS SELECT NULL WHERE false;

CREATE TRIGGER study_quarters_opened INSTEAD OF INSERT ON study_quarter_openings
BEGIN
    INSERT INTO study_quarters (quarter, sessions_total, review_items_total, correct_total)
    SELECT substr(NEW.created_at, 1, 14) || printf('%02d:00Z', substr(NEW.created_at, 15, 2) / 15 * 15),
           coalesce(before.sessions_total, 0), coalesce(before.review_items_total, 0),
           coalesce(before.correct_total, 0)
    FROM (SELECT 1) LEFT JOIN (
        SELECT sessions_total, review_items_total, correct_total FROM study_quarters
        WHERE quarter < substr(NEW.created_at, 1, 14) || printf('%02d:00Z', substr(NEW.created_at, 15, 2) / 15 * 15)
        ORDER BY quarter DESC LIMIT 1) before;
END;

CREATE TRIGGER study_sessions_quarter_opened BEFORE INSERT ON study_sessions
WHEN NOT EXISTS (SELECT 1 FROM study_quarters WHERE quarter =
                 substr(NEW.created_at, 1, 14) || printf('%02d:00Z', substr(NEW.created_at, 15, 2) / 15 * 15))
BEGIN
    INSERT INTO study_quarter_openings VALUES (NEW.created_at);
END;

CREATE TRIGGER word_review_items_quarter_opened BEFORE INSERT ON word_review_items
WHEN NOT EXISTS (SELECT 1 FROM study_quarters WHERE quarter =
                 substr(NEW.created_at, 1, 14) || printf('%02d:00Z', substr(NEW.created_at, 15, 2) / 15 * 15))
BEGIN
    INSERT INTO study_quarter_openings VALUES (NEW.created_at);
END;

CREATE TRIGGER study_sessions_quartered AFTER INSERT ON study_sessions
BEGIN
    UPDATE study_quarters SET sessions_total = sessions_total + 1
    WHERE quarter >= substr(NEW.created_at, 1, 14) || printf('%02d:00Z', substr(NEW.created_at, 15, 2) / 15 * 15);
END;

CREATE TRIGGER word_review_items_quartered AFTER INSERT ON word_review_items
BEGIN
    UPDATE study_quarters SET
        review_items_total = review_items_total + 1,
        correct_total = correct_total + NEW.correct
    WHERE quarter >= substr(NEW.created_at, 1, 14) || printf('%02d:00Z', substr(NEW.created_at, 15, 2) / 15 * 15);
END;
