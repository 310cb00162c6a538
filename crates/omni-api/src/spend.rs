//! Who spent what: charged units summed by day, person and model, the calendar days a
//! report covers, the CSV export, and the upstream account's remaining units. The BFF
//! sums, the app draws; both read the same types.

use crate::{Expected, Problem, Violations};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Charged units (the upstream's `final_unit_deduction`, a decimal text such as "0.252"),
/// held as millionths so sums are exact and the database can add them as integers; in
/// JSON a decimal text, as the upstream writes it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(value_type = String, example = "2.1"))]
pub struct Units(pub i64);

impl Serialize for Units {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Units {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        let (negative, digits) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text.as_str()),
        };
        let units = Units::parse(digits)
            .ok_or_else(|| serde::de::Error::custom("units must be a decimal text"))?;
        Ok(if negative { Units(-units.0) } else { units })
    }
}

const MICRO: i64 = 1_000_000;

impl Units {
    /// Reads the upstream's decimal text; `None` for anything that is not a
    /// non-negative decimal (digits beyond the sixth decimal place are dropped).
    pub fn parse(text: &str) -> Option<Units> {
        let text = text.trim();
        let (whole, frac) = text.split_once('.').unwrap_or((text, ""));
        let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty() && frac.is_empty() || !digits(whole) || !digits(frac) {
            return None;
        }
        let whole: i64 = if whole.is_empty() {
            0
        } else {
            whole.parse().ok()?
        };
        let mut micro = 0i64;
        for (i, b) in frac.bytes().take(6).enumerate() {
            micro += i64::from(b - b'0') * 10i64.pow(5 - i as u32);
        }
        whole.checked_mul(MICRO)?.checked_add(micro).map(Units)
    }

    /// As a float, for drawing.
    pub fn as_f64(self) -> f64 {
        self.0 as f64 / MICRO as f64
    }
}

impl fmt::Display for Units {
    /// The shortest exact decimal: "2", "0.252", "12.5".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        let (whole, frac) = (abs / MICRO as u64, abs % MICRO as u64);
        if frac == 0 {
            return write!(f, "{sign}{whole}");
        }
        let frac = format!("{frac:06}");
        write!(f, "{sign}{whole}.{}", frac.trim_end_matches('0'))
    }
}

/// A calendar day, as days since 1970-01-01 (civil calendar, proleptic Gregorian).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Day(pub i64);

pub const DAY_MS: i64 = 86_400_000;

impl Day {
    /// Reads `YYYY-MM-DD`.
    pub fn parse(text: &str) -> Option<Day> {
        let mut parts = text.trim().splitn(3, '-');
        let y: i64 = parts.next()?.parse().ok()?;
        let m: u32 = parts.next()?.parse().ok()?;
        let d: u32 = parts.next()?.parse().ok()?;
        let ok = (1..=12).contains(&m) && d >= 1 && d <= days_in_month(y, m);
        (ok && (1970..=9999).contains(&y)).then(|| Day(days_from_civil(y, m, d)))
    }

    /// The day holding `ms` (milliseconds since the epoch) for a clock `offset_minutes`
    /// east of UTC.
    pub fn of_ms(ms: i64, offset_minutes: i32) -> Day {
        Day((ms + i64::from(offset_minutes) * 60_000).div_euclid(DAY_MS))
    }

    /// When this day starts, in ms since the epoch, for a clock `offset_minutes` east of UTC.
    pub fn start_ms(self, offset_minutes: i32) -> i64 {
        self.0 * DAY_MS - i64::from(offset_minutes) * 60_000
    }

    pub fn next(self) -> Day {
        Day(self.0 + 1)
    }
}

impl fmt::Display for Day {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, m, d) = civil_from_days(self.0);
        write!(f, "{y:04}-{m:02}-{d:02}")
    }
}

impl Serialize for Day {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Day {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Day::parse(&text).ok_or_else(|| serde::de::Error::custom("a day must be YYYY-MM-DD"))
    }
}

fn is_leap(y: i64) -> bool {
    y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

// Howard Hinnant's civil-calendar algorithms (days_from_civil / civil_from_days).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// Longest report, in days.
pub const MAX_DAYS: i64 = 366;
/// Days in a report that names no first day.
pub const DEFAULT_DAYS: i64 = 30;
/// The farthest a clock is from UTC, in minutes (UTC-14 to UTC+14).
pub const MAX_OFFSET_MINUTES: i32 = 840;

fn given(s: Option<&str>) -> Option<&str> {
    s.map(str::trim).filter(|s| !s.is_empty())
}

/// The days a report covers, as asked: `from` and `to` (`YYYY-MM-DD`, both included)
/// and `tz` (minutes east of UTC the days are counted in). The BFF checks a query with
/// it, the spend page its inputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SpendRange {
    pub from: Day,
    pub to: Day,
    pub offset_minutes: i32,
}

impl SpendRange {
    /// Reads the texts given (absent or blank: today, and the 30 days to it), naming
    /// every problem in `v` under `from`, `to` or `tz`.
    pub fn read(
        from: Option<&str>,
        to: Option<&str>,
        tz: Option<&str>,
        now_ms: i64,
        v: &mut Violations,
    ) -> SpendRange {
        let offset_minutes = match given(tz).map(str::parse::<i32>) {
            None => 0,
            Some(Ok(m)) if m.abs() <= MAX_OFFSET_MINUTES => m,
            Some(Ok(m)) => {
                let max = f64::from(MAX_OFFSET_MINUTES);
                v.push(
                    "tz",
                    Problem::Range {
                        min: -max,
                        max,
                        got: f64::from(m),
                    },
                );
                0
            }
            Some(Err(_)) => {
                v.push(
                    "tz",
                    Problem::WrongType {
                        expected: Expected::WholeNumber,
                    },
                );
                0
            }
        };
        let mut day = |field: &str, text: Option<&str>| {
            let text = given(text)?;
            let parsed = Day::parse(text);
            if parsed.is_none() {
                v.push(
                    field,
                    Problem::WrongType {
                        expected: Expected::Date,
                    },
                );
            }
            parsed
        };
        let to_day = day("to", to);
        let from_day = day("from", from);
        let to = to_day.unwrap_or(Day::of_ms(now_ms, offset_minutes));
        let from = from_day.unwrap_or(Day(to.0 - (DEFAULT_DAYS - 1)));
        if from > to {
            v.push(
                "from",
                Problem::AfterEnd {
                    end: to.to_string(),
                },
            );
        } else if to.0 - from.0 + 1 > MAX_DAYS {
            v.push(
                "to",
                Problem::TooManyDays {
                    max: MAX_DAYS as u32,
                },
            );
        }
        SpendRange {
            from,
            to,
            offset_minutes,
        }
    }

    /// Every day covered, in order.
    pub fn days(&self) -> impl Iterator<Item = Day> {
        (self.from.0..=self.to.0).map(Day)
    }
}

/// One line of a spend report: what one person spent on one model on one day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SpendRow {
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "2026-11-30"))]
    pub day: Day,
    /// The access token's name; absent for tasks made without a named token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub person: Option<String>,
    pub model: String,
    /// Tasks created (charged or not).
    pub tasks: i64,
    /// Units charged, summed (tasks the upstream has not charged count nothing).
    pub units: Units,
}

/// A spend report over a range of days.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SpendReport {
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub from: Day,
    /// The last day included.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub to: Day,
    /// Minutes east of UTC the days were counted in.
    pub offset_minutes: i32,
    /// By day, then person, then model.
    pub rows: Vec<SpendRow>,
    /// Everyone with a named token, so a filter can offer people with nothing spent.
    #[serde(default)]
    pub people: Vec<String>,
}

impl SpendReport {
    /// Units summed over every row.
    pub fn total(&self) -> Units {
        Units(self.rows.iter().map(|r| r.units.0).sum())
    }

    /// The report as CSV (RFC 4180: fields with a comma, quote or line break quoted).
    pub fn to_csv(&self) -> String {
        let mut out = String::from("day,person,model,tasks,units\r\n");
        for r in &self.rows {
            let fields = [
                r.day.to_string(),
                csv_field(r.person.as_deref().unwrap_or("")),
                csv_field(&r.model),
                r.tasks.to_string(),
                r.units.to_string(),
            ];
            out += &fields.join(",");
            out += "\r\n";
        }
        out
    }
}

fn csv_field(s: &str) -> String {
    // A leading =, +, - or @ makes spreadsheets run the cell as a formula.
    let s = if s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s.to_owned()
    };
    if s.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

/// The upstream account's resource packs (`GET /account/costs`), as the studio shows them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AccountUnits {
    /// Remaining units over the packs in use (`online`).
    pub remaining: Units,
    /// Their total.
    pub total: Units,
    pub packs: Vec<ResourcePack>,
    /// When the upstream was asked (ms since the epoch).
    pub read_at: i64,
}

/// One resource pack, as the upstream describes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ResourcePack {
    #[serde(default)]
    pub resource_pack_name: String,
    #[serde(default)]
    pub resource_pack_type: String,
    #[serde(default)]
    pub total_quantity: f64,
    #[serde(default)]
    pub remaining_quantity: f64,
    /// toBeOnline, online, expired or runOut.
    #[serde(default)]
    pub status: String,
}

impl AccountUnits {
    /// Sums the packs that are online.
    pub fn from_packs(packs: Vec<ResourcePack>, read_at: i64) -> Self {
        let sum = |f: fn(&ResourcePack) -> f64| {
            Units(
                packs
                    .iter()
                    .filter(|p| p.status == "online")
                    .map(|p| (f(p) * MICRO as f64).round() as i64)
                    .sum(),
            )
        };
        AccountUnits {
            remaining: sum(|p| p.remaining_quantity),
            total: sum(|p| p.total_quantity),
            packs,
            read_at,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_read_and_print_exactly() {
        for (text, micro, shown) in [
            ("2", 2_000_000, "2"),
            ("0.252", 252_000, "0.252"),
            ("2.10", 2_100_000, "2.1"),
            (".5", 500_000, "0.5"),
            ("1.0000004", 1_000_000, "1"),
        ] {
            let u = Units::parse(text).unwrap();
            assert_eq!(u.0, micro, "{text}");
            assert_eq!(u.to_string(), shown);
            let json = serde_json::to_string(&u).unwrap();
            assert_eq!(json, format!("\"{shown}\""));
            assert_eq!(serde_json::from_str::<Units>(&json).unwrap(), u);
        }
        for bad in ["", ".", "-1", "1e3", "abc", "1.2.3"] {
            assert_eq!(Units::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn days_follow_the_calendar() {
        for text in ["1970-01-01", "2000-02-29", "2026-11-30", "2028-12-31"] {
            assert_eq!(Day::parse(text).unwrap().to_string(), text);
        }
        assert_eq!(Day::parse("1970-01-02"), Some(Day(1)));
        for bad in ["2026-02-29", "2026-13-01", "2026-00-10", "26-1-1x", "nope"] {
            assert_eq!(Day::parse(bad), None, "{bad}");
        }
        // 23:30 UTC on 1970-01-01 is already the 2nd in Beijing (UTC+8).
        let ms = 23 * 3_600_000 + 30 * 60_000;
        assert_eq!(Day::of_ms(ms, 0), Day(0));
        assert_eq!(Day::of_ms(ms, 480), Day(1));
        assert_eq!(Day(1).start_ms(480), DAY_MS - 480 * 60_000);
    }

    #[test]
    fn a_range_names_each_problem() {
        let now = Day::parse("2026-11-30").unwrap().start_ms(0) + 3_600_000;
        let mut v = Violations::default();
        let r = SpendRange::read(None, None, Some(" "), now, &mut v);
        assert!(v.0.is_empty());
        assert_eq!(
            (r.from.to_string(), r.to.to_string()),
            ("2026-11-01".into(), "2026-11-30".into())
        );
        assert_eq!(r.days().count(), 30);
        // 01:00 UTC is still the 29th in New York.
        let r = SpendRange::read(None, None, Some("-300"), now, &mut v);
        assert_eq!(r.to.to_string(), "2026-11-29");
        let fields = |from, to, tz| {
            let mut v = Violations::default();
            SpendRange::read(from, to, tz, now, &mut v);
            v.0.iter().map(|e| e.field.clone()).collect::<Vec<_>>()
        };
        assert_eq!(
            fields(Some("2026-02-30"), None, Some("900")),
            ["tz", "from"]
        );
        assert_eq!(
            fields(Some("2026-12-01"), Some("2026-11-30"), None),
            ["from"]
        );
        assert_eq!(
            fields(Some("2024-01-01"), Some("2026-01-01"), Some("x")),
            ["tz", "to"]
        );
    }

    #[test]
    fn csv_quotes_what_needs_it() {
        let report = SpendReport {
            from: Day(0),
            to: Day(0),
            offset_minutes: 0,
            rows: vec![SpendRow {
                day: Day(0),
                person: Some("Li, \"Lei\"".into()),
                model: "=cmd".into(),
                tasks: 2,
                units: Units(2_100_000),
            }],
            people: vec![],
        };
        assert_eq!(
            report.to_csv(),
            "day,person,model,tasks,units\r\n1970-01-01,\"Li, \"\"Lei\"\"\",'=cmd,2,2.1\r\n"
        );
    }
}
