//! The store: every created task is written here before the BFF answers, with its status
//! changes (replayed to event listeners) and its copied result media.
//!
//! One code path for both databases: sqlx's `Any` driver with portable SQL (`$N`
//! parameters, `ON CONFLICT`, `RETURNING`). SQLite (a file under the data dir) is the
//! default; a `postgres://` URL lets several BFF instances share one database.

mod attempts;
mod media;
mod parts;
mod queue;
mod sessions;
mod spend;
mod tasks;

pub use attempts::Attempt;
pub use media::{MediaRow, MediaState};
pub use queue::Queued;
pub use spend::SpendQuery;
pub use tasks::{Applied, HistoryQuery, Stored, StoredEvent};

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Connection, Executor};
use std::str::FromStr;

/// A migration's SQL: the same text for both databases, or one for each.
enum Sql {
    Portable(&'static str),
    Each {
        sqlite: &'static str,
        postgres: &'static str,
    },
}

/// Migrations in order; each runs once, recorded in `schema_migrations`.
const MIGRATIONS: &[(i64, Sql)] = &[
    (
        1,
        Sql::Portable(include_str!("../../migrations/0001_tasks.sql")),
    ),
    (
        2,
        Sql::Portable(include_str!("../../migrations/0002_events_media.sql")),
    ),
    (
        3,
        Sql::Portable(include_str!("../../migrations/0003_sessions.sql")),
    ),
    (
        4,
        Sql::Portable(include_str!("../../migrations/0004_create_attempts.sql")),
    ),
    (
        5,
        Sql::Portable(include_str!("../../migrations/0005_session_tokens.sql")),
    ),
    (
        6,
        Sql::Portable(include_str!("../../migrations/0006_missing_reads.sql")),
    ),
    (
        7,
        Sql::Each {
            sqlite: include_str!("../../migrations/0007_prompt_search.sqlite.sql"),
            postgres: include_str!("../../migrations/0007_prompt_search.postgres.sql"),
        },
    ),
    (
        8,
        Sql::Portable(include_str!("../../migrations/0008_request_parts.sql")),
    ),
    (
        9,
        Sql::Each {
            sqlite: include_str!("../../migrations/0009_spend.sqlite.sql"),
            postgres: include_str!("../../migrations/0009_spend.postgres.sql"),
        },
    ),
    (
        10,
        Sql::Portable(include_str!("../../migrations/0010_queue.sql")),
    ),
];

/// An arbitrary constant: the PostgreSQL advisory lock that serialises migrations when
/// several instances start at once.
const MIGRATION_LOCK: i64 = 0x6f6d_6e69_0001;

/// The PostgreSQL channel that carries "this task changed" between instances.
pub const NOTIFY_CHANNEL: &str = "omni_task_events";

/// Which database is behind the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Why the store could not do what was asked. Routes turn it into their HTTP error once
/// (`From<StoreError> for ApiError`), at the edge: the store knows nothing of HTTP.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database failed or refused (connection, query, constraint).
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    /// A stored JSON value that does not read back.
    #[error("stored JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// A stored value this build does not know (an unknown kind, a bad number).
    #[error("stored data: {0}")]
    Data(String),
    /// No task has this id.
    #[error("no task with id {0:?}")]
    NoTask(String),
}

/// The database behind the BFF.
#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    url: String,
}

impl Store {
    /// Opens (creating if needed) the database at `url` and brings its schema up to date.
    pub async fn open(url: &str) -> anyhow::Result<Store> {
        let store = Store::connect(url).await?;
        store.migrate_to(i64::MAX).await?;
        Ok(store)
    }

    /// Opens the database at `url` as it is.
    async fn connect(url: &str) -> anyhow::Result<Store> {
        sqlx::any::install_default_drivers();
        let (backend, url) = if let Some(rest) = url.strip_prefix("sqlite:") {
            // `mode=rwc` creates the file on first start.
            let sep = if rest.contains('?') { '&' } else { '?' };
            let url = if rest.contains("mode=") {
                url.to_owned()
            } else {
                format!("{url}{sep}mode=rwc")
            };
            (Backend::Sqlite, url)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            (Backend::Postgres, url.to_owned())
        } else {
            // Only the scheme: the rest may hold a password.
            let scheme = url.split_once("://").map_or("(none)", |(s, _)| s);
            anyhow::bail!(
                "unsupported database URL scheme {scheme:?}: use sqlite://PATH or postgres://USER@HOST:PORT/DB"
            );
        };
        let opts = AnyConnectOptions::from_str(&url).map_err(|e| {
            anyhow::anyhow!("database URL: {}", without_password(&e.to_string(), &url))
        })?;
        let pool = AnyPoolOptions::new()
            .max_connections(if backend == Backend::Sqlite { 8 } else { 16 })
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // WAL + NORMAL survives a killed process: a committed task is never
                        // lost; the busy timeout lets writers queue instead of failing.
                        conn.execute("PRAGMA journal_mode = WAL").await?;
                        conn.execute("PRAGMA synchronous = NORMAL").await?;
                        conn.execute("PRAGMA busy_timeout = 5000").await?;
                    }
                    Ok(())
                })
            })
            .connect_with(opts)
            .await
            .map_err(|e| {
                anyhow::anyhow!(
                    "cannot open the database: {}",
                    without_password(&e.to_string(), &url)
                )
            })?;
        Ok(Store { pool, backend, url })
    }

    /// A transaction that writes. On SQLite it takes the write lock at once (BEGIN
    /// IMMEDIATE), waiting its turn under the busy timeout: a deferred one that must
    /// upgrade a read snapshot another writer has moved past fails at once with
    /// "database is locked" instead.
    pub(crate) async fn write_tx(
        &self,
    ) -> Result<sqlx::Transaction<'static, sqlx::Any>, StoreError> {
        let tx = match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await,
            Backend::Postgres => self.pool.begin().await,
        };
        tx.map_err(StoreError::from)
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The database's clock in milliseconds since the epoch, as SQL: the one clock all
    /// instances share, for leases.
    pub(crate) fn now_sql(&self) -> &'static str {
        match self.backend {
            Backend::Sqlite => "CAST((julianday('now') - 2440587.5) * 86400000 AS BIGINT)",
            Backend::Postgres => "CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT)",
        }
    }

    /// The URL the store was opened with (the event listener opens its own connection).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Runs the migrations not yet run, up to and including `last`.
    async fn migrate_to(&self, last: i64) -> anyhow::Result<()> {
        let err = |e: sqlx::Error| anyhow::anyhow!("migration failed: {e}");
        // One connection for the whole run, so a PostgreSQL session lock covers it.
        let mut conn = self.pool.acquire().await.map_err(err)?;
        if self.backend == Backend::Postgres {
            sqlx::query("SELECT pg_advisory_lock($1)")
                .bind(MIGRATION_LOCK)
                .execute(&mut *conn)
                .await
                .map_err(err)?;
        }
        let result = async {
            sqlx::query(
                "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY)",
            )
            .execute(&mut *conn)
            .await?;
            for (version, sql) in MIGRATIONS.iter().filter(|(v, _)| *v <= last) {
                let done = sqlx::query("SELECT version FROM schema_migrations WHERE version = $1")
                    .bind(version)
                    .fetch_optional(&mut *conn)
                    .await?;
                if done.is_some() {
                    continue;
                }
                let statements = match (sql, self.backend) {
                    (Sql::Portable(sql), _) => statements(sql),
                    (Sql::Each { sqlite, .. }, Backend::Sqlite) => blocks(sqlite),
                    (Sql::Each { postgres, .. }, Backend::Postgres) => blocks(postgres),
                };
                let mut tx = conn.begin().await?;
                for statement in statements {
                    sqlx::query(&statement).execute(&mut *tx).await?;
                }
                sqlx::query("INSERT INTO schema_migrations (version) VALUES ($1)")
                    .bind(version)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
            }
            Ok::<(), sqlx::Error>(())
        }
        .await;
        if self.backend == Backend::Postgres {
            let _ = sqlx::query("SELECT pg_advisory_unlock($1)")
                .bind(MIGRATION_LOCK)
                .execute(&mut *conn)
                .await;
        }
        result.map_err(err)
    }
}

/// `text` with the password of `url` (if it has one) blanked out.
fn without_password(text: &str, url: &str) -> String {
    let password = url
        .split_once("://")
        .and_then(|(_, rest)| rest.split_once('@'))
        .and_then(|(userinfo, _)| userinfo.split_once(':'))
        .map(|(_, pw)| pw)
        .filter(|pw| !pw.is_empty());
    match password {
        Some(pw) => text.replace(pw, "***"),
        None => text.to_owned(),
    }
}

/// What waits in the store, for `/metrics`.
pub struct Backlogs {
    pub unfinished: i64,
    pub media_pending: i64,
    pub creates_pending: i64,
}

impl Store {
    pub async fn backlogs(&self) -> Result<Backlogs, StoreError> {
        let count = |sql: &'static str| async move {
            sqlx::query_scalar::<_, i64>(sql)
                .fetch_one(&self.pool)
                .await
                .map_err(StoreError::from)
        };
        Ok(Backlogs {
            unfinished: count(
                "SELECT COUNT(*) FROM tasks WHERE status IN ('submitted', 'processing')",
            )
            .await?,
            media_pending: count("SELECT COUNT(*) FROM media WHERE state = 'pending'").await?,
            creates_pending: count("SELECT COUNT(*) FROM create_attempts").await?,
        })
    }

    /// Whether the store answers and its schema is the one this build expects (for
    /// `/readyz`): the newest migration applied, or why not.
    pub async fn ready(&self) -> Result<i64, String> {
        let newest =
            sqlx::query_scalar::<_, Option<i64>>("SELECT MAX(version) FROM schema_migrations")
                .fetch_one(&self.pool)
                .await
                .map_err(|e| format!("the database does not answer: {e}"))?
                .unwrap_or(0);
        let expected = MIGRATIONS.last().map_or(0, |(v, _)| *v);
        if newest == expected {
            Ok(newest)
        } else {
            Err(format!(
                "schema version {newest}, this build needs {expected}"
            ))
        }
    }
}

/// The statements of a migration file: comment lines dropped first (so a `;` in a
/// comment cannot split a statement), then split at `;`.
fn statements(sql: &str) -> Vec<String> {
    without_comments(sql)
        .split(';')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The statements of a database's own migration file: separated by `-- go` lines, since
/// they hold semicolons of their own (a trigger's body, a DO block).
fn blocks(sql: &str) -> Vec<String> {
    sql.split("\n-- go\n")
        .map(|part| without_comments(part).trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect()
}

fn without_comments(sql: &str) -> String {
    sql.lines()
        .filter(|l| !l.trim_start().starts_with("--"))
        .map(|l| format!("{l}\n"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::Store;

    #[tokio::test]
    async fn spend_columns_are_filled_in_for_tasks_made_before_them() {
        let dir = std::env::temp_dir().join(format!("omni-store-m9-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        // A database as the release before spend left it: migrations 1 to 8, one task.
        let url = format!("sqlite://{}/omni.db", dir.display());
        let store = Store::connect(&url).await.unwrap();
        store.migrate_to(8).await.unwrap();
        for (id, request, task) in [
            (
                "t1",
                r#"{"prompt":"a","model_name":"kling-v3-omni"}"#,
                r#"{"task_id":"t1","task_status":"succeed","final_unit_deduction":"2.5"}"#,
            ),
            ("t2", "", r#"{"task_id":"t2","task_status":"processing"}"#),
        ] {
            sqlx::query("INSERT INTO tasks (task_id, kind, status, request, request_hash, task, created_at, updated_at) VALUES ($1, 'omni-video', 'succeed', $2, 'h', $3, 1, 1)")
                .bind(id)
                .bind(request)
                .bind(task)
                .execute(&store.pool)
                .await
                .unwrap();
        }
        store.migrate_to(9).await.unwrap();
        let rows = sqlx::query("SELECT task_id, model, units FROM tasks ORDER BY task_id")
            .fetch_all(&store.pool)
            .await
            .unwrap();
        let got: Vec<(String, String, Option<i64>)> = rows
            .iter()
            .map(|r| {
                use sqlx::Row;
                (r.get(0), r.get(1), r.get(2))
            })
            .collect();
        assert_eq!(
            got,
            [
                ("t1".into(), "kling-v3-omni".into(), Some(2_500_000)),
                ("t2".into(), String::new(), None)
            ]
        );
    }

    #[test]
    fn database_errors_never_show_the_password() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        for url in [
            "mysql://omni:hunter2-secret@db.example/omni",
            "postgres://omni:hunter2-secret@127.0.0.1:notaport/omni",
        ] {
            let e = rt
                .block_on(super::Store::open(url))
                .err()
                .unwrap()
                .to_string();
            assert!(!e.contains("hunter2-secret"), "{e}");
        }
    }

    #[test]
    fn comments_never_split_statements() {
        let sql = "-- a; b\nCREATE TABLE t (x INT);\n-- c;\nINSERT INTO t VALUES (1);\n";
        assert_eq!(
            super::statements(sql),
            ["CREATE TABLE t (x INT)", "INSERT INTO t VALUES (1)"]
        );
    }
}
