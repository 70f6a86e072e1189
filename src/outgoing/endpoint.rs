//! Which URLs a webhook may point at, so that a subscription cannot aim this service at
//! itself or at the network behind it (server-side request forgery).
//!
//! [`Endpoint::parse`] applies the strict default [`EndpointPolicy`]: `https` only, a host, no
//! user name or password, no fragment, at most 2048 bytes, and no IP-literal host in a
//! loopback, private, link-local, unique-local, shared, unspecified, broadcast, multicast,
//! documentation or other special range, however it is spelled (`http://2130706433/`,
//! `0x7f.1`, `[::ffff:127.0.0.1]`); IPv6 must be global unicast (`2000::/3`). Nor `localhost`,
//! `*.localhost`, or names of local networks (`*.local`, `*.internal`, `*.localdomain`,
//! `*.home.arpa`). Any port is allowed.
//!
//! This crate does no DNS. A name that passes may still resolve to a private address: **call
//! [`EndpointPolicy::permits_ip`] on the address you are about to connect to**, after
//! resolving and before connecting (and on every redirect, or turn redirects off).
//!
//! ```
//! use sauce_webhooks::outgoing::endpoint::{Endpoint, EndpointError, EndpointPolicy};
//!
//! let endpoint = Endpoint::parse("https://hooks.example.com/sauce?team=checkout")?;
//! assert_eq!(endpoint.as_str(), "https://hooks.example.com/sauce?team=checkout");
//!
//! assert!(matches!(Endpoint::parse("http://hooks.example.com/"), Err(EndpointError::Scheme { .. })));
//! assert!(matches!(Endpoint::parse("https://0x7f.1/"), Err(EndpointError::ForbiddenAddress(_))));
//!
//! // For local development only.
//! let dev = EndpointPolicy::default().with_http(true).with_private_targets(true);
//! assert!(Endpoint::parse_with("http://localhost:8080/hook", &dev).is_ok());
//!
//! // After resolving the host, before connecting:
//! assert!(!EndpointPolicy::default().permits_ip("10.0.0.7".parse()?));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use url::{Host, Url};

use crate::support::redact::redacted;

/// Longest URL accepted, in bytes.
pub const MAX_URL_LEN: usize = 2048;

/// Why a URL was refused: the rule it broke.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EndpointError {
    /// Not a URL at all.
    #[error("not a valid URL: {reason}")]
    Invalid {
        /// What the URL parser said.
        reason: String,
    },
    /// Longer than [`MAX_URL_LEN`].
    #[error("the URL has {len} bytes, over the limit of {MAX_URL_LEN}")]
    TooLong {
        /// Its length in bytes.
        len: usize,
    },
    /// A scheme other than `https` (or `http`, when the policy allows it).
    #[error("scheme `{scheme}` is not allowed; use https")]
    Scheme {
        /// The scheme given.
        scheme: String,
    },
    /// No host.
    #[error("the URL has no host")]
    NoHost,
    /// A user name or password in the URL.
    #[error("the URL must not carry a user name or password")]
    Credentials,
    /// A fragment (`#...`), which is never sent and usually a mistake.
    #[error("the URL must not have a fragment")]
    Fragment,
    /// `localhost` or a name under it.
    #[error("localhost is not allowed")]
    Localhost,
    /// A name of a local network (`*.local`, `*.internal`, `*.localdomain`, `*.home.arpa`).
    #[error("{0} names a local network")]
    LocalName(String),
    /// An IP address in a range the policy refuses.
    #[error("address {0} is loopback, private or otherwise not public")]
    ForbiddenAddress(IpAddr),
}

/// What endpoints may be. The default is strict; loosen it only for development.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct EndpointPolicy {
    allow_http: bool,
    allow_private_targets: bool,
}

impl EndpointPolicy {
    /// Also allows plain `http`.
    #[must_use]
    pub fn with_http(mut self, allow: bool) -> Self {
        self.allow_http = allow;
        self
    }

    /// Also allows `localhost` and non-public addresses (loopback, private ranges, ...).
    #[must_use]
    pub fn with_private_targets(mut self, allow: bool) -> Self {
        self.allow_private_targets = allow;
        self
    }

    /// Whether connecting to `ip` is allowed: any public unicast address, or any address at all
    /// when private targets are allowed. Call it on the address a host name resolved to, just
    /// before connecting.
    pub fn permits_ip(&self, ip: IpAddr) -> bool {
        self.allow_private_targets || is_public(ip)
    }
}

/// A URL that webhooks may be sent to, checked when it was made. `Debug` shows only its scheme,
/// the domain's last two labels and the port (`https://….slack.com/…`), as many hooks keep
/// their secret in the path, and some in the host's first label; `Display` and
/// [`as_str`](Endpoint::as_str) give it whole.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Endpoint(Url);

impl fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Endpoint({})", redacted(&self.0))
    }
}

impl Endpoint {
    /// Checks `url` against the strict default policy.
    ///
    /// # Errors
    /// [`EndpointError`] naming the rule the URL broke.
    pub fn parse(url: &str) -> Result<Self, EndpointError> {
        Self::parse_with(url, &EndpointPolicy::default())
    }

    /// Checks `url` against `policy`.
    ///
    /// # Errors
    /// [`EndpointError`] naming the rule the URL broke.
    pub fn parse_with(url: &str, policy: &EndpointPolicy) -> Result<Self, EndpointError> {
        if url.len() > MAX_URL_LEN {
            return Err(EndpointError::TooLong { len: url.len() });
        }
        let parsed = Url::parse(url).map_err(|e| EndpointError::Invalid { reason: e.to_string() })?;
        // The normalized form can be longer than the input (percent-encoding).
        if parsed.as_str().len() > MAX_URL_LEN {
            return Err(EndpointError::TooLong { len: parsed.as_str().len() });
        }
        match parsed.scheme() {
            "https" => {}
            "http" if policy.allow_http => {}
            other => return Err(EndpointError::Scheme { scheme: other.to_owned() }),
        }
        if !parsed.username().is_empty() || parsed.password().is_some() {
            return Err(EndpointError::Credentials);
        }
        if parsed.fragment().is_some() {
            return Err(EndpointError::Fragment);
        }
        match parsed.host().ok_or(EndpointError::NoHost)? {
            Host::Domain(name) => check_name(name, *policy)?,
            Host::Ipv4(ip) => check_ip(IpAddr::V4(ip), *policy)?,
            Host::Ipv6(ip) => check_ip(IpAddr::V6(ip), *policy)?,
        }
        Ok(Self(parsed))
    }

    /// The URL.
    pub fn as_url(&self) -> &Url {
        &self.0
    }

    /// The URL as a string, normalized.
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Suffixes of names that only resolve on a local network.
const LOCAL_SUFFIXES: &[&str] = &[".local", ".internal", ".localdomain", ".home.arpa"];

fn check_name(name: &str, policy: EndpointPolicy) -> Result<(), EndpointError> {
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    // With its extra trailing dots gone, a name may turn out to be an IP address
    // (`127.0.0.1..`): read it again as a host.
    if let Ok(Host::Ipv4(ip)) = Host::parse(&name) {
        return check_ip(IpAddr::V4(ip), policy);
    }
    if policy.allow_private_targets {
        return Ok(());
    }
    if name == "localhost" || name.ends_with(".localhost") {
        return Err(EndpointError::Localhost);
    }
    if LOCAL_SUFFIXES.iter().any(|suffix| name.ends_with(suffix) || name == suffix[1..]) {
        return Err(EndpointError::LocalName(name));
    }
    Ok(())
}

fn check_ip(ip: IpAddr, policy: EndpointPolicy) -> Result<(), EndpointError> {
    if policy.permits_ip(ip) { Ok(()) } else { Err(EndpointError::ForbiddenAddress(ip)) }
}

/// Whether `ip` is an ordinary public unicast address.
fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    let special = a == 0                                   // "this network", unspecified
        || a == 10                                         // private
        || a == 127                                        // loopback
        || (a == 100 && (64..128).contains(&b))            // shared address space (CGNAT)
        || (a == 169 && b == 254)                          // link-local
        || (a == 172 && (16..32).contains(&b))             // private
        || (a == 192 && b == 0 && c == 0)                  // IETF protocol assignments
        || (a == 192 && b == 0 && c == 2)                  // documentation
        || (a == 192 && b == 88 && c == 99)                // 6to4 relay anycast
        || (a == 192 && b == 168)                          // private
        || (a == 198 && (18..20).contains(&b))             // benchmarking
        || (a == 198 && b == 51 && c == 100)               // documentation
        || (a == 203 && b == 0 && c == 113)                // documentation
        || a >= 224; // multicast, reserved, broadcast
    !special
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let octets = ip.octets();
    let v4_at = |i: usize| Ipv4Addr::new(octets[i], octets[i + 1], octets[i + 2], octets[i + 3]);
    let segments = ip.segments();
    match segments {
        // ::ffff:a.b.c.d (mapped), ::a.b.c.d (compatible), 64:ff9b::a.b.c.d (NAT64): the
        // embedded IPv4 address decides; :: and ::1 fall here too and are refused by it.
        [0, 0, 0, 0, 0, 0 | 0xffff, _, _] | [0x64, 0xff9b, 0, 0, 0, 0, _, _] => is_public_v4(v4_at(12)),
        // 6to4: 2002:AABB:CCDD::/48 embeds AA.BB.CC.DD.
        [0x2002, ..] => is_public_v4(v4_at(2)),
        // Beyond those, only global unicast (2000::/3) is public, less its special blocks.
        [first, second, ..] => {
            let special = first & 0xe000 != 0x2000
                || (first == 0x2001 && second < 0x0200)      // IETF protocol assignments 2001::/23 (Teredo, benchmarking, ORCHID)
                || (first == 0x2001 && second == 0x0db8)     // documentation 2001:db8::/32
                || (first == 0x3fff && second & 0xf000 == 0); // documentation 3fff::/20
            !special
        }
    }
}
