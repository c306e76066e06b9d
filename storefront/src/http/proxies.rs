//! The client's address behind the reverse proxies the shop trusts
//! (`STOREFRONT_TRUSTED_PROXIES`): what login throttling counts by. Behind
//! a proxy every connection comes from the proxy; the client's address is
//! then in the `X-Forwarded-For` (or `Forwarded`) header that the proxy
//! adds, which only a trusted proxy's word makes true: anyone can send the
//! header.

use std::net::IpAddr;
use std::str::FromStr;

use actix_web::http::header::HeaderMap;

/// A network, `10.0.0.0/8` or one address (`127.0.0.1`, `::1`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Network {
    addr: IpAddr,
    prefix: u8,
}

impl FromStr for Network {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        let (addr, prefix) = match text.split_once('/') {
            Some((addr, prefix)) => (addr, Some(prefix)),
            None => (text, None),
        };
        let addr: IpAddr = addr
            .parse()
            .map_err(|_| format!("{text:?} is not an address or a network"))?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(p) => p
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(|| format!("{text:?}: the prefix length must be 0 to {max}"))?,
            None => max,
        };
        Ok(Network { addr, prefix })
    }
}

impl Network {
    /// Whether `ip` is in this network (an IPv4 address mapped into IPv6
    /// counts as the IPv4 one).
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        match (self.addr, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX.checked_shl(32 - u32::from(self.prefix)).unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX.checked_shl(128 - u32::from(self.prefix)).unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

/// The proxies whose forwarding headers the shop believes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<Network>);

impl TrustedProxies {
    /// From a comma-separated list of networks, e.g.
    /// `127.0.0.1, 10.0.0.0/8, ::1`.
    pub fn parse(text: &str) -> Result<Self, String> {
        text.split(',')
            .map(str::trim)
            .filter(|part| !part.is_empty())
            .map(Network::from_str)
            .collect::<Result<Vec<_>, _>>()
            .map(TrustedProxies)
    }

    /// Whether `ip` is a trusted proxy.
    pub fn trusts(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|net| net.contains(ip))
    }

    /// The client's address: the peer's, unless the peer is a trusted
    /// proxy; then, going back along `X-Forwarded-For` (else `Forwarded`'s
    /// `for=`), the first address that is not a trusted proxy (one that
    /// cannot be read stops the walk there: its sender is the client as
    /// far as the shop can tell).
    pub fn client(&self, peer: Option<IpAddr>, headers: &HeaderMap) -> Option<IpAddr> {
        let peer = peer?;
        if !self.trusts(peer) {
            return Some(peer);
        }
        let hops = forwarded_for(headers);
        let mut client = peer;
        for hop in hops.iter().rev() {
            match hop {
                Some(ip) if self.trusts(*ip) => client = *ip,
                Some(ip) => return Some(*ip),
                None => break,
            }
        }
        Some(client)
    }
}

/// The addresses a request went through, client first, as the proxies
/// wrote them (`None`: one that is not an address, e.g. `unknown`).
fn forwarded_for(headers: &HeaderMap) -> Vec<Option<IpAddr>> {
    let joined = |name: &str| {
        headers
            .get_all(name)
            .filter_map(|v| v.to_str().ok())
            .collect::<Vec<_>>()
            .join(",")
    };
    let xff = joined("x-forwarded-for");
    if !xff.trim().is_empty() {
        return xff.split(',').map(|hop| address(hop.trim())).collect();
    }
    let forwarded = joined("forwarded");
    forwarded
        .split(',')
        .filter_map(|element| {
            element.split(';').find_map(|pair| {
                let (key, value) = pair.split_once('=')?;
                key.trim()
                    .eq_ignore_ascii_case("for")
                    .then(|| address(value.trim()))
            })
        })
        .collect()
}

/// An address as proxies write it: `192.0.2.60`, `192.0.2.60:4711`,
/// `"[2001:db8::1]:4711"`, `2001:db8::1`.
fn address(text: &str) -> Option<IpAddr> {
    let text = text.trim_matches('"');
    if let Ok(ip) = text.parse::<IpAddr>() {
        return Some(ip);
    }
    if let Some(rest) = text.strip_prefix('[') {
        return rest.split(']').next()?.parse().ok();
    }
    let (host, port) = text.rsplit_once(':')?;
    port.parse::<u16>().ok()?;
    host.parse::<std::net::Ipv4Addr>().ok().map(IpAddr::V4)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use actix_web::http::header::{HeaderName, HeaderValue};

    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(
                HeaderName::from_str(name).unwrap(),
                HeaderValue::from_str(value).unwrap(),
            );
        }
        map
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn networks_parse_and_contain() {
        let net: Network = "10.0.0.0/8".parse().unwrap();
        assert!(net.contains(ip("10.20.30.40")));
        assert!(!net.contains(ip("11.0.0.1")));
        assert!(net.contains(ip("::ffff:10.1.2.3")));
        let one: Network = "127.0.0.1".parse().unwrap();
        assert!(one.contains(ip("127.0.0.1")) && !one.contains(ip("127.0.0.2")));
        let v6: Network = "2001:db8::/32".parse().unwrap();
        assert!(v6.contains(ip("2001:db8:1::5")) && !v6.contains(ip("2001:db9::1")));
        let all: Network = "0.0.0.0/0".parse().unwrap();
        assert!(all.contains(ip("203.0.113.7")));
        for bad in ["10.0.0.0/33", "proxy", "10.0.0.0/x", "::1/129"] {
            assert!(bad.parse::<Network>().is_err(), "{bad}");
        }
        assert!(TrustedProxies::parse("127.0.0.1, nonsense").is_err());
        assert_eq!(TrustedProxies::parse(" ").unwrap(), TrustedProxies::default());
    }

    #[test]
    fn the_client_is_found_behind_trusted_proxies_only() {
        let trusted = TrustedProxies::parse("127.0.0.1, 10.0.0.0/8").unwrap();
        let peer = Some(ip("127.0.0.1"));
        let xff = headers(&[("x-forwarded-for", "203.0.113.7, 10.1.1.1")]);
        assert_eq!(trusted.client(peer, &xff), Some(ip("203.0.113.7")));
        // A client's own claim before the real hop is not believed.
        let spoofed = headers(&[("x-forwarded-for", "1.2.3.4, 203.0.113.7")]);
        assert_eq!(trusted.client(peer, &spoofed), Some(ip("203.0.113.7")));
        // Not from a trusted proxy: the header is the client's word.
        assert_eq!(
            trusted.client(Some(ip("198.51.100.9")), &xff),
            Some(ip("198.51.100.9"))
        );
        assert_eq!(TrustedProxies::default().client(peer, &xff), peer);
        // Forwarded, quoted and with ports.
        let forwarded = headers(&[(
            "forwarded",
            "for=\"[2001:db8::1]:4711\";proto=https, for=10.2.2.2",
        )]);
        assert_eq!(trusted.client(peer, &forwarded), Some(ip("2001:db8::1")));
        let with_port = headers(&[("forwarded", "for=192.0.2.60:8080")]);
        assert_eq!(trusted.client(peer, &with_port), Some(ip("192.0.2.60")));
        // No header, or an unreadable hop: the last address known.
        assert_eq!(trusted.client(peer, &headers(&[])), peer);
        let unknown = headers(&[("x-forwarded-for", "unknown, 10.3.3.3")]);
        assert_eq!(trusted.client(peer, &unknown), Some(ip("10.3.3.3")));
        assert_eq!(trusted.client(None, &xff), None);
    }
}
