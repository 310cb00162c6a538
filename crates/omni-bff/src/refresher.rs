//! The background loop that keeps every unfinished task and every unfinished create
//! moving, even when nobody watches them (after a restart, or when another instance
//! died). It sits above `tasks` and `creates`, which both know nothing of it.

use crate::clock;
use crate::tasks::{refresh, refresh_interval_ms, Refresh};
use crate::AppState;
use std::sync::Arc;

/// Keeps unfinished tasks moving even when nobody watches them (and after a restart,
/// or when another instance died).
pub async fn refresher(state: Arc<AppState>) {
    loop {
        tokio::time::sleep(std::time::Duration::from_millis(1000)).await;
        crate::creates::recover_due(&state).await;
        let Ok(open) = state.store.unfinished().await else {
            continue;
        };
        let now = clock::now_ms();
        for stored in open {
            let t = &stored.task.task;
            if now >= stored.refreshed_at + refresh_interval_ms(now - t.created_at) {
                let _ = refresh(&state, t.task_id.as_str(), Refresh::WhenDue).await;
            }
        }
    }
}
