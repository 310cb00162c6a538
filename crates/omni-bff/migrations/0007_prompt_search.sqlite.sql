-- Prompt search by index, SQLite: an FTS5 table of prompts with the trigram tokenizer
-- answers "contains" (any case) for 3 characters or more; shorter texts scan. It keeps
-- its own copy of each prompt with the task id (not the table's rowid, which VACUUM may
-- renumber). Prompts never change after the insert; a deleted task leaves the index.
-- `-- go` lines separate its statements (they hold semicolons of their own).
CREATE VIRTUAL TABLE IF NOT EXISTS tasks_prompt USING fts5(prompt, task_id UNINDEXED, tokenize = 'trigram')
-- go
CREATE TRIGGER IF NOT EXISTS tasks_prompt_insert AFTER INSERT ON tasks BEGIN
  INSERT INTO tasks_prompt (prompt, task_id) VALUES (new.prompt, new.task_id);
END
-- go
CREATE TRIGGER IF NOT EXISTS tasks_prompt_delete AFTER DELETE ON tasks BEGIN
  DELETE FROM tasks_prompt WHERE task_id = old.task_id;
END
-- go
INSERT INTO tasks_prompt (prompt, task_id) SELECT prompt, task_id FROM tasks
