//! Snapshots of every figure: a strip of frames per figure (start, a third and two thirds of
//! the way, end, and the end mirrored) compared with the PNG stored in `tests/snapshots/figures/`, so any change to a
//! pose or to the drawing shows up here and in review as a changed picture.
//!
//! After a deliberate change, look at the new strips and store them:
//!
//! ```sh
//! LIMBER_UPDATE_SNAPSHOTS=1 cargo test --test figure_snapshots
//! git diff --stat tests/snapshots/figures/
//! ```
//!
//! On a mismatch the frames as drawn now are written next to the stored ones as
//! `<name>.new.png` (ignored by git), to compare by eye.

use limber::figure::{self, Figure, Look};
use std::path::{Path, PathBuf};

const FRAME: u32 = 96;
/// (t, mirrored) of each frame in a strip: thirds, so a roll (which ends where it starts)
/// shows its way round too.
const FRAMES: [(f32, bool); 5] = [(0.0, false), (0.34, false), (0.67, false), (1.0, false), (1.0, true)];
const LOOK: Look = Look { ink: 0x3b4148, accent: 0x0f7367, background: Some(0xfafaf7) };
/// A pixel counts as changed when a channel moves by more than this, which lets the
/// anti-aliasing of another CPU or tiny-skia release pass and catches any moved limb.
const CHANNEL_SLACK: i32 = 40;
/// The share of changed pixels a strip may have.
const MAX_CHANGED: f64 = 0.004;

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots/figures")
}

/// The strip as straight RGBA rows.
fn strip(fig: &Figure) -> Vec<u8> {
    let width = FRAME * FRAMES.len() as u32;
    let mut rgba = vec![0u8; (width * FRAME * 4) as usize];
    for (i, (t, mirrored)) in FRAMES.into_iter().enumerate() {
        let pix = figure::render(fig, t, mirrored, FRAME, &LOOK);
        for y in 0..FRAME {
            for x in 0..FRAME {
                let c = pix.pixel(x, y).unwrap().demultiply();
                let at = ((y * width + i as u32 * FRAME + x) * 4) as usize;
                rgba[at..at + 4].copy_from_slice(&[c.red(), c.green(), c.blue(), c.alpha()]);
            }
        }
    }
    rgba
}

fn write_png(path: &Path, rgba: &[u8]) {
    let file = std::fs::File::create(path).unwrap();
    let mut encoder = png::Encoder::new(std::io::BufWriter::new(file), FRAME * FRAMES.len() as u32, FRAME);
    encoder.set_color(png::ColorType::Rgba);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.write_header().unwrap().write_image_data(rgba).unwrap();
}

fn read_png(path: &Path) -> Option<Vec<u8>> {
    let file = std::fs::File::open(path).ok()?;
    let mut reader = png::Decoder::new(std::io::BufReader::new(file)).read_info().ok()?;
    let mut buf = vec![0; reader.output_buffer_size()?];
    let info = reader.next_frame(&mut buf).ok()?;
    (info.color_type == png::ColorType::Rgba && info.width == FRAME * FRAMES.len() as u32 && info.height == FRAME)
        .then(|| buf[..info.buffer_size()].to_vec())
}

#[test]
fn figures_match_their_snapshots() {
    let update = std::env::var_os("LIMBER_UPDATE_SNAPSHOTS").is_some();
    std::fs::create_dir_all(dir()).unwrap();
    let mut failed = Vec::new();
    for name in figure::NAMES {
        let fig = Figure::named(name).unwrap();
        let now = strip(&fig);
        let stored = dir().join(format!("{name}.png"));
        let fresh = dir().join(format!("{name}.new.png"));
        if update {
            write_png(&stored, &now);
            let _ = std::fs::remove_file(&fresh);
            continue;
        }
        let Some(then) = read_png(&stored) else {
            write_png(&fresh, &now);
            failed.push(format!("{name}: no snapshot at {} (drawn now: {})", stored.display(), fresh.display()));
            continue;
        };
        let changed = now
            .chunks_exact(4)
            .zip(then.chunks_exact(4))
            .filter(|(a, b)| a.iter().zip(b.iter()).any(|(x, y)| (i32::from(*x) - i32::from(*y)).abs() > CHANNEL_SLACK))
            .count();
        let share = changed as f64 / (now.len() / 4) as f64;
        if share > MAX_CHANGED {
            write_png(&fresh, &now);
            failed.push(format!("{name}: {changed} px changed ({:.2}%); drawn now: {}", share * 100.0, fresh.display()));
        } else {
            let _ = std::fs::remove_file(&fresh);
        }
    }
    assert!(
        failed.is_empty(),
        "figures differ from their snapshots (LIMBER_UPDATE_SNAPSHOTS=1 stores the new ones):\n{}",
        failed.join("\n")
    );
}

/// Frames large enough to judge a figure by eye, written only when asked:
/// `LIMBER_FIGURE_PREVIEW=/tmp/figures cargo test --test figure_snapshots preview`.
#[test]
fn preview() {
    let Some(out) = std::env::var_os("LIMBER_FIGURE_PREVIEW") else { return };
    let out = PathBuf::from(out);
    std::fs::create_dir_all(&out).unwrap();
    for name in figure::NAMES {
        let fig = Figure::named(name).unwrap();
        for (t, label) in [(0.0, "start"), (0.25, "quarter"), (0.5, "middle"), (0.75, "three-quarters"), (1.0, "end")] {
            let pix = figure::render(&fig, t, false, 320, &LOOK);
            std::fs::write(out.join(format!("{name}-{label}.png")), figure::encode_png(&pix).unwrap()).unwrap();
            // The card's dark theme, on a transparent square.
            let dark = Look { ink: 0xc9ced3, accent: 0x5fd3c1, background: None };
            let pix = figure::render(&fig, t, false, 160, &dark);
            std::fs::write(out.join(format!("{name}-{label}-dark.png")), figure::encode_png(&pix).unwrap()).unwrap();
        }
    }
}
