-- Vocabulary, study activities and the learning record.
--
-- Counters (per word, per session, per group, per activity, per day and in
-- learning_totals) are kept by the triggers at the end of this file, inside the
-- same transaction as the row that changes them, so that no read has to scan
-- the review history and no code path can forget to update them.

CREATE TABLE words (
    id            INTEGER PRIMARY KEY,
    kanji         TEXT    NOT NULL CHECK (kanji <> ''),
    romaji        TEXT    NOT NULL CHECK (romaji <> ''),
    english       TEXT    NOT NULL CHECK (english <> ''),
    parts         TEXT    NOT NULL DEFAULT '[]' CHECK (json_valid(parts) AND json_type(parts) = 'array'),
    correct_count INTEGER NOT NULL DEFAULT 0 CHECK (correct_count >= 0),
    wrong_count   INTEGER NOT NULL DEFAULT 0 CHECK (wrong_count >= 0),
    UNIQUE (kanji, romaji, english)
);
CREATE INDEX words_by_romaji ON words (romaji);
CREATE INDEX words_by_english ON words (english);
CREATE INDEX words_by_correct_count ON words (correct_count);
CREATE INDEX words_by_wrong_count ON words (wrong_count);

CREATE TABLE groups (
    id              INTEGER PRIMARY KEY,
    name            TEXT    NOT NULL UNIQUE CHECK (name <> ''),
    word_count      INTEGER NOT NULL DEFAULT 0,
    sessions_count  INTEGER NOT NULL DEFAULT 0,
    last_session_at TEXT
);
CREATE INDEX groups_by_word_count ON groups (word_count);
CREATE INDEX groups_by_last_session_at ON groups (last_session_at);

CREATE TABLE word_groups (
    word_id  INTEGER NOT NULL REFERENCES words (id) ON DELETE CASCADE,
    group_id INTEGER NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    PRIMARY KEY (group_id, word_id)
) WITHOUT ROWID;
CREATE INDEX word_groups_by_word ON word_groups (word_id, group_id);

CREATE TABLE study_activities (
    id             INTEGER PRIMARY KEY,
    name           TEXT    NOT NULL UNIQUE CHECK (name <> ''),
    url            TEXT    NOT NULL,
    preview_url    TEXT    NOT NULL,
    description    TEXT    NOT NULL DEFAULT '',
    sessions_count INTEGER NOT NULL DEFAULT 0
);

-- AUTOINCREMENT: ids are never reused, so a session id an activity app still
-- holds after a history reset can never name somebody else's new session.
CREATE TABLE study_sessions (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    group_id           INTEGER NOT NULL REFERENCES groups (id),
    study_activity_id  INTEGER NOT NULL REFERENCES study_activities (id),
    created_at         TEXT    NOT NULL,
    -- time of the last review result; equal to created_at while there is none
    ended_at           TEXT    NOT NULL,
    review_items_count INTEGER NOT NULL DEFAULT 0,
    correct_count      INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX study_sessions_by_created_at ON study_sessions (created_at);
CREATE INDEX study_sessions_by_ended_at ON study_sessions (ended_at);
CREATE INDEX study_sessions_by_review_items_count ON study_sessions (review_items_count);
CREATE INDEX study_sessions_by_group ON study_sessions (group_id, created_at);
CREATE INDEX study_sessions_by_group_ended_at ON study_sessions (group_id, ended_at);
CREATE INDEX study_sessions_by_group_review_items_count ON study_sessions (group_id, review_items_count);
CREATE INDEX study_sessions_by_group_activity ON study_sessions (group_id, study_activity_id);
CREATE INDEX study_sessions_by_activity ON study_sessions (study_activity_id, created_at);

CREATE TABLE word_review_items (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    word_id          INTEGER NOT NULL REFERENCES words (id) ON DELETE CASCADE,
    study_session_id INTEGER NOT NULL REFERENCES study_sessions (id) ON DELETE CASCADE,
    correct          INTEGER NOT NULL CHECK (correct IN (0, 1)),
    created_at       TEXT    NOT NULL
);
CREATE INDEX word_review_items_by_session ON word_review_items (study_session_id, word_id);
-- a word's review history, newest last: what a spaced-repetition queue reads
CREATE INDEX word_review_items_by_word ON word_review_items (word_id, created_at);

-- Days (UTC, YYYY-MM-DD) with at least one session: the streak walks these.
CREATE TABLE study_days (
    day            TEXT    PRIMARY KEY,
    sessions_count INTEGER NOT NULL
) WITHOUT ROWID;

-- One row of running totals for the dashboard.
CREATE TABLE learning_totals (
    id                 INTEGER PRIMARY KEY CHECK (id = 1),
    words_count        INTEGER NOT NULL DEFAULT 0,
    words_studied      INTEGER NOT NULL DEFAULT 0,
    words_mastered     INTEGER NOT NULL DEFAULT 0,
    sessions_count     INTEGER NOT NULL DEFAULT 0,
    review_items_count INTEGER NOT NULL DEFAULT 0,
    correct_count      INTEGER NOT NULL DEFAULT 0
);
INSERT INTO learning_totals (id) VALUES (1);

-- words: vocabulary size, and studied/mastered as the counts move.
-- Mastered: at least 5 reviews and at least 80 % of them correct.
CREATE TRIGGER words_counted AFTER INSERT ON words
BEGIN
    UPDATE learning_totals SET
        words_count = words_count + 1,
        words_studied = words_studied + (NEW.correct_count + NEW.wrong_count > 0),
        words_mastered = words_mastered + (NEW.correct_count + NEW.wrong_count >= 5
                                           AND NEW.correct_count * 5 >= (NEW.correct_count + NEW.wrong_count) * 4)
    WHERE id = 1;
END;

CREATE TRIGGER words_uncounted AFTER DELETE ON words
BEGIN
    UPDATE learning_totals SET
        words_count = words_count - 1,
        words_studied = words_studied - (OLD.correct_count + OLD.wrong_count > 0),
        words_mastered = words_mastered - (OLD.correct_count + OLD.wrong_count >= 5
                                           AND OLD.correct_count * 5 >= (OLD.correct_count + OLD.wrong_count) * 4)
    WHERE id = 1;
END;

CREATE TRIGGER words_recounted AFTER UPDATE OF correct_count, wrong_count ON words
BEGIN
    UPDATE learning_totals SET
        words_studied = words_studied
            + (NEW.correct_count + NEW.wrong_count > 0)
            - (OLD.correct_count + OLD.wrong_count > 0),
        words_mastered = words_mastered
            + (NEW.correct_count + NEW.wrong_count >= 5
               AND NEW.correct_count * 5 >= (NEW.correct_count + NEW.wrong_count) * 4)
            - (OLD.correct_count + OLD.wrong_count >= 5
               AND OLD.correct_count * 5 >= (OLD.correct_count + OLD.wrong_count) * 4)
    WHERE id = 1;
END;

-- word_groups: a group's word count.
CREATE TRIGGER word_groups_counted AFTER INSERT ON word_groups
BEGIN
    UPDATE groups SET word_count = word_count + 1 WHERE id = NEW.group_id;
END;

CREATE TRIGGER word_groups_uncounted AFTER DELETE ON word_groups
BEGIN
    UPDATE groups SET word_count = word_count - 1 WHERE id = OLD.group_id;
END;

-- study_sessions: totals, per group, per activity, per day.
CREATE TRIGGER study_sessions_counted AFTER INSERT ON study_sessions
BEGIN
    UPDATE learning_totals SET sessions_count = sessions_count + 1 WHERE id = 1;
    UPDATE groups SET
        sessions_count = sessions_count + 1,
        last_session_at = max(coalesce(last_session_at, ''), NEW.created_at)
    WHERE id = NEW.group_id;
    UPDATE study_activities SET sessions_count = sessions_count + 1 WHERE id = NEW.study_activity_id;
    INSERT INTO study_days (day, sessions_count) VALUES (substr(NEW.created_at, 1, 10), 1)
        ON CONFLICT (day) DO UPDATE SET sessions_count = sessions_count + 1;
END;

CREATE TRIGGER study_sessions_uncounted AFTER DELETE ON study_sessions
BEGIN
    UPDATE learning_totals SET sessions_count = sessions_count - 1 WHERE id = 1;
    UPDATE groups SET
        sessions_count = sessions_count - 1,
        last_session_at = (SELECT max(created_at) FROM study_sessions WHERE group_id = OLD.group_id)
    WHERE id = OLD.group_id;
    UPDATE study_activities SET sessions_count = sessions_count - 1 WHERE id = OLD.study_activity_id;
    UPDATE study_days SET sessions_count = sessions_count - 1 WHERE day = substr(OLD.created_at, 1, 10);
    DELETE FROM study_days WHERE day = substr(OLD.created_at, 1, 10) AND sessions_count = 0;
END;

-- word_review_items: per word, per session and overall counts.
CREATE TRIGGER word_review_items_counted AFTER INSERT ON word_review_items
BEGIN
    UPDATE words SET
        correct_count = correct_count + NEW.correct,
        wrong_count = wrong_count + 1 - NEW.correct
    WHERE id = NEW.word_id;
    UPDATE study_sessions SET
        review_items_count = review_items_count + 1,
        correct_count = correct_count + NEW.correct,
        ended_at = max(ended_at, NEW.created_at)
    WHERE id = NEW.study_session_id;
    UPDATE learning_totals SET
        review_items_count = review_items_count + 1,
        correct_count = correct_count + NEW.correct
    WHERE id = 1;
END;

CREATE TRIGGER word_review_items_uncounted AFTER DELETE ON word_review_items
BEGIN
    UPDATE words SET
        correct_count = correct_count - OLD.correct,
        wrong_count = wrong_count - 1 + OLD.correct
    WHERE id = OLD.word_id;
    UPDATE study_sessions SET
        review_items_count = review_items_count - 1,
        correct_count = correct_count - OLD.correct
    WHERE id = OLD.study_session_id;
    UPDATE learning_totals SET
        review_items_count = review_items_count - 1,
        correct_count = correct_count - OLD.correct
    WHERE id = 1;
END;
