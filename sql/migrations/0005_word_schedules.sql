-- Spaced repetition: one FSRS schedule per word that has been reviewed,
-- updated in the same transaction as every review of the word (lib/scheduling.py).
-- A word with no row here is new: it has never been reviewed.
CREATE TABLE word_schedules (
    word_id     INTEGER PRIMARY KEY REFERENCES words (id) ON DELETE CASCADE,
    -- fsrs.State: 1 learning, 2 review, 3 relearning
    state       INTEGER NOT NULL CHECK (state IN (1, 2, 3)),
    -- the learning or relearning step; NULL in the review state
    step        INTEGER,
    stability   REAL,
    difficulty  REAL,
    -- ISO 8601 UTC with a Z, to the second, like every stored time
    due         TEXT    NOT NULL,
    last_review TEXT,
    -- kept by us: fsrs cards count neither
    reps        INTEGER NOT NULL DEFAULT 0 CHECK (reps >= 0),
    -- Again while in the review state, as Anki counts a lapse
    lapses      INTEGER NOT NULL DEFAULT 0 CHECK (lapses >= 0)
);
-- "what is due" and the forecast read ranges of this index
CREATE INDEX word_schedules_by_due ON word_schedules (due);
-- leeches: most lapses first
CREATE INDEX word_schedules_by_lapses ON word_schedules (lapses);

-- The grade a review was given (fsrs.Rating: 1 again, 2 hard, 3 good, 4 easy).
-- NULL on reviews recorded before grades were kept: those count as good when
-- correct and again when wrong, which is how they were scheduled.
ALTER TABLE word_review_items ADD COLUMN rating INTEGER CHECK (rating BETWEEN 1 AND 4);
