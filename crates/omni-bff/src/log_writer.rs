//! Where log lines go: stderr, in batches. One line per request written with its own
//! syscall (and the stderr lock that serialises the workers) cost a quarter of the
//! BFF's read throughput; here a request appends its line to a shared buffer and one
//! thread writes whatever has gathered, so under load a write carries many lines.
//!
//! A line written while the thread waits goes out at once; under load the thread writes
//! at most every 10 ms (at a millisecond it woke 800 times a second at 70,000 reads a
//! second, each wake a sleep, a futex and a write). Warnings and errors are written at
//! once, after everything buffered before them, so the order of lines is kept and the
//! lines that explain a failure are out before it can end the process. [`Logs::flush`]
//! empties the buffer at exit. If stderr stops taking lines, at most 16 MiB wait; later
//! lines are counted, and the count is written once stderr moves again.

use std::io::Write;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::Duration;
use tracing::{Level, Metadata};
use tracing_subscriber::fmt::MakeWriter;

/// How long the writer thread lets lines gather after a write.
const GATHER: Duration = Duration::from_millis(10);
/// At most this much waits to be written: when stderr stops taking lines (a stuck pipe),
/// further lines are counted instead of kept, and the count is written when it moves.
const MAX_PENDING: usize = 16 << 20;

/// The lines not yet written, and whether the writer thread waits for one.
#[derive(Default)]
struct Pending {
    bytes: Vec<u8>,
    writer_waits: bool,
    dropped: u64,
}

#[derive(Default)]
struct Shared {
    pending: Mutex<Pending>,
    wake: Condvar,
    /// Held while writing to stderr, so batches and direct lines never interleave.
    out: Mutex<()>,
}

impl Shared {
    fn pending(&self) -> MutexGuard<'_, Pending> {
        self.pending.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Writes what is pending, then `line`, in that order.
    fn write_out(&self, line: &[u8]) {
        let _out = self.out.lock().unwrap_or_else(|p| p.into_inner());
        let (batch, dropped) = {
            let mut pending = self.pending();
            (
                std::mem::take(&mut pending.bytes),
                std::mem::take(&mut pending.dropped),
            )
        };
        let mut stderr = std::io::stderr().lock();
        // Nowhere to report a failed log write: the line is lost, the request is not.
        let _ = stderr.write_all(&batch);
        if dropped > 0 {
            let _ = writeln!(
                stderr,
                "omni-bff: {dropped} log lines dropped: stderr was not taking them"
            );
        }
        let _ = stderr.write_all(line);
    }

    /// Adds a line to what waits, or counts it when too much waits already.
    fn gather(&self, line: &[u8]) {
        let mut pending = self.pending();
        if pending.bytes.len() + line.len() > MAX_PENDING {
            pending.dropped += 1;
        } else {
            pending.bytes.extend_from_slice(line);
        }
        if pending.writer_waits {
            pending.writer_waits = false;
            self.wake.notify_one();
        }
    }
}

/// The `MakeWriter` for tracing-subscriber, and the handle that flushes at exit.
#[derive(Clone, Default)]
pub struct Logs {
    shared: Arc<Shared>,
}

impl Logs {
    /// Starts the thread that writes gathered lines.
    pub fn start() -> std::io::Result<Logs> {
        let logs = Logs::default();
        let shared = logs.shared.clone();
        std::thread::Builder::new()
            .name("omni-logs".into())
            .spawn(move || loop {
                {
                    let mut pending = shared.pending();
                    while pending.bytes.is_empty() {
                        pending.writer_waits = true;
                        pending = shared.wake.wait(pending).unwrap_or_else(|p| p.into_inner());
                    }
                    pending.writer_waits = false;
                }
                shared.write_out(&[]);
                std::thread::sleep(GATHER);
            })?;
        Ok(logs)
    }

    /// Writes every line gathered so far.
    pub fn flush(&self) {
        self.shared.write_out(&[]);
    }

    /// The request line is written straight to these logs, in the text format (`ansi`:
    /// with colours); set once, by the binary, when its log format is text.
    pub fn take_request_lines(&self, ansi: bool) {
        let _ = REQUEST_LINES.set((self.clone(), ansi));
    }

    /// Adds a whole INFO line (below warnings, so it waits for the writer thread).
    pub fn gather(&self, line: &[u8]) {
        self.shared.gather(line);
    }
}

/// Where the request line goes when it is written without tracing (see
/// [`crate::request_log`]): the text format's logs, and whether they colour.
static REQUEST_LINES: std::sync::OnceLock<(Logs, bool)> = std::sync::OnceLock::new();

/// The logs that take request lines and whether they colour; `None` when none do (the
/// JSON format, tests).
pub fn request_lines() -> Option<&'static (Logs, bool)> {
    REQUEST_LINES.get()
}

/// One event's writer: tracing-subscriber formats a whole line, then writes it once.
pub struct LineWriter<'a> {
    shared: &'a Shared,
    at_once: bool,
}

impl Write for LineWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.at_once {
            self.shared.write_out(buf);
        } else {
            self.shared.gather(buf);
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Logs {
    type Writer = LineWriter<'a>;

    fn make_writer(&'a self) -> LineWriter<'a> {
        LineWriter {
            shared: &self.shared,
            at_once: false,
        }
    }

    fn make_writer_for(&'a self, meta: &Metadata<'_>) -> LineWriter<'a> {
        LineWriter {
            shared: &self.shared,
            at_once: *meta.level() <= Level::WARN,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gathered_lines_wait_and_warnings_take_them_along_in_order() {
        let logs = Logs::default();
        let line = |at_once| LineWriter {
            shared: &logs.shared,
            at_once,
        };
        line(false).write_all(b"one\n").unwrap();
        line(false).write_all(b"two\n").unwrap();
        assert_eq!(logs.shared.pending().bytes, b"one\ntwo\n");
        // A warning writes what waited first, then itself: nothing is left behind.
        line(true).write_all(b"three\n").unwrap();
        assert!(logs.shared.pending().bytes.is_empty());
    }

    #[test]
    fn lines_past_the_bound_are_counted_not_kept() {
        let logs = Logs::default();
        let big = vec![b'x'; MAX_PENDING - 10];
        logs.shared.gather(&big);
        logs.shared.gather(b"fits\n");
        logs.shared.gather(b"does not fit\n");
        let pending = logs.shared.pending();
        assert_eq!(pending.bytes.len(), MAX_PENDING - 5);
        assert_eq!(pending.dropped, 1);
    }
}
