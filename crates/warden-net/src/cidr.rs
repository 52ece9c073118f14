//! IPv4 and IPv6 CIDR blocks, enough to ask "does this rule's range contain that
//! subnet?" when traffic comes from a load balancer rather than from the whole world.

use std::net::IpAddr;

/// A parsed CIDR block; a bare address is a block of one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    v6: bool,
    /// The address bits, IPv4 in the low 32.
    bits: u128,
    len: u8,
}

impl Cidr {
    /// `10.0.0.0/16`, `2001:db8::/32`, or an address (`10.0.1.5`). `None` for anything
    /// else, including prefix-list ids.
    pub fn parse(s: &str) -> Option<Cidr> {
        let (addr, len) = match s.split_once('/') {
            Some((a, l)) => (a, Some(l.parse::<u8>().ok()?)),
            None => (s, None),
        };
        match addr.parse::<IpAddr>().ok()? {
            IpAddr::V4(a) => {
                let len = len.unwrap_or(32);
                (len <= 32).then(|| Cidr { v6: false, bits: u128::from(u32::from(a)), len })
            }
            IpAddr::V6(a) => {
                let len = len.unwrap_or(128);
                (len <= 128).then(|| Cidr { v6: true, bits: u128::from(a), len })
            }
        }
    }

    fn width(self) -> u8 {
        if self.v6 { 128 } else { 32 }
    }

    /// The network bits of `bits` under a prefix of `len`.
    fn network(self, bits: u128, len: u8) -> u128 {
        let host = u32::from(self.width() - len);
        if host >= 128 { 0 } else { bits >> host }
    }

    /// Whether every address of `other` lies in `self`.
    pub fn contains(self, other: Cidr) -> bool {
        self.v6 == other.v6
            && self.len <= other.len
            && self.network(self.bits, self.len) == self.network(other.bits, self.len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contains(outer: &str, inner: &str) -> bool {
        matches!((Cidr::parse(outer), Cidr::parse(inner)), (Some(o), Some(i)) if o.contains(i))
    }

    #[test]
    fn containment() {
        let cases = [
            ("0.0.0.0/0", "10.0.1.0/24", true),
            ("10.0.0.0/16", "10.0.1.0/24", true),
            ("10.0.0.0/16", "10.0.1.7", true),
            ("10.0.1.0/24", "10.0.0.0/16", false),
            ("10.0.1.0/24", "10.0.2.0/24", false),
            ("10.0.1.5/32", "10.0.1.5", true),
            ("::/0", "2001:db8::/32", true),
            ("2001:db8::/32", "2001:db9::1", false),
            ("::/0", "10.0.0.0/8", false),
            ("0.0.0.0/0", "::/0", false),
            ("10.0.0.0/33", "10.0.0.1", false),
            ("pl-123", "10.0.0.1", false),
        ];
        for (outer, inner, want) in cases {
            assert_eq!(contains(outer, inner), want, "{outer} ⊇ {inner}");
        }
    }
}
