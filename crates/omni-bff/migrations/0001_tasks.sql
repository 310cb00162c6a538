-- Every task the BFF created, with its request and the latest upstream view of it.
-- Portable SQL: the same text runs on SQLite and PostgreSQL.
CREATE TABLE IF NOT EXISTS tasks (
    task_id           TEXT PRIMARY KEY,
    kind              TEXT NOT NULL,
    status            TEXT NOT NULL,
    external_task_id  TEXT,
    request           TEXT NOT NULL,
    request_hash      TEXT NOT NULL,
    task              TEXT NOT NULL,
    prompt            TEXT NOT NULL DEFAULT '',
    created_at        BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL,
    refreshed_at      BIGINT NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX IF NOT EXISTS tasks_external_task_id ON tasks (external_task_id);
CREATE INDEX IF NOT EXISTS tasks_newest ON tasks (created_at DESC, task_id DESC);
CREATE INDEX IF NOT EXISTS tasks_kind_newest ON tasks (kind, created_at DESC, task_id DESC);
