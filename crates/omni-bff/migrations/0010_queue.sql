-- The queue: a create waits as an attempt (queued = 1) until its pool has slots free,
-- and is sent no sooner than not_before (backoff after the upstream's 1303). Tasks and
-- attempts hold `slots` in their `pool` while they run (an image task n, a video one).
-- Portable SQL: the same text runs on SQLite and PostgreSQL.
ALTER TABLE create_attempts ADD COLUMN queued BIGINT NOT NULL DEFAULT 0;
ALTER TABLE create_attempts ADD COLUMN not_before BIGINT NOT NULL DEFAULT 0;
ALTER TABLE create_attempts ADD COLUMN busy_answers BIGINT NOT NULL DEFAULT 0;
ALTER TABLE create_attempts ADD COLUMN slots BIGINT NOT NULL DEFAULT 1;
ALTER TABLE create_attempts ADD COLUMN pool TEXT NOT NULL DEFAULT 'image';
ALTER TABLE tasks ADD COLUMN slots BIGINT NOT NULL DEFAULT 1;
ALTER TABLE tasks ADD COLUMN pool TEXT NOT NULL DEFAULT 'image';
UPDATE tasks SET pool = 'video' WHERE kind = 'omni-video';
UPDATE create_attempts SET pool = 'video' WHERE kind = 'omni-video';
CREATE INDEX IF NOT EXISTS tasks_running ON tasks (pool) WHERE status IN ('submitted', 'processing');
CREATE INDEX IF NOT EXISTS create_attempts_queue ON create_attempts (pool, queued, created_at, external_task_id);
