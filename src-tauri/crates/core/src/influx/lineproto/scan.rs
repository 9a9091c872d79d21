//! The allocation-free check of one line of line protocol: the same grammar, the same
//! acceptance and the same field types as the parser in `lineproto` (a property test holds
//! them equal), but in one pass over borrowed bytes, stopping only at the few bytes that
//! matter, and without building a point. A bad line is only flagged here: its message comes
//! from the parser, which runs again on that line alone.

use memchr::memchr3;

use super::bits::Finder;

/// The bytes that matter to the grammar: an escape, the separators, a quote.
const SPECIAL: [u8; 5] = [b'\\', b',', b'=', b' ', b'"'];

/// One field of a good line: where its (escaped) key is, and the type of its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldAt {
    pub key: (usize, usize),
    pub kind: &'static str,
    /// The key holds a `\\` (to unescape before it is compared).
    pub escaped: bool,
}

/// A good line: where its (escaped) measurement is, and whether it has a timestamp. Its
/// fields are in the vector given to [`scan`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scanned {
    pub measurement: (usize, usize),
    pub timestamped: bool,
    /// The measurement holds a `\\` (to unescape before it is compared).
    pub escaped: bool,
}

/// The sections of `line` (separated by unescaped spaces outside quotes, empty ones left
/// out): up to three, and whether there were more.
fn sections(line: &[u8]) -> ([(usize, usize); 3], usize, bool) {
    let mut out = [(0, 0); 3];
    let (mut n, mut start, mut i, mut quoted) = (0, 0, 0, false);
    let mut push = |a: usize, b: usize, n: &mut usize| -> bool {
        if b > a {
            if *n == 3 {
                return false;
            }
            out[*n] = (a, b);
            *n += 1;
        }
        true
    };
    while let Some(j) = memchr3(b' ', b'\\', b'"', &line[i..]) {
        let at = i + j;
        match line[at] {
            // The escaped byte is skipped (a continuation byte of a character is never special).
            b'\\' => i = at + 2,
            b'"' => {
                quoted = !quoted;
                i = at + 1;
            }
            _ => {
                if !quoted && !push(start, at, &mut n) {
                    return (out, n, true);
                }
                if !quoted {
                    start = at + 1;
                }
                i = at + 1;
            }
        }
        if i >= line.len() {
            break;
        }
    }
    let more = !push(start, line.len(), &mut n);
    (out, n, more)
}

/// Whether `line` (a good line) ends with a timestamp: it has three sections.
pub fn has_timestamp(line: &[u8]) -> bool {
    let (_, n, more) = sections(line);
    n == 3 && !more
}

/// `[+-]?digits` with at most `max` digits: surely in range. Anything else is left to the
/// standard parser.
fn short_int(s: &[u8], signed: bool, max: usize) -> bool {
    let d = match s.first() {
        Some(b'+') => &s[1..],
        Some(b'-') if signed => &s[1..],
        _ => s,
    };
    !d.is_empty() && d.len() <= max && digits(d)
}

/// Whether every byte of `d` is an ASCII digit: whole words at a time (they may overlap), so
/// a timestamp costs two checks and no branch per byte.
fn digits(d: &[u8]) -> bool {
    // Each byte of `w` is a digit: its high half is 3, and adding 6 keeps it 3 (0x30-0x39).
    const fn all(w: u64, ones: u64) -> bool {
        w & (0xF0 * ones) == 0x30 * ones && (w + 0x06 * ones) & (0xF0 * ones) == 0x30 * ones
    }
    const ONES8: u64 = 0x0101_0101_0101_0101;
    const ONES4: u64 = 0x0101_0101;
    let w8 = |i: usize| {
        let mut w = [0u8; 8];
        w.copy_from_slice(&d[i..i + 8]);
        u64::from_le_bytes(w)
    };
    let w4 = |i: usize| {
        let mut w = [0u8; 4];
        w.copy_from_slice(&d[i..i + 4]);
        u64::from(u32::from_le_bytes(w))
    };
    let n = d.len();
    match n {
        0..4 => d.iter().all(u8::is_ascii_digit),
        4..8 => all(w4(0), ONES4) && all(w4(n - 4), ONES4),
        _ => (0..n - 8).step_by(8).all(|i| all(w8(i), ONES8)) && all(w8(n - 8), ONES8),
    }
}

pub(super) fn is_i64(s: &str) -> bool {
    short_int(s.as_bytes(), true, 18) || s.parse::<i64>().is_ok()
}

fn is_u64(s: &str) -> bool {
    short_int(s.as_bytes(), false, 19) || s.parse::<u64>().is_ok()
}

/// A finite float as Rust parses it. The common shape (`[+-]digits[.digits]`, not too long)
/// is finite for sure; anything else goes to the standard parser.
fn is_float(s: &str) -> bool {
    let b = s.as_bytes();
    let d = match b.first() {
        Some(b'+' | b'-') => &b[1..],
        _ => b,
    };
    let (int, frac) = match memchr::memchr(b'.', d) {
        Some(p) => (&d[..p], &d[p + 1..]),
        None => (d, &d[..0]),
    };
    let simple = (!int.is_empty() || !frac.is_empty())
        && int.len() <= 300
        && int.iter().all(u8::is_ascii_digit)
        && frac.iter().all(u8::is_ascii_digit);
    simple || s.parse::<f64>().is_ok_and(f64::is_finite)
}

/// The type of a field value, as InfluxDB names it, or `None` for a bad value. Decided by its
/// first and last bytes before anything is compared whole.
pub(super) fn kind(v: &str) -> Option<&'static str> {
    let b = v.as_bytes();
    let (&first, &last) = (b.first()?, b.last()?);
    if first == b'"' {
        return (b.len() >= 2 && last == b'"').then_some("string");
    }
    if matches!(first, b't' | b'T' | b'f' | b'F') {
        return matches!(
            v,
            "t" | "T" | "true" | "True" | "TRUE" | "f" | "F" | "false" | "False" | "FALSE"
        )
        .then_some("boolean");
    }
    match last {
        b'i' => is_i64(&v[..v.len() - 1]).then_some("integer"),
        b'u' => is_u64(&v[..v.len() - 1]).then_some("unsigned"),
        _ => is_float(v).then_some("float"),
    }
}

/// Check one line (already trimmed at the start, without its line ending, not blank and not a
/// comment) in one pass over its bytes. A good line gives where its parts are and fills
/// `fields` (cleared first); a bad one gives `None`.
pub fn scan(line: &str, fields: &mut Vec<FieldAt>) -> Option<Scanned> {
    fields.clear();
    if let Some(plain) = super::plain::scan_plain(line, fields) {
        return Some(plain);
    }
    fields.clear();
    let s = line.as_bytes();
    let n = s.len();
    let mut specials = Finder::new(s, SPECIAL);

    // The series: the measurement, then `,tag=value`s. Commas and `=` split it whatever the
    // quotes; a quote only hides a space (as the parser's section split does).
    let (mut i, mut quoted) = (0, false);
    let mut measurement: Option<(usize, usize)> = None;
    let (mut part, mut eqs, mut eq_at) = (0, 0, 0);
    let mut m_escaped = false;
    let part_ok = |m: &Option<(usize, usize)>, a: usize, b: usize, eqs: usize, eq_at: usize| match m
    {
        None => b > a,
        Some(_) => eqs == 1 && eq_at > a && eq_at + 1 < b,
    };
    let series_end = loop {
        i = specials.next(i);
        if i >= n {
            // One section: no fields.
            return None;
        }
        match s[i] {
            b'\\' => {
                m_escaped |= measurement.is_none();
                i += 2;
                continue;
            }
            b'"' => quoted = !quoted,
            b'=' if measurement.is_some() => {
                eqs += 1;
                if eqs == 1 {
                    eq_at = i;
                }
            }
            b',' => {
                if !part_ok(&measurement, part, i, eqs, eq_at) {
                    return None;
                }
                if measurement.is_none() {
                    measurement = Some((part, i));
                }
                (part, eqs) = (i + 1, 0);
            }
            b' ' if !quoted => break i,
            _ => {}
        }
        i += 1;
    };
    if !part_ok(&measurement, part, series_end, eqs, eq_at) {
        return None;
    }
    let measurement = measurement.unwrap_or((part, series_end));
    while i < n && s[i] == b' ' {
        i += 1;
    }
    if i >= n {
        return None;
    }

    // The fields: split on commas outside quotes; each key ends at its first `=`.
    let mut start = i;
    let mut eq: Option<usize> = None;
    let mut k_escaped = false;
    quoted = false;
    let mut field = |a: usize, b: usize, eq: Option<usize>, escaped: bool| -> bool {
        let Some(eq) = eq.filter(|&e| e > a) else {
            return false;
        };
        match kind(&line[eq + 1..b]) {
            Some(kind) => {
                fields.push(FieldAt {
                    key: (a, eq),
                    kind,
                    escaped,
                });
                true
            }
            None => false,
        }
    };
    loop {
        i = specials.next(i);
        if i >= n {
            if !field(start, n, eq, k_escaped) {
                return None;
            }
            i = n;
            break;
        }
        match s[i] {
            b'\\' => {
                k_escaped |= eq.is_none();
                i += 2;
                continue;
            }
            b'"' => quoted = !quoted,
            b'=' if eq.is_none() => eq = Some(i),
            b',' if !quoted => {
                if !field(start, i, eq, k_escaped) {
                    return None;
                }
                (start, eq, k_escaped) = (i + 1, None, false);
            }
            b' ' if !quoted => {
                if !field(start, i, eq, k_escaped) {
                    return None;
                }
                break;
            }
            _ => {}
        }
        i += 1;
    }

    // The timestamp, if any: an integer, then nothing but spaces.
    while i < n && s[i] == b' ' {
        i += 1;
    }
    let timestamped = i < n;
    if timestamped {
        let t = i;
        while i < n && s[i] != b' ' {
            i += 1;
        }
        if !is_i64(&line[t..i]) || s[i..].iter().any(|&b| b != b' ') {
            return None;
        }
    }
    Some(Scanned {
        measurement,
        timestamped,
        escaped: m_escaped,
    })
}

/// `s` without line protocol escapes (`\,` `\ ` `\=` `\"` `\\`), into `out` (cleared first).
pub fn unescape_into(s: &str, out: &mut String) {
    out.clear();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\'
            && let Some(&n) = chars.peek()
            && matches!(n, ',' | ' ' | '=' | '"' | '\\')
        {
            out.push(n);
            chars.next();
            continue;
        }
        out.push(c);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type Parts = (String, Vec<(String, &'static str)>, bool);

    fn kinds(line: &str) -> Option<Parts> {
        let mut f = Vec::new();
        let s = scan(line, &mut f)?;
        let m = line[s.measurement.0..s.measurement.1].to_string();
        let fs = f
            .iter()
            .map(|x| (line[x.key.0..x.key.1].to_string(), x.kind))
            .collect();
        Some((m, fs, s.timestamped))
    }

    #[test]
    fn good_lines_give_their_parts() {
        let (m, f, ts) = kinds("cpu,host=a u=1.5,n=3i,b=t,s=\"x y, z\",w=7u 1700").unwrap();
        assert_eq!(m, "cpu");
        assert_eq!(
            f,
            vec![
                ("u".into(), "float"),
                ("n".into(), "integer"),
                ("b".into(), "boolean"),
                ("s".into(), "string"),
                ("w".into(), "unsigned")
            ]
        );
        assert!(ts);
        let (m, f, ts) = kinds("we\\ ather\\,x,k\\=x=v  t=-1e3").unwrap();
        assert_eq!((m.as_str(), f[0].1, ts), ("we\\ ather\\,x", "float", false));
        assert!(has_timestamp(b"m v=1 2") && !has_timestamp(b"m v=\"a b\""));
    }

    #[test]
    fn digits_are_checked_at_every_length_and_byte() {
        for n in 0..30usize {
            let d: Vec<u8> = (0..n).map(|i| b'0' + (i % 10) as u8).collect();
            assert!(digits(&d), "{n}");
            for at in 0..n {
                // The neighbours of the digits, and bytes whose low half is a digit's.
                for b in [b'/', b':', b' ', b'a', b'\xb5', 0x3f, 0x20, 0x40, 0xf0] {
                    let mut e = d.clone();
                    e[at] = b;
                    assert!(!digits(&e), "{n} {at} {b}");
                }
            }
        }
    }

    #[test]
    fn bad_lines_are_flagged() {
        for bad in [
            "cpu",
            "cpu v=abc",
            "cpu,host v=1",
            "cpu,=a v=1",
            "cpu,a=b=c v=1",
            "cpu v=1 12:00",
            "cpu v=1.5i",
            "cpu v=-1u",
            "cpu v=nan",
            "cpu v=1e400",
            "cpu v=",
            "cpu =1",
            ",t=1 v=1",
            "cpu v=1 1 1",
            "cpu v=99999999999999999999i",
        ] {
            assert!(kinds(bad).is_none(), "{bad}");
        }
    }
}
