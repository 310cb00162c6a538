-- Who spent what (PostgreSQL): the token name that created a task, its model and the
-- units it was charged (millionths, so sums are exact integers), with the rows made
-- before this migration filled in from their stored JSON.
-- `-- go` lines separate statements.
ALTER TABLE tasks ADD COLUMN IF NOT EXISTS created_by TEXT
-- go
ALTER TABLE tasks ADD COLUMN IF NOT EXISTS model TEXT NOT NULL DEFAULT ''
-- go
ALTER TABLE tasks ADD COLUMN IF NOT EXISTS units BIGINT
-- go
ALTER TABLE create_attempts ADD COLUMN IF NOT EXISTS created_by TEXT
-- go
ALTER TABLE create_attempts ADD COLUMN IF NOT EXISTS model TEXT NOT NULL DEFAULT ''
-- go
CREATE INDEX IF NOT EXISTS tasks_person_newest ON tasks (created_by, created_at DESC, task_id DESC)
-- go
UPDATE tasks SET model = request::jsonb->>'model_name'
WHERE request LIKE '{%' AND jsonb_typeof(request::jsonb->'model_name') = 'string'
-- go
UPDATE tasks SET units = ROUND((task::jsonb->>'final_unit_deduction')::numeric * 1000000)::bigint
WHERE (task::jsonb->>'final_unit_deduction') ~ '^[0-9]*\.?[0-9]+$'
