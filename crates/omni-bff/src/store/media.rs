//! Media rows: which result files of which task are copied, pending or given up on.
//! Copies are claimed with a lease (a conditional update of `next_at`), so instances
//! sharing the database never copy one file twice and a crashed copier's work resumes.

use super::Store;
use super::StoreError;
use sqlx::any::AnyRow;
use sqlx::Row;

/// Where a media copy is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaState {
    Pending,
    Done,
    Failed,
    Expired,
}

impl MediaState {
    fn as_str(self) -> &'static str {
        match self {
            MediaState::Pending => "pending",
            MediaState::Done => "done",
            MediaState::Failed => "failed",
            MediaState::Expired => "expired",
        }
    }

    fn parse(s: &str) -> MediaState {
        match s {
            "done" => MediaState::Done,
            "failed" => MediaState::Failed,
            "expired" => MediaState::Expired,
            _ => MediaState::Pending,
        }
    }
}

/// One result file of one task.
#[derive(Debug, Clone)]
pub struct MediaRow {
    pub task_id: String,
    /// Which file of the result, e.g. `images-0`, `videos-0-watermark`, `covers-0`.
    pub key: String,
    /// Where the upstream keeps it (only ever a URL the upstream returned).
    pub url: String,
    pub state: MediaState,
    pub attempts: i64,
    pub next_at: i64,
    /// The copy's file name in the media storage, once done.
    pub file: Option<String>,
    pub content_type: Option<String>,
    pub size: Option<i64>,
    pub copied_at: Option<i64>,
}

const COLUMNS: &str =
    "task_id, media_key, url, state, attempts, next_at, file, content_type, size, copied_at";

impl Store {
    /// Queues copies of a finished task's files; a file already queued stays as it is.
    pub async fn enqueue_media(
        &self,
        task_id: &str,
        files: &[(String, String)],
        now: i64,
    ) -> Result<(), StoreError> {
        for (key, url) in files {
            sqlx::query(
                "INSERT INTO media (task_id, media_key, url, state, attempts, next_at) VALUES ($1, $2, $3, 'pending', 0, $4)
                 ON CONFLICT (task_id, media_key) DO NOTHING",
            )
            .bind(task_id)
            .bind(key.clone())
            .bind(url.clone())
            .bind(now)
            .execute(&self.pool)
            .await
            .map_err(StoreError::from)?;
        }
        Ok(())
    }

    /// Copies waiting for their turn, oldest first.
    pub async fn media_due(&self, now: i64, limit: i64) -> Result<Vec<MediaRow>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM media WHERE state = 'pending' AND next_at <= $1 ORDER BY next_at LIMIT $2"
        ))
        .bind(now)
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .map_err(StoreError::from)?;
        rows.iter().map(decode).collect()
    }

    /// Takes a due copy for `lease_ms` from now by the database's clock (instances'
    /// clocks may differ; the database's is the one they share), if nobody took it since
    /// it was read. Answers the lease to hold it by.
    pub async fn claim_media(
        &self,
        row: &MediaRow,
        lease_ms: i64,
    ) -> Result<Option<i64>, StoreError> {
        let now = self.now_sql();
        let held = sqlx::query(&format!(
            "UPDATE media SET next_at = {now} + $1, attempts = attempts + 1
             WHERE task_id = $2 AND media_key = $3 AND state = 'pending' AND next_at = $4 AND next_at <= {now}
             RETURNING next_at"
        ))
        .bind(lease_ms)
        .bind(row.task_id.clone())
        .bind(row.key.clone())
        .bind(row.next_at)
        .fetch_optional(&self.pool)
        .await
        .map_err(StoreError::from)?;
        held.map(|r| r.try_get::<i64, _>(0).map_err(StoreError::from))
            .transpose()
    }

    /// Extends a lease this copier holds (`held`) by `lease_ms` from now (database
    /// clock). `None`: the lease is lost (it ran out and another copier took the row, or
    /// the row is finished), and the copy must stop.
    pub async fn renew_media(
        &self,
        row: &MediaRow,
        held: i64,
        lease_ms: i64,
    ) -> Result<Option<i64>, StoreError> {
        let now = self.now_sql();
        let renewed = sqlx::query(&format!(
            "UPDATE media SET next_at = {now} + $1
             WHERE task_id = $2 AND media_key = $3 AND state = 'pending' AND next_at = $4
             RETURNING next_at"
        ))
        .bind(lease_ms)
        .bind(row.task_id.clone())
        .bind(row.key.clone())
        .bind(held)
        .fetch_optional(&self.pool)
        .await
        .map_err(StoreError::from)?;
        renewed
            .map(|r| r.try_get::<i64, _>(0).map_err(StoreError::from))
            .transpose()
    }

    /// Records a finished copy, only as the holder of lease `held`: `false` when the
    /// lease was lost (a late copier never overwrites what another recorded).
    pub async fn media_done(
        &self,
        row: &MediaRow,
        held: i64,
        file: &str,
        content_type: &str,
        size: i64,
        now: i64,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE media SET state = 'done', file = $1, content_type = $2, size = $3, copied_at = $4, last_error = NULL
             WHERE task_id = $5 AND media_key = $6 AND state = 'pending' AND next_at = $7",
        )
        .bind(file.to_owned())
        .bind(content_type.to_owned())
        .bind(size)
        .bind(now)
        .bind(row.task_id.clone())
        .bind(row.key.clone())
        .bind(held)
        .execute(&self.pool)
        .await
        .map_err(StoreError::from)?;
        Ok(done.rows_affected() == 1)
    }

    /// Records a failed attempt as the holder of lease `held`: try again at `next_at`,
    /// or give up (`state` failed). `false` when the lease was lost.
    pub async fn media_retry(
        &self,
        row: &MediaRow,
        held: i64,
        state: MediaState,
        next_at: i64,
        error: &str,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE media SET state = $1, next_at = $2, last_error = $3
             WHERE task_id = $4 AND media_key = $5 AND state = 'pending' AND next_at = $6",
        )
        .bind(state.as_str())
        .bind(next_at)
        .bind(error.to_owned())
        .bind(row.task_id.clone())
        .bind(row.key.clone())
        .bind(held)
        .execute(&self.pool)
        .await
        .map_err(StoreError::from)?;
        Ok(done.rows_affected() == 1)
    }

    /// Every media row of a task.
    pub async fn media_of(&self, task_id: &str) -> Result<Vec<MediaRow>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM media WHERE task_id = $1 ORDER BY media_key"
        ))
        .bind(task_id)
        .fetch_all(&self.pool)
        .await
        .map_err(StoreError::from)?;
        rows.iter().map(decode).collect()
    }

    /// Copies made before `before` (for retention), a batch at a time.
    pub async fn media_copied_before(&self, before: i64) -> Result<Vec<MediaRow>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM media WHERE state = 'done' AND copied_at < $1 LIMIT 500"
        ))
        .bind(before)
        .fetch_all(&self.pool)
        .await
        .map_err(StoreError::from)?;
        rows.iter().map(decode).collect()
    }

    /// Marks a copy removed by retention.
    pub async fn media_expire(&self, row: &MediaRow) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE media SET state = 'expired', last_error = 'removed by retention'
             WHERE task_id = $1 AND media_key = $2 AND state = 'done'",
        )
        .bind(row.task_id.clone())
        .bind(row.key.clone())
        .execute(&self.pool)
        .await
        .map_err(StoreError::from)?;
        Ok(())
    }
}

fn decode(r: &AnyRow) -> Result<MediaRow, StoreError> {
    let e = StoreError::from;
    let state: String = r.try_get("state").map_err(e)?;
    Ok(MediaRow {
        task_id: r.try_get("task_id").map_err(e)?,
        key: r.try_get("media_key").map_err(e)?,
        url: r.try_get("url").map_err(e)?,
        state: MediaState::parse(&state),
        attempts: r.try_get("attempts").map_err(e)?,
        next_at: r.try_get("next_at").map_err(e)?,
        file: r.try_get("file").map_err(e)?,
        content_type: r.try_get("content_type").map_err(e)?,
        size: r.try_get("size").map_err(e)?,
        copied_at: r.try_get("copied_at").map_err(e)?,
    })
}
