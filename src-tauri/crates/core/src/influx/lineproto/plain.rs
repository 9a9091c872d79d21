//! The fast path of [`scan`](super::scan::scan): a line of at most 128 bytes with no escape
//! and no quote (nearly every line of a real file) is checked from bitmasks of its commas,
//! `=`s and spaces, made with SIMD compares 16 bytes at a time, so its parts are found by
//! counting bits instead of branching on every byte. It only accepts: any line it is not sure
//! of (a rare byte, too long, or anything wrong) goes to the byte-by-byte scanner, which gives
//! the same answer for the lines both take (a property test holds the whole check equal to the
//! parser).

use super::scan::{FieldAt, Scanned, is_i64, kind};

/// The longest line taken here.
const MAX: usize = 128;

/// Bit `j` of each mask: byte `j` of the line is that byte.
struct Masks {
    comma: u128,
    eq: u128,
    space: u128,
    /// An escape or a quote: the line is not plain.
    rare: u128,
}

impl Masks {
    /// The masks of `s` (at most [`MAX`] bytes), read 16 bytes at a time straight from `s`
    /// (a copy to a buffer first would stall each load on the copy's stores), into two
    /// 64-bit halves (shifts of 128-bit words by a variable cost several instructions).
    fn of(s: &[u8]) -> Masks {
        let n = s.len();
        let lo = Self::half(s, 0);
        let hi = if n > 64 { Self::half(s, 64) } else { [0; 4] };
        let join = |t: usize| u128::from(lo[t]) | u128::from(hi[t]) << 64;
        Masks {
            comma: join(0),
            eq: join(1),
            space: join(2),
            rare: join(3),
        }
    }

    /// The four masks of the 64 bytes from `from` (up to the end of `s`), in registers.
    #[inline(always)]
    fn half(s: &[u8], from: usize) -> [u64; 4] {
        let n = s.len();
        let (mut comma, mut eq, mut space, mut rare) = (0u64, 0u64, 0u64, 0u64);
        for k in 0..4 {
            let at = from + 16 * k;
            if at >= n {
                break;
            }
            let (chunk, shift) = match s.get(at..at + 16) {
                Some(c) => (c, 0),
                // The tail: the last 16 bytes, shifted so that bit 0 is `at`.
                None if n >= 16 => (&s[n - 16..], at + 16 - n),
                None => (&s[at..], 0),
            };
            let [c, e, sp, r] = Self::chunk(chunk);
            let put = |bits: u32| u64::from(bits >> shift) << (16 * k);
            comma |= put(c);
            eq |= put(e);
            space |= put(sp);
            rare |= put(r);
        }
        [comma, eq, space, rare]
    }

    /// The comma, `=`, space and rare masks of up to 16 bytes (missing bytes are none).
    #[inline(always)]
    fn chunk(c: &[u8]) -> [u32; 4] {
        use wide::u8x16;
        let mut w = [0u8; 16];
        if c.len() == 16 {
            w.copy_from_slice(c);
        } else {
            w[..c.len()].copy_from_slice(c);
        }
        let v = u8x16::new(w);
        let eq = |b: u8| v.simd_eq(u8x16::splat(b));
        [
            eq(b',').to_bitmask(),
            eq(b'=').to_bitmask(),
            eq(b' ').to_bitmask(),
            (eq(b'\\') | eq(b'"')).to_bitmask(),
        ]
    }
}

/// The bits of `m` at `a` and above, below `b` (`a <= b <= 128`), moved down to bit 0.
#[inline]
fn between(m: u128, a: usize, b: usize) -> u128 {
    let m = m >> a;
    match b - a {
        MAX.. => m,
        w => m & ((1u128 << w) - 1),
    }
}

/// The first set bit of `m` at or above `a`, or `end` when none (`a <= end <= 128`).
#[inline]
fn first(m: u128, a: usize, end: usize) -> usize {
    let m = m.checked_shr(a as u32).unwrap_or(0);
    if m == 0 {
        end
    } else {
        (a + m.trailing_zeros() as usize).min(end)
    }
}

/// The first byte at or after `a` that is not a space (`n` when none).
#[inline]
fn after_spaces(space: u128, a: usize, n: usize) -> usize {
    if a >= n {
        return n;
    }
    (a + (space >> a).trailing_ones() as usize).min(n)
}

/// Check a plain line (see the module): `Some` only for a good line (its parts, and `fields`
/// filled, as [`scan`](super::scan::scan) gives them); `None` when it is not sure.
pub(super) fn scan_plain(line: &str, fields: &mut Vec<FieldAt>) -> Option<Scanned> {
    let s = line.as_bytes();
    let n = s.len();
    if n > MAX {
        return None;
    }
    let m = Masks::of(s);
    if m.rare != 0 {
        return None;
    }

    // The series: up to the first space; the measurement up to its first comma, then
    // `tag=value` parts, each with one `=` with something on both sides.
    let series_end = first(m.space, 0, n);
    if series_end == n {
        return None;
    }
    let m_end = first(m.comma, 0, series_end);
    if m_end == 0 {
        return None;
    }
    let mut a = m_end + 1;
    while a <= series_end && m_end < series_end {
        let b = first(m.comma, a, series_end);
        let eqs = between(m.eq, a, b);
        if eqs.count_ones() != 1 {
            return None;
        }
        let e = a + eqs.trailing_zeros() as usize;
        if e == a || e + 1 >= b {
            return None;
        }
        a = b + 1;
    }

    // The fields: from the first byte after the spaces to the next space, split on commas;
    // each key ends at its first `=`.
    let f0 = after_spaces(m.space, series_end, n);
    if f0 >= n {
        return None;
    }
    let fields_end = first(m.space, f0, n);
    let mut a = f0;
    loop {
        let b = first(m.comma, a, fields_end);
        let e = first(m.eq, a, b);
        if e == a || e >= b {
            return None;
        }
        fields.push(FieldAt {
            key: (a, e),
            kind: kind(&line[e + 1..b])?,
            escaped: false,
        });
        if b >= fields_end {
            break;
        }
        a = b + 1;
    }

    // The timestamp, if any: an integer, then nothing but spaces.
    let t0 = after_spaces(m.space, fields_end, n);
    let timestamped = t0 < n;
    if timestamped {
        let t1 = first(m.space, t0, n);
        if !is_i64(&line[t0..t1]) || after_spaces(m.space, t1, n) < n {
            return None;
        }
    }
    Some(Scanned {
        measurement: (0, m_end),
        timestamped,
        escaped: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(line: &str) -> Option<(Scanned, Vec<FieldAt>)> {
        let mut f = Vec::new();
        scan_plain(line, &mut f).map(|s| (s, f))
    }

    #[test]
    fn plain_lines_agree_with_the_scanner() {
        let long = format!("m,{0}={0} {0}=1 5", "k".repeat(40));
        for line in [
            "cpu,host=server01,region=eu usage_user=43.1,usage_system=5i 1600000123",
            "cpu v=1",
            "cpu v=1 ",
            "cpu   v=1,w=t   -17  ",
            "a=b,c=d e=1u",
            long.as_str(),
        ] {
            let (mut f, mut g) = (Vec::new(), Vec::new());
            let want = super::super::scan::scan(line, &mut g);
            assert!(want.is_some(), "{line}");
            assert_eq!(scan_plain(line, &mut f), want, "{line}");
            assert_eq!(f, g, "{line}");
        }
    }

    #[test]
    fn plain_refuses_what_it_is_not_sure_of() {
        let too_long = format!("m v={}", "1".repeat(130));
        // 128 bytes, the last a comma: nothing after it to read.
        let full = format!("m v={},", "1".repeat(123));
        assert_eq!(full.len(), MAX);
        for line in [
            "cpu",
            "cpu ",
            ",t=1 v=1",
            "cpu,host v=1",
            "cpu,=a v=1",
            "cpu,a= v=1",
            "cpu,a=b=c v=1",
            "cpu, v=1",
            "cpu v=",
            "cpu =1",
            "cpu v=1,",
            "cpu v=abc",
            "cpu v=1 12:00",
            "cpu v=1 1 1",
            "cpu v=\"x\"",
            "c\\ pu v=1",
            too_long.as_str(),
            full.as_str(),
        ] {
            assert!(plain(line).is_none(), "{line}");
        }
    }
}
