-- Several learners on one server. Every study session, review, schedule,
-- counter, streak, setting and idempotency key belongs to a learner; the
-- vocabulary (words, groups, their members, the activities) stays shared.
-- Everything recorded so far belongs to the learner "default" (id 1), who
-- may do anything.

CREATE TABLE learners (
    id                INTEGER PRIMARY KEY,
    name              TEXT    NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 100),
    admin             INTEGER NOT NULL DEFAULT 0 CHECK (admin IN (0, 1)),
    -- a learner's own settings; NULL: the server's (LANG_PORTAL_TIMEZONE, ...)
    time_zone         TEXT,
    new_per_day       INTEGER CHECK (new_per_day >= 0),
    desired_retention REAL    CHECK (desired_retention BETWEEN 0.7 AND 0.99),
    created_at        TEXT    NOT NULL
);

-- A token is shown once, when it is made: only the SHA-256 of its secret is
-- kept, and a request's token is found by that hash.
CREATE TABLE tokens (
    id           INTEGER PRIMARY KEY,
    learner_id   INTEGER NOT NULL REFERENCES learners (id) ON DELETE CASCADE,
    name         TEXT    NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    -- space separated, from: read review vocabulary admin
    scopes       TEXT    NOT NULL,
    secret_hash  BLOB    NOT NULL UNIQUE,
    created_at   TEXT    NOT NULL,
    last_used_at TEXT
);
CREATE INDEX tokens_by_learner ON tokens (learner_id, id);

-- Requests with a bad token, by the address they came from, for a minute:
-- past twenty, that address is refused (lib/web/auth.py).
CREATE TABLE token_failures (
    address   TEXT NOT NULL,
    failed_at TEXT NOT NULL
);
CREATE INDEX token_failures_by_address ON token_failures (address, failed_at);
CREATE INDEX token_failures_by_time ON token_failures (failed_at);

-- Each learner's totals: words studied and mastered, sessions, reviews;
-- and the words with a right answer and with a wrong one, which a list of
-- every word sorted by those counts starts or ends with. The vocabulary's
-- size stays in learning_totals, shared.
CREATE TABLE learner_totals (
    learner_id         INTEGER PRIMARY KEY REFERENCES learners (id) ON DELETE CASCADE,
    words_studied      INTEGER NOT NULL DEFAULT 0,
    words_mastered     INTEGER NOT NULL DEFAULT 0,
    words_answered_right INTEGER NOT NULL DEFAULT 0,
    words_answered_wrong INTEGER NOT NULL DEFAULT 0,
    sessions_count     INTEGER NOT NULL DEFAULT 0,
    review_items_count INTEGER NOT NULL DEFAULT 0,
    correct_count      INTEGER NOT NULL DEFAULT 0
);

CREATE TRIGGER learners_counted AFTER INSERT ON learners
BEGIN
    INSERT INTO learner_totals (learner_id) VALUES (NEW.id);
END;

INSERT INTO learners (id, name, admin, created_at)
VALUES (1, 'default', 1, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'));

UPDATE learner_totals SET
    words_studied = (SELECT words_studied FROM learning_totals),
    words_mastered = (SELECT words_mastered FROM learning_totals),
    sessions_count = (SELECT sessions_count FROM learning_totals),
    review_items_count = (SELECT review_items_count FROM learning_totals),
    correct_count = (SELECT correct_count FROM learning_totals),
    words_answered_right = (SELECT count(*) FROM words WHERE correct_count > 0),
    words_answered_wrong = (SELECT count(*) FROM words WHERE wrong_count > 0)
WHERE learner_id = 1;

-- Every counting trigger goes, and is made again per learner below.
DROP TRIGGER words_counted;
DROP TRIGGER words_uncounted;
DROP TRIGGER words_recounted;
DROP TRIGGER study_sessions_counted;
DROP TRIGGER study_sessions_quarter_opened;
DROP TRIGGER study_sessions_quartered;
DROP TRIGGER word_review_items_counted;
DROP TRIGGER word_review_items_quarter_opened;
DROP TRIGGER word_review_items_quartered;
DROP TRIGGER study_days_streak;
DROP TRIGGER study_quarters_opened;
DROP VIEW study_quarter_openings;

-- A learner's counts of each word they reviewed: a row exactly while they
-- have reviews of it.
CREATE TABLE learner_words (
    learner_id    INTEGER NOT NULL REFERENCES learners (id) ON DELETE CASCADE,
    word_id       INTEGER NOT NULL REFERENCES words (id) ON DELETE CASCADE,
    correct_count INTEGER NOT NULL DEFAULT 0 CHECK (correct_count >= 0),
    wrong_count   INTEGER NOT NULL DEFAULT 0 CHECK (wrong_count >= 0),
    PRIMARY KEY (learner_id, word_id)
) WITHOUT ROWID;
CREATE INDEX learner_words_by_correct_count ON learner_words (learner_id, correct_count);
CREATE INDEX learner_words_by_wrong_count ON learner_words (learner_id, wrong_count);
CREATE INDEX learner_words_by_word ON learner_words (word_id);
INSERT INTO learner_words (learner_id, word_id, correct_count, wrong_count)
SELECT 1, id, correct_count, wrong_count FROM words WHERE correct_count + wrong_count > 0;

-- A learner's sessions per group and per activity: a row exactly while
-- they have sessions there.
CREATE TABLE learner_groups (
    learner_id      INTEGER NOT NULL REFERENCES learners (id) ON DELETE CASCADE,
    group_id        INTEGER NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    sessions_count  INTEGER NOT NULL,
    last_session_at TEXT    NOT NULL,
    PRIMARY KEY (learner_id, group_id)
) WITHOUT ROWID;
CREATE INDEX learner_groups_by_last_session_at ON learner_groups (learner_id, last_session_at);
CREATE INDEX learner_groups_by_group ON learner_groups (group_id);
INSERT INTO learner_groups (learner_id, group_id, sessions_count, last_session_at)
SELECT 1, id, sessions_count, last_session_at FROM groups WHERE sessions_count > 0;

CREATE TABLE learner_activities (
    learner_id        INTEGER NOT NULL REFERENCES learners (id) ON DELETE CASCADE,
    study_activity_id INTEGER NOT NULL REFERENCES study_activities (id) ON DELETE CASCADE,
    sessions_count    INTEGER NOT NULL,
    PRIMARY KEY (learner_id, study_activity_id)
) WITHOUT ROWID;
CREATE INDEX learner_activities_by_activity ON learner_activities (study_activity_id);
INSERT INTO learner_activities (learner_id, study_activity_id, sessions_count)
SELECT 1, id, sessions_count FROM study_activities WHERE sessions_count > 0;

-- The shared counters lose what is now each learner's.
DROP INDEX words_by_correct_count;
DROP INDEX words_by_wrong_count;
ALTER TABLE words DROP COLUMN correct_count;
ALTER TABLE words DROP COLUMN wrong_count;
DROP INDEX groups_by_last_session_at;
ALTER TABLE groups DROP COLUMN sessions_count;
ALTER TABLE groups DROP COLUMN last_session_at;
ALTER TABLE study_activities DROP COLUMN sessions_count;
ALTER TABLE learning_totals DROP COLUMN words_studied;
ALTER TABLE learning_totals DROP COLUMN words_mastered;
ALTER TABLE learning_totals DROP COLUMN sessions_count;
ALTER TABLE learning_totals DROP COLUMN review_items_count;
ALTER TABLE learning_totals DROP COLUMN correct_count;

-- Sessions and reviews get their learner (the tables are made anew: a
-- column that references another table cannot be added without a default).
-- AUTOINCREMENT keeps an id once used from being given again: the sequence
-- is carried over.
CREATE TABLE study_sessions_of_learners (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    learner_id         INTEGER NOT NULL REFERENCES learners (id),
    group_id           INTEGER NOT NULL REFERENCES groups (id),
    study_activity_id  INTEGER NOT NULL REFERENCES study_activities (id),
    created_at         TEXT    NOT NULL,
    -- time of the last review result; equal to created_at while there is none
    ended_at           TEXT    NOT NULL,
    review_items_count INTEGER NOT NULL DEFAULT 0,
    correct_count      INTEGER NOT NULL DEFAULT 0
);
INSERT INTO study_sessions_of_learners
    (id, learner_id, group_id, study_activity_id, created_at, ended_at, review_items_count, correct_count)
SELECT id, 1, group_id, study_activity_id, created_at, ended_at, review_items_count, correct_count
FROM study_sessions;
INSERT INTO sqlite_sequence (name, seq)
SELECT 'study_sessions_of_learners', seq FROM sqlite_sequence WHERE name = 'study_sessions'
    AND NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'study_sessions_of_learners');
UPDATE sqlite_sequence SET seq = max(seq, (SELECT seq FROM sqlite_sequence WHERE name = 'study_sessions'))
WHERE name = 'study_sessions_of_learners';
DROP TABLE study_sessions;
ALTER TABLE study_sessions_of_learners RENAME TO study_sessions;
CREATE INDEX study_sessions_by_created_at ON study_sessions (learner_id, created_at);
CREATE INDEX study_sessions_by_group ON study_sessions (learner_id, group_id, created_at);
CREATE INDEX study_sessions_by_group_ended_at ON study_sessions (learner_id, group_id, ended_at);
CREATE INDEX study_sessions_by_group_review_items_count ON study_sessions (learner_id, group_id, review_items_count);
CREATE INDEX study_sessions_by_group_activity ON study_sessions (learner_id, group_id, study_activity_id);
CREATE INDEX study_sessions_by_activity ON study_sessions (learner_id, study_activity_id, created_at);
CREATE INDEX study_sessions_by_group_id ON study_sessions (learner_id, group_id);
CREATE INDEX study_sessions_of_group ON study_sessions (group_id);
CREATE INDEX study_sessions_by_activity_id ON study_sessions (study_activity_id);

CREATE TABLE word_review_items_of_learners (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    learner_id       INTEGER NOT NULL REFERENCES learners (id),
    word_id          INTEGER NOT NULL REFERENCES words (id) ON DELETE CASCADE,
    study_session_id INTEGER NOT NULL REFERENCES study_sessions (id) ON DELETE CASCADE,
    correct          INTEGER NOT NULL CHECK (correct IN (0, 1)),
    -- fsrs.Rating: 1 again, 2 hard, 3 good, 4 easy; NULL before ratings were kept
    rating           INTEGER CHECK (rating BETWEEN 1 AND 4),
    created_at       TEXT    NOT NULL
);
INSERT INTO word_review_items_of_learners (id, learner_id, word_id, study_session_id, correct, rating, created_at)
SELECT id, 1, word_id, study_session_id, correct, rating, created_at FROM word_review_items;
INSERT INTO sqlite_sequence (name, seq)
SELECT 'word_review_items_of_learners', seq FROM sqlite_sequence WHERE name = 'word_review_items'
    AND NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'word_review_items_of_learners');
UPDATE sqlite_sequence SET seq = max(seq, (SELECT seq FROM sqlite_sequence WHERE name = 'word_review_items'))
WHERE name = 'word_review_items_of_learners';
DROP TABLE word_review_items;
ALTER TABLE word_review_items_of_learners RENAME TO word_review_items;
CREATE INDEX word_review_items_by_session ON word_review_items (study_session_id, word_id);
-- a word's reviews by one learner, in order (a replay), and all of a word's
-- (deleting it)
CREATE INDEX word_review_items_by_word ON word_review_items (word_id, learner_id, created_at);

CREATE TABLE word_schedules_of_learners (
    learner_id        INTEGER NOT NULL REFERENCES learners (id) ON DELETE CASCADE,
    word_id           INTEGER NOT NULL REFERENCES words (id) ON DELETE CASCADE,
    -- fsrs.State: 1 learning, 2 review, 3 relearning
    state             INTEGER NOT NULL CHECK (state IN (1, 2, 3)),
    -- the learning or relearning step; NULL in the review state
    step              INTEGER,
    stability         REAL,
    difficulty        REAL,
    -- ISO 8601 UTC with a Z, to the second, like every stored time
    due               TEXT    NOT NULL,
    last_review       TEXT,
    -- kept by us: fsrs cards count neither
    reps              INTEGER NOT NULL DEFAULT 0 CHECK (reps >= 0),
    -- Again while in the review state, as Anki counts a lapse
    lapses            INTEGER NOT NULL DEFAULT 0 CHECK (lapses >= 0),
    -- the time of the word's first review: today's new words are counted by it
    first_reviewed_at TEXT,
    PRIMARY KEY (learner_id, word_id)
) WITHOUT ROWID;
INSERT INTO word_schedules_of_learners
    (learner_id, word_id, state, step, stability, difficulty, due, last_review, reps, lapses, first_reviewed_at)
SELECT 1, word_id, state, step, stability, difficulty, due, last_review, reps, lapses, first_reviewed_at
FROM word_schedules;
DROP TABLE word_schedules;
ALTER TABLE word_schedules_of_learners RENAME TO word_schedules;
CREATE INDEX word_schedules_by_due ON word_schedules (learner_id, due);
CREATE INDEX word_schedules_by_lapses ON word_schedules (learner_id, lapses);
CREATE INDEX word_schedules_by_first_review ON word_schedules (learner_id, first_reviewed_at);
CREATE INDEX word_schedules_by_word ON word_schedules (word_id);

CREATE TABLE study_days_of_learners (
    learner_id     INTEGER NOT NULL REFERENCES learners (id) ON DELETE CASCADE,
    day            TEXT    NOT NULL,
    sessions_count INTEGER NOT NULL,
    streak         INTEGER NOT NULL DEFAULT 1 CHECK (streak >= 1),
    PRIMARY KEY (learner_id, day)
) WITHOUT ROWID;
INSERT INTO study_days_of_learners (learner_id, day, sessions_count, streak)
SELECT 1, day, sessions_count, streak FROM study_days;
DROP TABLE study_days;
ALTER TABLE study_days_of_learners RENAME TO study_days;

CREATE TABLE study_quarters_of_learners (
    learner_id         INTEGER NOT NULL REFERENCES learners (id) ON DELETE CASCADE,
    -- the quarter's start, ISO 8601 UTC like every stored time: 2026-03-08T23:30:00Z
    quarter            TEXT    NOT NULL,
    sessions_total     INTEGER NOT NULL,
    review_items_total INTEGER NOT NULL,
    correct_total      INTEGER NOT NULL,
    PRIMARY KEY (learner_id, quarter)
) WITHOUT ROWID;
INSERT INTO study_quarters_of_learners (learner_id, quarter, sessions_total, review_items_total, correct_total)
SELECT 1, quarter, sessions_total, review_items_total, correct_total FROM study_quarters;
DROP TABLE study_quarters;
ALTER TABLE study_quarters_of_learners RENAME TO study_quarters;

CREATE TABLE idempotency_keys_of_learners (
    learner_id  INTEGER NOT NULL REFERENCES learners (id) ON DELETE CASCADE,
    key         TEXT    NOT NULL,
    -- method, path and body of the first request: a reuse with another body is refused
    fingerprint TEXT    NOT NULL,
    status      INTEGER NOT NULL,
    body        TEXT    NOT NULL,
    location    TEXT,
    created_at  TEXT    NOT NULL,
    PRIMARY KEY (learner_id, key)
);
INSERT INTO idempotency_keys_of_learners (learner_id, key, fingerprint, status, body, location, created_at)
SELECT 1, key, fingerprint, status, body, location, created_at FROM idempotency_keys;
DROP TABLE idempotency_keys;
ALTER TABLE idempotency_keys_of_learners RENAME TO idempotency_keys;
CREATE INDEX idempotency_keys_by_created_at ON idempotency_keys (created_at);

-- The counting triggers, per learner. No trigger counts a deleted review
-- or session (migration 0004): lib/store/history.py recounts.

CREATE TRIGGER words_counted AFTER INSERT ON words
BEGIN
    UPDATE learning_totals SET words_count = words_count + 1 WHERE id = 1;
END;

CREATE TRIGGER words_uncounted AFTER DELETE ON words
BEGIN
    UPDATE learning_totals SET words_count = words_count - 1 WHERE id = 1;
END;

-- A word is studied once it has a review, mastered with at least five and
-- four in five of them right.
CREATE TRIGGER learner_words_counted AFTER INSERT ON learner_words
BEGIN
    UPDATE learner_totals SET
        words_studied = words_studied + (NEW.correct_count + NEW.wrong_count > 0),
        words_mastered = words_mastered + (NEW.correct_count + NEW.wrong_count >= 5
                                           AND NEW.correct_count * 5 >= (NEW.correct_count + NEW.wrong_count) * 4),
        words_answered_right = words_answered_right + (NEW.correct_count > 0),
        words_answered_wrong = words_answered_wrong + (NEW.wrong_count > 0)
    WHERE learner_id = NEW.learner_id;
END;

CREATE TRIGGER learner_words_uncounted AFTER DELETE ON learner_words
BEGIN
    UPDATE learner_totals SET
        words_studied = words_studied - (OLD.correct_count + OLD.wrong_count > 0),
        words_mastered = words_mastered - (OLD.correct_count + OLD.wrong_count >= 5
                                           AND OLD.correct_count * 5 >= (OLD.correct_count + OLD.wrong_count) * 4),
        words_answered_right = words_answered_right - (OLD.correct_count > 0),
        words_answered_wrong = words_answered_wrong - (OLD.wrong_count > 0)
    WHERE learner_id = OLD.learner_id;
END;

CREATE TRIGGER learner_words_recounted AFTER UPDATE OF correct_count, wrong_count ON learner_words
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

CREATE TRIGGER study_sessions_counted AFTER INSERT ON study_sessions
BEGIN
    UPDATE learner_totals SET sessions_count = sessions_count + 1 WHERE learner_id = NEW.learner_id;
    INSERT INTO learner_groups (learner_id, group_id, sessions_count, last_session_at)
    VALUES (NEW.learner_id, NEW.group_id, 1, NEW.created_at)
    ON CONFLICT (learner_id, group_id) DO UPDATE SET
        sessions_count = sessions_count + 1, last_session_at = max(last_session_at, excluded.last_session_at);
    INSERT INTO learner_activities (learner_id, study_activity_id, sessions_count)
    VALUES (NEW.learner_id, NEW.study_activity_id, 1)
    ON CONFLICT (learner_id, study_activity_id) DO UPDATE SET sessions_count = sessions_count + 1;
    INSERT INTO study_days (learner_id, day, sessions_count) VALUES (NEW.learner_id, substr(NEW.created_at, 1, 10), 1)
    ON CONFLICT (learner_id, day) DO UPDATE SET sessions_count = sessions_count + 1;
END;

-- Each day's streak: the days in a row, up to it, with a session (0012).
CREATE TRIGGER study_days_streak AFTER INSERT ON study_days
BEGIN
    UPDATE study_days SET streak = 1 + coalesce(
        (SELECT streak FROM study_days WHERE learner_id = NEW.learner_id AND day = date(NEW.day, '-1 day')), 0)
    WHERE learner_id = NEW.learner_id AND day = NEW.day;
    UPDATE study_days SET streak = streak + (SELECT streak FROM study_days
                                             WHERE learner_id = NEW.learner_id AND day = NEW.day)
    WHERE learner_id = NEW.learner_id AND day > NEW.day AND streak = julianday(day) - julianday(NEW.day);
END;

-- The running totals per 15-minute quarter (0006, 0014): a quarter's row
-- opens once, from the quarter before it; each session or review then
-- adds itself to its quarter and every later one (almost always none).
CREATE VIEW study_quarter_openings (learner_id, created_at) AS SELECT NULL, NULL WHERE false;

CREATE TRIGGER study_quarters_opened INSTEAD OF INSERT ON study_quarter_openings
BEGIN
    INSERT INTO study_quarters (learner_id, quarter, sessions_total, review_items_total, correct_total)
    SELECT NEW.learner_id,
           substr(NEW.created_at, 1, 14) || printf('%02d:00Z', substr(NEW.created_at, 15, 2) / 15 * 15),
           coalesce(before.sessions_total, 0), coalesce(before.review_items_total, 0),
           coalesce(before.correct_total, 0)
    FROM (SELECT 1) LEFT JOIN (
        SELECT sessions_total, review_items_total, correct_total FROM study_quarters
        WHERE learner_id = NEW.learner_id
          AND quarter < substr(NEW.created_at, 1, 14) || printf('%02d:00Z', substr(NEW.created_at, 15, 2) / 15 * 15)
        ORDER BY quarter DESC LIMIT 1) before;
END;

CREATE TRIGGER study_sessions_quarter_opened BEFORE INSERT ON study_sessions
WHEN NOT EXISTS (SELECT 1 FROM study_quarters WHERE learner_id = NEW.learner_id AND quarter =
                 substr(NEW.created_at, 1, 14) || printf('%02d:00Z', substr(NEW.created_at, 15, 2) / 15 * 15))
BEGIN
    INSERT INTO study_quarter_openings VALUES (NEW.learner_id, NEW.created_at);
END;

CREATE TRIGGER study_sessions_quartered AFTER INSERT ON study_sessions
BEGIN
    UPDATE study_quarters SET sessions_total = sessions_total + 1
    WHERE learner_id = NEW.learner_id
      AND quarter >= substr(NEW.created_at, 1, 14) || printf('%02d:00Z', substr(NEW.created_at, 15, 2) / 15 * 15);
END;

-- A review counts for its word, its session and its learner. Its word's row
-- is made first (0, 0) and then counted up, one column each time: a column
-- named in SET rewrites its index entry even when its value stays.
CREATE TRIGGER word_review_items_counted AFTER INSERT ON word_review_items
BEGIN
    INSERT INTO learner_words (learner_id, word_id) VALUES (NEW.learner_id, NEW.word_id)
    ON CONFLICT (learner_id, word_id) DO NOTHING;
    UPDATE learner_words SET correct_count = correct_count + 1
    WHERE learner_id = NEW.learner_id AND word_id = NEW.word_id AND NEW.correct = 1;
    UPDATE learner_words SET wrong_count = wrong_count + 1
    WHERE learner_id = NEW.learner_id AND word_id = NEW.word_id AND NEW.correct = 0;
    UPDATE study_sessions SET
        review_items_count = review_items_count + 1,
        correct_count = correct_count + NEW.correct
    WHERE id = NEW.study_session_id;
    UPDATE study_sessions SET ended_at = NEW.created_at
    WHERE id = NEW.study_session_id AND ended_at < NEW.created_at;
    UPDATE learner_totals SET
        review_items_count = review_items_count + 1,
        correct_count = correct_count + NEW.correct
    WHERE learner_id = NEW.learner_id;
END;

CREATE TRIGGER word_review_items_quarter_opened BEFORE INSERT ON word_review_items
WHEN NOT EXISTS (SELECT 1 FROM study_quarters WHERE learner_id = NEW.learner_id AND quarter =
                 substr(NEW.created_at, 1, 14) || printf('%02d:00Z', substr(NEW.created_at, 15, 2) / 15 * 15))
BEGIN
    INSERT INTO study_quarter_openings VALUES (NEW.learner_id, NEW.created_at);
END;

CREATE TRIGGER word_review_items_quartered AFTER INSERT ON word_review_items
BEGIN
    UPDATE study_quarters SET
        review_items_total = review_items_total + 1,
        correct_total = correct_total + NEW.correct
    WHERE learner_id = NEW.learner_id
      AND quarter >= substr(NEW.created_at, 1, 14) || printf('%02d:00Z', substr(NEW.created_at, 15, 2) / 15 * 15);
END;
