//! The single-value views drawn from a [`Plan`]: single stat (the last value big with a
//! sparkline), gauge (the last value on an arc between the value range's ends) and table
//! (the last value of every visible series). Called by `draw::draw` for those chart types.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::axis::fmt_time;
use super::decimate::{column_of, decimate};
use super::draw::{Colors, Drawn, LABEL_SIZE, LINE_WIDTH, err, fit, font, text_width};
use super::{Entry, Plan};
use crate::error::{Error, Result};

/// The series a single-value view shows: the first visible one.
pub(super) fn first_visible<'p, 'a>(plan: &'p Plan<'a>) -> &'p Entry<'a> {
    plan.visible()
        .next()
        .expect("Plan::new rejects charts with nothing visible")
}

/// Font size at which `s` fits `max_w` pixels, at most `size`.
pub(super) fn fit_size(s: &str, size: f64, max_w: f64) -> f64 {
    let w = text_width(s, size) as f64;
    if w > max_w && w > 0.0 {
        (size * max_w / w).max(8.0)
    } else {
        size
    }
}

/// Single stat: the last value big, the series name under it, and a sparkline along the
/// bottom (decimated to its width like every time chart).
pub(super) fn stat<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    plan: &Plan,
    c: &Colors,
) -> Result<Drawn> {
    let e = first_visible(plan);
    let (w, h) = area.dim_in_pixel();
    let (w, h) = (w as i32, h as i32);
    let text = plan.value_format().value(e.stats.last);
    let size = fit_size(&text, f64::from(h) * 0.36, f64::from(w) * 0.9);
    let cy = (f64::from(h) * 0.32) as i32;
    area.draw_text(
        &text,
        &font(size, e.color).pos(Pos::new(HPos::Center, VPos::Center)),
        (w / 2, cy),
    )
    .map_err(err)?;
    let name = fit(&e.series.name, 14.0, w - 20);
    area.draw_text(
        &name,
        &font(14.0, c.muted).pos(Pos::new(HPos::Center, VPos::Top)),
        (w / 2, cy + (size * 0.45) as i32 + 6),
    )
    .map_err(err)?;

    // Sparkline in the bottom 30%.
    let (x0, x1) = (10, w - 10);
    let (y0, y1) = ((f64::from(h) * 0.68) as i32, h - 8);
    let cols = (x1 - x0 + 1).max(1) as u32;
    let (t0, t1) = (e.stats.first_t, e.stats.last_t);
    let pts = decimate(&e.series.points, t0, t1, cols);
    let (lo, hi) = (e.stats.min, e.stats.max);
    let to_px = |&(t, v): &(i64, f64)| -> (i32, i32) {
        let x = if t1 > t0 {
            x0 + column_of(t, t0, t1, cols) as i32
        } else {
            (x0 + x1) / 2
        };
        let y = if hi > lo {
            y1 - ((v - lo) / (hi - lo) * f64::from(y1 - y0)).round() as i32
        } else {
            (y0 + y1) / 2
        };
        (x, y)
    };
    let line: Vec<(i32, i32)> = pts.iter().map(to_px).collect();
    if line.len() > 1 {
        let mut fill = line.clone();
        fill.push((line[line.len() - 1].0, y1));
        fill.push((line[0].0, y1));
        area.draw(&Polygon::new(fill, e.color.mix(0.15).filled()))
            .map_err(err)?;
        area.draw(&PathElement::new(line, e.color.stroke_width(LINE_WIDTH)))
            .map_err(err)?;
    }
    Ok(Drawn {
        hover: None,
        points: pts.len(),
        decimated: pts.len() < e.stats.n,
        distribution: None,
    })
}

/// Gauge: a half ring from `y_min` (default 0) to `y_max` (default 100), filled up to the last
/// value, with the value in the middle.
pub(super) fn gauge<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    plan: &Plan,
    c: &Colors,
) -> Result<Drawn> {
    let e = first_visible(plan);
    let lo = plan.spec.y_min.unwrap_or(0.0);
    let hi = plan
        .spec
        .y_max
        .unwrap_or(if lo < 100.0 { 100.0 } else { lo + 100.0 });
    if hi <= lo {
        return Err(Error::invalid(format!(
            "the gauge needs y_min ({lo}) below y_max ({hi})"
        )));
    }
    let v = e.stats.last;
    let frac = ((v - lo) / (hi - lo)).clamp(0.0, 1.0);
    let (w, h) = area.dim_in_pixel();
    let (w, h) = (f64::from(w), f64::from(h));
    let below = 44.0;
    let r = (w * 0.42).min(h - below - 16.0).max(20.0);
    let cx = w / 2.0;
    let cy = (h - (h - r - below) / 2.0 - below).max(r);
    let thick = r * 0.22;
    let ring = |from: f64, to: f64| -> Vec<(i32, i32)> {
        // Angles in radians, pi = left end, 0 = right end; y grows downwards.
        let steps = 90;
        let at = |a: f64, rad: f64| ((cx + rad * a.cos()) as i32, (cy - rad * a.sin()) as i32);
        let mut p: Vec<(i32, i32)> = (0..=steps)
            .map(|i| at(from + (to - from) * f64::from(i) / f64::from(steps), r))
            .collect();
        p.extend((0..=steps).rev().map(|i| {
            at(
                from + (to - from) * f64::from(i) / f64::from(steps),
                r - thick,
            )
        }));
        p
    };
    let pi = std::f64::consts::PI;
    area.draw(&Polygon::new(ring(pi, 0.0), c.track.filled()))
        .map_err(err)?;
    if frac > 0.0 {
        area.draw(&Polygon::new(ring(pi, pi - frac * pi), e.color.filled()))
            .map_err(err)?;
    }
    let f = plan.value_format();
    let text = f.value(v);
    let size = fit_size(&text, (r * 0.34).clamp(14.0, 140.0), (r - thick) * 1.7);
    area.draw_text(
        &text,
        &font(size, c.fg).pos(Pos::new(HPos::Center, VPos::Bottom)),
        (cx as i32, (cy - 4.0) as i32),
    )
    .map_err(err)?;
    let small = font(12.0, c.muted).pos(Pos::new(HPos::Center, VPos::Top));
    for (x, label) in [
        (cx - r + thick / 2.0, f.value(lo)),
        (cx + r - thick / 2.0, f.value(hi)),
    ] {
        area.draw_text(&label, &small, (x as i32, (cy + 6.0) as i32))
            .map_err(err)?;
    }
    let name = fit(&e.series.name, 14.0, w as i32 - 20);
    area.draw_text(
        &name,
        &font(14.0, c.muted).pos(Pos::new(HPos::Center, VPos::Top)),
        (cx as i32, (cy + 24.0) as i32),
    )
    .map_err(err)?;
    Ok(Drawn {
        hover: None,
        points: 1,
        decimated: false,
        distribution: None,
    })
}

/// Table: one row per visible series with its last value, min, max and the last value's time.
pub(super) fn table<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    plan: &Plan,
    c: &Colors,
) -> Result<Drawn> {
    const ROW: i32 = 24;
    const PAD: i32 = 12;
    let (w, h) = area.dim_in_pixel();
    let (w, h) = (w as i32, h as i32);
    let f = plan.value_format();
    let vis: Vec<&Entry> = plan.visible().collect();
    let header = ["Series", "Last", "Min", "Max", "Time (UTC)"];
    let cells: Vec<[String; 5]> = vis
        .iter()
        .map(|e| {
            [
                e.series.name.clone(),
                f.value(e.stats.last),
                f.value(e.stats.min),
                f.value(e.stats.max),
                fmt_time(e.stats.last_t, "%Y-%m-%d %H:%M:%S"),
            ]
        })
        .collect();
    // Value columns as wide as their widest cell; the name column takes the rest.
    let mut widths = [0i32; 5];
    for (i, hd) in header.iter().enumerate() {
        widths[i] = text_width(hd, LABEL_SIZE);
    }
    for row in &cells {
        for (i, cell) in row.iter().enumerate().skip(1) {
            widths[i] = widths[i].max(text_width(cell, LABEL_SIZE));
        }
    }
    let swatch = 18;
    let gap = 24;
    let fixed: i32 = widths[1..].iter().sum::<i32>() + gap * 4;
    widths[0] = (w - 2 * PAD - swatch - fixed).max(60);
    let max_rows = ((h - PAD - ROW) / ROW).max(1) as usize;

    let left = font(LABEL_SIZE, c.fg).pos(Pos::new(HPos::Left, VPos::Center));
    let right = font(LABEL_SIZE, c.fg).pos(Pos::new(HPos::Right, VPos::Center));
    let head_l = font(LABEL_SIZE, c.muted).pos(Pos::new(HPos::Left, VPos::Center));
    let head_r = font(LABEL_SIZE, c.muted).pos(Pos::new(HPos::Right, VPos::Center));
    let col_x =
        |i: usize| -> i32 { PAD + swatch + widths[..i].iter().sum::<i32>() + gap * i as i32 };
    let row_y = |r: usize| PAD / 2 + ROW * r as i32 + ROW / 2;
    for (i, hd) in header.iter().enumerate() {
        if i == 0 {
            area.draw_text(hd, &head_l, (col_x(0), row_y(0)))
                .map_err(err)?;
        } else {
            area.draw_text(hd, &head_r, (col_x(i) + widths[i], row_y(0)))
                .map_err(err)?;
        }
    }
    let rule_y = PAD / 2 + ROW;
    area.draw(&PathElement::new(
        vec![(PAD, rule_y), (w - PAD, rule_y)],
        c.axis,
    ))
    .map_err(err)?;

    let shown = if cells.len() > max_rows {
        max_rows - 1
    } else {
        cells.len()
    };
    for (r, (row, e)) in cells.iter().zip(&vis).take(shown).enumerate() {
        let y = row_y(r + 1);
        if r % 2 == 1 {
            area.draw(&Rectangle::new(
                [(PAD, y - ROW / 2), (w - PAD, y + ROW / 2)],
                c.grid.mix(0.5).filled(),
            ))
            .map_err(err)?;
        }
        area.draw(&Rectangle::new(
            [(PAD, y - 5), (PAD + 10, y + 5)],
            e.color.filled(),
        ))
        .map_err(err)?;
        let name = fit(&row[0], LABEL_SIZE, widths[0]);
        area.draw_text(&name, &left, (col_x(0), y)).map_err(err)?;
        for (i, cell) in row.iter().enumerate().skip(1) {
            area.draw_text(cell, &right, (col_x(i) + widths[i], y))
                .map_err(err)?;
        }
    }
    if shown < cells.len() {
        let more = format!("+{} more series", cells.len() - shown);
        area.draw_text(
            &more,
            &font(LABEL_SIZE, c.muted).pos(Pos::new(HPos::Left, VPos::Center)),
            (col_x(0), row_y(shown + 1)),
        )
        .map_err(err)?;
    }
    Ok(Drawn {
        hover: None,
        points: shown,
        decimated: false,
        distribution: None,
    })
}
