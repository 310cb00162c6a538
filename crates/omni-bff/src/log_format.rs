//! How a log line is written. The text format is tracing-subscriber's `Full` line
//! (`TIME LEVEL target: message field=value ...`), written here because its own
//! formatter styled every part through nu_ansi_term (even with colours off) and
//! formatted the date from scratch each time: measured with callgrind, the request log
//! line was a fifth of the instructions of a cached task read, half of it in those two.
//! The JSON format stays tracing-subscriber's; both take the time from [`Clock`].

use std::cell::RefCell;
use std::fmt::{self, Write as _};
use std::time::{SystemTime, UNIX_EPOCH};
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::time::FormatTime;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields, FormattedFields};
use tracing_subscriber::registry::LookupSpan;

/// UTC time as RFC 3339 with microseconds (`2026-11-30T07:50:52.426968Z`), as
/// tracing-subscriber writes it; the date and time of day are formatted once a second
/// per thread.
#[derive(Clone, Copy, Default)]
pub struct Clock;

impl FormatTime for Clock {
    fn format_time(&self, w: &mut Writer<'_>) -> fmt::Result {
        now(|date, fraction| {
            w.write_str(date)?;
            w.write_str(std::str::from_utf8(fraction).unwrap_or_default())
        })
    }
}

/// `f` of the time now as [`Clock`] writes it: the date and time of day (made once a
/// second per thread), then `.` and the microseconds and `Z`.
fn now<R>(f: impl FnOnce(&str, &[u8; 8]) -> R) -> R {
    let since = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    thread_local! {
        static SECOND: RefCell<(u64, String)> = const { RefCell::new((u64::MAX, String::new())) };
    }
    let mut fraction = *b".000000Z";
    write_digits(&mut fraction[1..7], since.subsec_micros().into());
    SECOND.with_borrow_mut(|(second, text)| {
        if *second != since.as_secs() {
            *second = since.as_secs();
            text.clear();
            let _ = date_time(since.as_secs(), text);
        }
        f(text, &fraction)
    })
}

/// `n`'s last `out.len()` decimal digits into `out`, zero-padded.
fn write_digits(out: &mut [u8], mut n: u64) {
    for digit in out.iter_mut().rev() {
        *digit = b'0' + (n % 10) as u8;
        n /= 10;
    }
}

/// `n` in decimal, without a formatter (status codes and counts in every request line).
fn write_decimal(w: &mut Writer<'_>, n: u64) -> fmt::Result {
    w.write_str(std::str::from_utf8(decimal(n, &mut [0; 20])).unwrap_or_default())
}

/// `n` in decimal, written at the end of `digits`.
fn decimal(n: u64, digits: &mut [u8; 20]) -> &[u8] {
    let len = n.checked_ilog10().unwrap_or(0) as usize + 1;
    let start = digits.len() - len;
    write_digits(&mut digits[start..], n);
    &digits[start..]
}

/// `thousandths / 1000` as `{}` writes that number as an `f64` (below 10^15
/// thousandths): the whole part, then up to three places without trailing zeros, handed
/// to `push` piece by piece.
fn millis(thousandths: u64, mut push: impl FnMut(&[u8])) {
    push(decimal(thousandths / 1000, &mut [0; 20]));
    let mut fraction = thousandths % 1000;
    if fraction == 0 {
        return;
    }
    let mut places = 3;
    while fraction.is_multiple_of(10) {
        fraction /= 10;
        places -= 1;
    }
    let mut buf = *b".000";
    write_digits(&mut buf[1..=places], fraction);
    push(&buf[..=places]);
}

/// `value` as `{value}` writes it. Every request line has a latency in whole
/// microseconds (`0.783` ms): such a value, a whole number of thousandths under 10^12,
/// is written from integers (Rust's shortest round-trip form of it is exactly those
/// digits: no shorter decimal lies within half a unit of the last place), the rest by
/// the formatter, whose float path was a fortieth of a cached read.
fn write_f64(w: &mut Writer<'_>, value: f64) -> fmt::Result {
    let thousandths = (value * 1000.0).round();
    if value.is_sign_negative() || thousandths >= 1e15 || thousandths / 1000.0 != value {
        return write!(w, "{value}");
    }
    let mut result = Ok(());
    millis(thousandths as u64, |part| {
        if result.is_ok() {
            result = w.write_str(std::str::from_utf8(part).unwrap_or_default());
        }
    });
    result
}

/// `YYYY-MM-DDTHH:MM:SS` for seconds since the epoch (UTC, proleptic Gregorian).
fn date_time(secs: u64, out: &mut String) -> fmt::Result {
    let (days, rest) = (secs / 86_400, secs % 86_400);
    // Howard Hinnant's civil_from_days, for days since 1970-01-01 (never negative here).
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    write!(
        out,
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

/// The request line as [`Text`] writes the event `request_log` would otherwise send
/// through tracing: formatted here, it costs a fifth of the user time tracing's
/// dispatch and field visits did (a cached read spent a quarter of its time on its log
/// line). Appended to `out`.
pub fn request_line(
    out: &mut Vec<u8>,
    ansi: bool,
    method: &str,
    route: &str,
    status: u16,
    latency_micros: u64,
    request_id: &str,
) {
    // Bytes appended in place: through `fmt::Write` each part was a call through a
    // `dyn` writer, together a tenth of a kept read's instructions.
    now(|date, fraction| {
        out.extend_from_slice(date.as_bytes());
        out.extend_from_slice(fraction);
    });
    out.extend_from_slice(if ansi {
        b" \x1b[32m INFO\x1b[0m "
    } else {
        b"  INFO "
    });
    out.extend_from_slice(b"omni_bff::http: request method=");
    out.extend_from_slice(method.as_bytes());
    out.extend_from_slice(b" route=");
    out.extend_from_slice(route.as_bytes());
    out.extend_from_slice(b" status=");
    out.extend_from_slice(decimal(status.into(), &mut [0; 20]));
    out.extend_from_slice(b" latency_ms=");
    // As the JSON format's `latency_micros / 1000.0` is written.
    millis(latency_micros, |part| out.extend_from_slice(part));
    out.extend_from_slice(b" request_id=");
    out.extend_from_slice(request_id.as_bytes());
    out.push(b'\n');
}

/// The text line. Colours (the level only) when writing to a terminal.
pub struct Text;

impl<S, N> FormatEvent<S, N> for Text
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut w: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let meta = event.metadata();
        Clock.format_time(&mut w)?;
        let (name, colour) = match *meta.level() {
            Level::ERROR => ("ERROR", "31"),
            Level::WARN => (" WARN", "33"),
            Level::INFO => (" INFO", "32"),
            Level::DEBUG => ("DEBUG", "34"),
            Level::TRACE => ("TRACE", "35"),
        };
        if w.has_ansi_escapes() {
            write!(w, " \x1b[{colour}m{name}\x1b[0m ")?;
        } else {
            write!(w, " {name} ")?;
        }
        // The spans the event happened in, outermost first (none of ours; a
        // dependency's, rarely).
        if let Some(scope) = ctx.event_scope() {
            for span in scope.from_root() {
                w.write_str(span.name())?;
                if let Some(fields) = span.extensions().get::<FormattedFields<N>>() {
                    if !fields.is_empty() {
                        write!(w, "{{{fields}}}")?;
                    }
                }
                w.write_char(':')?;
            }
            w.write_char(' ')?;
        }
        w.write_str(meta.target())?;
        w.write_char(':')?;
        let mut fields = Fields {
            w: &mut w,
            result: Ok(()),
        };
        event.record(&mut fields);
        fields.result?;
        w.write_char('\n')
    }
}

/// An event's fields as ` message name=value ...`.
struct Fields<'a, 'w> {
    w: &'a mut Writer<'w>,
    result: fmt::Result,
}

impl Fields<'_, '_> {
    fn name(&mut self, field: &Field) -> fmt::Result {
        self.w.write_char(' ')?;
        if field.name() != "message" {
            self.w.write_str(field.name())?;
            self.w.write_char('=')?;
        }
        Ok(())
    }
}

impl Visit for Fields<'_, '_> {
    fn record_u64(&mut self, field: &Field, value: u64) {
        if self.result.is_ok() {
            self.result = self.name(field).and_then(|()| write_decimal(self.w, value));
        }
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        if self.result.is_ok() {
            self.result = self.name(field).and_then(|()| {
                if value < 0 {
                    self.w.write_char('-')?;
                }
                write_decimal(self.w, value.unsigned_abs())
            });
        }
    }

    fn record_f64(&mut self, field: &Field, value: f64) {
        if self.result.is_ok() {
            self.result = self.name(field).and_then(|()| write_f64(self.w, value));
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if self.result.is_ok() {
            self.result = self.name(field).and_then(|()| write!(self.w, "{value:?}"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: u64) -> String {
        let mut s = String::new();
        date_time(secs, &mut s).unwrap();
        s
    }

    #[test]
    fn dates_are_the_calendars() {
        assert_eq!(at(0), "1970-01-01T00:00:00");
        assert_eq!(at(951_782_400), "2000-02-29T00:00:00");
        assert_eq!(at(951_868_799), "2000-02-29T23:59:59");
        assert_eq!(at(1_709_164_800), "2024-02-29T00:00:00");
        assert_eq!(at(1_798_761_599), "2026-12-31T23:59:59");
        assert_eq!(at(4_107_542_400), "2100-03-01T00:00:00");
    }

    /// Lines written through `Text` and through tracing-subscriber's own `Full` format
    /// (colours off), for events with every kind of field.
    fn lines(text_format: bool) -> Vec<String> {
        use std::sync::{Arc, Mutex};
        #[derive(Clone, Default)]
        struct Sink(Arc<Mutex<Vec<u8>>>);
        impl std::io::Write for Sink {
            fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
                self.0.lock().unwrap().extend_from_slice(buf);
                Ok(buf.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let sink = Sink::default();
        let writer = sink.clone();
        let events = || {
            tracing::info!(target: "omni_bff::http", method = %"GET", route = %"/api/v1/tasks/{id}",
                status = 200u16, latency_ms = 0.25, request_id = %"req_1", "request");
            tracing::warn!(task = "t 1", delta = -7i64, zero = 0u64, ok = true, list = ?[1, 2], "plain {}", 42);
            tracing::error!(reason = "no message");
        };
        let builder = tracing_subscriber::fmt()
            .with_ansi(false)
            .with_writer(move || writer.clone());
        if text_format {
            tracing::subscriber::with_default(builder.event_format(Text).finish(), events);
        } else {
            tracing::subscriber::with_default(builder.finish(), events);
        }
        let text = String::from_utf8(sink.0.lock().unwrap().clone()).unwrap();
        text.lines().map(str::to_owned).collect()
    }

    #[test]
    fn lines_are_tracing_subscribers_full_format() {
        let (ours, theirs) = (lines(true), lines(false));
        assert_eq!(ours.len(), 3, "{ours:?}");
        // The same text after the time (which differs by when each was written).
        let after_time = |l: &String| l[27..].to_owned();
        assert_eq!(
            ours.iter().map(after_time).collect::<Vec<_>>(),
            theirs.iter().map(after_time).collect::<Vec<_>>()
        );
        assert_eq!(
            after_time(&ours[0]),
            "  INFO omni_bff::http: request method=GET route=/api/v1/tasks/{id} status=200 latency_ms=0.25 request_id=req_1"
        );
        // The time as RFC 3339 with microseconds: 2026-11-30T07:50:52.426968Z.
        for line in &ours {
            let shape: String = line[..27]
                .chars()
                .map(|c| if c.is_ascii_digit() { '0' } else { c })
                .collect();
            assert_eq!(shape, "0000-00-00T00:00:00.000000Z", "{line}");
        }
    }

    #[test]
    fn the_request_line_is_the_line_tracing_writes_for_its_event() {
        let through_tracing = lines(true)[0].clone();
        let mut direct = Vec::new();
        request_line(
            &mut direct,
            false,
            "GET",
            "/api/v1/tasks/{id}",
            200,
            250,
            "req_1",
        );
        let direct = String::from_utf8(direct).unwrap();
        assert_eq!(direct[27..], format!("{}\n", &through_tracing[27..]));
        let mut coloured = Vec::new();
        request_line(&mut coloured, true, "GET", "/x", 404, 1500, "r");
        assert_eq!(
            coloured[27..],
            *b" \x1b[32m INFO\x1b[0m omni_bff::http: request method=GET route=/x status=404 latency_ms=1.5 request_id=r\n"
        );
        // Every latency as tracing's `{}` writes the float the JSON format logs.
        for micros in [0, 1, 10, 100, 999, 1000, 1001, 1010, 12_345, 999_999_999] {
            let mut line = Vec::new();
            request_line(&mut line, false, "GET", "/x", 200, micros, "r");
            let line = String::from_utf8(line).unwrap();
            let want = format!(" latency_ms={} ", micros as f64 / 1000.0);
            assert!(line.contains(&want), "{line} lacks {want}");
        }
    }

    #[test]
    fn floats_are_written_as_the_formatter_writes_them() {
        let written = |v: f64| {
            let mut s = String::new();
            write_f64(&mut Writer::new(&mut s), v).unwrap();
            s
        };
        let mut values = vec![
            0.0,
            -0.0,
            1.0,
            0.25,
            0.1,
            0.7835,
            1e11 + 0.001,
            1e12 - 0.001,
        ];
        values.extend([
            1e15,
            1e300,
            -1.5,
            f64::NAN,
            f64::INFINITY,
            1.0 / 3.0,
            2.5e-7,
        ]);
        // Every whole number of microseconds a request line can carry, up to 10 s.
        values.extend((0..10_000_000u64).step_by(997).map(|us| us as f64 / 1000.0));
        for v in values {
            assert_eq!(written(v), format!("{v}"), "{v:e}");
        }
    }

    /// Every day from 1970 to 2400 against a plain day-by-day count.
    #[test]
    fn every_day_agrees_with_counting() {
        let (mut year, mut month, mut day) = (1970u64, 1u64, 1u64);
        for days in 0..(430 * 366) {
            let expected = format!("{year:04}-{month:02}-{day:02}T00:00:00");
            assert_eq!(at(days * 86_400), expected);
            let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
            let length = match month {
                2 if leap => 29,
                2 => 28,
                4 | 6 | 9 | 11 => 30,
                _ => 31,
            };
            day += 1;
            if day > length {
                (day, month) = (1, month + 1);
                if month > 12 {
                    (month, year) = (1, year + 1);
                }
            }
        }
    }
}
