//! A dashboard's drawing: 12 cells of 100,000 points each (one series per cell, one point a
//! second) drawn as SVG at a 6x4 cell's size on a 1200-pixel grid (590x283), after the data
//! arrived. "parallel, decimated" is what `api::dashboards::run` does: every cell on its own
//! blocking thread through `chart::render_svg` (min/max per pixel column). "one by one, every
//! point" draws the same cells in turn, each series handed whole to plotters as a LineSeries.
//! Times are the median of 3 runs, printed with their ratio. Plain main (no criterion):
//! `cargo bench -p influxdesk-core --bench dashboard`.

use influxdesk_core::chart::{ChartSpec, Series, render_svg};
use plotters::prelude::*;

const CELLS: usize = 12;
const POINTS: i64 = 100_000;
const W: u32 = 590;
const H: u32 = 283;
const T0: i64 = 1_714_557_600_000_000_000; // 2024-05-01T10:00:00Z
const STEP: i64 = 1_000_000_000;

/// One random walk per cell (xorshift, fixed seed).
fn data() -> Vec<Vec<Series>> {
    let mut seed = 0x9E37_79B9_7F4A_7C15u64;
    (0..CELLS)
        .map(|k| {
            let mut v = 0.0;
            let points = (0..POINTS)
                .map(|i| {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    v += ((seed % 2001) as f64 - 1000.0) / 1000.0;
                    (T0 + i * STEP, v)
                })
                .collect();
            vec![Series {
                key: format!("cell{k}.v"),
                name: format!("cell {k}"),
                points,
            }]
        })
        .collect()
}

/// Median wall time of 3 runs, in ms, and the last result.
fn median3<T>(f: impl FnMut() -> T) -> (f64, T) {
    influxdesk_testkit::bench::median_ms(3, f)
}

/// One cell with every point given to plotters (same size, labels and stroke).
fn every_point(series: &[Series]) -> String {
    let pts = &series[0].points;
    let (lo, hi) = pts
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), p| {
            (a.min(p.1), b.max(p.1))
        });
    let t1 = T0 + (POINTS - 1) * STEP;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (W, H)).into_drawing_area();
        root.fill(&WHITE).unwrap();
        let label = ("sans-serif", 13).into_font();
        let mut chart = ChartBuilder::on(&root.margin(10, 4, 6, 14))
            .x_label_area_size(46)
            .y_label_area_size(52)
            .build_cartesian_2d(T0..t1, lo..hi)
            .unwrap();
        chart
            .configure_mesh()
            .x_labels(6)
            .y_labels(6)
            .label_style(label)
            .light_line_style(TRANSPARENT)
            .draw()
            .unwrap();
        chart
            .draw_series(LineSeries::new(
                pts.iter().copied(),
                RGBColor(0x1F, 0x77, 0xB4).stroke_width(2),
            ))
            .unwrap();
        root.present().unwrap();
    }
    svg
}

fn main() {
    let font = include_bytes!("../src/chart/fonts/DejaVuSans.ttf");
    if plotters::style::register_font("sans-serif", FontStyle::Normal, font).is_err() {
        panic!("the embedded font does not load");
    }
    let cells = data();
    let spec = ChartSpec {
        width: W,
        height: H,
        ..ChartSpec::default()
    };
    let (par_ms, par) = median3(|| {
        std::thread::scope(|s| {
            let handles: Vec<_> = cells
                .iter()
                .map(|c| s.spawn(|| render_svg(c, &spec).expect("drawn")))
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("cell thread").svg.len())
                .sum::<usize>()
        })
    });
    let (seq_ms, seq) = median3(|| cells.iter().map(|c| every_point(c).len()).sum::<usize>());
    println!(
        "dashboard: {CELLS} cells x {POINTS} points, {W}x{H} SVG each, {} threads",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    println!(
        "  parallel, decimated:   {par_ms:8.1} ms  ({:.1} MB of SVG){}",
        par as f64 / 1e6,
        if par_ms < 300.0 {
            "  (under the 300 ms goal)"
        } else {
            "  (over the 300 ms goal)"
        }
    );
    println!(
        "  one by one, every point: {seq_ms:6.1} ms  ({:.1} MB of SVG)",
        seq as f64 / 1e6
    );
    println!("  ratio: {:.1}x faster", seq_ms / par_ms);
}
