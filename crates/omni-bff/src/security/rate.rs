//! Per-client rate limits: a token bucket per client, refilled at `per_second` up to a
//! burst of four seconds' worth. Over the limit the answer is 429 in the envelope, with
//! Retry-After.
//!
//! A client is who the access policy verified (a session, a token), else its address
//! (an IPv6 client by its /64, which one host can hold whole), so a made-up cookie buys
//! nothing. Memory is bounded without scanning: buckets live in two generations; when
//! the young one fills up, or a refill time has passed, the old one is dropped and the
//! young one becomes old. A bucket idle for a whole generation is full again anyway, so
//! forgetting it changes nothing.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::net::IpAddr;
use std::sync::Mutex;

/// Who a bucket belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Client {
    /// A live session (the hash of its cookie).
    Session(String),
    /// A bearer token (its place in the access list).
    Token(usize),
    /// Anyone else, by address.
    Address(IpAddr),
}

impl Client {
    /// An address as a client: IPv6 by its /64.
    pub fn address(ip: IpAddr) -> Client {
        match ip {
            IpAddr::V6(v6) => {
                let mut o = v6.octets();
                o[8..].fill(0);
                Client::Address(IpAddr::from(o))
            }
            v4 => Client::Address(v4),
        }
    }
}

/// Lock shards, so concurrent clients rarely wait for each other.
const SHARDS: usize = 16;
/// Buckets per shard's young generation before it turns over (so at most twice this
/// many per shard are held).
const GENERATION: usize = 8_192;

#[derive(Default)]
struct Shard {
    young: HashMap<Client, (f64, i64)>,
    old: HashMap<Client, (f64, i64)>,
    turned_at: i64,
}

pub struct RateLimit {
    per_second: f64,
    burst: f64,
    shards: Vec<Mutex<Shard>>,
}

impl RateLimit {
    /// `None` when `per_second` is zero (limits off).
    pub fn new(per_second: u32) -> Option<RateLimit> {
        (per_second > 0).then(|| RateLimit {
            per_second: f64::from(per_second),
            burst: f64::from(per_second) * 4.0,
            shards: (0..SHARDS).map(|_| Mutex::default()).collect(),
        })
    }

    /// Milliseconds for an empty bucket to fill up.
    fn refill_ms(&self) -> i64 {
        (self.burst / self.per_second * 1000.0) as i64
    }

    /// Takes one request from `client`'s bucket at `now_ms`; `Err(ms)` says how long
    /// until one is available again.
    pub fn take(&self, client: &Client, now_ms: i64) -> Result<(), u64> {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        client.hash(&mut h);
        let shard = &self.shards[(h.finish() as usize) % SHARDS];
        let retired;
        let answer = {
            let mut s = shard.lock().unwrap_or_else(|p| p.into_inner());
            retired = if s.young.len() >= GENERATION || now_ms - s.turned_at >= self.refill_ms() {
                s.turned_at = now_ms;
                let young = std::mem::take(&mut s.young);
                Some(std::mem::replace(&mut s.old, young))
            } else {
                None
            };
            let start = s.old.remove(client).unwrap_or((self.burst, now_ms));
            let (tokens, at) = s.young.entry(client.clone()).or_insert(start);
            let elapsed = (now_ms - *at).max(0) as f64 / 1000.0;
            *tokens = (*tokens + elapsed * self.per_second).min(self.burst);
            *at = now_ms;
            if *tokens >= 1.0 {
                *tokens -= 1.0;
                Ok(())
            } else {
                Err(((1.0 - *tokens) / self.per_second * 1000.0).ceil() as u64)
            }
        };
        // Freed outside the lock.
        drop(retired);
        answer
    }

    /// Buckets held, all shards (for tests).
    pub fn buckets(&self) -> usize {
        self.shards
            .iter()
            .map(|s| {
                let s = s.lock().unwrap_or_else(|p| p.into_inner());
                s.young.len() + s.old.len()
            })
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(n: u32) -> Client {
        Client::address(IpAddr::from(n.to_be_bytes()))
    }

    #[test]
    fn a_burst_then_the_steady_rate() {
        let limit = RateLimit::new(10).unwrap();
        for _ in 0..40 {
            assert_eq!(limit.take(&addr(1), 0), Ok(()));
        }
        let wait = limit.take(&addr(1), 0).unwrap_err();
        assert_eq!(wait, 100);
        // Another client has its own bucket.
        assert_eq!(limit.take(&addr(2), 0), Ok(()));
        // A tenth of a second later one more request fits, not two.
        assert_eq!(limit.take(&addr(1), 100), Ok(()));
        assert!(limit.take(&addr(1), 100).is_err());
        assert!(RateLimit::new(0).is_none());
    }

    #[test]
    fn memory_stays_bounded_and_a_busy_client_is_not_forgotten() {
        let limit = RateLimit::new(10).unwrap();
        // Empty one client's bucket, then flood with a million others in the same
        // instant (no time passes, so only the size bound turns generations over).
        for _ in 0..40 {
            let _ = limit.take(&addr(0), 0);
        }
        for n in 1..1_000_000 {
            let _ = limit.take(&addr(n), 0);
            if n % 50_000 == 0 {
                // The busy client keeps asking: still empty, however many others came.
                assert!(limit.take(&addr(0), 0).is_err(), "after {n} others");
            }
        }
        let held = limit.buckets();
        assert!(held <= 2 * GENERATION * SHARDS, "{held} buckets");
    }

    #[test]
    fn an_ipv6_host_is_one_client_across_its_64() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::9".parse().unwrap();
        let c: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(Client::address(a), Client::address(b));
        assert_ne!(Client::address(a), Client::address(c));
    }
}
