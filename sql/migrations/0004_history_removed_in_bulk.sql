-- The learning record is append-only: review items and sessions are removed
-- only all at once, by the resets, which zero their counters set-based in the
-- same transaction (lib/history.py). A trigger per deleted row made a reset of
-- a million review items hold the write lock for over ten seconds.
DROP TRIGGER word_review_items_uncounted;
DROP TRIGGER study_sessions_uncounted;
