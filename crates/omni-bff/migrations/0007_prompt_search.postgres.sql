-- Prompt search by index, PostgreSQL: a trigram GIN index serves the same
-- `LOWER(prompt) LIKE '%text%'` the history query sends (3 characters or more).
-- pg_trgm ships with PostgreSQL (contrib) and is a trusted extension; where it cannot
-- be made, search goes on working by scanning, and the server log says why.
-- `-- go` lines separate its statements (they hold semicolons of their own).
DO $$
BEGIN
  CREATE EXTENSION IF NOT EXISTS pg_trgm;
  CREATE INDEX IF NOT EXISTS tasks_prompt_trgm ON tasks USING gin (LOWER(prompt) gin_trgm_ops);
EXCEPTION WHEN OTHERS THEN
  RAISE WARNING 'prompt search without an index (pg_trgm: %)', SQLERRM;
END
$$
