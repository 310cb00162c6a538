//! The task store: every created task is written here before the BFF answers.
//! SQLite by default; the SQL is portable so PostgreSQL can follow without a rewrite.

use crate::error::ApiError;
use omni_api::{Choice, StudioTask, Task, TaskKind, TaskStatus};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Row, SqlitePool};
use std::str::FromStr;

/// Migrations in order; each runs once, recorded in `schema_migrations`.
const MIGRATIONS: &[(i64, &str)] = &[(1, include_str!("../migrations/0001_tasks.sql"))];

/// A stored task: the studio view plus what the refresh logic needs.
#[derive(Debug, Clone)]
pub struct Stored {
    pub task: StudioTask,
    pub request_hash: String,
    /// When the BFF last asked upstream about this task (ms).
    pub refreshed_at: i64,
}

/// Filters and position for a history page.
#[derive(Debug, Clone, Default)]
pub struct HistoryQuery {
    pub kind: Option<TaskKind>,
    pub status: Option<TaskStatus>,
    /// Only tasks whose prompt contains this text.
    pub search: Option<String>,
    /// `(created_at, task_id)` of the last task of the previous page.
    pub before: Option<(i64, String)>,
    pub limit: u32,
    /// Rows to skip (for the upstream's pageNum paging; history uses `before`).
    pub offset: u32,
}

/// The database behind the BFF.
#[derive(Clone)]
pub struct Store {
    pool: SqlitePool,
}

impl Store {
    /// Opens (creating if needed) the database at `url` and brings its schema up to date.
    pub async fn open(url: &str) -> Result<Store, String> {
        if !url.starts_with("sqlite:") {
            return Err(format!(
                "unsupported database URL {url:?}: use sqlite://PATH"
            ));
        }
        let opts = SqliteConnectOptions::from_str(url)
            .map_err(|e| format!("database URL: {e}"))?
            .create_if_missing(true)
            // WAL + NORMAL survives a killed process: a committed task is never lost.
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(std::time::Duration::from_secs(5));
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(opts)
            .await
            .map_err(|e| format!("cannot open the database: {e}"))?;
        let store = Store { pool };
        store.migrate().await?;
        Ok(store)
    }

    async fn migrate(&self) -> Result<(), String> {
        let err = |e: sqlx::Error| format!("migration failed: {e}");
        sqlx::query("CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY)")
            .execute(&self.pool)
            .await
            .map_err(err)?;
        for (version, sql) in MIGRATIONS {
            let done = sqlx::query("SELECT 1 FROM schema_migrations WHERE version = $1")
                .bind(version)
                .fetch_optional(&self.pool)
                .await
                .map_err(err)?;
            if done.is_some() {
                continue;
            }
            let mut tx = self.pool.begin().await.map_err(err)?;
            for statement in sql
                .split(';')
                .map(str::trim)
                .filter(|s| !s.is_empty() && !is_comment(s))
            {
                sqlx::query(statement)
                    .execute(&mut *tx)
                    .await
                    .map_err(err)?;
            }
            sqlx::query("INSERT INTO schema_migrations (version) VALUES ($1)")
                .bind(version)
                .execute(&mut *tx)
                .await
                .map_err(err)?;
            tx.commit().await.map_err(err)?;
        }
        Ok(())
    }

    /// Records a newly created task.
    pub async fn insert(
        &self,
        t: &StudioTask,
        request_hash: &str,
        now: i64,
    ) -> Result<(), ApiError> {
        let request = t
            .request
            .as_ref()
            .map(|r| r.to_string())
            .unwrap_or_else(|| "null".into());
        sqlx::query(
            "INSERT INTO tasks (task_id, kind, status, external_task_id, request, request_hash, task, prompt, created_at, updated_at, refreshed_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(t.task.task_id.as_str())
        .bind(t.kind.as_str())
        .bind(t.task.task_status.as_str())
        .bind(t.task.task_info.external_task_id.as_deref())
        .bind(request)
        .bind(request_hash)
        .bind(task_json(&t.task))
        .bind(prompt_of(t))
        .bind(t.task.created_at)
        .bind(t.task.updated_at)
        .bind(now)
        .execute(&self.pool)
        .await
        .map_err(ApiError::internal)?;
        Ok(())
    }

    /// Replaces the upstream view of a task.
    pub async fn update(&self, task: &Task, refreshed_at: i64) -> Result<(), ApiError> {
        sqlx::query("UPDATE tasks SET status = $1, task = $2, updated_at = $3, refreshed_at = $4 WHERE task_id = $5")
            .bind(task.task_status.as_str())
            .bind(task_json(task))
            .bind(task.updated_at)
            .bind(refreshed_at)
            .bind(task.task_id.as_str())
            .execute(&self.pool)
            .await
            .map_err(ApiError::internal)?;
        Ok(())
    }

    /// Records an upstream read that brought nothing new (so the next waits an interval).
    pub async fn touch(&self, task_id: &str, refreshed_at: i64) -> Result<(), ApiError> {
        sqlx::query("UPDATE tasks SET refreshed_at = $1 WHERE task_id = $2")
            .bind(refreshed_at)
            .bind(task_id)
            .execute(&self.pool)
            .await
            .map_err(ApiError::internal)?;
        Ok(())
    }

    /// One task by its id, or by the external id its creator chose.
    pub async fn get(&self, id: &str) -> Result<Option<Stored>, ApiError> {
        let row = sqlx::query(&format!(
            "{SELECT} WHERE task_id = $1 OR external_task_id = $1 LIMIT 1"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await
        .map_err(ApiError::internal)?;
        row.map(|r| decode(&r)).transpose()
    }

    /// One task without its request (for refresh bookkeeping).
    pub async fn get_light(&self, id: &str) -> Result<Option<Stored>, ApiError> {
        let row = sqlx::query(&format!("{SELECT_LIGHT} WHERE task_id = $1 LIMIT 1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(ApiError::internal)?;
        row.map(|r| decode(&r)).transpose()
    }

    /// A page of history, newest first.
    pub async fn history(&self, q: &HistoryQuery) -> Result<Vec<Stored>, ApiError> {
        let mut sql = format!("{SELECT} WHERE 1 = 1");
        let mut n = 0;
        let mut next = || {
            n += 1;
            format!("${n}")
        };
        if q.kind.is_some() {
            sql += &format!(" AND kind = {}", next());
        }
        if q.status.is_some() {
            sql += &format!(" AND status = {}", next());
        }
        if q.search.is_some() {
            sql += &format!(" AND LOWER(prompt) LIKE {} ESCAPE '\\'", next());
        }
        if q.before.is_some() {
            let (a, b, c) = (next(), next(), next());
            sql += &format!(" AND (created_at < {a} OR (created_at = {b} AND task_id < {c}))");
        }
        sql += &format!(
            " ORDER BY created_at DESC, task_id DESC LIMIT {} OFFSET {}",
            next(),
            next()
        );
        let mut query = sqlx::query(&sql);
        if let Some(k) = q.kind {
            query = query.bind(k.as_str());
        }
        if let Some(s) = q.status {
            query = query.bind(s.as_str());
        }
        if let Some(text) = &q.search {
            query = query.bind(format!("%{}%", escape_like(&text.to_lowercase())));
        }
        if let Some((at, id)) = &q.before {
            query = query.bind(*at).bind(*at).bind(id.clone());
        }
        let rows = query
            .bind(i64::from(q.limit))
            .bind(i64::from(q.offset))
            .fetch_all(&self.pool)
            .await
            .map_err(ApiError::internal)?;
        rows.iter().map(decode).collect()
    }

    /// Tasks not yet finished, oldest first, without their requests (the refresher's list).
    pub async fn unfinished(&self) -> Result<Vec<Stored>, ApiError> {
        let rows = sqlx::query(&format!(
            "{SELECT_LIGHT} WHERE status IN ('submitted', 'processing') ORDER BY created_at"
        ))
        .fetch_all(&self.pool)
        .await
        .map_err(ApiError::internal)?;
        rows.iter().map(decode).collect()
    }
}

const SELECT: &str = "SELECT kind, request, request_hash, task, refreshed_at FROM tasks";
/// Without the request, which can hold megabytes of base64 images.
const SELECT_LIGHT: &str =
    "SELECT kind, 'null' AS request, request_hash, task, refreshed_at FROM tasks";

fn is_comment(statement: &str) -> bool {
    statement
        .lines()
        .all(|l| l.trim().is_empty() || l.trim_start().starts_with("--"))
}

fn decode(row: &sqlx::sqlite::SqliteRow) -> Result<Stored, ApiError> {
    let kind: String = row.try_get("kind").map_err(ApiError::internal)?;
    let request: String = row.try_get("request").map_err(ApiError::internal)?;
    let task: String = row.try_get("task").map_err(ApiError::internal)?;
    let kind = TaskKind::parse(&kind)
        .ok_or_else(|| ApiError::internal(format!("stored kind {kind:?}")))?;
    let task: Task = serde_json::from_str(&task).map_err(ApiError::internal)?;
    let request: serde_json::Value = serde_json::from_str(&request).map_err(ApiError::internal)?;
    Ok(Stored {
        task: StudioTask {
            kind,
            task,
            request: (!request.is_null()).then_some(request),
        },
        request_hash: row.try_get("request_hash").map_err(ApiError::internal)?,
        refreshed_at: row.try_get("refreshed_at").map_err(ApiError::internal)?,
    })
}

fn task_json(task: &Task) -> String {
    serde_json::to_string(task).unwrap_or_else(|_| "{}".into())
}

fn prompt_of(t: &StudioTask) -> String {
    t.request
        .as_ref()
        .and_then(|r| r.get("prompt"))
        .and_then(|p| p.as_str())
        .unwrap_or("")
        .to_owned()
}

fn escape_like(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}
