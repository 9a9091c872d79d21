//! Min/max decimation per pixel column: a series of any length becomes at most four points per
//! column (the column's first, lowest, highest and last point), so a line drawn through them
//! covers exactly the pixels the full series would, at a cost that does not grow with the
//! number of points. Averaging or LTTB would be smaller but lose spikes; this keeps them.

/// The column a time falls in: `floor((t - t0) * columns / (t1 - t0 + 1))`, the same formula the
/// chart's time axis maps with, so decimation columns are the plot's pixel columns.
pub(crate) fn column_of(t: i64, t0: i64, t1: i64, columns: u32) -> i64 {
    let span = (t1 as i128 - t0 as i128 + 1).max(1);
    (t as i128 - t0 as i128)
        .saturating_mul(columns as i128)
        .div_euclid(span) as i64
}

/// Keep, for each of `columns` equal time columns over `[t0, t1]` (both inclusive), the first,
/// the lowest, the highest and the last point (by time), in time order, without duplicates.
///
/// The output has at most `4 * columns` points whatever the input length, and each column's
/// minimum and maximum value are kept exactly. The input need not be sorted (ties in time keep
/// input order). Points outside `[t0, t1]` and non-finite values are left out.
pub fn decimate(points: &[(i64, f64)], t0: i64, t1: i64, columns: u32) -> Vec<(i64, f64)> {
    if columns == 0 || t1 < t0 || points.is_empty() {
        return Vec::new();
    }
    let n = columns as usize;
    // bounds[c] = the first time in column c (exact integer arithmetic, computed once per
    // column), so the per-point work is comparisons only.
    let span = t1 as i128 - t0 as i128 + 1;
    let bounds: Vec<i64> = (0..=n)
        .map(|c| {
            let off = (c as i128 * span + n as i128 - 1).div_euclid(n as i128);
            (t0 as i128 + off).min(i64::MAX as i128) as i64
        })
        .collect();

    #[derive(Clone, Copy)]
    struct Acc {
        first: usize,
        last: usize,
        min: usize,
        max: usize,
    }
    let mut acc: Vec<Option<Acc>> = vec![None; n];
    let mut col = 0usize;
    for (i, &(t, v)) in points.iter().enumerate() {
        if t < t0 || t > t1 || !v.is_finite() {
            continue;
        }
        // Sorted input stays in (or moves to the next few) columns: check the cursor first.
        if !(bounds[col] <= t && (col + 1 == n || t < bounds[col + 1])) {
            col = bounds
                .partition_point(|&b| b <= t)
                .saturating_sub(1)
                .min(n - 1);
        }
        match &mut acc[col] {
            slot @ None => {
                *slot = Some(Acc {
                    first: i,
                    last: i,
                    min: i,
                    max: i,
                })
            }
            Some(a) => {
                if t < points[a.first].0 {
                    a.first = i;
                }
                if t >= points[a.last].0 {
                    a.last = i;
                }
                if v < points[a.min].1 {
                    a.min = i;
                }
                if v > points[a.max].1 {
                    a.max = i;
                }
            }
        }
    }

    let mut out = Vec::with_capacity(n * 2);
    for a in acc.iter().flatten() {
        let mut idx = [a.first, a.min, a.max, a.last];
        idx.sort_unstable_by_key(|&i| (points[i].0, i));
        let mut prev = usize::MAX;
        for i in idx {
            if i != prev {
                out.push(points[i]);
                prev = i;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small deterministic generator (xorshift64*), so the property test needs no crate.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
        }
        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
    }

    fn check(points: &[(i64, f64)], t0: i64, t1: i64, columns: u32) {
        let out = decimate(points, t0, t1, columns);
        let mut per_col: std::collections::BTreeMap<i64, Vec<(i64, f64)>> = Default::default();
        for &(t, v) in points {
            if t >= t0 && t <= t1 && v.is_finite() {
                per_col
                    .entry(column_of(t, t0, t1, columns))
                    .or_default()
                    .push((t, v));
            }
        }
        let mut out_col: std::collections::BTreeMap<i64, Vec<(i64, f64)>> = Default::default();
        for &(t, v) in &out {
            out_col
                .entry(column_of(t, t0, t1, columns))
                .or_default()
                .push((t, v));
        }
        assert_eq!(
            per_col.keys().collect::<Vec<_>>(),
            out_col.keys().collect::<Vec<_>>(),
            "every column with data keeps at least one point, and no other column gets any"
        );
        for (c, all) in &per_col {
            let kept = &out_col[c];
            assert!(kept.len() <= 4, "column {c} kept {} points", kept.len());
            let min = all.iter().map(|p| p.1).fold(f64::INFINITY, f64::min);
            let max = all.iter().map(|p| p.1).fold(f64::NEG_INFINITY, f64::max);
            let kmin = kept.iter().map(|p| p.1).fold(f64::INFINITY, f64::min);
            let kmax = kept.iter().map(|p| p.1).fold(f64::NEG_INFINITY, f64::max);
            assert_eq!(kmin, min, "column {c} must keep its exact minimum");
            assert_eq!(kmax, max, "column {c} must keep its exact maximum");
            let tfirst = all.iter().map(|p| p.0).min().unwrap();
            let tlast = all.iter().map(|p| p.0).max().unwrap();
            assert_eq!(
                kept.first().unwrap().0,
                tfirst,
                "column {c} starts at its first time"
            );
            assert_eq!(
                kept.last().unwrap().0,
                tlast,
                "column {c} ends at its last time"
            );
            for p in kept {
                assert!(all.contains(p), "decimation only keeps input points");
            }
        }
        assert!(
            out.windows(2).all(|w| w[0].0 <= w[1].0),
            "output is in time order"
        );
        assert!(out.len() <= 4 * columns as usize);
    }

    #[test]
    fn decimation_keeps_each_columns_min_and_max() {
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        for round in 0..60 {
            let n = 1 + rng.below(20_000) as usize;
            let t0 = rng.below(1 << 50) as i64 - (1 << 49);
            let span = 1 + rng.below(if round % 3 == 0 { 1_000 } else { 1 << 45 }) as i64;
            let columns = 1 + rng.below(1_500) as u32;
            let sorted = round % 2 == 0;
            let mut pts: Vec<(i64, f64)> = (0..n)
                .map(|_| {
                    let t = t0 + rng.below(span as u64) as i64;
                    let v = (rng.below(2_000_001) as f64 - 1_000_000.0) / 7.0;
                    (t, v)
                })
                .collect();
            if sorted {
                pts.sort_by_key(|p| p.0);
            }
            check(&pts, t0, t0 + span - 1, columns);
        }
    }

    #[test]
    fn decimation_bounds_output_and_drops_what_is_outside() {
        let pts: Vec<(i64, f64)> = (0..1_000_000).map(|i| (i, (i % 97) as f64)).collect();
        let out = decimate(&pts, 0, 999_999, 1000);
        assert!(out.len() <= 4000, "{} points for 1000 columns", out.len());
        check(&pts, 0, 999_999, 1000);

        let out = decimate(&[(5, 1.0), (50, f64::NAN), (500, 2.0)], 0, 100, 10);
        assert_eq!(
            out,
            vec![(5, 1.0)],
            "NaN and out-of-range points are dropped"
        );
        assert!(
            decimate(&pts, 10, 5, 10).is_empty(),
            "an empty range keeps nothing"
        );
        assert!(
            decimate(&pts, 0, 10, 0).is_empty(),
            "zero columns keep nothing"
        );
    }

    #[test]
    fn a_few_points_pass_through_unchanged() {
        let pts = vec![(0, 1.0), (10, 3.0), (20, 2.0)];
        assert_eq!(decimate(&pts, 0, 20, 100), pts);
        // A whole range in one column: first, min, max, last in time order.
        let pts = vec![(0, 5.0), (1, 9.0), (2, 1.0), (3, 4.0), (4, 6.0)];
        assert_eq!(
            decimate(&pts, 0, 4, 1),
            vec![(0, 5.0), (1, 9.0), (2, 1.0), (4, 6.0)]
        );
    }

    #[test]
    fn extreme_times_do_not_overflow() {
        let pts = vec![(i64::MIN, 1.0), (0, 2.0), (i64::MAX, 3.0)];
        let out = decimate(&pts, i64::MIN, i64::MAX, 3);
        assert_eq!(out, pts);
        check(&pts, i64::MIN, i64::MAX, 3);
    }
}
