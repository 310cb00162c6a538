//! The queue: creates beyond the upstream's concurrency wait in the store (as attempts
//! marked queued) and are sent, oldest first per pool, as slots free. The limit per pool
//! is `--max-in-flight`, else the catalog's `concurrency`; a task holds its slots from
//! its create until it ends. An upstream that still answers 1303 (another client on the
//! same account, or two instances taking the last slot at once) puts the create back in
//! line with a growing backoff, and lowers the pool's limit to what ran then; the limit
//! climbs back a slot at a time. Taking a queued create is one conditional update, so
//! across instances each is sent once; it lives in the database, so it survives restarts.

use crate::store::{Attempt, Queued, StoreError};
use crate::{clock, AppState};
use omni_api::queue::{Concurrency, Pool, QueueState};
use omni_api::task::{TaskInfo, TaskRequest};
use omni_api::{Choice, StudioTask, Task, TaskId, TaskStatus};

/// The longest backoff after the upstream said it was busy.
const MAX_BACKOFF_MS: i64 = 60_000;

/// How fast a limit learnt from the upstream's 1303 gives way: one slot more per step,
/// back up to the configured limit. A 1303 says the pack was full then, not for how long
/// (another client may stop, a pack may be upgraded, a 1303 may be a passing fault), and
/// holding the pool at one slot for minutes on one such answer drains a long line one
/// task at a time. A step too far costs one more 1303, which makes nothing and re-learns.
const CLIMB_STEP_MS: i64 = 15_000;

/// The limits in force and the bell that wakes the sender.
pub struct Queue {
    limits: Concurrency,
    /// Per pool, a lower limit the upstream taught by answering 1303, and when.
    learnt: std::sync::Mutex<std::collections::HashMap<Pool, (u32, i64)>>,
    wake: tokio::sync::Notify,
}

impl Queue {
    pub fn new(limits: Concurrency) -> Self {
        Queue {
            limits,
            learnt: Default::default(),
            wake: tokio::sync::Notify::new(),
        }
    }

    /// The slots `pool` may hold now: the configured limit, or less where the upstream
    /// said so lately.
    pub fn limit(&self, pool: Pool) -> u32 {
        self.limit_at(pool, clock::now_ms())
    }

    fn limit_at(&self, pool: Pool, now: i64) -> u32 {
        let configured = self.limits.of(pool);
        let learnt = self.learnt.lock().unwrap_or_else(|p| p.into_inner());
        match learnt.get(&pool) {
            Some((n, at)) => {
                let climbed = u32::try_from((now - at).max(0) / CLIMB_STEP_MS).unwrap_or(u32::MAX);
                configured.min(n.saturating_add(climbed))
            }
            None => configured,
        }
    }

    /// The upstream answered 1303 while `running` slots of ours ran in `pool`: that is
    /// all it takes from us for now. With none of ours running, someone else fills the
    /// pack, and only the backoff helps.
    pub fn learn(&self, pool: Pool, running: i64) {
        self.learn_at(pool, running, clock::now_ms());
    }

    fn learn_at(&self, pool: Pool, running: i64, now: i64) {
        if running >= 1 {
            let n = u32::try_from(running).unwrap_or(u32::MAX);
            let mut learnt = self.learnt.lock().unwrap_or_else(|p| p.into_inner());
            learnt.insert(pool, (n, now));
            tracing::info!(
                pool = pool.as_str(),
                "the upstream runs {n} slots at most for now (1303)"
            );
        }
    }

    pub fn limits(&self) -> Concurrency {
        self.limits
    }

    /// Something changed: a create waits, or a task ended.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Waits for `wake`.
    pub async fn woken(&self) {
        self.wake.notified().await;
    }
}

/// Whether a create of `slots` in `pool` may be sent at once, without joining the line:
/// nothing in the pool waits that may go now, and the pool has room (a create bigger than
/// the whole limit goes alone). Decided before the create is recorded, so the sender
/// never sees it as waiting; two creates deciding at once may both go, and the
/// upstream's 1303 puts one back.
pub async fn room_now(state: &AppState, pool: Pool, slots: u32) -> Result<bool, StoreError> {
    if state
        .store
        .queue_head(pool, clock::now_ms())
        .await?
        .is_some()
    {
        return Ok(false);
    }
    room(state, pool, slots).await
}

/// Whether `pool` has room for `slots` more.
pub async fn room(state: &AppState, pool: Pool, slots: u32) -> Result<bool, StoreError> {
    let used = state.store.running_slots(pool).await?;
    Ok(used == 0 || used + i64::from(slots) <= i64::from(state.queue.limit(pool)))
}

/// After a 1303 for `a`: what the upstream taught, and when `a` may be sent again.
/// While tasks of ours hold the pool, it waits for one of them to end (the sender is
/// woken then); otherwise it backs off.
pub async fn after_busy(state: &AppState, a: &Attempt, now: i64) -> i64 {
    let running = match state.store.running_slots(a.pool).await {
        Ok(all) => all - i64::from(a.slots),
        Err(_) => 0,
    };
    state.queue.learn(a.pool, running);
    if running >= 1 {
        now + 500
    } else {
        backoff_until(a.busy_answers, now)
    }
}

/// When a create the upstream called busy may be sent again: 1 s, doubling, at most a
/// minute, with jitter so instances do not answer in step.
pub fn backoff_until(busy_answers: i64, now: i64) -> i64 {
    let base = (1000i64 << busy_answers.clamp(0, 6)).min(MAX_BACKOFF_MS);
    now + base + (clock::jitter_u64() % (base as u64 / 4 + 1)) as i64
}

/// A create the upstream does not have yet, as a task: its external id stands for its
/// task id, `submitted`.
pub fn waiting_task(a: &Attempt) -> Task {
    Task {
        task_id: TaskId(a.external_task_id.clone()),
        task_status: TaskStatus::Submitted,
        task_status_msg: None,
        task_info: TaskInfo {
            external_task_id: Some(a.external_task_id.clone()),
            ..TaskInfo::default()
        },
        watermark_info: None,
        final_unit_deduction: None,
        created_at: a.created_at,
        updated_at: a.created_at,
        task_result: Default::default(),
    }
}

/// A waiting create as the studio's routes answer it: the task, with its place in line.
pub fn view(q: &Queued, request: Option<TaskRequest>) -> StudioTask {
    let a = &q.attempt;
    StudioTask {
        kind: a.kind,
        task: waiting_task(a),
        request: request.or_else(|| Some(TaskRequest::summary(&q.prompt))),
        created_by: a.created_by.clone(),
        queue: Some(QueueState {
            place: q.place,
            not_before: (a.not_before > clock::now_ms()).then_some(a.not_before),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_learnt_limit_climbs_back_a_slot_per_step() {
        let q = Queue::new(Concurrency::default());
        let configured = q.limits().of(Pool::Image);
        assert!(configured > 3, "the catalog's image limit: {configured}");
        let t = 1_000_000;
        q.learn_at(Pool::Image, 0, t);
        assert_eq!(
            q.limit_at(Pool::Image, t),
            configured,
            "nothing of ours ran: nothing learnt"
        );
        q.learn_at(Pool::Image, 2, t);
        assert_eq!(q.limit_at(Pool::Image, t), 2);
        assert_eq!(q.limit_at(Pool::Image, t + CLIMB_STEP_MS - 1), 2);
        assert_eq!(q.limit_at(Pool::Image, t + CLIMB_STEP_MS), 3);
        assert_eq!(q.limit_at(Pool::Image, t + 3 * CLIMB_STEP_MS), 5);
        assert_eq!(q.limit_at(Pool::Image, t + 100 * CLIMB_STEP_MS), configured);
        assert_eq!(
            q.limit_at(Pool::Video, t),
            q.limits().of(Pool::Video),
            "per pool"
        );
        // Another 1303 on the way up starts again from what ran then.
        q.learn_at(Pool::Image, 4, t + 5 * CLIMB_STEP_MS);
        assert_eq!(q.limit_at(Pool::Image, t + 5 * CLIMB_STEP_MS), 4);
    }
}
