//! A tiny seeded PRNG (SplitMix64), written here so the example estate never changes
//! because a dependency changed its algorithm.

#[derive(Debug, Clone)]
pub(crate) struct Rng(u64);

impl Rng {
    /// A generator for one part of the estate: the seed mixed with a label, so adding a
    /// part (an account, a region) does not shift the random stream of the others.
    pub(crate) fn derive(seed: u64, label: &str) -> Rng {
        // FNV-1a over the label, then one SplitMix step to spread it.
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in label.bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        let mut r = Rng(seed ^ h);
        r.next_u64();
        r
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (0 when `n` is 0). The modulo bias is irrelevant here.
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next_u64() % n }
    }

    /// Uniform in `lo..=hi`.
    pub(crate) fn range(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            return lo;
        }
        let span = hi.abs_diff(lo).saturating_add(1);
        lo.saturating_add_unsigned(self.below(span))
    }

    /// True with probability `p`.
    pub(crate) fn chance(&mut self, p: f64) -> bool {
        ((self.next_u64() >> 11) as f64) / ((1u64 << 53) as f64) < p
    }

    /// One element of a non-empty slice (the first one for an empty slice is impossible:
    /// callers pass constant tables).
    pub(crate) fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        let i = self.below(xs.len() as u64) as usize;
        &xs[i.min(xs.len().saturating_sub(1))]
    }

    /// `n` lowercase hex digits, as in AWS resource ids (`vpc-0a1b…`).
    pub(crate) fn hex(&mut self, n: usize) -> String {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        (0..n).map(|_| char::from(DIGITS[(self.next_u64() & 15) as usize])).collect()
    }

    /// `n` characters from the alphabet IAM uses in access key and unique ids.
    pub(crate) fn upper(&mut self, n: usize) -> String {
        const DIGITS: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        (0..n).map(|_| char::from(DIGITS[(self.next_u64() & 31) as usize])).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_stream_and_labels_separate() {
        let a: Vec<u64> = (0..4)
            .map({
                let mut r = Rng::derive(7, "x");
                move |_| r.next_u64()
            })
            .collect();
        let b: Vec<u64> = (0..4)
            .map({
                let mut r = Rng::derive(7, "x");
                move |_| r.next_u64()
            })
            .collect();
        assert_eq!(a, b);
        assert_ne!(Rng::derive(7, "x").next_u64(), Rng::derive(7, "y").next_u64());
        assert_ne!(Rng::derive(7, "x").next_u64(), Rng::derive(8, "x").next_u64());
    }

    #[test]
    fn ranges_hold() {
        let mut r = Rng::derive(1, "r");
        for _ in 0..1000 {
            let v = r.range(-3, 5);
            assert!((-3..=5).contains(&v));
            assert!(r.below(7) < 7);
        }
        assert_eq!(r.below(0), 0);
        assert_eq!(r.hex(17).len(), 17);
    }
}
