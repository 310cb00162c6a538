//! Task rows: insert, status changes with their events, claims for single-flight
//! refreshes, reads and history.

use super::StoreError;
use super::{Backend, Store};
use omni_api::spend::Units;
use omni_api::task::TaskRequest;
use omni_api::{Choice, StudioTask, Task, TaskKind, TaskStatus};
use sqlx::any::AnyRow;
use sqlx::Row;

/// A stored task: the studio view plus what the refresh logic needs.
#[derive(Debug, Clone)]
pub struct Stored {
    pub task: StudioTask,
    pub request_hash: String,
    /// When the BFF last asked upstream about this task (ms).
    pub refreshed_at: i64,
    /// How many status changes it has had (the seq of its newest event).
    pub version: i64,
}

/// One status change, as replayed to event listeners.
#[derive(Debug, Clone)]
pub struct StoredEvent {
    pub seq: i64,
    pub task: Task,
}

/// What applying an upstream view did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    /// The status moved forward: a new event with this seq.
    Changed { seq: i64 },
    /// Same status, or an older one (out-of-order or stale): nothing a listener sees.
    Unchanged,
}

/// Filters and position for a history page.
#[derive(Debug, Clone, Default)]
pub struct HistoryQuery {
    pub kind: Option<TaskKind>,
    pub status: Option<TaskStatus>,
    /// Only tasks whose prompt contains this text.
    pub search: Option<String>,
    /// Only tasks made with access tokens of this name.
    pub created_by: Option<String>,
    /// `(created_at, task_id)` of the last task of the previous page.
    pub before: Option<(i64, String)>,
    pub limit: u32,
    /// Rows to skip (for the upstream's pageNum paging; history uses `before`).
    pub offset: u32,
}

impl Store {
    /// Stores a fresh upstream view of a task. A status that moves forward becomes a new
    /// event; the same status only refreshes the view; an older status (a late callback
    /// or a stale read) changes nothing. Safe when instances race: the update is
    /// conditional on the status it replaces, so exactly one of them records the change.
    pub async fn apply(&self, task: &Task, now: i64) -> Result<Applied, StoreError> {
        let id = task.task_id.as_str();
        let Some(current) = self.get_light(id).await? else {
            return Err(StoreError::NoTask(id.to_string()));
        };
        let old = current.task.task.task_status;
        let new = task.task_status;
        if rank(new) < rank(old) || (old.is_terminal() && new != old) {
            self.touch(id, now).await?;
            return Ok(Applied::Unchanged);
        }
        let json = task_json(task);
        if new == old {
            sqlx::query("UPDATE tasks SET task = $1, updated_at = $2, refreshed_at = $3, units = COALESCE($4, units) WHERE task_id = $5 AND status = $6")
                .bind(json)
                .bind(task.updated_at)
                .bind(now)
                .bind(charged(task))
                .bind(id)
                .bind(old.as_str())
                .execute(&self.pool)
                .await
                .map_err(StoreError::from)?;
            return Ok(Applied::Unchanged);
        }
        let mut tx = self.write_tx().await?;
        let row = sqlx::query(
            "UPDATE tasks SET status = $1, task = $2, updated_at = $3, refreshed_at = $4, version = version + 1, units = COALESCE($7, units)
             WHERE task_id = $5 AND status = $6 RETURNING version",
        )
        .bind(new.as_str())
        .bind(json.clone())
        .bind(task.updated_at)
        .bind(now)
        .bind(id)
        .bind(old.as_str())
        .bind(charged(task))
        .fetch_optional(&mut *tx)
        .await
        .map_err(StoreError::from)?;
        let Some(row) = row else {
            // Another instance recorded a change first; it publishes the event.
            return Ok(Applied::Unchanged);
        };
        let seq: i64 = row.try_get(0).map_err(StoreError::from)?;
        insert_event(&mut tx, id, seq, new, &json, now).await?;
        tx.commit().await.map_err(StoreError::from)?;
        Ok(Applied::Changed { seq })
    }

    /// Takes the right to ask upstream about an unfinished task now, if nobody (in this
    /// or another instance) has since `due_before`. One conditional update: the single
    /// flight holds across every instance sharing the database.
    pub async fn claim(
        &self,
        task_id: &str,
        due_before: i64,
        now: i64,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE tasks SET refreshed_at = $1
             WHERE task_id = $2 AND refreshed_at <= $3 AND status IN ('submitted', 'processing')",
        )
        .bind(now)
        .bind(task_id)
        .bind(due_before)
        .execute(&self.pool)
        .await
        .map_err(StoreError::from)?;
        Ok(done.rows_affected() == 1)
    }

    /// The task whose callback URL carries `token`.
    pub async fn by_callback_token(&self, token: &str) -> Result<Option<Stored>, StoreError> {
        let row = sqlx::query(&format!("{SELECT_LIGHT} WHERE callback_token = $1"))
            .bind(token)
            .fetch_optional(&self.pool)
            .await
            .map_err(StoreError::from)?;
        row.map(|r| decode(&r)).transpose()
    }

    /// A task's status changes after `seq`, oldest first.
    pub async fn events_after(
        &self,
        task_id: &str,
        seq: i64,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        let rows = sqlx::query(
            "SELECT seq, task FROM task_events WHERE task_id = $1 AND seq > $2 ORDER BY seq",
        )
        .bind(task_id)
        .bind(seq)
        .fetch_all(&self.pool)
        .await
        .map_err(StoreError::from)?;
        rows.iter()
            .map(|r| {
                let task: String = r.try_get("task").map_err(StoreError::from)?;
                Ok(StoredEvent {
                    seq: r.try_get("seq").map_err(StoreError::from)?,
                    task: serde_json::from_str(&task).map_err(StoreError::from)?,
                })
            })
            .collect()
    }

    /// Tells every instance's event listeners that a task changed (PostgreSQL NOTIFY; a
    /// single SQLite instance needs no database round trip).
    pub async fn notify(&self, task_id: &str) -> Result<(), StoreError> {
        if self.backend == super::Backend::Postgres {
            sqlx::query("SELECT pg_notify($1, $2)")
                .bind(super::NOTIFY_CHANNEL)
                .bind(task_id)
                .execute(&self.pool)
                .await
                .map_err(StoreError::from)?;
        }
        Ok(())
    }

    /// Records an upstream read that brought nothing new (so the next waits an interval).
    pub async fn touch(&self, task_id: &str, refreshed_at: i64) -> Result<(), StoreError> {
        sqlx::query("UPDATE tasks SET refreshed_at = $1 WHERE task_id = $2")
            .bind(refreshed_at)
            .bind(task_id)
            .execute(&self.pool)
            .await
            .map_err(StoreError::from)?;
        Ok(())
    }

    /// One task by its id, or by the external id its creator chose.
    pub async fn get(&self, id: &str) -> Result<Option<Stored>, StoreError> {
        let Some(mut stored) = self
            .by_either_id(SELECT, id)
            .await?
            .map(|r| decode(&r))
            .transpose()?
        else {
            return Ok(None);
        };
        // A large request is stored in parts, under the external id the task keeps.
        if let (None, Some(external)) = (
            &stored.task.request,
            &stored.task.task.task_info.external_task_id,
        ) {
            if let Some(text) = self.joined_parts(external).await? {
                let request = serde_json::from_str(&text).map_err(StoreError::from)?;
                stored.task.request = Some(TaskRequest(request));
            }
        }
        Ok(Some(stored))
    }

    /// One task by either id, its request summarised to its prompt (a read that does
    /// not need the whole request, which can hold megabytes of images).
    pub async fn get_summary(&self, id: &str) -> Result<Option<Stored>, StoreError> {
        self.by_either_id(SELECT_LIST, id)
            .await?
            .map(|r| decode_summary(&r))
            .transpose()
    }

    async fn by_either_id(&self, select: &str, id: &str) -> Result<Option<AnyRow>, StoreError> {
        sqlx::query(&format!(
            "{select} WHERE task_id = $1 OR external_task_id = $1 LIMIT 1"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await
        .map_err(StoreError::from)
    }

    /// One task without its request (for refresh bookkeeping).
    pub async fn get_light(&self, id: &str) -> Result<Option<Stored>, StoreError> {
        let row = sqlx::query(&format!("{SELECT_LIGHT} WHERE task_id = $1 LIMIT 1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(StoreError::from)?;
        row.map(|r| decode(&r)).transpose()
    }

    /// Counts one "no such task" answer for a task; answers the count so far.
    pub async fn note_missing(&self, task_id: &str) -> Result<i64, StoreError> {
        let row = sqlx::query(
            "UPDATE tasks SET missing_reads = missing_reads + 1 WHERE task_id = $1 RETURNING missing_reads",
        )
        .bind(task_id)
        .fetch_optional(&self.pool)
        .await
        .map_err(StoreError::from)?;
        row.map_or(Ok(0), |r| r.try_get::<i64, _>(0).map_err(StoreError::from))
    }

    /// A page of history, newest first. Requests are not read (one can hold ten 10 MB
    /// images): each task's `request` is a summary holding its prompt; the whole request
    /// is one read of the task away.
    pub async fn history(&self, q: &HistoryQuery) -> Result<Vec<Stored>, StoreError> {
        let mut sql = format!("{SELECT_LIST} WHERE 1 = 1");
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
        if q.created_by.is_some() {
            sql += &format!(" AND created_by = {}", next());
        }
        // SQLite answers from its trigram index (migration 7) for 3 characters or more;
        // PostgreSQL's trigram index serves the LIKE itself.
        let indexed = q
            .search
            .as_ref()
            .filter(|text| self.backend == Backend::Sqlite && text.chars().count() >= 3);
        if indexed.is_some() {
            sql += &format!(
                " AND task_id IN (SELECT task_id FROM tasks_prompt WHERE tasks_prompt MATCH {})",
                next()
            );
        } else if q.search.is_some() {
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
        if let Some(name) = &q.created_by {
            query = query.bind(name.clone());
        }
        if let Some(text) = indexed {
            // One FTS5 phrase: the text as a substring, quotes doubled.
            query = query.bind(format!("\"{}\"", text.replace('"', "\"\"")));
        } else if let Some(text) = &q.search {
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
            .map_err(StoreError::from)?;
        rows.iter().map(decode_summary).collect()
    }

    /// Tasks not yet finished, oldest first, without their requests (the refresher's list).
    pub async fn unfinished(&self) -> Result<Vec<Stored>, StoreError> {
        let rows = sqlx::query(&format!(
            "{SELECT_LIGHT} WHERE status IN ('submitted', 'processing') ORDER BY created_at"
        ))
        .fetch_all(&self.pool)
        .await
        .map_err(StoreError::from)?;
        rows.iter().map(decode).collect()
    }
}

const SELECT: &str =
    "SELECT kind, request, request_hash, task, refreshed_at, version, created_by FROM tasks";
/// Without the request, which can hold megabytes of base64 images.
const SELECT_LIGHT: &str =
    "SELECT kind, 'null' AS request, request_hash, task, refreshed_at, version, created_by FROM tasks";
/// For lists: the prompt instead of the request.
const SELECT_LIST: &str =
    "SELECT kind, 'null' AS request, prompt, request_hash, task, refreshed_at, version, created_by FROM tasks";

/// Forward order of statuses; both terminal ones are last.
fn rank(s: TaskStatus) -> u8 {
    match s {
        TaskStatus::Submitted => 0,
        TaskStatus::Processing => 1,
        TaskStatus::Succeed | TaskStatus::Failed => 2,
    }
}

pub(super) async fn insert_event(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    task_id: &str,
    seq: i64,
    status: TaskStatus,
    task: &str,
    now: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO task_events (task_id, seq, status, task, created_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (task_id, seq) DO NOTHING",
    )
    .bind(task_id)
    .bind(seq)
    .bind(status.as_str())
    .bind(task.to_owned())
    .bind(now)
    .execute(&mut **tx)
    .await
    .map_err(StoreError::from)?;
    Ok(())
}

fn decode(row: &AnyRow) -> Result<Stored, StoreError> {
    let kind: String = row.try_get("kind").map_err(StoreError::from)?;
    let request: String = row.try_get("request").map_err(StoreError::from)?;
    let task: String = row.try_get("task").map_err(StoreError::from)?;
    let kind =
        TaskKind::parse(&kind).ok_or_else(|| StoreError::Data(format!("stored kind {kind:?}")))?;
    let task: Task = serde_json::from_str(&task).map_err(StoreError::from)?;
    // Stored in parts (read by `get`), or left out of the query: no request here.
    let request: serde_json::Value = if request == super::parts::IN_PARTS {
        serde_json::Value::Null
    } else {
        serde_json::from_str(&request).map_err(StoreError::from)?
    };
    Ok(Stored {
        task: StudioTask {
            kind,
            task,
            request: (!request.is_null()).then_some(TaskRequest(request)),
            created_by: row.try_get("created_by").map_err(StoreError::from)?,
            queue: None,
        },
        request_hash: row.try_get("request_hash").map_err(StoreError::from)?,
        refreshed_at: row.try_get("refreshed_at").map_err(StoreError::from)?,
        version: row.try_get("version").map_err(StoreError::from)?,
    })
}

/// A `SELECT_LIST` row: the request is a summary holding the prompt.
fn decode_summary(row: &AnyRow) -> Result<Stored, StoreError> {
    let mut stored = decode(row)?;
    let prompt: String = row.try_get("prompt").map_err(StoreError::from)?;
    stored.task.request = Some(TaskRequest::summary(&prompt));
    Ok(stored)
}

/// The units a task was charged, as stored (millionths), once the upstream says.
pub(super) fn charged(task: &Task) -> Option<i64> {
    task.final_unit_deduction
        .as_deref()
        .and_then(Units::parse)
        .map(|u| u.0)
}

pub(super) fn task_json(task: &Task) -> String {
    serde_json::to_string(task).unwrap_or_else(|_| "{}".into())
}

fn escape_like(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}
