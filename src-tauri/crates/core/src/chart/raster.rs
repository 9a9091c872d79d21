//! The PNG drawing backend: plotters' RGB bitmap backend with its own text drawing.
//!
//! plotters 0.3.7's `ab_glyph` text places each glyph at the pen position without its side
//! bearing and rounds its baseline per glyph, so small labels come out uneven ("Tme", raised
//! dots). This backend delegates every shape to [`BitMapBackend`] and draws text itself with
//! ab_glyph: glyphs at their real bounds on one baseline, anti-aliased, at the em size the SVG
//! backend writes (`size / 1.24`) and anchored like SVG's `dy` offsets, so PNG and SVG line up.
//! Rotated text is drawn unrotated (the charts use none). Wide lines are drawn with a brush
//! (see `draw_path`).

use std::sync::OnceLock;

use ab_glyph::{Font, FontRef, PxScale, PxScaleFont, ScaleFont, point};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};
use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingErrorKind,
};

use super::draw::FONT_BYTES;
use crate::error::{Error, Result};

fn font() -> Result<&'static FontRef<'static>> {
    static FONT: OnceLock<Option<FontRef<'static>>> = OnceLock::new();
    FONT.get_or_init(|| FontRef::try_from_slice(FONT_BYTES).ok())
        .as_ref()
        .ok_or_else(|| Error::Internal("the embedded chart font could not be loaded".into()))
}

pub(crate) struct RasterBackend<'a> {
    inner: BitMapBackend<'a>,
    font: &'static FontRef<'static>,
}

impl<'a> RasterBackend<'a> {
    /// Draw into `rgb`, which holds `w * h * 3` bytes.
    pub fn new(rgb: &'a mut [u8], size: (u32, u32)) -> Result<RasterBackend<'a>> {
        Ok(RasterBackend {
            inner: BitMapBackend::with_buffer(rgb, size),
            font: font()?,
        })
    }

    fn advance(&self, size: f64, text: &str) -> f32 {
        advance(self.font, size, text)
    }
}

/// Width in pixels of `text` at plotters text size `size`, as the PNG draws it.
pub(crate) fn text_width(text: &str, size: f64) -> i32 {
    match font() {
        Ok(f) => advance(f, size, text).ceil() as i32,
        Err(_) => (text.chars().count() as f64 * size * 0.5) as i32,
    }
}

fn advance(font: &'static FontRef<'static>, size: f64, text: &str) -> f32 {
    let (sf, _) = scaled(font, size);
    let mut w = 0.0;
    let mut prev = None;
    for c in text.chars() {
        let id = sf.glyph_id(c);
        if let Some(p) = prev {
            w += sf.kern(p, id);
        }
        w += sf.h_advance(id);
        prev = Some(id);
    }
    w
}

/// The scaled font for a plotters text size, and the em size in pixels.
fn scaled(
    font: &'static FontRef<'static>,
    size: f64,
) -> (PxScaleFont<&'static FontRef<'static>>, f32) {
    let em = (size / 1.24) as f32;
    let units = font.units_per_em().unwrap_or(2048.0);
    let scale = PxScale::from(em * font.height_unscaled() / units);
    (font.as_scaled(scale), em)
}

type BitmapError = <BitMapBackend<'static> as DrawingBackend>::ErrorType;

impl DrawingBackend for RasterBackend<'_> {
    type ErrorType = BitmapError;

    fn get_size(&self) -> (u32, u32) {
        self.inner.get_size()
    }

    fn ensure_prepared(&mut self) -> Result<(), DrawingErrorKind<BitmapError>> {
        self.inner.ensure_prepared()
    }

    fn present(&mut self) -> Result<(), DrawingErrorKind<BitmapError>> {
        self.inner.present()
    }

    fn draw_pixel(
        &mut self,
        point: BackendCoord,
        color: BackendColor,
    ) -> Result<(), DrawingErrorKind<BitmapError>> {
        self.inner.draw_pixel(point, color)
    }

    fn draw_line<S: BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> Result<(), DrawingErrorKind<BitmapError>> {
        self.inner.draw_line(from, to, style)
    }

    fn draw_rect<S: BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<BitmapError>> {
        self.inner.draw_rect(upper_left, bottom_right, style, fill)
    }

    /// Wide lines as a square brush of 1 px lines. plotters turns a wide path into one polygon,
    /// and where a decimated path doubles back on itself (min, max, min in one column) the
    /// fill's even-odd rule leaves holes; a brush covers every pixel the stroke touches.
    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<BitmapError>> {
        let w = style.stroke_width() as i32;
        if w <= 1 {
            return self.inner.draw_path(path, style);
        }
        let color = style.color();
        let brush = -(w - 1) / 2..=w / 2;
        let points: Vec<BackendCoord> = path.into_iter().collect();
        for seg in points.windows(2) {
            for dx in brush.clone() {
                for dy in brush.clone() {
                    let a = (seg[0].0 + dx, seg[0].1 + dy);
                    let b = (seg[1].0 + dx, seg[1].1 + dy);
                    self.inner.draw_line(a, b, &color)?;
                }
            }
        }
        Ok(())
    }

    fn draw_circle<S: BackendStyle>(
        &mut self,
        center: BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<BitmapError>> {
        self.inner.draw_circle(center, radius, style, fill)
    }

    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vert: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<BitmapError>> {
        self.inner.fill_polygon(vert, style)
    }

    fn blit_bitmap(
        &mut self,
        pos: BackendCoord,
        size: (u32, u32),
        src: &[u8],
    ) -> Result<(), DrawingErrorKind<BitmapError>> {
        self.inner.blit_bitmap(pos, size, src)
    }

    fn estimate_text_size<S: BackendTextStyle>(
        &self,
        text: &str,
        style: &S,
    ) -> Result<(u32, u32), DrawingErrorKind<BitmapError>> {
        let w = self.advance(style.size(), text).ceil() as u32;
        Ok((w, (style.size() / 1.24).ceil() as u32))
    }

    fn draw_text<S: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &S,
        pos: BackendCoord,
    ) -> Result<(), DrawingErrorKind<BitmapError>> {
        let color = style.color();
        if color.alpha == 0.0 {
            return Ok(());
        }
        let width = self.advance(style.size(), text);
        let (sf, em) = scaled(self.font, style.size());
        let anchor = style.anchor();
        let x0 = pos.0 as f32
            - match anchor.h_pos {
                HPos::Left => 0.0,
                HPos::Center => width / 2.0,
                HPos::Right => width,
            };
        // Baselines as the SVG backend's dy: top 0.76em, center 0.5ex, bottom above the
        // descenders.
        let base = pos.1 as f32
            + match anchor.v_pos {
                VPos::Top => 0.76 * em,
                VPos::Center => 0.28 * em,
                VPos::Bottom => -0.24 * em,
            };
        let mut pen = x0;
        let mut prev = None;
        let mut failed = None;
        for c in text.chars() {
            let id = sf.glyph_id(c);
            if let Some(p) = prev {
                pen += sf.kern(p, id);
            }
            let glyph = id.with_scale_and_position(sf.scale(), point(pen, base));
            if let Some(outline) = self.font.outline_glyph(glyph) {
                let b = outline.px_bounds();
                let inner = &mut self.inner;
                outline.draw(|gx, gy, cov| {
                    if failed.is_none() && cov > 0.0 {
                        let at = (b.min.x as i32 + gx as i32, b.min.y as i32 + gy as i32);
                        let c = BackendColor {
                            alpha: color.alpha * f64::from(cov.min(1.0)),
                            rgb: color.rgb,
                        };
                        failed = inner.draw_pixel(at, c).err();
                    }
                });
                if let Some(e) = failed {
                    return Err(e);
                }
            }
            pen += sf.h_advance(id);
            prev = Some(id);
        }
        Ok(())
    }
}
