//! Drawing on a window's pixel buffer: filled and rounded rectangles and anti-aliased text,
//! all on the CPU, so the card needs no GPU driver and little memory.

use ab_glyph::{Font, FontRef, PxScale, ScaleFont, point};

pub const REGULAR: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
pub const BOLD: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-Bold.ttf");

/// The bundled fonts, read in place from the binary: nothing is copied or cached.
pub struct Fonts {
    pub regular: FontRef<'static>,
    pub bold: FontRef<'static>,
}

impl Fonts {
    pub fn load() -> Option<Fonts> {
        Some(Fonts { regular: FontRef::try_from_slice(REGULAR).ok()?, bold: FontRef::try_from_slice(BOLD).ok()? })
    }
}

/// A pixel buffer in 0x00RRGGBB, as the window system takes it.
pub struct Canvas<'a> {
    pub px: &'a mut [u32],
    pub width: u32,
    pub height: u32,
}

fn blend(dst: u32, src: u32, alpha: f32) -> u32 {
    let a = alpha.clamp(0.0, 1.0);
    let mix = |shift: u32| {
        let d = ((dst >> shift) & 0xff) as f32;
        let s = ((src >> shift) & 0xff) as f32;
        ((s * a + d * (1.0 - a)).round() as u32) << shift
    };
    mix(16) | mix(8) | mix(0)
}

impl Canvas<'_> {
    pub fn fill(&mut self, color: u32) {
        self.px.fill(color);
    }

    fn put(&mut self, x: i32, y: i32, color: u32, alpha: f32) {
        if x < 0 || y < 0 || x >= self.width as i32 || y >= self.height as i32 || alpha <= 0.0 {
            return;
        }
        let i = (y as u32 * self.width + x as u32) as usize;
        if let Some(p) = self.px.get_mut(i) {
            *p = blend(*p, color, alpha);
        }
    }

    /// A rectangle with corners rounded by `r`, edges anti-aliased.
    pub fn rounded(&mut self, x: f32, y: f32, w: f32, h: f32, r: f32, color: u32) {
        let r = r.min(w / 2.0).min(h / 2.0).max(0.0);
        for py in y.floor() as i32..(y + h).ceil() as i32 {
            for px in x.floor() as i32..(x + w).ceil() as i32 {
                let (cx, cy) = (px as f32 + 0.5, py as f32 + 0.5);
                // Distance outside the rounded rectangle, negative inside.
                let qx = (cx - (x + w / 2.0)).abs() - (w / 2.0 - r);
                let qy = (cy - (y + h / 2.0)).abs() - (h / 2.0 - r);
                let outside = (qx.max(0.0).powi(2) + qy.max(0.0).powi(2)).sqrt() + qx.max(qy).min(0.0) - r;
                self.put(px, py, color, 0.5 - outside);
            }
        }
    }

    /// Draws `text` with its baseline at `y`; returns its width.
    pub fn text(&mut self, font: &FontRef<'_>, size: f32, x: f32, y: f32, color: u32, text: &str) -> f32 {
        let scaled = font.as_scaled(PxScale::from(size));
        let mut caret = x;
        let mut last = None;
        for c in text.chars() {
            let id = scaled.glyph_id(c);
            if let Some(prev) = last {
                caret += scaled.kern(prev, id);
            }
            let glyph = id.with_scale_and_position(size, point(caret, y));
            caret += scaled.h_advance(id);
            last = Some(id);
            if let Some(outline) = font.outline_glyph(glyph) {
                let b = outline.px_bounds();
                outline
                    .draw(|gx, gy, coverage| self.put(b.min.x as i32 + gx as i32, b.min.y as i32 + gy as i32, color, coverage));
            }
        }
        caret - x
    }
}

pub fn measure(font: &FontRef<'_>, size: f32, text: &str) -> f32 {
    let scaled = font.as_scaled(PxScale::from(size));
    let mut width = 0.0;
    let mut last = None;
    for c in text.chars() {
        let id = scaled.glyph_id(c);
        if let Some(prev) = last {
            width += scaled.kern(prev, id);
        }
        width += scaled.h_advance(id);
        last = Some(id);
    }
    width
}

/// Breaks `text` into lines no wider than `max` at spaces (a word longer than a line gets a
/// line of its own).
pub fn wrap(font: &FontRef<'_>, size: f32, text: &str, max: f32) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let candidate = if line.is_empty() { word.to_string() } else { format!("{line} {word}") };
        if !line.is_empty() && measure(font, size, &candidate) > max {
            lines.push(std::mem::replace(&mut line, word.to_string()));
        } else {
            line = candidate;
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_drawn_and_wrapped() {
        let fonts = Fonts::load().unwrap();
        let mut px = vec![0xffffff; 200 * 40];
        let mut c = Canvas { px: &mut px, width: 200, height: 40 };
        let w = c.text(&fonts.regular, 16.0, 4.0, 24.0, 0x000000, "Hold 30 s");
        assert!(w > 40.0 && w < 120.0, "{w}");
        assert!(px.iter().filter(|p| **p != 0xffffff).count() > 50, "glyphs reach the buffer");
        let lines = wrap(&fonts.regular, 14.0, "Reach your right arm across your body, level with the floor.", 150.0);
        assert!(lines.len() >= 3, "{lines:?}");
        assert!(lines.iter().all(|l| measure(&fonts.regular, 14.0, l) <= 150.0));
    }

    #[test]
    fn rounded_rect_stays_in_bounds() {
        let mut px = vec![0; 10 * 10];
        let mut c = Canvas { px: &mut px, width: 10, height: 10 };
        c.rounded(-5.0, -5.0, 30.0, 30.0, 4.0, 0xff0000);
        assert!(px.iter().all(|p| *p == 0xff0000));
    }
}
