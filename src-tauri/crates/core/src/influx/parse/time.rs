//! Times in results: epoch nanoseconds to RFC 3339 UTC text and back, without chrono's
//! general-purpose formatter on the common shapes (the parsers turn every time cell through
//! here). The text is exactly chrono's `to_rfc3339_opts(AutoSi, true)`; parsing takes a fast
//! path for `YYYY-MM-DDTHH:MM:SS[.f]Z` (and the zone-less v3 form) and hands anything else to
//! chrono. The tests check both against chrono.

/// Format epoch nanoseconds as RFC 3339 UTC (`2023-11-14T22:13:20.5Z` style: 0, 3, 6 or 9
/// fraction digits, as chrono's `SecondsFormat::AutoSi`).
pub fn ns_to_rfc3339(ns: i64) -> String {
    let mut buf = [0u8; 32];
    let n = format_ns(ns, &mut buf);
    // The buffer holds ASCII digits and separators only.
    std::str::from_utf8(&buf[..n]).map_or_else(|_| String::new(), str::to_owned)
}

/// `ns` as RFC 3339 text in `buf`, without allocating (what [`ns_to_rfc3339`] returns).
pub fn rfc3339_in(ns: i64, buf: &mut [u8; 32]) -> &str {
    let n = format_ns(ns, buf);
    std::str::from_utf8(&buf[..n]).unwrap_or_default()
}

/// Write `ns` as RFC 3339 into `out`, returning the length (at most 30 bytes).
fn format_ns(ns: i64, out: &mut [u8; 32]) -> usize {
    let secs = ns.div_euclid(1_000_000_000);
    let nanos = ns.rem_euclid(1_000_000_000) as u32;
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400) as u32;
    let (y, m, d) = civil_from_days(days);
    // i64 nanoseconds span the years 1677..=2262: always four digits.
    let y = y as u32;
    put(&mut out[0..4], y, 4);
    out[4] = b'-';
    put(&mut out[5..7], m, 2);
    out[7] = b'-';
    put(&mut out[8..10], d, 2);
    out[10] = b'T';
    put(&mut out[11..13], sod / 3600, 2);
    out[13] = b':';
    put(&mut out[14..16], sod / 60 % 60, 2);
    out[16] = b':';
    put(&mut out[17..19], sod % 60, 2);
    let mut n = 19;
    let (digits, value) = if nanos == 0 {
        (0, 0)
    } else if nanos.is_multiple_of(1_000_000) {
        (3, nanos / 1_000_000)
    } else if nanos.is_multiple_of(1_000) {
        (6, nanos / 1_000)
    } else {
        (9, nanos)
    };
    if digits > 0 {
        out[n] = b'.';
        put(&mut out[n + 1..n + 1 + digits], value, digits);
        n += 1 + digits;
    }
    out[n] = b'Z';
    n + 1
}

/// `v` as `width` zero-padded decimal digits.
fn put(out: &mut [u8], mut v: u32, width: usize) {
    for i in (0..width).rev() {
        out[i] = b'0' + (v % 10) as u8;
        v /= 10;
    }
}

/// Days since 1970-01-01 to (year, month, day) in the proleptic Gregorian calendar
/// (H. Hinnant's `civil_from_days`).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// (year, month, day) to days since 1970-01-01 (H. Hinnant's `days_from_civil`).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        2 if y % 4 == 0 && (y % 100 != 0 || y % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Parse an RFC 3339 (or zone-less, taken as UTC) timestamp to epoch nanoseconds.
pub fn parse_time_ns(s: &str) -> Option<i64> {
    match fast_parse(s.as_bytes()) {
        Fast::Ns(ns) => Some(ns),
        Fast::Other => chrono_parse(s),
    }
}

/// What chrono makes of `s` (the reference, and the path for every uncommon shape).
pub(crate) fn chrono_parse(s: &str) -> Option<i64> {
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(s) {
        return t.timestamp_nanos_opt();
    }
    chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f")
        .ok()
        .and_then(|t| t.and_utc().timestamp_nanos_opt())
}

enum Fast {
    Ns(i64),
    /// Not a shape the fast path knows: ask chrono.
    Other,
}

/// `YYYY-MM-DDTHH:MM:SS` + optional `.` and 1 to 9 digits + optional `Z`, every field in
/// range and the year within 1678..=2261 (so the nanoseconds fit); anything else is `Other`.
fn fast_parse(b: &[u8]) -> Fast {
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[13] != b':' {
        return Fast::Other;
    }
    if b[16] != b':' {
        return Fast::Other;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        b[r].iter().try_fold(0u32, |acc, c| {
            c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
        })
    };
    let (Some(y), Some(mo), Some(d), Some(h), Some(mi), Some(sec)) = (
        num(0..4),
        num(5..7),
        num(8..10),
        num(11..13),
        num(14..16),
        num(17..19),
    ) else {
        return Fast::Other;
    };
    let y = i64::from(y);
    if !(1678..=2261).contains(&y)
        || !(1..=12).contains(&mo)
        || d == 0
        || d > days_in_month(y, mo)
        || h > 23
        || mi > 59
        || sec > 59
    {
        return Fast::Other;
    }
    let mut rest = &b[19..];
    let mut nanos = 0u32;
    if let [b'.', tail @ ..] = rest {
        let digits = tail.iter().take_while(|c| c.is_ascii_digit()).count();
        if digits == 0 || digits > 9 {
            return Fast::Other;
        }
        for c in &tail[..digits] {
            nanos = nanos * 10 + u32::from(c - b'0');
        }
        nanos *= 10u32.pow(9 - digits as u32);
        rest = &tail[digits..];
    }
    if !(rest.is_empty() || rest == b"Z") {
        return Fast::Other;
    }
    let days = days_from_civil(y, mo, d);
    let secs = days * 86_400 + i64::from(h * 3600 + mi * 60 + sec);
    Fast::Ns(secs * 1_000_000_000 + i64::from(nanos))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn chrono_format(ns: i64) -> String {
        chrono::DateTime::from_timestamp(
            ns.div_euclid(1_000_000_000),
            ns.rem_euclid(1_000_000_000) as u32,
        )
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
    }

    #[test]
    fn edges_format_like_chrono() {
        for ns in [
            i64::MIN,
            i64::MIN + 1,
            -1,
            0,
            1,
            999_999_999,
            1_000_000_000,
            1_700_000_000_000_000_001,
            1_700_000_000_500_000_000,
            1_700_000_000_000_500_000,
            951_782_400_000_000_000, // 2000-02-29
            i64::MAX - 1,
            i64::MAX,
        ] {
            assert_eq!(ns_to_rfc3339(ns), chrono_format(ns), "{ns}");
            assert_eq!(
                parse_time_ns(&ns_to_rfc3339(ns)),
                Some(ns),
                "{ns} round trip"
            );
        }
    }

    #[test]
    fn uncommon_shapes_go_to_chrono() {
        for s in [
            "2024-01-01T00:00:00+02:00",
            "2024-01-01t00:00:00z",
            "2024-01-01 00:00:00Z",
            "2024-02-30T00:00:00Z",
            "2024-01-01T00:00:60Z",
            "2024-01-01T00:00:00.1234567891Z",
            "1677-09-21T00:12:43.145224192Z",
            "1677-09-21T00:12:43.145224191Z",
            "2262-04-11T23:47:16.854775807Z",
            "2262-04-11T23:47:16.854775808Z",
            "9999-12-31T23:59:59Z",
            "2024-01-01T00:00:00.Z",
            "2024-01-01T00:00:00Zjunk",
            "",
            "not a time",
            "2024-01-01T00:00:00",
            "2024-01-01T00:00:00.5",
        ] {
            assert_eq!(parse_time_ns(s), chrono_parse(s), "{s:?}");
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4000))]

        #[test]
        fn format_matches_chrono(ns in any::<i64>()) {
            prop_assert_eq!(ns_to_rfc3339(ns), chrono_format(ns));
        }

        #[test]
        fn parse_matches_chrono(
            y in 1600u32..2300, mo in 0u32..14, d in 0u32..33, h in 0u32..25, mi in 0u32..61,
            s in 0u32..61, frac in proptest::option::of("[0-9]{1,10}"),
            zone in prop_oneof![Just(""), Just("Z"), Just("+01:00"), Just("z")],
        ) {
            let text = format!(
                "{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}{}{zone}",
                frac.map(|f| format!(".{f}")).unwrap_or_default()
            );
            prop_assert_eq!(parse_time_ns(&text), chrono_parse(&text), "{}", text);
        }

        #[test]
        fn any_text_parses_like_chrono(s in "\\PC{0,40}") {
            prop_assert_eq!(parse_time_ns(&s), chrono_parse(&s));
        }
    }
}
