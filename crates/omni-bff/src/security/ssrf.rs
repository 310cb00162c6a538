//! Server-side fetches (media copies, the result pass-through) never reach this
//! machine, the private network or a cloud metadata service, whatever URL an upstream
//! (or a gateway in between) returns: every address a name resolves to is checked, a
//! literal address in a URL is checked, and so is every redirect. The configured
//! upstream itself is trusted (the built-in simulator is on loopback).

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

/// Whether a fetch may never go to `ip`.
pub fn forbidden(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => forbidden_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return forbidden_v4(v4);
            }
            let seg = v6.segments();
            let embedded = |hi: u16, lo: u16| Ipv4Addr::from((u32::from(hi) << 16) | u32::from(lo));
            // Addresses that carry an IPv4 one reach it: judge that.
            if seg[0] == 0x2002 {
                // 6to4 2002:V4::/48
                return forbidden_v4(embedded(seg[1], seg[2]));
            }
            if seg[..6] == [0; 6] && !v6.is_loopback() && !v6.is_unspecified() {
                // IPv4-compatible ::a.b.c.d (deprecated, still routed by some stacks)
                return forbidden_v4(embedded(seg[6], seg[7]));
            }
            v6.is_loopback()
                || (seg[0] == 0x2001 && seg[1] == 0) // Teredo 2001::/32 tunnels to any v4
                || v6.is_unspecified()
                || v6.is_multicast()
                || (seg[0] & 0xfe00) == 0xfc00 // unique local fc00::/7
                || (seg[0] & 0xffc0) == 0xfe80 // link-local fe80::/10
                || (seg[0] == 0x0064 && seg[1] == 0xff9b) // NAT64 64:ff9b::/96 embeds v4
                || v6 == Ipv6Addr::new(0xfd00, 0x0ec2, 0, 0, 0, 0, 0, 0x0254) // AWS metadata (v6)
        }
    }
}

fn forbidden_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local() // 169.254/16: cloud metadata lives at 169.254.169.254
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || a == 0
        || (a == 100 && (64..128).contains(&b)) // carrier-grade NAT 100.64/10
        || (a == 192 && b == 0 && ip.octets()[2] == 0) // IETF protocol assignments
        || (a == 198 && (b == 18 || b == 19)) // benchmarking 198.18/15
        || a >= 240 // reserved
}

/// The hosts and ports (the upstream's own) a fetch may reach without these checks.
#[derive(Clone, Default)]
pub struct Trusted(Arc<Vec<(String, u16)>>);

impl Trusted {
    pub fn new(hosts: Vec<(String, u16)>) -> Trusted {
        Trusted(Arc::new(hosts))
    }

    /// The upstream's base URL, trusted at its own host and port only.
    pub fn of_base(base: &str) -> Trusted {
        let trusted = reqwest::Url::parse(base)
            .ok()
            .and_then(|u| Some((u.host_str()?.to_owned(), u.port_or_known_default()?)));
        Trusted::new(trusted.into_iter().collect())
    }

    fn name(&self, host: &str) -> bool {
        self.0.iter().any(|(h, _)| h == host)
    }

    fn host_and_port(&self, host: &str, port: Option<u16>) -> bool {
        self.0.iter().any(|(h, p)| h == host && Some(*p) == port)
    }
}

/// Why `url` may not be fetched, judged before any connection (scheme, literal
/// addresses); names are judged by the resolver.
pub fn refuse_url(url: &reqwest::Url, trusted: &Trusted) -> Option<String> {
    if !matches!(url.scheme(), "http" | "https") {
        return Some(format!("{} URLs are never fetched", url.scheme()));
    }
    let host = url.host_str()?;
    let port = url.port_or_known_default();
    if trusted.host_and_port(host, port) {
        return None;
    }
    if trusted.name(host) {
        // The resolver lets the upstream's name reach where it resolves (loopback, for
        // the simulator): another port there is another service, never fetched.
        return Some(format!(
            "{host} is trusted on the upstream's own port only, not on {}",
            port.map_or("another".to_owned(), |p| p.to_string())
        ));
    }
    let literal = host.trim_start_matches('[').trim_end_matches(']');
    match literal.parse::<IpAddr>() {
        Ok(ip) if forbidden(ip) => Some(format!("{ip} is a private or local address")),
        _ => None,
    }
}

/// Resolves names and drops the addresses a fetch may not reach; a name with none left
/// fails to resolve.
pub struct GuardedResolver {
    pub trusted: Trusted,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let trusted = self.trusted.name(name.as_str());
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let all: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let allowed: Vec<SocketAddr> = all
                .into_iter()
                .filter(|a| trusted || !forbidden(a.ip()))
                .collect();
            if allowed.is_empty() {
                return Err(format!("{host} resolves only to private or local addresses").into());
            }
            let addrs: Addrs = Box::new(allowed.into_iter());
            Ok(addrs)
        })
    }
}

/// A client for server-side fetches: guarded resolver, and every redirect judged the
/// same way (at most five).
pub fn guarded_client(trusted: Trusted, timeout: std::time::Duration) -> reqwest::Client {
    let for_redirects = trusted.clone();
    let policy = reqwest::redirect::Policy::custom(move |attempt| {
        if attempt.previous().len() >= 5 {
            return attempt.error("too many redirects");
        }
        match refuse_url(attempt.url(), &for_redirects) {
            Some(why) => attempt.error(format!("redirect refused: {why}")),
            None => attempt.follow(),
        }
    });
    reqwest::Client::builder()
        // A proxy would resolve names itself, past the guarded resolver.
        .no_proxy()
        .dns_resolver(Arc::new(GuardedResolver { trusted }))
        .redirect(policy)
        .connect_timeout(timeout)
        .build()
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_private_and_metadata_addresses_are_forbidden() {
        for bad in [
            "127.0.0.1",
            "127.8.9.10",
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "255.255.255.255",
            "224.0.0.1",
            "::1",
            "::",
            "fe80::1",
            "fc00::1",
            "fd00:ec2::254",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "64:ff9b::a9fe:a9fe",
            "2002:7f00:1::1",   // 6to4 of 127.0.0.1
            "2002:a9fe:a9fe::", // 6to4 of 169.254.169.254
            "::127.0.0.1",      // IPv4-compatible
            "::10.0.0.1",
            "2001:0:4136:e378:8000:63bf:3fff:fdd2", // Teredo
        ] {
            assert!(forbidden(bad.parse().unwrap()), "{bad}");
        }
        for good in [
            "8.8.8.8",
            "1.1.1.1",
            "172.32.0.1",
            "100.128.0.1",
            "2606:4700::1111",
            "2002:808:808::1", // 6to4 of 8.8.8.8
        ] {
            assert!(!forbidden(good.parse().unwrap()), "{good}");
        }
    }

    #[test]
    fn urls_are_judged_by_scheme_and_literal_address() {
        let trusted = Trusted::of_base("http://127.0.0.1:4000");
        let judge = |u: &str| refuse_url(&reqwest::Url::parse(u).unwrap(), &trusted);
        assert!(judge("http://169.254.169.254/latest/meta-data/").is_some());
        assert!(judge("http://[::1]:8080/").is_some());
        assert!(judge("http://10.0.0.5/x.png").is_some());
        assert!(judge("file:///etc/passwd").is_some());
        assert_eq!(judge("https://cdn.example.com/a.png"), None);
        // The configured upstream (here the simulator on loopback) is trusted.
        assert_eq!(judge("http://127.0.0.1:4000/sim/files/a/0.png"), None);
        // Only on its own port: another port on that host is another service.
        assert!(judge("http://127.0.0.1:4001/admin").is_some());
        let named = Trusted::of_base("http://localhost:4000");
        let judge = |u: &str| refuse_url(&reqwest::Url::parse(u).unwrap(), &named);
        assert_eq!(judge("http://localhost:4000/x.png"), None);
        assert!(judge("http://localhost:5432/").is_some());
    }
}
