//! Task life on the BFF: create (validated, idempotent by external_task_id, stored before
//! answering) and read (from the store; an unfinished task is refreshed from upstream at
//! most once per interval however many clients poll it).

use crate::clock;
use crate::error::ApiError;
use crate::store::Stored;
use crate::AppState;
use omni_api::{StudioTask, UpstreamRequest};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// One async lock per task being refreshed, so concurrent polls share one upstream read.
#[derive(Default)]
pub struct RefreshLocks(Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>);

impl RefreshLocks {
    fn get(&self, id: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        map.entry(id.to_owned()).or_default().clone()
    }

    fn release(&self, id: &str) {
        let mut map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if map.get(id).is_some_and(|l| Arc::strong_count(l) == 1) {
            map.remove(id);
        }
    }
}

/// How long a task's upstream view stays fresh, growing with its age: young tasks
/// change fast, old ones slowly.
pub fn refresh_interval_ms(age_ms: i64) -> i64 {
    match age_ms {
        ..=10_000 => 1_000,
        ..=60_000 => 2_000,
        ..=300_000 => 5_000,
        _ => 10_000,
    }
}

/// A stable hash of a normalised request, to tell a replay from a different request.
pub fn request_hash(body: &serde_json::Value) -> String {
    let digest = Sha256::digest(body.to_string().as_bytes());
    digest.iter().take(16).map(|b| format!("{b:02x}")).collect()
}

/// Creates a task upstream and stores it before answering.
pub async fn create(state: &AppState, req: UpstreamRequest) -> Result<StudioTask, ApiError> {
    let body = req.to_json();
    let hash = request_hash(&body);
    let external = req.external_task_id().map(str::to_owned);
    if let Some(ext) = &external {
        if let Some(existing) = state.store.get(ext).await? {
            return replay(existing, &hash, ext);
        }
    }
    let task = state
        .upstream
        .create(req.kind(), &body, external.is_some())
        .await?;
    let studio = StudioTask {
        kind: req.kind(),
        task,
        request: Some(body),
    };
    match state.store.insert(&studio, &hash, clock::now_ms()).await {
        Ok(()) => Ok(studio),
        // Two creates with one external id raced; the first one stored wins.
        Err(e) => match &external {
            Some(ext) => match state.store.get(ext).await? {
                Some(existing) => replay(existing, &hash, ext),
                None => Err(e),
            },
            None => Err(e),
        },
    }
}

fn replay(existing: Stored, hash: &str, ext: &str) -> Result<StudioTask, ApiError> {
    if existing.request_hash == hash {
        Ok(existing.task)
    } else {
        Err(ApiError::Conflict(format!(
            "external_task_id {ext:?} already belongs to task {} with a different request",
            existing.task.task.task_id
        )))
    }
}

/// Reads a task by id or external id, refreshing it from upstream when due.
pub async fn read(state: &AppState, id: &str) -> Result<StudioTask, ApiError> {
    let stored = state.store.get(id).await?.ok_or_else(|| not_found(id))?;
    if !due(&stored, clock::now_ms()) {
        return Ok(stored.task);
    }
    refresh(state, stored).await
}

fn not_found(id: &str) -> ApiError {
    ApiError::NotFound(format!("no task with id {id:?}"))
}

fn due(s: &Stored, now: i64) -> bool {
    !s.task.task.task_status.is_terminal()
        && now >= s.refreshed_at + refresh_interval_ms(now - s.task.task.created_at)
}

/// Asks upstream about one task, once per interval, whoever else is asking.
pub async fn refresh(state: &AppState, stored: Stored) -> Result<StudioTask, ApiError> {
    let task_id = stored.task.task.task_id.as_str().to_owned();
    let lock = state.refresh_locks.get(&task_id);
    let result = async {
        let _guard = lock.lock().await;
        // Whoever held the lock before us may have refreshed it already.
        let current = state
            .store
            .get_light(&task_id)
            .await?
            .ok_or_else(|| not_found(&task_id))?;
        let request = stored.task.request.clone();
        let now = clock::now_ms();
        if !due(&current, now) {
            return Ok(StudioTask {
                request,
                ..current.task
            });
        }
        match state.upstream.get(current.task.kind, &task_id).await {
            Ok(task) => {
                state.store.update(&task, now).await?;
                Ok(StudioTask {
                    task,
                    kind: current.task.kind,
                    request,
                })
            }
            Err(e) => {
                // Keep answering with what we know; the next interval tries again.
                tracing::warn!(task_id, "refresh failed: {e:?}");
                state.store.touch(&task_id, now).await?;
                Ok(StudioTask {
                    request,
                    ..current.task
                })
            }
        }
    }
    .await;
    drop(lock);
    state.refresh_locks.release(&task_id);
    result
}

/// Keeps unfinished tasks moving even when nobody watches them (and after a restart).
pub async fn refresher(state: Arc<AppState>) {
    loop {
        tokio::time::sleep(std::time::Duration::from_millis(1000)).await;
        let Ok(open) = state.store.unfinished().await else {
            continue;
        };
        let now = clock::now_ms();
        for stored in open.into_iter().filter(|s| due(s, now)) {
            let _ = refresh(&state, stored).await;
        }
    }
}
