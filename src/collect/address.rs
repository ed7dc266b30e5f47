//! Which addresses the collector may connect to. A unit's endpoint is a
//! system chiso does not control: a name resolving to loopback would reach
//! chiso's own ClickHouse. Only public addresses are allowed, unless the
//! unit's registry entry (`allow_private_address`) or the simulator override
//! says otherwise. The check runs on the addresses actually connected to (a
//! resolver that filters), so a name that rebinds to 127.0.0.1 is refused too.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// The endpoint's host is, or resolves only to, addresses chiso refuses.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("address refused: '{host}' is {kind}, not a public address (allow_private_address is off)")]
pub struct RefusedAddress {
    pub host: String,
    pub kind: &'static str,
}

/// What kind of non-public address `ip` is; `None` for a public one.
pub fn non_public_kind(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => v4_kind(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4_kind(v4),
            None => v6_kind(v6),
        },
    }
}

fn v4_kind(ip: Ipv4Addr) -> Option<&'static str> {
    let [a, b, ..] = ip.octets();
    if ip.is_loopback() {
        Some("loopback")
    } else if ip.is_unspecified() {
        Some("unspecified")
    } else if ip.is_link_local() {
        Some("link-local")
    } else if ip.is_private() {
        Some("private (RFC 1918)")
    } else if a == 100 && (64..128).contains(&b) {
        Some("shared (CGNAT 100.64.0.0/10)")
    } else if ip.is_multicast() || ip.is_broadcast() || a == 0 || a >= 240 {
        Some("multicast or reserved")
    } else {
        None
    }
}

fn v6_kind(ip: Ipv6Addr) -> Option<&'static str> {
    let first = ip.segments()[0];
    if ip.is_loopback() {
        Some("loopback")
    } else if ip.is_unspecified() {
        Some("unspecified")
    } else if first & 0xffc0 == 0xfe80 {
        Some("link-local")
    } else if first & 0xfe00 == 0xfc00 {
        Some("private (ULA fc00::/7)")
    } else if ip.is_multicast() {
        Some("multicast or reserved")
    } else {
        None
    }
}

/// Refuses a URL whose host is a literal non-public address (a literal is
/// connected to without asking the resolver).
pub fn check_literal_host(url: &reqwest::Url) -> Result<(), RefusedAddress> {
    let host = url.host_str().unwrap_or_default();
    let Ok(ip) = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .parse::<IpAddr>()
    else {
        return Ok(());
    };
    match non_public_kind(ip) {
        Some(kind) => Err(RefusedAddress {
            host: ip.to_string(),
            kind,
        }),
        None => Ok(()),
    }
}

/// The system resolver, keeping only public addresses; a name with none left
/// fails with `RefusedAddress`.
#[derive(Debug, Default)]
pub struct PublicOnlyResolver;

impl Resolve for PublicOnlyResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_string();
        Box::pin(async move {
            let resolved: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let (public, refused): (Vec<SocketAddr>, Vec<SocketAddr>) = resolved
                .into_iter()
                .partition(|a| non_public_kind(a.ip()).is_none());
            if public.is_empty() {
                let kind = refused
                    .first()
                    .and_then(|a| non_public_kind(a.ip()))
                    .unwrap_or("unresolvable");
                return Err(Box::new(RefusedAddress { host, kind }) as _);
            }
            Ok(Box::new(public.into_iter()) as Addrs)
        })
    }
}

/// The refusal inside a transport error, if that is what it was.
pub fn refusal_in(e: &(dyn std::error::Error + 'static)) -> Option<RefusedAddress> {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(s) = source {
        if let Some(r) = s.downcast_ref::<RefusedAddress>() {
            return Some(r.clone());
        }
        source = s.source();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(text: &str) -> Option<&'static str> {
        non_public_kind(text.parse().unwrap())
    }

    #[test]
    fn loopback_private_link_local_and_reserved_are_not_public() {
        for ip in [
            "127.0.0.1",
            "127.8.9.10",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "100.127.255.254",
            "0.0.0.0",
            "224.0.0.1",
            "255.255.255.255",
            "::1",
            "::",
            "fe80::1",
            "fc00::1",
            "fd12:3456::1",
            "ff02::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
        ] {
            assert!(kind(ip).is_some(), "{ip} passed as public");
        }
        assert_eq!(kind("127.0.0.1"), Some("loopback"));
        assert_eq!(kind("169.254.169.254"), Some("link-local"));
    }

    #[test]
    fn public_addresses_pass() {
        for ip in [
            "8.8.8.8",
            "203.162.4.190",
            "100.63.255.255",
            "100.128.0.1",
            "2001:4860:4860::8888",
        ] {
            assert_eq!(kind(ip), None, "{ip} refused");
        }
    }

    #[test]
    fn literal_hosts_are_checked_and_names_left_to_the_resolver() {
        let url = |u: &str| reqwest::Url::parse(u).unwrap();
        assert!(check_literal_host(&url("http://127.0.0.1:8123/")).is_err());
        assert!(check_literal_host(&url("http://[::1]:8123/")).is_err());
        assert!(check_literal_host(&url("https://203.162.4.190/v1")).is_ok());
        assert!(check_literal_host(&url("https://localhost/v1")).is_ok());
    }

    #[tokio::test]
    async fn a_name_resolving_to_loopback_is_refused_by_the_resolver() {
        let name: Name = "localhost".parse().unwrap();
        let err = match PublicOnlyResolver.resolve(name).await {
            Ok(addrs) => panic!("resolved to {:?}", addrs.collect::<Vec<_>>()),
            Err(e) => e,
        };
        let refused = refusal_in(err.as_ref()).unwrap();
        assert_eq!(refused.host, "localhost");
        assert_eq!(refused.kind, "loopback");
    }
}
