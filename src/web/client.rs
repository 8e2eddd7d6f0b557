//! Who is asking: the client address, taken from `X-Forwarded-For` only when the
//! direct peer is one of the operator's trusted reverse proxies.

use std::net::{IpAddr, SocketAddr};

use axum::{
    extract::{ConnectInfo, FromRequestParts},
    http::{HeaderMap, header, request::Parts},
};

use crate::app::SharedState;

/// The client of the current request.
pub struct ClientInfo {
    pub ip: IpAddr,
    pub user_agent: Option<String>,
}

impl ClientInfo {
    /// The coarse, privacy-friendly form kept with sessions and audit entries:
    /// IPv4 /24, IPv6 /48.
    pub fn prefix(&self) -> String {
        match self.ip {
            IpAddr::V4(v4) => {
                let o = v4.octets();
                format!("{}.{}.{}.0/24", o[0], o[1], o[2])
            }
            IpAddr::V6(v6) => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}::/48", s[0], s[1], s[2])
            }
        }
    }
}

/// The rightmost address in `X-Forwarded-For` that is not a trusted proxy.
fn forwarded_client(headers: &HeaderMap, trusted: &[IpAddr]) -> Option<IpAddr> {
    let chain: Vec<IpAddr> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    chain.into_iter().rev().find(|ip| !trusted.contains(ip))
}

impl FromRequestParts<SharedState> for ClientInfo {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &SharedState) -> Result<Self, Self::Rejection> {
        let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip()).unwrap_or(IpAddr::from([127, 0, 0, 1]));
        let trusted = &state.config.trusted_proxies;
        let ip = if trusted.contains(&peer) { forwarded_client(&parts.headers, trusted).unwrap_or(peer) } else { peer };
        let user_agent = parts.headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok()).map(|s| s.chars().take(200).collect());
        Ok(ClientInfo { ip, user_agent })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_are_coarse() {
        let c = |ip: &str| ClientInfo { ip: ip.parse().unwrap(), user_agent: None }.prefix();
        assert_eq!(c("192.0.2.77"), "192.0.2.0/24");
        assert_eq!(c("2001:db8:abcd:12::1"), "2001:db8:abcd::/48");
    }

    #[test]
    fn forwarded_for_is_read_from_the_right_skipping_trusted_proxies() {
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", "203.0.113.9, 198.51.100.7, 10.0.0.2".parse().unwrap());
        let trusted: Vec<IpAddr> = vec!["10.0.0.2".parse().unwrap()];
        assert_eq!(forwarded_client(&h, &trusted), Some("198.51.100.7".parse().unwrap()));
        assert_eq!(forwarded_client(&HeaderMap::new(), &trusted), None);
    }
}
