-- Progress over time in any time zone: every zone's days are made of whole
-- quarter hours, so running totals at the end of each 15-minute UTC quarter
-- give the sessions, reviews and correct answers of any day in any zone as
-- the difference of two rows, whatever the history's size.
--
-- A row exists for each quarter with a session started or a review recorded
-- in it, and holds the totals up to the end of that quarter. The triggers keep
-- them in the write transaction, like the counters of 0001; the resets clear
-- them with the history (lib/history.py).
CREATE TABLE study_quarters (
    -- the quarter's start, ISO 8601 UTC like every stored time: 2026-03-08T23:30:00Z
    quarter            TEXT    PRIMARY KEY,
    sessions_total     INTEGER NOT NULL,
    review_items_total INTEGER NOT NULL,
    correct_total      INTEGER NOT NULL
) WITHOUT ROWID;

-- What one new session or review adds, counted by the trigger on this view
-- (a view only ever written to, so that both tables' triggers share it).
CREATE VIEW study_quarter_additions (created_at, sessions, review_items, correct) AS
    SELECT NULL, 0, 0, 0 WHERE false;

-- A stored time's quarter: 2026-03-08T23:37:12Z is in 2026-03-08T23:30:00Z.
-- The row of a new quarter starts from the totals of the quarter before it;
-- the addition then counts in its quarter and in every later one (there are
-- none unless the clock went back).
CREATE TRIGGER study_quarters_added INSTEAD OF INSERT ON study_quarter_additions
BEGIN
    INSERT INTO study_quarters (quarter, sessions_total, review_items_total, correct_total)
    SELECT this.quarter, coalesce(q.sessions_total, 0), coalesce(q.review_items_total, 0),
           coalesce(q.correct_total, 0)
    FROM (SELECT substr(NEW.created_at, 1, 14) || printf('%02d:00Z', substr(NEW.created_at, 15, 2) / 15 * 15)
                 AS quarter) this
    LEFT JOIN study_quarters q ON q.quarter = (
        SELECT quarter FROM study_quarters WHERE quarter < this.quarter ORDER BY quarter DESC LIMIT 1)
    WHERE true
    ON CONFLICT (quarter) DO NOTHING;
    UPDATE study_quarters SET
        sessions_total = sessions_total + NEW.sessions,
        review_items_total = review_items_total + NEW.review_items,
        correct_total = correct_total + NEW.correct
    WHERE quarter >= substr(NEW.created_at, 1, 14) || printf('%02d:00Z', substr(NEW.created_at, 15, 2) / 15 * 15);
END;

CREATE TRIGGER study_sessions_quartered AFTER INSERT ON study_sessions
BEGIN
    INSERT INTO study_quarter_additions VALUES (NEW.created_at, 1, 0, 0);
END;

CREATE TRIGGER word_review_items_quartered AFTER INSERT ON word_review_items
BEGIN
    INSERT INTO study_quarter_additions VALUES (NEW.created_at, 0, 1, NEW.correct);
END;

-- The history recorded so far, counted once.
INSERT INTO study_quarters (quarter, sessions_total, review_items_total, correct_total)
SELECT quarter,
       sum(sum(sessions)) OVER running, sum(sum(review_items)) OVER running, sum(sum(correct)) OVER running
FROM (
    SELECT substr(created_at, 1, 14) || printf('%02d:00Z', substr(created_at, 15, 2) / 15 * 15) AS quarter,
           1 AS sessions, 0 AS review_items, 0 AS correct
    FROM study_sessions
    UNION ALL
    SELECT substr(created_at, 1, 14) || printf('%02d:00Z', substr(created_at, 15, 2) / 15 * 15), 0, 1, correct
    FROM word_review_items
)
GROUP BY quarter
WINDOW running AS (ORDER BY quarter);
