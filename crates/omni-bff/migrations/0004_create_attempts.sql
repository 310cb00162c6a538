-- Recoverable creates: every create is written here before it goes upstream, so a lost
-- answer or a crash between the upstream's create and our insert never leaves a billed
-- task the studio does not know. The row becomes a task (and is deleted) in one
-- transaction once the upstream's task is known.
-- Portable SQL: the same text runs on SQLite and PostgreSQL.
CREATE TABLE IF NOT EXISTS create_attempts (
    external_task_id  TEXT PRIMARY KEY,
    kind              TEXT NOT NULL,
    -- The body as stored for the task: what went upstream less the BFF's own
    -- external_task_id and callback_url.
    request           TEXT NOT NULL,
    request_hash      TEXT NOT NULL,
    prompt            TEXT NOT NULL DEFAULT '',
    callback_token    TEXT,
    -- Whether our external_task_id was added to the request (not the user's own).
    add_external      BIGINT NOT NULL,
    -- Whether a send may have reached the upstream (then it is asked before sending again).
    sent              BIGINT NOT NULL DEFAULT 0,
    created_at        BIGINT NOT NULL,
    -- Whoever holds the attempt until then drives it; afterwards anyone may.
    lease_until       BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS create_attempts_due ON create_attempts (lease_until);
