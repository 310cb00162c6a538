//! Lanes: threads that each serve their share of the connections on a runtime of their
//! own, the way nginx's workers do.
//!
//! Why: on the shared work-stealing runtime a kept task read paid the scheduler's
//! cross-thread wake-ups and one epoll for all workers; with a lane per core, reads went
//! from 0.76x nginx's throughput to 0.88x at 32 connections and from 0.72x to 0.80x at
//! 256 (`cargo xtask bench`, wrk and the BFF on the same two cores). A connection stays
//! on its lane for life, so a lane must never be kept busy, and a lane woken from another
//! thread for each request loses what it won (with every request on the lanes, reads of
//! a running task, which wait on the store, fell from ~27,700 to ~23,700 a second at 100
//! clients): the studio answers on the lane only what it has in memory
//! (`routes::front`) and runs every other request on the shared runtime with
//! [`on_shared`] (creates parse and check bodies of up to 140 MB there).

use crate::error::ApiError;
use axum::response::{IntoResponse as _, Response};
use futures_util::future::BoxFuture;
use std::convert::Infallible;
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::runtime::{Builder, Handle};
use tokio::sync::oneshot;

/// The lanes' runtimes; dropping it stops them (a lane's tasks are dropped with it).
pub struct Lanes {
    lanes: Vec<Handle>,
    next: AtomicUsize,
    /// Each lane's thread runs until its sender is dropped.
    _stops: Vec<oneshot::Sender<()>>,
}

impl Lanes {
    /// No lanes: [`Lanes::next`] is the caller's runtime.
    pub fn none() -> Lanes {
        Lanes {
            lanes: Vec::new(),
            next: AtomicUsize::new(0),
            _stops: Vec::new(),
        }
    }

    /// `n` lanes, each a thread named `omni-lane-N` with a single-threaded runtime
    /// (with none, as [`Lanes::none`]).
    pub fn start(n: usize) -> std::io::Result<Lanes> {
        let mut lanes = Vec::with_capacity(n);
        let mut stops = Vec::with_capacity(n);
        for i in 0..n {
            let runtime = Builder::new_current_thread().enable_all().build()?;
            lanes.push(runtime.handle().clone());
            let (stop, stopped) = oneshot::channel::<()>();
            stops.push(stop);
            // The runtime is dropped on its own thread, outside any async context.
            std::thread::Builder::new()
                .name(format!("omni-lane-{i}"))
                .spawn(move || {
                    let _ = runtime.block_on(stopped);
                })?;
        }
        Ok(Lanes {
            lanes,
            _stops: stops,
            ..Lanes::none()
        })
    }

    /// The runtime for the next connection: the lanes in turn (wrk's 256 connections,
    /// opened at once, were split unevenly when lanes raced to accept them).
    pub fn next(&self) -> Handle {
        if self.lanes.is_empty() {
            return Handle::current();
        }
        let i = self.next.fetch_add(1, Ordering::Relaxed) % self.lanes.len();
        self.lanes[i].clone()
    }
}

/// `call` run on `shared` (when it is not the runtime polling the answer), its answer
/// awaited where it is asked for. A handler that panicked there answers 500 in the
/// envelope; one whose client went away still finishes (a create is recorded either way).
pub fn on_shared<F>(shared: &Handle, call: F) -> BoxFuture<'static, Result<Response, Infallible>>
where
    F: Future<Output = Result<Response, Infallible>> + Send + 'static,
{
    if Handle::try_current().is_ok_and(|here| here.id() == shared.id()) {
        return Box::pin(call);
    }
    let task = shared.spawn(call);
    Box::pin(async move {
        Ok(match task.await {
            Ok(Ok(answer)) => answer,
            Ok(Err(never)) => match never {},
            Err(e) => {
                ApiError::Internal(format!("the request's handler failed: {e}")).into_response()
            }
        })
    })
}

/// One lane per core the process may use.
pub fn per_core() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lane_name() -> String {
        std::thread::current().name().unwrap_or_default().to_owned()
    }

    #[tokio::test]
    async fn tasks_go_to_the_lanes_in_turn() {
        let lanes = Lanes::start(2).unwrap();
        let mut seen = Vec::new();
        for _ in 0..4 {
            let (tx, rx) = oneshot::channel();
            lanes.next().spawn(async move {
                let _ = tx.send(lane_name());
            });
            seen.push(rx.await.unwrap());
        }
        assert_eq!(
            seen,
            ["omni-lane-0", "omni-lane-1", "omni-lane-0", "omni-lane-1"]
        );
    }

    #[tokio::test]
    async fn without_lanes_the_callers_runtime_runs_them() {
        let lanes = Lanes::start(0).unwrap();
        let (tx, rx) = oneshot::channel();
        lanes.next().spawn(async move {
            let _ = tx.send(lane_name());
        });
        assert!(!rx.await.unwrap().starts_with("omni-lane"));
    }

    /// What `on_shared` answers, asked for on a lane: the thread that ran `make`'s
    /// handler (in the body) or its status.
    async fn from_a_lane(panics: bool) -> (u16, String) {
        let shared = Handle::current();
        let lanes = Lanes::start(1).unwrap();
        let (tx, rx) = oneshot::channel();
        lanes.next().spawn(async move {
            let call = async move {
                if panics {
                    panic!("a handler's bug");
                }
                Ok(lane_name().into_response())
            };
            let answer = on_shared(&shared, call).await.unwrap();
            let status = answer.status().as_u16();
            let body = axum::body::to_bytes(answer.into_body(), 1 << 16)
                .await
                .unwrap();
            let _ = tx.send((status, String::from_utf8_lossy(&body).into_owned()));
        });
        rx.await.unwrap()
    }

    #[tokio::test]
    async fn work_asked_for_on_a_lane_runs_on_the_shared_runtime() {
        let (status, ran_on) = from_a_lane(false).await;
        assert_eq!(status, 200);
        assert!(!ran_on.starts_with("omni-lane"), "{ran_on}");
    }

    #[tokio::test]
    async fn a_handler_that_panics_there_answers_500_in_the_envelope() {
        let (status, body) = from_a_lane(true).await;
        assert_eq!(status, 500);
        assert!(body.contains("\"code\"") && !body.contains("bug"), "{body}");
    }

    #[tokio::test]
    async fn dropping_the_lanes_drops_their_tasks() {
        let lanes = Lanes::start(1).unwrap();
        let (tx, rx) = oneshot::channel::<()>();
        lanes.next().spawn(async move {
            std::future::pending::<()>().await;
            drop(tx);
        });
        drop(lanes);
        // The pending task held the sender; its lane's runtime dropped it.
        assert!(rx.await.is_err());
    }
}
