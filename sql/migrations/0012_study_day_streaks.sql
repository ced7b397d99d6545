-- The dashboard's streak, kept with the days: each study day holds how many
-- days in a row, ending with it, have a session started (UTC days). The
-- current streak is then one lookup, where it was a walk back through every
-- day of the streak: a year of daily study cost a year of steps.
ALTER TABLE study_days ADD COLUMN streak INTEGER NOT NULL DEFAULT 1 CHECK (streak >= 1);

-- A day's run is its days in a row: the days whose date less their rank is the same.
WITH ranked (day, run) AS (
    SELECT day, julianday(day) - row_number() OVER (ORDER BY day) FROM study_days
)
UPDATE study_days SET streak = counted.streak
FROM (SELECT day, row_number() OVER (PARTITION BY run ORDER BY day) AS streak FROM ranked) AS counted
WHERE counted.day = study_days.day;

-- A new study day carries on the streak of the day before it; a day filled
-- in before others (a clock set back) joins the run that follows it, whose
-- days are exactly those holding their distance from it.
CREATE TRIGGER study_days_streak AFTER INSERT ON study_days
BEGIN
    UPDATE study_days SET streak = 1 + coalesce(
        (SELECT streak FROM study_days WHERE day = date(NEW.day, '-1 day')), 0)
    WHERE day = NEW.day;
    UPDATE study_days SET streak = streak + (SELECT streak FROM study_days WHERE day = NEW.day)
    WHERE day > NEW.day AND streak = julianday(day) - julianday(NEW.day);
END;
