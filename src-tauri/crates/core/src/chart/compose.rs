//! Many charts on one image: a dashboard as one PNG. Each chart is drawn to its own RGB
//! buffer ([`render_rgb`], so cells can be drawn in parallel), then [`compose_png`] lays the
//! tiles out on one canvas with a title bar each, copying chart pixels in place and drawing
//! note and error text with the PNG's embedded font. Left out: markdown styling (a note's text
//! is drawn as plain lines, its markup stripped).

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{ChartSpec, ChartSummary, Plan, Series, Theme, draw, raster};
use crate::error::{Error, Result};

/// Height of a tile's title bar, in pixels.
pub const TILE_HEADER: u32 = 28;

/// What a tile shows below its title.
pub enum TileBody {
    /// A chart drawn by [`render_rgb`]: `w * h * 3` bytes.
    Chart { rgb: Vec<u8>, w: u32, h: u32 },
    /// Plain text (a note).
    Text(String),
    /// Why the cell could not be drawn.
    Error(String),
}

/// One cell of the image, in pixels.
pub struct Tile {
    pub x: u32,
    pub y: u32,
    pub w: u32,
    pub h: u32,
    pub title: String,
    pub body: TileBody,
}

/// Draw `series` into an RGB buffer of `spec.width` x `spec.height`.
pub fn render_rgb(series: &[Series], spec: &ChartSpec) -> Result<(Vec<u8>, ChartSummary)> {
    let plan = Plan::new(series, spec)?;
    let (w, h) = (spec.width, spec.height);
    let mut rgb = vec![0u8; w as usize * h as usize * 3];
    let drawn = {
        let root = raster::RasterBackend::new(&mut rgb, (w, h))?.into_drawing_area();
        let drawn = draw::draw(&root, &plan)?;
        root.present().map_err(draw::err)?;
        drawn
    };
    Ok((rgb, plan.summary(&drawn)))
}

struct Palette {
    canvas: RGBColor,
    tile: RGBColor,
    border: RGBColor,
    fg: RGBColor,
    muted: RGBColor,
    error: RGBColor,
}

fn palette(theme: Theme) -> Palette {
    match theme {
        Theme::Light => Palette {
            canvas: RGBColor(0xF3, 0xF4, 0xF6),
            tile: RGBColor(0xFF, 0xFF, 0xFF),
            border: RGBColor(0xD9, 0xDC, 0xE1),
            fg: RGBColor(0x22, 0x26, 0x2E),
            muted: RGBColor(0x5F, 0x66, 0x73),
            error: RGBColor(0xB4, 0x23, 0x18),
        },
        Theme::Dark => Palette {
            canvas: RGBColor(0x10, 0x12, 0x15),
            tile: RGBColor(0x18, 0x1B, 0x1F),
            border: RGBColor(0x2C, 0x31, 0x38),
            fg: RGBColor(0xD8, 0xDC, 0xE2),
            muted: RGBColor(0x9A, 0xA1, 0xAC),
            error: RGBColor(0xF2, 0x8B, 0x82),
        },
    }
}

fn style(size: f64, color: RGBColor) -> TextStyle<'static> {
    TextStyle {
        font: ("sans-serif", size).into_font(),
        color: color.to_backend_color(),
        pos: Pos::new(HPos::Left, VPos::Top),
    }
}

/// Lines of at most `max_px` pixels, broken at spaces (a word longer than a line is cut).
fn wrap(text: &str, size: f64, max_px: i32) -> Vec<String> {
    let mut out = Vec::new();
    for para in text.lines() {
        let mut line = String::new();
        for word in para.split_whitespace() {
            let cand = if line.is_empty() {
                word.to_string()
            } else {
                format!("{line} {word}")
            };
            if raster::text_width(&cand, size) <= max_px || line.is_empty() {
                line = cand;
            } else {
                out.push(std::mem::take(&mut line));
                line = word.to_string();
            }
        }
        out.push(line);
    }
    out
}

/// Markdown to plain lines: headings, emphasis, code and link markup dropped.
fn plain(md: &str) -> String {
    md.lines()
        .map(|l| {
            let l = l.trim_start_matches('#').trim_start();
            let l = l
                .strip_prefix("- ")
                .or_else(|| l.strip_prefix("* "))
                .map_or(l.to_string(), |r| format!("• {r}"));
            l.replace("**", "").replace(['`', '_'], "")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Lay `tiles` out on a `width` x `height` canvas and encode it as PNG.
pub fn compose_png(width: u32, height: u32, theme: Theme, tiles: &[Tile]) -> Result<Vec<u8>> {
    if !(super::MIN_SIZE..=super::MAX_SIZE).contains(&width)
        || !(super::MIN_SIZE..=super::MAX_SIZE).contains(&height)
        || u64::from(width) * u64::from(height) > super::MAX_PIXELS
    {
        return Err(Error::invalid(format!(
            "a {width}x{height} dashboard image is out of range: each side {} to {} pixels, at \
             most {} pixels in all (use fewer rows or a smaller width)",
            super::MIN_SIZE,
            super::MAX_SIZE,
            super::MAX_PIXELS
        )));
    }
    let p = palette(theme);
    let mut rgb = vec![0u8; width as usize * height as usize * 3];
    {
        let root = raster::RasterBackend::new(&mut rgb, (width, height))?.into_drawing_area();
        root.fill(&p.canvas).map_err(draw::err)?;
        for t in tiles {
            let (x0, y0) = (t.x as i32, t.y as i32);
            let (x1, y1) = ((t.x + t.w) as i32 - 1, (t.y + t.h) as i32 - 1);
            root.draw(&Rectangle::new([(x0, y0), (x1, y1)], p.tile.filled()))
                .map_err(draw::err)?;
            root.draw(&Rectangle::new([(x0, y0), (x1, y1)], p.border))
                .map_err(draw::err)?;
            root.draw(&Text::new(
                t.title.clone(),
                (x0 + 10, y0 + 7),
                style(14.0, p.fg),
            ))
            .map_err(draw::err)?;
            let (text, color) = match &t.body {
                TileBody::Chart { .. } => continue,
                TileBody::Text(s) => (plain(s), p.muted),
                TileBody::Error(s) => (s.clone(), p.error),
            };
            let mut y = y0 + TILE_HEADER as i32 + 4;
            for line in wrap(&text, 13.0, t.w as i32 - 20) {
                if y + 16 > y1 {
                    break;
                }
                root.draw(&Text::new(line, (x0 + 10, y), style(13.0, color)))
                    .map_err(draw::err)?;
                y += 18;
            }
        }
        root.present().map_err(draw::err)?;
    }
    for t in tiles {
        if let TileBody::Chart { rgb: src, w, h } = &t.body {
            // Clipped to the tile: a chart is never smaller than MIN_SIZE, a tile may be.
            let vis_w = (*w).min(t.w.saturating_sub(2));
            let vis_h = (*h).min(t.h.saturating_sub(TILE_HEADER + 1));
            let at = (t.x + 1, t.y + TILE_HEADER);
            blit(&mut rgb, (width, height), src, *w, (vis_w, vis_h), at);
        }
    }
    encode(&rgb, width, height)
}

/// Copy the top-left `w` x `h` of an image `stride` pixels wide into the canvas at (`x`, `y`),
/// clipped to the canvas.
fn blit(
    dst: &mut [u8],
    (dw, dh): (u32, u32),
    src: &[u8],
    stride: u32,
    (w, h): (u32, u32),
    (x, y): (u32, u32),
) {
    let cols = w.min(dw.saturating_sub(x)) as usize;
    for row in 0..h.min(dh.saturating_sub(y)) as usize {
        let s = row * stride as usize * 3;
        let d = ((y as usize + row) * dw as usize + x as usize) * 3;
        if let (Some(from), Some(to)) = (src.get(s..s + cols * 3), dst.get_mut(d..d + cols * 3)) {
            to.copy_from_slice(from);
        }
    }
}

fn encode(rgb: &[u8], w: u32, h: u32) -> Result<Vec<u8>> {
    let mut png = Vec::new();
    let mut enc = png::Encoder::new(&mut png, w, h);
    enc.set_color(png::ColorType::Rgb);
    enc.set_depth(png::BitDepth::Eight);
    enc.set_compression(png::Compression::Fast);
    let encode_err = |e: png::EncodingError| Error::Internal(format!("PNG encoding failed: {e}"));
    let mut writer = enc.write_header().map_err(encode_err)?;
    writer.write_image_data(rgb).map_err(encode_err)?;
    writer.finish().map_err(encode_err)?;
    Ok(png)
}
