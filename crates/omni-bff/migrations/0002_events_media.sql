-- Push updates and durable results.
-- Portable SQL: the same text runs on SQLite and PostgreSQL.

-- version counts status changes: each change is one row in task_events (seq = version).
ALTER TABLE tasks ADD COLUMN version BIGINT NOT NULL DEFAULT 0;
-- The secret in this task's callback URL (NULL when the BFF asked for no callback).
ALTER TABLE tasks ADD COLUMN callback_token TEXT;
CREATE UNIQUE INDEX IF NOT EXISTS tasks_callback_token ON tasks (callback_token);

-- One row per status change, replayed to server-sent-event listeners that resume.
CREATE TABLE IF NOT EXISTS task_events (
    task_id     TEXT NOT NULL,
    seq         BIGINT NOT NULL,
    status      TEXT NOT NULL,
    task        TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (task_id, seq)
);
-- Tasks stored before this migration get their current status as their first event.
INSERT INTO task_events (task_id, seq, status, task, created_at)
    SELECT task_id, 1, status, task, updated_at FROM tasks;
UPDATE tasks SET version = 1;

-- Result media copied out of the upstream (whose links expire after 30 days).
-- state: pending (waiting for next_at), done (file holds the copy), failed (gave up),
-- expired (removed by retention).
CREATE TABLE IF NOT EXISTS media (
    task_id       TEXT NOT NULL,
    media_key     TEXT NOT NULL,
    url           TEXT NOT NULL,
    state         TEXT NOT NULL,
    attempts      BIGINT NOT NULL DEFAULT 0,
    next_at       BIGINT NOT NULL,
    file          TEXT,
    content_type  TEXT,
    size          BIGINT,
    copied_at     BIGINT,
    last_error    TEXT,
    PRIMARY KEY (task_id, media_key)
);
CREATE INDEX IF NOT EXISTS media_due ON media (state, next_at);
