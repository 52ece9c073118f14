//! Sets of IP networks: AWS's published ranges and user-supplied threat lists.

use std::net::IpAddr;

/// A set of CIDR blocks, searched by prefix length buckets.
#[derive(Debug, Clone, Default)]
pub struct IpSet {
    v4: Vec<Vec<u32>>,
    v6: Vec<Vec<u128>>,
    len: usize,
}

/// The AWS ranges shipped with Warden (one CIDR per line; refreshed by
/// `scripts/detect/update-aws-ip-ranges.sh`).
pub const AWS_RANGES: &str = include_str!("../data/aws-ip-ranges.txt");

impl IpSet {
    /// Parses one CIDR or address per line; `#` starts a comment. Returns the set and the
    /// lines that could not be read (1-based line number, text).
    pub fn parse(text: &str) -> (Self, Vec<(usize, String)>) {
        let mut s = IpSet { v4: vec![Vec::new(); 33], v6: vec![Vec::new(); 129], len: 0 };
        let mut bad = Vec::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.split('#').next().unwrap_or_default().trim();
            if line.is_empty() {
                continue;
            }
            let (ip, len) = line.split_once('/').unwrap_or((line, ""));
            match ip.parse::<IpAddr>() {
                Ok(IpAddr::V4(a)) => match if len.is_empty() { Ok(32) } else { len.parse::<u8>() } {
                    Ok(l) if l <= 32 => {
                        let mask = if l == 0 { 0 } else { u32::MAX << (32 - u32::from(l)) };
                        if let Some(b) = s.v4.get_mut(usize::from(l)) {
                            b.push(u32::from(a) & mask);
                            s.len += 1;
                        }
                    }
                    _ => bad.push((n + 1, line.to_string())),
                },
                Ok(IpAddr::V6(a)) => match if len.is_empty() { Ok(128) } else { len.parse::<u8>() } {
                    Ok(l) if l <= 128 => {
                        let mask = if l == 0 { 0 } else { u128::MAX << (128 - u32::from(l)) };
                        if let Some(b) = s.v6.get_mut(usize::from(l)) {
                            b.push(u128::from(a) & mask);
                            s.len += 1;
                        }
                    }
                    _ => bad.push((n + 1, line.to_string())),
                },
                Err(_) => bad.push((n + 1, line.to_string())),
            }
        }
        for b in &mut s.v4 {
            b.sort_unstable();
            b.dedup();
        }
        for b in &mut s.v6 {
            b.sort_unstable();
            b.dedup();
        }
        (s, bad)
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        match ip {
            IpAddr::V4(a) => {
                let a = u32::from(a);
                self.v4.iter().enumerate().any(|(l, nets)| {
                    !nets.is_empty() && {
                        let mask = if l == 0 { 0 } else { u32::MAX << (32 - l as u32) };
                        nets.binary_search(&(a & mask)).is_ok()
                    }
                })
            }
            IpAddr::V6(a) => {
                let a = u128::from(a);
                self.v6.iter().enumerate().any(|(l, nets)| {
                    !nets.is_empty() && {
                        let mask = if l == 0 { 0 } else { u128::MAX << (128 - l as u32) };
                        nets.binary_search(&(a & mask)).is_ok()
                    }
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn membership() {
        let (s, bad) = IpSet::parse("# c\n10.0.0.0/8\n192.0.2.7\n2001:db8::/32\nnope\n1.2.3.4/40\n");
        assert_eq!(bad.len(), 2);
        assert_eq!(s.len(), 3);
        assert!(s.contains("10.9.9.9".parse().unwrap()));
        assert!(s.contains("192.0.2.7".parse().unwrap()));
        assert!(!s.contains("192.0.2.8".parse().unwrap()));
        assert!(s.contains("2001:db8::1".parse().unwrap()));
        assert!(!s.contains("11.0.0.1".parse().unwrap()));
    }
}
