//! Create attempts: a create is recorded before it is sent, held under a lease by the
//! instance driving it, and turned into a task row in the same transaction that
//! deletes it. What is left after a crash or an unanswered send is found by its expired
//! lease and finished by whichever instance claims it first.

use super::tasks::{charged, insert_event, task_json};
use super::StoreError;
use super::{parts, Store};
use omni_api::queue::Pool;
use omni_api::{Choice, Task, TaskKind};
use sqlx::any::AnyRow;
use sqlx::Row;

/// One create on its way upstream (the request itself stays in the database).
#[derive(Debug, Clone)]
pub struct Attempt {
    pub external_task_id: String,
    pub kind: TaskKind,
    pub request_hash: String,
    pub callback_token: Option<String>,
    /// Our external id goes into the body sent (it is not the user's own).
    pub add_external: bool,
    /// A send may have reached the upstream: ask it before sending again.
    pub sent: bool,
    pub created_at: i64,
    /// The lease this copy of the row was read (or claimed) with.
    pub lease_until: i64,
    /// The name of the access token that asked for it.
    pub created_by: Option<String>,
    /// The model it asks for (the upstream's default when it names none).
    pub model: String,
    /// Waiting in the queue for its pool to have slots free (not held by anyone).
    pub queued: bool,
    /// Slots it holds in its pool while it runs.
    pub slots: u32,
    pub pool: Pool,
    /// While queued: not sent before this instant (the upstream said it was busy).
    /// Once taken out of line: when it was taken.
    pub not_before: i64,
    /// How often the upstream said so (the backoff grows with it).
    pub busy_answers: i64,
}

pub(super) const COLUMNS: &str =
    "external_task_id, kind, request_hash, callback_token, add_external, sent, created_at, lease_until, created_by, model, queued, slots, pool, not_before, busy_answers";

impl Store {
    /// Records a create before it is sent, held until `a.lease_until`. `false` when an
    /// attempt with this external id exists already.
    pub async fn begin_attempt(
        &self,
        a: &Attempt,
        request: &str,
        prompt: &str,
    ) -> Result<bool, StoreError> {
        let in_parts = request.len() > parts::PART_BYTES;
        let mut tx = self.write_tx().await?;
        let done = sqlx::query(
            "INSERT INTO create_attempts (external_task_id, kind, request, request_hash, prompt, callback_token, add_external, sent, created_at, lease_until, created_by, model, queued, slots, pool)
             VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $8, $9, $10, $11, $12, $13, $14)
             ON CONFLICT (external_task_id) DO NOTHING",
        )
        .bind(a.external_task_id.clone())
        .bind(a.kind.as_str())
        .bind(if in_parts { parts::IN_PARTS } else { request })
        .bind(a.request_hash.clone())
        .bind(prompt)
        .bind(a.callback_token.clone())
        .bind(i64::from(a.add_external))
        .bind(a.created_at)
        .bind(a.lease_until)
        .bind(a.created_by.clone())
        .bind(a.model.clone())
        .bind(i64::from(a.queued))
        .bind(i64::from(a.slots))
        .bind(a.pool.as_str())
        .execute(&mut *tx)
        .await
        .map_err(StoreError::from)?;
        let begun = done.rows_affected() == 1;
        if begun && in_parts {
            parts::write(&mut tx, &a.external_task_id, request).await?;
        }
        tx.commit().await.map_err(StoreError::from)?;
        Ok(begun)
    }

    pub async fn attempt(&self, external: &str) -> Result<Option<Attempt>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM create_attempts WHERE external_task_id = $1"
        ))
        .bind(external)
        .fetch_optional(&self.pool)
        .await
        .map_err(StoreError::from)?;
        row.as_ref().map(decode).transpose()
    }

    /// The body of an attempt, for a send after a restart.
    pub async fn attempt_request(&self, external: &str) -> Result<Option<String>, StoreError> {
        let row = sqlx::query("SELECT request FROM create_attempts WHERE external_task_id = $1")
            .bind(external)
            .fetch_optional(&self.pool)
            .await
            .map_err(StoreError::from)?;
        let Some(request) = row
            .map(|r| r.try_get::<String, _>("request").map_err(StoreError::from))
            .transpose()?
        else {
            return Ok(None);
        };
        if request == parts::IN_PARTS {
            return self.joined_parts(external).await;
        }
        Ok(Some(request))
    }

    /// Attempts on their way upstream that nobody holds (their lease ran out at `now`),
    /// oldest first; queued ones wait for the queue instead.
    pub async fn attempts_due(&self, now: i64, limit: i64) -> Result<Vec<Attempt>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM create_attempts WHERE queued = 0 AND lease_until <= $1 ORDER BY created_at LIMIT $2"
        ))
        .bind(now)
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .map_err(StoreError::from)?;
        rows.iter().map(decode).collect()
    }

    /// Takes an expired attempt until `until`, if nobody took it since `a` was read.
    pub async fn claim_attempt(
        &self,
        a: &mut Attempt,
        now: i64,
        until: i64,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE create_attempts SET lease_until = $1
             WHERE external_task_id = $2 AND lease_until = $3 AND lease_until <= $4",
        )
        .bind(until)
        .bind(a.external_task_id.clone())
        .bind(a.lease_until)
        .bind(now)
        .execute(&self.pool)
        .await
        .map_err(StoreError::from)?;
        let claimed = done.rows_affected() == 1;
        if claimed {
            a.lease_until = until;
        }
        Ok(claimed)
    }

    /// Notes, as the lease holder, that a send is about to go out, renewing the lease
    /// to `until`. `false`: the lease is lost, and the send must not happen.
    pub async fn mark_sent(&self, a: &mut Attempt, until: i64) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE create_attempts SET sent = 1, lease_until = $1 WHERE external_task_id = $2 AND lease_until = $3",
        )
        .bind(until)
        .bind(a.external_task_id.clone())
        .bind(a.lease_until)
        .execute(&self.pool)
        .await
        .map_err(StoreError::from)?;
        let held = done.rows_affected() == 1;
        if held {
            a.sent = true;
            a.lease_until = until;
        }
        Ok(held)
    }

    /// Lets go of an attempt (the upstream cannot be asked now): anyone may take it
    /// from `at` on.
    pub async fn release_attempt(&self, a: &Attempt, at: i64) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE create_attempts SET lease_until = $1 WHERE external_task_id = $2 AND lease_until = $3",
        )
        .bind(at)
        .bind(a.external_task_id.clone())
        .bind(a.lease_until)
        .execute(&self.pool)
        .await
        .map_err(StoreError::from)?;
        Ok(())
    }

    /// Makes every attempt due now (start-up, when no other instance can hold one).
    pub async fn expire_attempt_leases(&self) -> Result<(), StoreError> {
        sqlx::query("UPDATE create_attempts SET lease_until = 0")
            .execute(&self.pool)
            .await
            .map_err(StoreError::from)?;
        Ok(())
    }

    /// Forgets an attempt the upstream refused (nothing was created), with its parts.
    pub async fn drop_attempt(&self, a: &Attempt) -> Result<(), StoreError> {
        let done = sqlx::query(
            "DELETE FROM create_attempts WHERE external_task_id = $1 AND lease_until = $2",
        )
        .bind(a.external_task_id.clone())
        .bind(a.lease_until)
        .execute(&self.pool)
        .await
        .map_err(StoreError::from)?;
        if done.rows_affected() == 1 {
            self.delete_parts(&a.external_task_id).await?;
        }
        Ok(())
    }

    /// Turns an attempt into the task the upstream made, with its first event, and
    /// deletes the attempt, in one transaction (the request moves inside the database,
    /// never through this process again). `false` when there was no attempt to adopt
    /// (another instance adopted it first).
    pub async fn adopt(&self, a: &Attempt, task: &Task, now: i64) -> Result<bool, StoreError> {
        let json = task_json(task);
        let mut tx = self.write_tx().await?;
        let done = sqlx::query(
            "INSERT INTO tasks (task_id, kind, status, external_task_id, request, request_hash, task, prompt, created_at, updated_at, refreshed_at, version, callback_token, created_by, model, units, slots, pool)
             SELECT $1, kind, $2, external_task_id, request, request_hash, $3, prompt, $4, $5, $6, 1, callback_token, created_by, model, $8, slots, pool
             FROM create_attempts WHERE external_task_id = $7
             ON CONFLICT DO NOTHING",
        )
        .bind(task.task_id.as_str())
        .bind(task.task_status.as_str())
        .bind(json.clone())
        .bind(task.created_at)
        .bind(task.updated_at)
        .bind(now)
        .bind(a.external_task_id.clone())
        .bind(charged(task))
        .execute(&mut *tx)
        .await
        .map_err(StoreError::from)?;
        if done.rows_affected() == 1 {
            insert_event(
                &mut tx,
                task.task_id.as_str(),
                1,
                task.task_status,
                &json,
                now,
            )
            .await?;
        }
        sqlx::query("DELETE FROM create_attempts WHERE external_task_id = $1")
            .bind(a.external_task_id.clone())
            .execute(&mut *tx)
            .await
            .map_err(StoreError::from)?;
        tx.commit().await.map_err(StoreError::from)?;
        Ok(done.rows_affected() == 1)
    }
}

pub(super) fn decode(r: &AnyRow) -> Result<Attempt, StoreError> {
    let e = StoreError::from;
    let kind: String = r.try_get("kind").map_err(e)?;
    Ok(Attempt {
        external_task_id: r.try_get("external_task_id").map_err(e)?,
        kind: TaskKind::parse(&kind)
            .ok_or_else(|| StoreError::Data(format!("unknown kind {kind:?} in create_attempts")))?,
        request_hash: r.try_get("request_hash").map_err(e)?,
        callback_token: r.try_get("callback_token").map_err(e)?,
        add_external: r.try_get::<i64, _>("add_external").map_err(e)? != 0,
        sent: r.try_get::<i64, _>("sent").map_err(e)? != 0,
        created_at: r.try_get("created_at").map_err(e)?,
        lease_until: r.try_get("lease_until").map_err(e)?,
        created_by: r.try_get("created_by").map_err(e)?,
        model: r.try_get("model").map_err(e)?,
        queued: r.try_get::<i64, _>("queued").map_err(e)? != 0,
        slots: r.try_get::<i64, _>("slots").map_err(e)?.clamp(1, 64) as u32,
        pool: {
            let pool: String = r.try_get("pool").map_err(e)?;
            Pool::parse(&pool).ok_or_else(|| {
                StoreError::Data(format!("unknown pool {pool:?} in create_attempts"))
            })?
        },
        not_before: r.try_get("not_before").map_err(e)?,
        busy_answers: r.try_get("busy_answers").map_err(e)?,
    })
}
