//! Per-client rate limits: a token bucket per client (its session, else its address),
//! refilled at `per_second` up to a burst of four seconds' worth. Over the limit the
//! answer is 429 in the envelope, with Retry-After.

use std::collections::HashMap;
use std::sync::Mutex;

pub struct RateLimit {
    per_second: f64,
    burst: f64,
    buckets: Mutex<HashMap<String, (f64, i64)>>,
}

impl RateLimit {
    /// `None` when `per_second` is zero (limits off).
    pub fn new(per_second: u32) -> Option<RateLimit> {
        (per_second > 0).then(|| RateLimit {
            per_second: f64::from(per_second),
            burst: f64::from(per_second) * 4.0,
            buckets: Mutex::default(),
        })
    }

    /// Takes one request from `client`'s bucket at `now_ms`; `Err(ms)` says how long
    /// until one is available again.
    pub fn take(&self, client: &str, now_ms: i64) -> Result<(), u64> {
        let mut map = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() > 100_000 {
            // Forget clients that have been idle long enough to be full again.
            let full_after = (self.burst / self.per_second * 1000.0) as i64;
            map.retain(|_, (_, at)| now_ms - *at < full_after);
        }
        let (tokens, at) = map.entry(client.to_owned()).or_insert((self.burst, now_ms));
        let elapsed = (now_ms - *at).max(0) as f64 / 1000.0;
        *tokens = (*tokens + elapsed * self.per_second).min(self.burst);
        *at = now_ms;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            Ok(())
        } else {
            Err(((1.0 - *tokens) / self.per_second * 1000.0).ceil() as u64)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_then_the_steady_rate() {
        let limit = RateLimit::new(10).unwrap();
        for _ in 0..40 {
            assert_eq!(limit.take("a", 0), Ok(()));
        }
        let wait = limit.take("a", 0).unwrap_err();
        assert_eq!(wait, 100);
        // Another client has its own bucket.
        assert_eq!(limit.take("b", 0), Ok(()));
        // A tenth of a second later one more request fits, not two.
        assert_eq!(limit.take("a", 100), Ok(()));
        assert!(limit.take("a", 100).is_err());
        assert!(RateLimit::new(0).is_none());
    }
}
