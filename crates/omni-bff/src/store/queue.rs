//! The queue's side of create attempts: which waits next in a pool, how many slots the
//! pool's running tasks hold, taking a queued attempt to send it (one conditional update,
//! so across instances exactly one sends it), putting one back after the upstream said
//! it was busy, and the attempts as readers see them (place in line included).

use super::attempts::{decode, COLUMNS};
use super::{Attempt, Store, StoreError};
use omni_api::queue::Pool;
use omni_api::Choice;
use sqlx::Row;
use std::collections::HashMap;

/// A create the upstream does not have yet, as readers see it.
#[derive(Debug, Clone)]
pub struct Queued {
    pub attempt: Attempt,
    pub prompt: String,
    /// 1 for the next in its pool; `None` while it is being sent.
    pub place: Option<u32>,
}

impl Store {
    /// The next queued attempt of `pool` that may be sent at `now`.
    pub async fn queue_head(&self, pool: Pool, now: i64) -> Result<Option<Attempt>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM create_attempts WHERE pool = $1 AND queued = 1 AND not_before <= $2
             ORDER BY created_at, external_task_id LIMIT 1"
        ))
        .bind(pool.as_str())
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(decode).transpose()
    }

    /// Slots held in `pool`: by its running tasks, and by the attempts being sent.
    pub async fn running_slots(&self, pool: Pool) -> Result<i64, StoreError> {
        let row = sqlx::query(
            "SELECT CAST(COALESCE((SELECT SUM(slots) FROM tasks WHERE pool = $1 AND status IN ('submitted', 'processing')), 0)
                       + COALESCE((SELECT SUM(slots) FROM create_attempts WHERE pool = $1 AND queued = 0), 0) AS BIGINT) AS used",
        )
        .bind(pool.as_str())
        .fetch_one(&self.pool)
        .await?;
        Ok(row.try_get("used")?)
    }

    /// Takes a queued attempt at `now` to send it, held until `until`; `false` when
    /// another request or instance took it first (or it was cancelled). `not_before`
    /// becomes the moment it left the line.
    pub async fn claim_queued(
        &self,
        a: &mut Attempt,
        now: i64,
        until: i64,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE create_attempts SET queued = 0, lease_until = $1, not_before = $2
             WHERE external_task_id = $3 AND queued = 1",
        )
        .bind(until)
        .bind(now)
        .bind(a.external_task_id.clone())
        .execute(&self.pool)
        .await?;
        let claimed = done.rows_affected() == 1;
        if claimed {
            a.queued = false;
            a.lease_until = until;
            a.not_before = now;
        }
        Ok(claimed)
    }

    /// Puts a held attempt back in line, not to be sent before `not_before` (the upstream
    /// answered 1303: over its concurrency, nothing made).
    pub async fn requeue(&self, a: &mut Attempt, not_before: i64) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE create_attempts SET queued = 1, not_before = $1, busy_answers = busy_answers + 1
             WHERE external_task_id = $2 AND lease_until = $3",
        )
        .bind(not_before)
        .bind(a.external_task_id.clone())
        .bind(a.lease_until)
        .execute(&self.pool)
        .await?;
        let held = done.rows_affected() == 1;
        if held {
            a.queued = true;
            a.not_before = not_before;
            a.busy_answers += 1;
        }
        Ok(held)
    }

    /// Every create not yet a task, newest first, each with its place in its pool's line.
    /// The table holds only creates on their way, so it is read whole.
    pub async fn queued_all(&self) -> Result<Vec<Queued>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS}, prompt FROM create_attempts ORDER BY created_at, external_task_id"
        ))
        .fetch_all(&self.pool)
        .await?;
        let mut next: HashMap<Pool, u32> = HashMap::new();
        let mut all = Vec::with_capacity(rows.len());
        for r in &rows {
            let attempt = decode(r)?;
            let place = attempt.queued.then(|| {
                let n = next.entry(attempt.pool).or_insert(0);
                *n += 1;
                *n
            });
            all.push(Queued {
                prompt: r.try_get("prompt")?,
                attempt,
                place,
            });
        }
        all.reverse();
        Ok(all)
    }

    /// The create not yet a task whose external id is `id`: one row by its key, and
    /// its place counted by the queue's index (not the whole line read).
    pub async fn queued_one(&self, id: &str) -> Result<Option<Queued>, StoreError> {
        let Some(r) = sqlx::query(&format!(
            "SELECT {COLUMNS}, prompt FROM create_attempts WHERE external_task_id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        else {
            return Ok(None);
        };
        let attempt = decode(&r)?;
        let place = if attempt.queued {
            let ahead: i64 = sqlx::query(
                "SELECT COUNT(*) AS ahead FROM create_attempts WHERE pool = $1 AND queued = 1
                 AND (created_at < $2 OR (created_at = $2 AND external_task_id < $3))",
            )
            .bind(attempt.pool.as_str())
            .bind(attempt.created_at)
            .bind(attempt.external_task_id.clone())
            .fetch_one(&self.pool)
            .await?
            .try_get("ahead")?;
            Some(u32::try_from(ahead).unwrap_or(u32::MAX - 1) + 1)
        } else {
            None
        };
        Ok(Some(Queued {
            prompt: r.try_get("prompt")?,
            attempt,
            place,
        }))
    }
}
