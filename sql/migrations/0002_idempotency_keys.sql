-- Responses to POSTs sent with an Idempotency-Key header, so that a client
-- that retries (not knowing whether its first try was stored) gets the first
-- answer back instead of storing the same results twice.
CREATE TABLE idempotency_keys (
    key         TEXT    PRIMARY KEY,
    -- method, path and body of the first request: a reuse with another body is refused
    fingerprint TEXT    NOT NULL,
    status      INTEGER NOT NULL,
    body        TEXT    NOT NULL,
    location    TEXT,
    created_at  TEXT    NOT NULL
);
CREATE INDEX idempotency_keys_by_created_at ON idempotency_keys (created_at);
