//! Per-request behaviour for tests and demos, written into the prompt as `[sim:...]`.

/// What a request asked the simulator to do.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Hints {
    /// The task ends `failed`.
    pub fail: bool,
    /// The first task with this prompt fails; a retry of it succeeds.
    pub fail_once: bool,
    /// The create answers this upstream error code.
    pub code: Option<i64>,
    /// Extra milliseconds before the task finishes.
    pub delay_ms: u64,
    /// Every HTTP answer about this task waits this long.
    pub slow_ms: u64,
    /// The create drops the connection without an answer.
    pub drop: bool,
    /// The first create with this prompt makes its task, then drops the connection:
    /// the answer is lost, the task is not.
    pub lose: bool,
    /// The first this-many reads of the task answer 503 / 5001 (maintenance).
    pub read_failures: u64,
    /// The first this-many downloads of the task's result files answer 503.
    pub file_failures: u64,
    /// Result links point where a server must never fetch: the cloud metadata address,
    /// a simulator link that redirects to another loopback address, and the simulator
    /// by the name `localhost` (for the BFF's server-side fetch guard).
    pub hostile_links: bool,
    /// The first result links are `javascript:` and `data:` URLs (for the app, which
    /// must never put them in a page).
    pub script_links: bool,
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
                "failonce" => h.fail_once = true,
                "drop" => h.drop = true,
                "lose" => h.lose = true,
                "code" => h.code = number.map(|n| n as i64),
                "delay" => h.delay_ms = number.unwrap_or(0),
                "slow" => h.slow_ms = number.unwrap_or(0),
                "readfail" => h.read_failures = number.unwrap_or(0),
                "filefail" => h.file_failures = number.unwrap_or(0),
                "hostile" => h.hostile_links = true,
                "scriptlinks" => h.script_links = true,
                _ => {}
            }
        }
        h
    }
}

/// The HTTP status the upstream uses for an error code.
pub fn status_for(code: i64) -> u16 {
    omni_api::codes::info(code).http_status
}

/// The upstream's words for an error code.
pub fn message_for(code: i64) -> &'static str {
    omni_api::codes::info(code).message
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_tag() {
        let h = Hints::parse(
            "a cat [sim:fail] [sim:delay=1500][sim:code=1303] [sim:slow=20] [sim:drop] [sim:lose] [sim:readfail=2] [sim:filefail=3]",
        );
        assert_eq!(
            h,
            Hints {
                fail: true,
                fail_once: false,
                code: Some(1303),
                delay_ms: 1500,
                slow_ms: 20,
                drop: true,
                lose: true,
                read_failures: 2,
                file_failures: 3,
                hostile_links: false,
                script_links: false,
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
