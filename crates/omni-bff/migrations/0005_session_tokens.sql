-- Sessions remember the token that made them (its SHA-256), so taking a token off the
-- access list ends its sessions. Sessions from before this have none and end now: their
-- browsers sign in once more.
ALTER TABLE sessions ADD COLUMN token_digest TEXT;
