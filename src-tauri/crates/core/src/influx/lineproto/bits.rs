//! Finding a few kinds of bytes in text by bitmask: SIMD compares make a 64-bit mask of where
//! they are, 64 bytes at a time, and each one found is then a bit to count to, not a byte to
//! branch on. The line scanner finds its special bytes this way, and the file check its line
//! ends.

/// The places of the bytes `needles` in `s`, in order, found 64 bytes at a time.
pub(crate) struct Finder<'a, const N: usize> {
    s: &'a [u8],
    needles: [u8; N],
    /// Where the block of `bits` starts.
    base: usize,
    /// Bit `j`: `s[base + j]` is one of `needles`.
    bits: u64,
}

impl<'a, const N: usize> Finder<'a, N> {
    pub(crate) fn new(s: &'a [u8], needles: [u8; N]) -> Self {
        let mut f = Finder {
            s,
            needles,
            base: 0,
            bits: 0,
        };
        f.bits = f.block(0);
        f
    }

    /// Which of `s[at..]`'s first 64 bytes are needles (bytes past the end are not).
    fn block(&self, at: usize) -> u64 {
        let s = self.s;
        if let Some(b) = s.get(at..at + 64) {
            return self.block64(b);
        }
        if s.len() >= 64 {
            // The last 64 bytes of `s`, shifted so that bit 0 is `at`.
            return self.block64(&s[s.len() - 64..]) >> (at + 64 - s.len());
        }
        let mut padded = [0u8; 64];
        padded[..s.len() - at].copy_from_slice(&s[at..]);
        // Zero may be a needle: the padding must not be found.
        self.block64(&padded) & ((1u64 << (s.len() - at)) - 1)
    }

    /// Which of 64 bytes are needles.
    #[inline(always)]
    fn block64(&self, b: &[u8]) -> u64 {
        use wide::u8x16;
        let mut bits = 0u64;
        for (k, c) in b.chunks_exact(16).enumerate() {
            let mut w = [0u8; 16];
            w.copy_from_slice(c);
            let v = u8x16::new(w);
            let hit = self
                .needles
                .iter()
                .fold(u8x16::splat(0), |acc, &n| acc | v.simd_eq(u8x16::splat(n)));
            bits |= u64::from(hit.to_bitmask()) << (16 * k);
        }
        bits
    }

    /// The index of the first needle at or after `i` (`s.len()` when none).
    #[inline(always)]
    pub(crate) fn next(&mut self, i: usize) -> usize {
        if i < self.base {
            // Never when only moving forward; exact all the same.
            (self.base, self.bits) = (i, self.block(i));
        }
        let mut at = i;
        loop {
            let off = at - self.base;
            let bits = if off < 64 { self.bits >> off << off } else { 0 };
            if bits != 0 {
                return self.base + bits.trailing_zeros() as usize;
            }
            // Nothing left in this block at or after `at`: the next block starts where this
            // one ends, or at `at` when the caller skipped past it.
            at = (self.base + 64).max(at);
            if at >= self.s.len() {
                (self.base, self.bits) = (self.s.len(), 0);
                return self.s.len();
            }
            (self.base, self.bits) = (at, self.block(at));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPECIAL: [u8; 5] = [b'\\', b',', b'=', b' ', b'"'];

    #[test]
    fn bytes_are_found_in_order() {
        // Lines shorter and longer than a block, every special byte at every place.
        for len in [16, 63, 64, 65, 130] {
            let s: Vec<u8> = (0..len).map(|i| b'a' + (i % 26) as u8).collect();
            for special in [b'\\', b',', b'=', b' ', b'"'] {
                for at in 0..s.len() {
                    let mut t = s.clone();
                    t[at] = special;
                    // A later special byte must not hide the first.
                    if at + 1 < t.len() {
                        t[at + 1] = b'"';
                    }
                    for from in [0, at / 2, at.saturating_sub(1), at] {
                        assert_eq!(Finder::new(&t, SPECIAL).next(from), at, "{len} {at} {from}");
                    }
                    // Moving forward through the line finds each in turn.
                    let mut sp = Finder::new(&t, SPECIAL);
                    assert_eq!(sp.next(0), at, "{len} {at}");
                    let after = if at + 1 < t.len() { at + 1 } else { t.len() };
                    assert_eq!(sp.next(at + 1), after, "{len} {at}");
                    assert_eq!(sp.next(after + 1), t.len(), "{len} {at}");
                }
            }
            assert_eq!(Finder::new(&s, SPECIAL).next(0), s.len());
        }
        // An escape can skip over the end of a block; a call behind the block is exact too.
        let mut t = vec![b'x'; 200];
        t[63] = b'\\';
        t[150] = b',';
        let mut sp = Finder::new(&t, SPECIAL);
        assert_eq!(sp.next(0), 63);
        assert_eq!(sp.next(65), 150);
        assert_eq!(sp.next(1), 63);
        assert_eq!(sp.next(151), 200);
        assert_eq!(
            Finder::new(b"\xe9\x80\xff-+<>.", SPECIAL).next(0),
            8,
            "bytes above 0x7f are plain"
        );
    }

    #[test]
    fn line_ends_are_found_and_padding_is_not_a_needle() {
        for len in [0usize, 1, 10, 63, 64, 65, 200] {
            let s: Vec<u8> = (0..len)
                .map(|i| if i % 7 == 6 { b'\n' } else { b'x' })
                .collect();
            let mut f = Finder::new(&s, [b'\n']);
            let (mut at, mut found) = (0, Vec::new());
            loop {
                let i = f.next(at);
                if i >= s.len() {
                    break;
                }
                found.push(i);
                at = i + 1;
            }
            let want: Vec<usize> = (0..len).filter(|i| i % 7 == 6).collect();
            assert_eq!(found, want, "{len}");
            assert_eq!(Finder::new(&s, [0u8]).next(0), s.len(), "{len}");
        }
    }
}
