//! The queue's sender: sends the creates waiting in line, oldest first per pool, as
//! their pool's slots free (see `queue` for the rules, `creates` for the sending).

use crate::{clock, creates, queue, AppState};
use omni_api::queue::Pool;
use omni_api::Choice;
use std::sync::Arc;
use std::time::Duration;

/// How often the queue looks again without being woken (backoffs ending, another
/// instance's tasks finishing).
const TICK: Duration = Duration::from_secs(1);

/// Sends queued creates as slots free, until the server stops.
pub async fn sender(state: Arc<AppState>) {
    let mut closing = state.closing.subscribe();
    loop {
        for pool in Pool::ALL {
            send_what_fits(&state, *pool).await;
        }
        tokio::select! {
            _ = state.queue.woken() => {}
            _ = tokio::time::sleep(TICK) => {}
            _ = closing.changed() => return,
        }
    }
}

async fn send_what_fits(state: &Arc<AppState>, pool: Pool) {
    loop {
        let now = clock::now_ms();
        let mut head = match state.store.queue_head(pool, now).await {
            Ok(Some(head)) => head,
            Ok(None) => return,
            Err(e) => {
                tracing::warn!("the queue cannot read the store: {e}");
                return;
            }
        };
        match queue::room(state, head.pool, head.slots).await {
            Ok(true) => {}
            Ok(false) => return,
            Err(e) => {
                tracing::warn!("the queue cannot count running tasks: {e}");
                return;
            }
        }
        let until = now + creates::lease_ms(state);
        match state.store.claim_queued(&mut head, now, until).await {
            // Sent beside the others: the next may fit too.
            Ok(true) => {
                let state = state.clone();
                tokio::spawn(async move { creates::send_claimed(&state, head, "queued").await });
            }
            // Another instance (or the create's own request) took it.
            Ok(false) => {}
            Err(e) => {
                tracing::warn!("the queue cannot take a create: {e}");
                return;
            }
        }
    }
}
