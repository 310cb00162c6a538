//! Recoverable creates. A create is written to the store (an attempt) before it goes
//! upstream, under a lease, and becomes a task row in the same transaction that deletes
//! the attempt. After an answer that says nothing (no answer, garbage, a 5xx) the
//! upstream is asked for the task by its external_task_id before anything is sent
//! again, so even an upstream that refuses a repeated id (as the real one may) never
//! gets a second task, and a task it made is never left unrecorded. Attempts left by a
//! crash or an unreachable upstream are finished by the refresher (`recover_due`).

use crate::clock;
use crate::error::ApiError;
use crate::security::access::Person;
use crate::store::Attempt;
use crate::tasks::{copy_results, external_id, new_token, request_hash, Outgoing};
use crate::upstream::UpstreamError;
use crate::AppState;
use omni_api::{StudioTask, Task};
use std::time::Duration;

/// Sends of one attempt before it is left to the refresher.
const SENDS: u32 = 3;
/// An attempt nobody could finish in this long is given up (logged with its external
/// id, for the operator to look up): the upstream has not answered for a day.
const GIVE_UP_MS: i64 = 24 * 3_600_000;
/// How long a request that finds its twin in flight waits for it.
const WAIT_FOR_TWIN: Duration = Duration::from_secs(10);

/// How long the driver of an attempt holds it: one create's time-out and room to
/// record the answer. Renewed before every send.
pub(crate) fn lease_ms(state: &AppState) -> i64 {
    state.upstream.create_timeout().as_millis() as i64 + 15_000
}

/// What became of a create.
#[derive(Debug)]
pub enum Created {
    /// The upstream made the task (or a refusal was recorded as a failed one).
    Made(Task),
    /// It waits in the queue, or is on its way: the answer stands for it until then.
    Waiting(StudioTask),
}

impl Created {
    /// As the upstream-compatible routes answer: a waiting create is `submitted` under
    /// its external id.
    pub fn task(self) -> Task {
        match self {
            Created::Made(task) => task,
            Created::Waiting(view) => view.task,
        }
    }

    /// As the studio's routes answer (without the request, which the client has).
    pub fn studio(self, kind: omni_api::TaskKind, created_by: Option<String>) -> StudioTask {
        match self {
            Created::Made(task) => StudioTask {
                kind,
                task,
                request: None,
                created_by,
                queue: None,
            },
            Created::Waiting(view) => StudioTask {
                request: None,
                ..view
            },
        }
    }
}

/// Whether a refusal goes back to a client that waits for it, or is recorded as a
/// failed task (a queued create, whose client already has its id, or a recovered one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Refusal {
    Answer,
    Record,
}

/// Creates a task upstream and stores it before answering. Every create goes upstream
/// with an external_task_id (the user's, else one made from the client's
/// `Idempotency-Key`, else a random one); a client that sends its key again gets the
/// first task.
///
/// The stored request is the body that went upstream, less the two fields the BFF adds
/// itself (its external id, which `task_info` carries, and its callback URL, a secret).
pub async fn create(
    state: &AppState,
    req: Outgoing,
    key: Option<&str>,
    by: Person,
) -> Result<Created, ApiError> {
    let kind = req.kind;
    let slots = omni_api::queue::slots(kind, &req.body);
    // Spend is summed by model: the one named, else the one the upstream picks.
    let model = match req.text("model_name") {
        Some(name) => name.to_owned(),
        None => state
            .catalog
            .kind(kind)
            .map(|k| k.upstream_default.0.clone())
            .unwrap_or_default(),
    };
    let own_external = req.text("external_task_id").is_some();
    let external = external_id(req.text("external_task_id"), key)?;
    let own_callback = req.text("callback_url").is_some();
    let prompt = req.text("prompt").unwrap_or_default().to_owned();
    let mut req = req;
    // An empty or null id or callback counts as absent; ours go in their place rather
    // than beside them (a duplicate key would leave the upstream to pick one).
    if let serde_json::Value::Object(map) = &mut req.body {
        for (key, ours) in [
            ("external_task_id", !own_external),
            ("callback_url", !own_callback),
        ] {
            if ours && map.contains_key(key) {
                map.shift_remove(key);
            }
        }
    }
    // A request can carry ten 10 MB images as base64: it is written out once, and that
    // one copy is hashed, recorded and sent (with our fields spliced in).
    let body = serde_json::to_vec(&req.body).map_err(ApiError::internal)?;
    drop(req);
    let hash = request_hash(&body);
    if let Some(existing) = state.store.get_summary(&external).await? {
        return replay(existing.task, &existing.request_hash, &hash, &external).map(Created::Made);
    }
    // A user's own callback_url goes upstream untouched (the upstream calls it); otherwise
    // the upstream calls us, and refreshes are push-driven instead of polled.
    let token = match (state.public_url(), own_callback) {
        (Some(_), false) => Some(new_token()?),
        _ => None,
    };
    let now = clock::now_ms();
    let mut attempt = Attempt {
        external_task_id: external.clone(),
        kind,
        request_hash: hash.clone(),
        callback_token: token,
        add_external: !own_external,
        sent: false,
        created_at: now,
        lease_until: now + lease_ms(state),
        created_by: by.0,
        model,
        // In line unless the pool has room now: then this request sends it itself.
        queued: !crate::queue::room_now(state, kind.pool(), slots).await?,
        slots,
        pool: kind.pool(),
        not_before: 0,
        busy_answers: 0,
    };
    let request = String::from_utf8(body).map_err(ApiError::internal)?;
    if state
        .store
        .begin_attempt(&attempt, &request, &prompt)
        .await?
    {
        // A twin may have become its task between the look-up above and this record
        // (adopting deletes its attempt): then this is a replay, not a new create.
        if let Some(existing) = state.store.get_summary(&external).await? {
            state.store.drop_attempt(&attempt).await?;
            return replay(existing.task, &existing.request_hash, &hash, &external)
                .map(Created::Made);
        }
        // Sent now when the pool had room; else the queue's sender takes it when slots
        // free, and the client has its id at once.
        if !attempt.queued {
            return drive(state, &mut attempt, request.into_bytes(), Refusal::Answer).await;
        }
        drop(request);
        state.queue.wake();
        return waiting(state, &external).await;
    }
    drop(request);
    join_twin(state, &external, &hash).await
}

/// The answer for a create that is not a task yet.
async fn waiting(state: &AppState, external: &str) -> Result<Created, ApiError> {
    match state.store.queued_one(external).await? {
        Some(q) => Ok(Created::Waiting(crate::queue::view(&q, None))),
        // Sent and made in the meantime.
        None => match state.store.get_summary(external).await? {
            Some(made) => Ok(Created::Made(made.task.task)),
            None => Err(in_flight(external)),
        },
    }
}

/// Another create with this external id is recorded: the same request sent again (a
/// retry after a lost answer, on this instance or another). It gets that create's task,
/// finishing the attempt itself when nobody holds it.
async fn join_twin(state: &AppState, external: &str, hash: &str) -> Result<Created, ApiError> {
    let started = clock::now_ms();
    loop {
        if let Some(existing) = state.store.get_summary(external).await? {
            return replay(existing.task, &existing.request_hash, hash, external)
                .map(Created::Made);
        }
        let now = clock::now_ms();
        let Some(mut twin) = state.store.attempt(external).await? else {
            // Refused upstream and dropped in the meantime: the outcome went to the
            // request that drove it; this one may try afresh.
            return Err(ApiError::Pending(format!(
                "a create with external_task_id {external:?} just ended without a task; send it again"
            )));
        };
        if twin.request_hash != hash {
            return Err(conflict(external));
        }
        if twin.queued {
            // Waiting its turn: the same answer the first request got.
            return waiting(state, external).await;
        }
        if twin.lease_until <= now
            && state
                .store
                .claim_attempt(&mut twin, now, now + lease_ms(state))
                .await?
        {
            let body = stored_body(state, &twin).await?;
            return drive(state, &mut twin, body, Refusal::Answer).await;
        }
        if now - started > WAIT_FOR_TWIN.as_millis() as i64 {
            return Err(in_flight(external));
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// The attempt's request as it was recorded (after a restart, or by another instance).
async fn stored_body(state: &AppState, a: &Attempt) -> Result<Vec<u8>, ApiError> {
    state
        .store
        .attempt_request(&a.external_task_id)
        .await?
        .map(String::into_bytes)
        .ok_or_else(|| in_flight(&a.external_task_id))
}

/// Sends a held create whose client is not waiting for it (`what` it is: queued, or
/// recovered): a refusal is recorded as a failed task.
pub(crate) async fn send_claimed(state: &AppState, mut a: Attempt, what: &str) {
    let outcome = match stored_body(state, &a).await {
        Ok(body) => drive(state, &mut a, body, Refusal::Record).await,
        Err(e) => Err(e),
    };
    match outcome {
        Ok(Created::Made(task)) => {
            tracing::info!(
                external = %a.external_task_id,
                task_id = %task.task_id.as_str(),
                "sent a {what} create"
            );
            // Its client was given the external id, and a stream may follow it by that.
            crate::events::publish(state, &a.external_task_id).await;
        }
        Ok(Created::Waiting(_)) | Err(ApiError::Pending(_)) => {}
        Err(e) => {
            tracing::warn!(external = %a.external_task_id, "a {what} create was refused: {e}")
        }
    }
}

/// Sends a held attempt until the upstream's task is known (adopted), the upstream
/// refuses it (dropped and answered, or recorded as failed), it is busy (back in line,
/// with backoff), or the outcome is unknown (left for later, released).
async fn drive(
    state: &AppState,
    a: &mut Attempt,
    body: Vec<u8>,
    refusal: Refusal,
) -> Result<Created, ApiError> {
    let mut extra = Vec::new();
    if a.add_external {
        extra.push(("external_task_id", a.external_task_id.clone()));
    }
    if let (Some(base), Some(token)) = (state.public_url(), &a.callback_token) {
        extra.push(("callback_url", format!("{base}/api/v1/callbacks/{token}")));
    }
    // The spliced copy replaces the stored one at once: one copy of a large request
    // lives while it is sent.
    let body = bytes::Bytes::from(with_fields(body, &extra));
    let mut last: Option<UpstreamError> = None;
    // Whether a send (of this drive or an earlier one) may have made the task.
    let mut maybe_made = a.sent;
    for send in 0..SENDS {
        if send > 0 {
            // Exponential backoff from 1 s (the upstream's advice for 1303), plus jitter.
            let base = 1000u64 << (send - 1);
            tokio::time::sleep(Duration::from_millis(
                base + clock::jitter_u64() % (base / 2 + 1),
            ))
            .await;
        }
        if maybe_made {
            // A send may have reached the upstream: ask before sending again.
            match state.upstream.find(a.kind, &a.external_task_id).await {
                Ok(Some(task)) => {
                    drop(body);
                    return adopt(state, a, task).await.map(Created::Made);
                }
                Ok(None) => {}
                Err(e) => {
                    tracing::warn!(external = %a.external_task_id, "cannot ask the upstream about a create: {e:?}");
                    last = Some(e);
                    continue;
                }
            }
        }
        if !state
            .store
            .mark_sent(a, clock::now_ms() + lease_ms(state))
            .await?
        {
            // Someone else holds it now (our lease ran out): theirs to finish.
            return Err(in_flight(&a.external_task_id));
        }
        match state.upstream.create_once(a.kind, body.clone()).await {
            Ok(task) => {
                // Adopting copies the request inside the database: the body we sent is
                // not needed beside that copy.
                drop(body);
                return adopt(state, a, task).await.map(Created::Made);
            }
            Err(e) if e.is_busy() => {
                // Over the upstream's concurrency, nothing made: back in line, sent
                // again after a backoff (the queue's sender, not this request, waits).
                drop(body);
                let now = clock::now_ms();
                if now - a.created_at > GIVE_UP_MS {
                    let task = ended_unsent(state, a, STAYED_BUSY).await?;
                    return Ok(Created::Made(task));
                }
                let until = crate::queue::after_busy(state, a, now).await;
                if !state.store.requeue(a, until).await? {
                    return Err(in_flight(&a.external_task_id));
                }
                tracing::debug!(external = %a.external_task_id, "upstream busy (1303): queued again");
                return waiting(state, &a.external_task_id).await;
            }
            Err(e) if e.is_ambiguous() => {
                tracing::debug!(external = %a.external_task_id, "create send {} unanswered: {e:?}", send + 1);
                maybe_made = true;
                last = Some(e);
            }
            Err(refused) => {
                // A refusal is an answer: nothing was made, unless an earlier send got
                // through and this refuses the repeated id. Then the next round asks.
                if !maybe_made {
                    let refused = ApiError::from(refused);
                    if refusal == Refusal::Record {
                        ended_unsent(state, a, &refused.to_string()).await?;
                    } else {
                        state.store.drop_attempt(a).await?;
                    }
                    return Err(refused);
                }
                last = Some(refused);
            }
        }
    }
    // The outcome is unknown: the attempt stays, for the refresher, which tries again
    // after a while that grows with the time since it was first sent (its time in line
    // does not count: a create that waited minutes for a slot has been tried once, and
    // it holds a slot of its pool while it is unknown).
    let now = clock::now_ms();
    let wait = ((now - a.created_at.max(a.not_before)) / 2).clamp(5_000, 600_000);
    state.store.release_attempt(a, now + wait).await?;
    tracing::warn!(external = %a.external_task_id, "create left for later: {last:?}");
    Err(ApiError::Pending(format!(
        "the upstream did not answer this create ({}); it is recorded and will be \
         finished: it appears in the history, and the same request again (same \
         Idempotency-Key or external_task_id) answers its task",
        last.map_or_else(|| "no answer".to_owned(), |e| ApiError::from(e).to_string())
    )))
}

/// An attempt that ends without reaching the upstream (refused after its client got its
/// id, or cancelled while it waited), kept as a failed task under its external id with
/// the reason, so nothing a user asked for vanishes. Recorded straight in the store: it
/// has no results to copy, and on failure it must not be handed to the refresher, which
/// would send it.
async fn ended_unsent(state: &AppState, a: &Attempt, why: &str) -> Result<Task, ApiError> {
    let now = clock::now_ms();
    let mut task = crate::queue::waiting_task(a);
    task.task_status = omni_api::TaskStatus::Failed;
    task.task_status_msg = Some(why.to_owned());
    task.updated_at = now;
    state.store.adopt(a, &task, now).await?;
    crate::events::publish(state, task.task_id.as_str()).await;
    Ok(task)
}

/// Cancels a create still waiting in the queue: it becomes a failed task ("cancelled
/// before it was sent"). One that is being sent, or already a task, cannot be.
pub async fn cancel(state: &AppState, id: &str) -> Result<StudioTask, ApiError> {
    let Some(mut q) = state.store.queued_one(id).await? else {
        return Err(match state.store.get_summary(id).await? {
            Some(_) => ApiError::Conflict(format!(
                "task {id:?} was already sent upstream; only a create still waiting in the queue can be cancelled"
            )),
            None => ApiError::NotFound(format!("no task with id {id:?}")),
        });
    };
    let now = clock::now_ms();
    if !state
        .store
        .claim_queued(&mut q.attempt, now, now + lease_ms(state))
        .await?
    {
        return Err(ApiError::Conflict(format!(
            "task {id:?} is being sent upstream now; it can no longer be cancelled"
        )));
    }
    let task = match ended_unsent(state, &q.attempt, CANCELLED).await {
        Ok(task) => task,
        Err(e) => {
            // Not cancelled after all: back in its place in line, as it was.
            let not_before = q.attempt.not_before;
            let _ = state.store.requeue(&mut q.attempt, not_before).await;
            return Err(e);
        }
    };
    state.queue.wake();
    Ok(StudioTask {
        kind: q.attempt.kind,
        task,
        request: None,
        created_by: q.attempt.created_by.clone(),
        queue: None,
    })
}

/// Why a create the upstream kept calling busy failed.
const STAYED_BUSY: &str =
    "the upstream stayed over its concurrency (1303) for a day; nothing was made";

/// Why a cancelled create failed.
pub const CANCELLED: &str = "cancelled before it was sent upstream";

/// Records the upstream's task for an attempt, then queues its media.
async fn adopt(state: &AppState, a: &Attempt, mut task: Task) -> Result<Task, ApiError> {
    // The store finds the task by this id too, whether or not the upstream echoes it.
    task.task_info.external_task_id = Some(a.external_task_id.clone());
    let now = clock::now_ms();
    let adopted = match state.store.adopt(a, &task, now).await {
        Ok(adopted) => adopted,
        Err(e) => {
            // The upstream has the task and we could not record it: let go of the
            // attempt soon, so a refresher asks the upstream by its id and records it
            // then, instead of when the lease would run out.
            tracing::warn!(external = %a.external_task_id, "cannot record a made task yet: {e}");
            let _ = state.store.release_attempt(a, now + 2_000).await;
            return Err(e.into());
        }
    };
    if adopted {
        crate::metrics::task_created(omni_api::Choice::as_str(a.kind));
    } else if let Some(existing) = state.store.get_summary(&a.external_task_id).await? {
        // Another instance adopted it first: theirs is the stored task.
        return Ok(existing.task.task);
    }
    // A create sent again after a lost answer can find its task already finished.
    copy_results(state, &task, now).await?;
    Ok(task)
}

/// Finishes the attempts nobody holds: left by a crash, by a create whose outcome was
/// unknown, or by an instance that died. Called by the refresher.
pub async fn recover_due(state: &AppState) {
    let now = clock::now_ms();
    let Ok(due) = state.store.attempts_due(now, 16).await else {
        return;
    };
    for mut a in due {
        match state
            .store
            .claim_attempt(&mut a, now, now + lease_ms(state))
            .await
        {
            Ok(true) => {}
            _ => continue,
        }
        if now - a.created_at > GIVE_UP_MS {
            tracing::error!(
                external = %a.external_task_id,
                kind = omni_api::Choice::as_str(a.kind),
                "giving up a create the upstream has not answered for a day; if the upstream \
                 made it, it is found by this external_task_id"
            );
            let _ = state.store.drop_attempt(&a).await;
            continue;
        }
        send_claimed(state, a, "recovered").await;
    }
}

/// On start-up with SQLite no other instance can hold an attempt, so every one left is
/// due at once instead of when its lease runs out.
pub async fn take_over_leases(state: &AppState) -> Result<(), crate::store::StoreError> {
    if state.store.backend() == crate::store::Backend::Sqlite {
        state.store.expire_attempt_leases().await?;
    }
    Ok(())
}

fn conflict(ext: &str) -> ApiError {
    ApiError::Conflict(format!(
        "external_task_id {ext:?} already belongs to a task with a different request"
    ))
}

fn in_flight(ext: &str) -> ApiError {
    ApiError::Pending(format!(
        "a create with external_task_id {ext:?} is in progress; send the same request again shortly"
    ))
}

fn replay(task: StudioTask, stored_hash: &str, hash: &str, ext: &str) -> Result<Task, ApiError> {
    if stored_hash == hash {
        Ok(task.task)
    } else {
        Err(conflict(ext))
    }
}

/// A JSON object's bytes with more string fields at its start (the user's request plus
/// what only the upstream gets: our external id, our callback URL).
fn with_fields(object: Vec<u8>, fields: &[(&str, String)]) -> Vec<u8> {
    if fields.is_empty() {
        return object;
    }
    let mut out = Vec::with_capacity(object.len() + 256);
    out.push(b'{');
    for (name, value) in fields {
        // Writing strings into a Vec cannot fail.
        let _ = serde_json::to_writer(&mut out, name);
        out.push(b':');
        let _ = serde_json::to_writer(&mut out, value);
        out.push(b',');
    }
    match object.strip_prefix(b"{") {
        Some(b"}") => {
            out.pop_if(|b| *b == b',');
            out.push(b'}');
        }
        Some(rest) => out.extend_from_slice(rest),
        // Requests always serialise as objects.
        None => return object,
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_spliced_into_the_object() {
        let extra = [("external_task_id", "studio-k\"1".to_owned())];
        let out = with_fields(br#"{"prompt":"a cat"}"#.to_vec(), &extra);
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"external_task_id": "studio-k\"1", "prompt": "a cat"})
        );
        let empty: serde_json::Value =
            serde_json::from_slice(&with_fields(b"{}".to_vec(), &extra)).unwrap();
        assert_eq!(
            empty,
            serde_json::json!({"external_task_id": "studio-k\"1"})
        );
        assert_eq!(with_fields(br#"{"a":1}"#.to_vec(), &[]), br#"{"a":1}"#);
    }
}
