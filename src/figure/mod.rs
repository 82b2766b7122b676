//! The card's exercise figure: a capsule-style person doing a stretch, drawn with tiny-skia
//! from a few keyframed poses and tweened between them, so the card can show the motion.
//!
//! The poses are Rust data in [`poses`]: each figure is a view (front, side or back), two to
//! five keyframes of a small skeleton, the body parts drawn in the accent colour, and its props
//! (chair, dumbbells, a row machine's cable) and motion arrows. Unmirrored, a figure does the
//! side or direction the exercise's first step names; the card mirrors it for the other side.

mod draw;
mod poses;

pub use crate::core::catalogue::FIGURE_NAMES as NAMES;
use poses::{Pose, Spec};
use tiny_skia::Pixmap;

/// One exercise's figure: its poses and props, all built in.
#[derive(Debug, Clone, Copy)]
pub struct Figure {
    spec: &'static Spec,
}

impl PartialEq for Figure {
    fn eq(&self, other: &Figure) -> bool {
        self.spec.name == other.spec.name
    }
}

impl Eq for Figure {}

impl Figure {
    /// The built-in figure for a catalogue exercise: by `figure` name when given
    /// (a user's exercise may reuse a built-in figure by name), else by the exercise id,
    /// else the neutral fallback. Never fails.
    pub fn for_stretch(id: &str, figure: Option<&str>) -> Figure {
        figure.and_then(Figure::named).or_else(|| Figure::named(id)).unwrap_or(Figure { spec: &poses::NEUTRAL })
    }

    /// The figure for the walk at the end of a break.
    pub fn walk() -> Figure {
        Figure { spec: &poses::WALK }
    }

    /// The built-in figure called `name` (an exercise id, `walk` or `neutral`).
    pub fn named(name: &str) -> Option<Figure> {
        poses::ALL.iter().find(|s| s.name == name).map(|spec| Figure { spec })
    }

    /// True for the neutral figure (standing at ease, breathing), shown for an exercise that
    /// has no figure of its own.
    pub fn is_fallback(&self) -> bool {
        self.spec.name == poses::NEUTRAL.name
    }

    /// The name a catalogue entry's `figure` field uses for this figure.
    pub fn name(&self) -> &'static str {
        self.spec.name
    }

    /// True when the motion ends where it starts (a roll): going from 0 to 1 is one whole
    /// circle, and the other direction is the same motion backwards, not mirrored.
    pub fn is_cycle(&self) -> bool {
        let keys = self.spec.keys;
        keys.len() > 2 && keys.first() == keys.last()
    }

    /// Where to draw a rep that is `phase` (0 to 1) of the way through, on the first side or
    /// direction or the other one: the `t` and `mirrored` to pass to [`render`]. A rep goes
    /// from the start pose to the end pose and back; a roll goes once round, the other way
    /// round for the other direction. (During a hold the figure stays at `t` = 1.)
    pub fn in_rep(&self, phase: f32, other_side: bool) -> (f32, bool) {
        let phase = if phase.is_finite() { phase.clamp(0.0, 1.0) } else { 0.0 };
        if self.is_cycle() {
            (if other_side { 1.0 - phase } else { phase }, false)
        } else {
            (1.0 - (2.0 * phase - 1.0).abs(), other_side)
        }
    }

    /// The pose at motion `t`, eased and tweened between the keyframes.
    fn pose_at(&self, t: f32) -> Pose {
        let t = if t.is_finite() { t.clamp(0.0, 1.0) } else { 0.0 };
        // Ease in and out over the whole motion, so a middle keyframe is passed through, not
        // stopped at.
        let eased = 0.5 - 0.5 * (std::f32::consts::PI * t).cos();
        let keys = self.spec.keys;
        let spans = keys.len().saturating_sub(1).max(1) as f32;
        let at = eased * spans;
        let i = (at.floor() as usize).min(keys.len().saturating_sub(2));
        match (keys.get(i), keys.get(i + 1)) {
            (Some(a), Some(b)) => a.tween(b, at - i as f32, self.spec.tween),
            (Some(a), None) => *a,
            _ => poses::NEUTRAL.keys[0],
        }
    }
}

/// Colours to draw a figure in, each 0x00RRGGBB.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Look {
    /// The body.
    pub ink: u32,
    /// The body part that moves, and the motion arrows.
    pub accent: u32,
    /// The square behind the figure; `None` leaves it transparent.
    pub background: Option<u32>,
}

/// Draws `fig` at motion `t` (0.0 = start pose, 1.0 = end pose; values between are tweened
/// with easing), mirrored left-right when `mirrored` (the other side), into a square pixmap
/// of `size` px, transparent where background is None.
pub fn render(fig: &Figure, t: f32, mirrored: bool, size: u32, look: &Look) -> Pixmap {
    // A figure is never drawn larger than a screen; the clamp keeps a wild size from
    // allocating gigabytes, and 0 from failing.
    let size = size.clamp(1, 4096);
    let mut pix = draw::frame(fig.spec, &fig.pose_at(t), size, look);
    if mirrored {
        mirror(&mut pix);
    }
    pix
}

/// Flips a pixmap left-right in place: exactly the mirror image, pixel for pixel.
fn mirror(pix: &mut Pixmap) {
    let width = pix.width() as usize;
    if width == 0 {
        return;
    }
    for row in pix.pixels_mut().chunks_exact_mut(width) {
        row.reverse();
    }
}

/// Composites `pix` over a 0x00RRGGBB window buffer (`px`, `width` x `height`) at (x, y),
/// clipped to the buffer.
pub fn blit(px: &mut [u32], width: u32, height: u32, x: i32, y: i32, pix: &Pixmap) {
    let (w, h) = (i64::from(width), i64::from(height));
    let (pw, ph) = (i64::from(pix.width()), i64::from(pix.height()));
    let source = pix.pixels();
    for sy in 0..ph {
        let dy = i64::from(y) + sy;
        if dy < 0 || dy >= h {
            continue;
        }
        for sx in 0..pw {
            let dx = i64::from(x) + sx;
            if dx < 0 || dx >= w {
                continue;
            }
            let Some(s) = source.get((sy * pw + sx) as usize) else { continue };
            let a = u32::from(s.alpha());
            if a == 0 {
                continue;
            }
            let Some(d) = px.get_mut((dy * w + dx) as usize) else { continue };
            // Premultiplied source over an opaque destination.
            let over = |src: u8, shift: u32| {
                let dst = (*d >> shift) & 0xff;
                (u32::from(src) + (dst * (255 - a) + 127) / 255).min(255) << shift
            };
            *d = over(s.red(), 16) | over(s.green(), 8) | over(s.blue(), 0);
        }
    }
}

/// The pixmap as a PNG file's bytes (straight, not premultiplied, alpha), for
/// `limber card render --figure-only` and the snapshot tests.
pub fn encode_png(pix: &Pixmap) -> Result<Vec<u8>, png::EncodingError> {
    let mut rgba = Vec::with_capacity(pix.data().len());
    for p in pix.pixels() {
        let c = p.demultiply();
        rgba.extend_from_slice(&[c.red(), c.green(), c.blue(), c.alpha()]);
    }
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, pix.width(), pix.height());
    encoder.set_color(png::ColorType::Rgba);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header()?;
    writer.write_image_data(&rgba)?;
    writer.finish()?;
    Ok(out)
}

#[cfg(test)]
mod tests;
