-- How many times the upstream answered "no such task" for an unfinished task: after a
-- few, the task is recorded as failed instead of being polled for ever.
ALTER TABLE tasks ADD COLUMN missing_reads BIGINT NOT NULL DEFAULT 0;
