-- Who spent what (SQLite): the token name that created a task, its model and the units
-- it was charged (millionths, so sums are exact integers), with the rows made before
-- this migration filled in from their stored JSON.
-- `-- go` lines separate statements.
ALTER TABLE tasks ADD COLUMN created_by TEXT
-- go
ALTER TABLE tasks ADD COLUMN model TEXT NOT NULL DEFAULT ''
-- go
ALTER TABLE tasks ADD COLUMN units BIGINT
-- go
ALTER TABLE create_attempts ADD COLUMN created_by TEXT
-- go
ALTER TABLE create_attempts ADD COLUMN model TEXT NOT NULL DEFAULT ''
-- go
CREATE INDEX IF NOT EXISTS tasks_person_newest ON tasks (created_by, created_at DESC, task_id DESC)
-- go
UPDATE tasks SET model = json_extract(request, '$.model_name')
WHERE json_valid(request) AND json_type(request, '$.model_name') = 'text'
-- go
UPDATE tasks SET units = CAST(ROUND(CAST(json_extract(task, '$.final_unit_deduction') AS REAL) * 1000000) AS INTEGER)
WHERE json_valid(task) AND json_type(task, '$.final_unit_deduction') = 'text'
  AND json_extract(task, '$.final_unit_deduction') GLOB '[0-9]*'
