//! "This task changed" between the code that records a change and the event streams
//! that push it to browsers. Within one instance a broadcast channel carries it; across
//! instances on PostgreSQL, NOTIFY / LISTEN does, so a browser connected to one instance
//! hears about a change another instance recorded.

use crate::store::{Backend, NOTIFY_CHANNEL};
use crate::AppState;
use std::sync::Arc;
use tokio::sync::broadcast;

/// Sent to every listener when the database connection was lost and notifications may
/// have been missed: every stream re-reads its task.
pub const ANY_TASK: &str = "*";

/// This instance's listeners.
pub struct Hub {
    tx: broadcast::Sender<Arc<str>>,
}

impl Default for Hub {
    fn default() -> Self {
        // A slow stream that lags just re-reads its task, so a small buffer is enough.
        Hub {
            tx: broadcast::channel(1024).0,
        }
    }
}

impl Hub {
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<str>> {
        self.tx.subscribe()
    }

    /// Wakes this instance's streams of `task_id` (no listener is not an error).
    pub fn wake(&self, task_id: &str) {
        let _ = self.tx.send(Arc::from(task_id));
    }
}

/// Tells every instance that a task changed.
pub async fn publish(state: &AppState, task_id: &str) {
    match state.store.backend() {
        Backend::Sqlite => state.hub.wake(task_id),
        // The NOTIFY comes back to this instance's own LISTEN too.
        Backend::Postgres => {
            if let Err(e) = state.store.notify(task_id).await {
                tracing::warn!(task_id, "NOTIFY failed, waking local streams only: {e}");
                state.hub.wake(task_id);
            }
        }
    }
}

/// On PostgreSQL: LISTENs for other instances' changes and wakes local streams.
pub async fn listen(state: Arc<AppState>) {
    if state.store.backend() != Backend::Postgres {
        return;
    }
    loop {
        let mut listener = match sqlx::postgres::PgListener::connect(state.store.url()).await {
            Ok(l) => l,
            Err(e) => {
                tracing::warn!("LISTEN connection failed: {e}; retrying");
                tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                continue;
            }
        };
        if let Err(e) = listener.listen(NOTIFY_CHANNEL).await {
            tracing::warn!("LISTEN failed: {e}; retrying");
            tokio::time::sleep(std::time::Duration::from_secs(1)).await;
            continue;
        }
        // Whatever happened while we were not listening, streams look again.
        state.hub.wake(ANY_TASK);
        loop {
            match listener.try_recv().await {
                Ok(Some(n)) => state.hub.wake(n.payload()),
                // The connection was lost and re-made: notifications may be gone.
                Ok(None) => state.hub.wake(ANY_TASK),
                Err(e) => {
                    tracing::warn!("LISTEN broke: {e}; reconnecting");
                    break;
                }
            }
        }
    }
}
