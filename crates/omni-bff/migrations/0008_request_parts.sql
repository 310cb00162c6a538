-- Large requests (ten 10 MB images as base64) are stored in parts of a few megabytes: a
-- database copies a value several times on its way in, so one 130 MB value would cost
-- the BFF several times its size in memory. Such a request has '' in its `request`
-- column (never a JSON object); its parts are keyed by the external_task_id its
-- attempt and its task share, so adopting an attempt moves nothing.
-- Portable SQL: the same text runs on SQLite and PostgreSQL.
CREATE TABLE IF NOT EXISTS request_parts (
    external_task_id  TEXT NOT NULL,
    seq               BIGINT NOT NULL,
    part              TEXT NOT NULL,
    PRIMARY KEY (external_task_id, seq)
);
