//! Task life on the BFF after its create (`creates`): read (from the store; an unfinished task
//! is refreshed from upstream at most once per interval however many clients or
//! instances ask), and what follows a status change (events, media copies).

use crate::clock;
use crate::error::ApiError;
use crate::store::{Applied, Stored};
use crate::{events, media, AppState};
use omni_api::task::TaskRequest;
use omni_api::{Problem, StudioTask, Task, TaskKind, TaskStatus, UpstreamRequest, Violations};
use sha2::{Digest, Sha256};

/// How long a task's upstream view stays fresh, growing with its age: young tasks
/// change fast, old ones slowly.
pub fn refresh_interval_ms(age_ms: i64) -> i64 {
    match age_ms {
        ..=10_000 => 1_000,
        10_001..=60_000 => 2_000,
        60_001..=300_000 => 5_000,
        _ => 10_000,
    }
}

/// A stable hash of a normalised request, to tell a replay from a different request.
pub fn request_hash(body: &[u8]) -> String {
    let digest = Sha256::digest(body);
    digest.iter().take(16).map(|b| format!("{b:02x}")).collect()
}

/// 128 random bits as hex: the secret in a task's callback URL.
pub fn new_token() -> Result<String, ApiError> {
    let mut bytes = [0u8; 16];
    getrandom::getrandom(&mut bytes).map_err(|e| ApiError::internal(e.to_string()))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// A validated create on its way upstream: the JSON object to send, as the client sent
/// it (after the documented mappings).
pub struct Outgoing {
    pub kind: TaskKind,
    pub body: serde_json::Value,
}

impl Outgoing {
    /// A request the BFF made itself (the all-in-one route maps onto one).
    pub fn typed(req: &UpstreamRequest) -> Self {
        Outgoing {
            kind: req.kind(),
            body: req.to_json(),
        }
    }

    pub(crate) fn text(&self, key: &str) -> Option<&str> {
        self.body
            .get(key)
            .and_then(|v| v.as_str())
            .filter(|s| !s.is_empty())
    }
}

/// How much of a task's request a read answers with (`?request=` on the studio's read).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestPart {
    /// Every field, as sent (run again, edit).
    Full,
    /// `{"prompt"}`: enough for a list or a poll, and never megabytes.
    Summary,
}

impl omni_api::Choice for RequestPart {
    const ALL: &'static [RequestPart] = &[RequestPart::Full, RequestPart::Summary];
    fn as_str(self) -> &'static str {
        match self {
            RequestPart::Full => "full",
            RequestPart::Summary => "summary",
        }
    }
}

/// Reads a task by id or external id, refreshing it from upstream when due.
pub async fn read(state: &AppState, id: &str, part: RequestPart) -> Result<StudioTask, ApiError> {
    let stored = match part {
        RequestPart::Full => state.store.get(id).await?,
        RequestPart::Summary => state.store.get_summary(id).await?,
    };
    let Some(stored) = stored else {
        return waiting(state, id, part).await;
    };
    let now = clock::now_ms();
    let t = &stored.task.task;
    // A finished task, or one read within its interval: no further query.
    if t.task_status.is_terminal()
        || now < stored.refreshed_at + refresh_interval_ms(now - t.created_at)
    {
        return Ok(stored.task);
    }
    let request = stored.task.request.clone();
    let fresh = refresh(state, t.task_id.as_str(), Refresh::WhenDue).await?;
    Ok(StudioTask {
        request,
        ..fresh.unwrap_or(stored).task
    })
}

/// A create the upstream does not have yet (queued, or being sent), read by its
/// external id.
async fn waiting(state: &AppState, id: &str, part: RequestPart) -> Result<StudioTask, ApiError> {
    let q = state
        .store
        .queued_one(id)
        .await?
        .ok_or_else(|| not_found(id))?;
    let request = match part {
        RequestPart::Summary => None,
        RequestPart::Full => state
            .store
            .attempt_request(id)
            .await?
            .map(|text| serde_json::from_str(&text).map(TaskRequest))
            .transpose()
            .map_err(ApiError::internal)?,
    };
    Ok(crate::queue::view(&q, request))
}

fn not_found(id: &str) -> ApiError {
    ApiError::NotFound(format!("no task with id {id:?}"))
}

/// "No such task" answers for an unfinished task before it is recorded as failed.
const FORGOTTEN_AFTER: i64 = 3;
/// Why such a task failed.
pub const FORGOTTEN: &str =
    "the upstream has no record of this task any more (it keeps tasks for 30 days)";

/// Whether a refresh waits for the task's interval or happens now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refresh {
    /// Polls and the background refresher: once per interval across all instances.
    WhenDue,
    /// A callback said the task changed: read it now.
    Now,
}

/// Asks upstream about one task, unless (for `WhenDue`) someone in any instance did so
/// within its interval. Answers the stored task as it is afterwards (`None` when no
/// read happened); upstream trouble is logged and answered with what we know.
pub async fn refresh(
    state: &AppState,
    task_id: &str,
    how: Refresh,
) -> Result<Option<Stored>, ApiError> {
    let now = clock::now_ms();
    let current = state
        .store
        .get_light(task_id)
        .await?
        .ok_or_else(|| not_found(task_id))?;
    if current.task.task.task_status.is_terminal() {
        return Ok(None);
    }
    let due_before = match how {
        Refresh::WhenDue => now - refresh_interval_ms(now - current.task.task.created_at),
        Refresh::Now => now,
    };
    if !state.store.claim(task_id, due_before, now).await? {
        return Ok(None);
    }
    match state.upstream.get(current.task.kind, task_id).await {
        Ok(task) => {
            record(state, current.task.kind, &task).await?;
            Ok(state.store.get_light(task_id).await?)
        }
        Err(e) if e.is_not_found() => {
            // The upstream forgot it (it keeps tasks 30 days) or never had it (other
            // credentials): after a few such answers, stop asking.
            if state.store.note_missing(task_id).await? < FORGOTTEN_AFTER {
                return Ok(None);
            }
            let mut gone = current.task.task.clone();
            gone.task_status = TaskStatus::Failed;
            gone.task_status_msg = Some(FORGOTTEN.into());
            gone.updated_at = now;
            tracing::warn!(
                task_id,
                "the upstream has no such task any more: recorded as failed"
            );
            record(state, current.task.kind, &gone).await?;
            Ok(state.store.get_light(task_id).await?)
        }
        Err(e) => {
            // The claim already pushed refreshed_at: the next interval tries again.
            tracing::warn!(task_id, "refresh failed: {e:?}");
            Ok(None)
        }
    }
}

/// Stores an upstream view and, when its status moved, tells listeners and queues the
/// copies of its results.
pub async fn record(state: &AppState, kind: TaskKind, task: &Task) -> Result<Applied, ApiError> {
    let now = clock::now_ms();
    let applied = state.store.apply(task, now).await?;
    if let Applied::Changed { .. } = applied {
        crate::metrics::status_changed(
            omni_api::Choice::as_str(kind),
            omni_api::Choice::as_str(task.task_status),
        );
        copy_results(state, task, now).await?;
        events::publish(state, task.task_id.as_str()).await;
        if task.task_status.is_terminal() {
            // Its slots are free: a queued create may go.
            state.queue.wake();
        }
    }
    Ok(applied)
}

/// Queues a succeeded task's files for the copier.
pub(crate) async fn copy_results(state: &AppState, task: &Task, now: i64) -> Result<(), ApiError> {
    if task.task_status == TaskStatus::Succeed {
        state
            .store
            .enqueue_media(task.task_id.as_str(), &media::sources(task), now)
            .await?;
        state.media_wake.notify_one();
    }
    Ok(())
}

/// `POST /api/v1/callbacks/{token}`: the upstream says a task changed. The body is only
/// a hint: the task is re-read from upstream, so a forged, repeated or late callback
/// changes nothing wrong.
pub async fn on_callback(
    state: &AppState,
    token: &str,
    claimed_id: Option<&str>,
) -> Result<(), ApiError> {
    // The upstream may call back before our insert (right after its create) commits.
    let mut stored = None;
    for _ in 0..20 {
        stored = state.store.by_callback_token(token).await?;
        if stored.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let stored =
        stored.ok_or_else(|| ApiError::NotFound("no task has this callback URL".into()))?;
    let task_id = stored.task.task.task_id.as_str();
    if claimed_id.is_some_and(|id| id != task_id) {
        return Err(ApiError::Forbidden(
            "this callback URL belongs to another task".into(),
        ));
    }
    refresh(state, task_id, Refresh::Now).await?;
    Ok(())
}

/// Long enough for a UUID or 32 hex digits with room to spare; with the `studio-`
/// prefix it stays within the 64 characters of an external_task_id.
pub const MAX_KEY_CHARS: usize = 48;

/// An Idempotency-Key is 1 to 48 letters, digits, `-` and `_`.
pub fn check_key(key: &str) -> Result<(), Violations> {
    let mut v = Violations::default();
    if key.is_empty() || key.len() > MAX_KEY_CHARS {
        v.push(
            "Idempotency-Key",
            Problem::CharsBetween {
                min: 1,
                max: MAX_KEY_CHARS,
                got: key.chars().count(),
            },
        );
    } else if !key
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        v.push("Idempotency-Key", Problem::KeyCharacters);
    }
    v.into_result()
}

/// The external_task_id a create goes upstream with: the user's own, else one made
/// from the client's key, else a random one, so every create can be retried safely.
pub fn external_id(own: Option<&str>, key: Option<&str>) -> Result<String, ApiError> {
    Ok(match (own, key) {
        (Some(own), _) => own.to_owned(),
        (None, Some(key)) => format!("studio-{key}"),
        (None, None) => format!("studio-{}", new_token()?),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_short_and_plain() {
        assert!(check_key("3f2c9a1e-7b4d-4c1a-9e8f-0a1b2c3d4e5f").is_ok());
        assert!(check_key(&"a".repeat(MAX_KEY_CHARS)).is_ok());
        let long = check_key(&"a".repeat(MAX_KEY_CHARS + 1)).unwrap_err();
        use omni_api::Rule;
        assert!(long.has("Idempotency-Key", Rule::MaxChars));
        assert!(check_key("").is_err());
        assert!(check_key("a/b")
            .unwrap_err()
            .has("Idempotency-Key", Rule::Type));
        assert!(check_key("a b").is_err());
    }

    #[test]
    fn the_users_own_external_id_wins_then_the_key() {
        assert_eq!(external_id(Some("mine"), Some("k")).unwrap(), "mine");
        assert_eq!(external_id(None, Some("k1")).unwrap(), "studio-k1");
        let random = external_id(None, None).unwrap();
        assert!(random.starts_with("studio-") && random.len() == 7 + 32);
        assert_ne!(random, external_id(None, None).unwrap());
        // Always a valid external_task_id.
        let mut v = Violations::default();
        omni_api::rules::check_external_id(
            Some(&external_id(None, Some(&"x".repeat(MAX_KEY_CHARS))).unwrap()),
            &mut v,
        );
        assert!(v.is_empty());
    }
}
