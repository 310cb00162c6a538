//! Per-request behaviour for tests and demos, written into the prompt as `[sim:...]`.

/// What a request asked the simulator to do.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Hints {
    /// The task ends `failed`.
    pub fail: bool,
    /// The create answers this upstream error code.
    pub code: Option<i64>,
    /// Extra milliseconds before the task finishes.
    pub delay_ms: u64,
    /// Every HTTP answer about this task waits this long.
    pub slow_ms: u64,
    /// The create drops the connection without an answer.
    pub drop: bool,
    /// The first this-many reads of the task answer 503 / 5001 (maintenance).
    pub read_failures: u64,
}

impl Hints {
    /// Reads every `[sim:...]` tag in `text`.
    pub fn parse(text: &str) -> Hints {
        let mut h = Hints::default();
        for tag in text
            .split("[sim:")
            .skip(1)
            .filter_map(|rest| rest.split_once(']').map(|(t, _)| t))
        {
            let (key, value) = tag.split_once('=').unwrap_or((tag, ""));
            let number = value.trim().parse::<u64>().ok();
            match key.trim() {
                "fail" => h.fail = true,
                "drop" => h.drop = true,
                "code" => h.code = number.map(|n| n as i64),
                "delay" => h.delay_ms = number.unwrap_or(0),
                "slow" => h.slow_ms = number.unwrap_or(0),
                "readfail" => h.read_failures = number.unwrap_or(0),
                _ => {}
            }
        }
        h
    }
}

/// The HTTP status the upstream uses for an error code (upstream-facts.md).
pub fn status_for(code: i64) -> u16 {
    match code {
        1000..=1004 => 401,
        1100..=1102 | 1302..=1304 => 429,
        1103 => 403,
        1200 | 1201 | 1300 | 1301 => 400,
        1202 | 1203 => 404,
        5001 => 503,
        5002 => 504,
        _ => 500,
    }
}

/// The upstream's words for an error code.
pub fn message_for(code: i64) -> &'static str {
    match code {
        1000 => "authentication failed",
        1001 => "authorization is empty",
        1002 => "authorization is invalid",
        1003 => "authorization is not yet valid",
        1004 => "authorization has expired",
        1100 => "account exception",
        1101 => "account in arrears",
        1102 => "resource pack used up or expired",
        1103 => "no permission for this API or model",
        1200 | 1201 => "invalid parameters",
        1202 => "invalid method",
        1203 => "resource not found",
        1300 => "platform policy triggered",
        1301 => "content-safety policy triggered",
        1302 => "rate limit exceeded",
        1303 => "concurrency over the resource pack's limit",
        1304 => "IP not on the allow-list",
        5001 => "service under maintenance",
        5002 => "timeout or backlog",
        _ => "internal error",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_tag() {
        let h = Hints::parse(
            "a cat [sim:fail] [sim:delay=1500][sim:code=1303] [sim:slow=20] [sim:drop] [sim:readfail=2]",
        );
        assert_eq!(
            h,
            Hints {
                fail: true,
                code: Some(1303),
                delay_ms: 1500,
                slow_ms: 20,
                drop: true,
                read_failures: 2,
            }
        );
        assert_eq!(Hints::parse("no tags [sim:"), Hints::default());
    }

    #[test]
    fn statuses_follow_the_table() {
        assert_eq!(status_for(1303), 429);
        assert_eq!(status_for(1301), 400);
        assert_eq!(status_for(1004), 401);
        assert_eq!(status_for(5002), 504);
    }
}
