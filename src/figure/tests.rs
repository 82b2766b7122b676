//! The figures' promises: one for every exercise, the fallback, mirroring, any input drawn.

use super::*;
use crate::core::catalogue::{BUILTIN, BUILTIN_NAME, CatalogueFile};

const LOOK: Look = Look { ink: 0x3b4148, accent: 0x0f7367, background: Some(0xfafaf7) };

fn coverage(pix: &Pixmap) -> usize {
    pix.pixels().iter().filter(|p| p.alpha() > 0).count()
}

#[test]
fn every_builtin_exercise_has_its_own_figure() {
    let file = CatalogueFile::parse(BUILTIN_NAME, BUILTIN, None).unwrap();
    assert!(!file.exercises.is_empty());
    for e in &file.exercises {
        let fig = Figure::for_stretch(&e.id, e.figure.as_deref());
        assert!(!fig.is_fallback(), "{} has no figure", e.id);
        assert_eq!(fig.name(), e.id);
    }
    assert!(!Figure::walk().is_fallback());
    assert_eq!(Figure::walk().name(), "walk");
}

#[test]
fn names_match_the_catalogue_list() {
    let ours: Vec<&str> = poses::ALL.iter().map(|s| s.name).collect();
    assert_eq!(ours, NAMES, "figure::poses::ALL and core::catalogue::FIGURE_NAMES must list the same names");
    for name in NAMES {
        assert_eq!(Figure::named(name).map(|f| f.name()), Some(*name));
    }
}

#[test]
fn unknown_ids_fall_back_and_names_win() {
    assert!(Figure::for_stretch("my-own-stretch", None).is_fallback());
    assert!(Figure::for_stretch("", Some("no-such-figure")).is_fallback());
    assert!(Figure::for_stretch("neutral", None).is_fallback());
    // A user's exercise borrows a built-in figure by name.
    assert_eq!(Figure::for_stretch("my-own-stretch", Some("neck-roll")).name(), "neck-roll");
    // The name wins over the id; an unknown name still finds the id's figure.
    assert_eq!(Figure::for_stretch("neck-roll", Some("walk")).name(), "walk");
    assert_eq!(Figure::for_stretch("neck-roll", Some("nope")).name(), "neck-roll");
    assert_eq!(Figure::for_stretch("a", None), Figure::for_stretch("b", Some("neutral")));
    assert_ne!(Figure::walk(), Figure::for_stretch("walk-not", None));
}

#[test]
fn mirrored_frame_is_the_mirror_image() {
    for spec in poses::ALL {
        let fig = Figure { spec };
        for t in [0.0, 0.4, 1.0] {
            let a = render(&fig, t, false, 97, &LOOK);
            let b = render(&fig, t, true, 97, &LOOK);
            let (w, h) = (a.width() as usize, a.height() as usize);
            for y in 0..h {
                for x in 0..w {
                    assert_eq!(a.pixels()[y * w + x], b.pixels()[y * w + (w - 1 - x)], "{} at {x},{y}", spec.name);
                }
            }
        }
    }
}

#[test]
fn render_survives_any_moment_and_size() {
    let fig = Figure::for_stretch("reverse-dumbbell-fly", None);
    for t in [f32::NAN, f32::NEG_INFINITY, -3.0, -0.0, 0.5, 1.0, 1.5, 1e9, f32::INFINITY] {
        let pix = render(&fig, t, true, 40, &LOOK);
        assert_eq!((pix.width(), pix.height()), (40, 40));
    }
    assert_eq!(render(&fig, f32::NAN, false, 64, &LOOK).data(), render(&fig, 0.0, false, 64, &LOOK).data());
    assert_eq!(render(&fig, 7.0, false, 64, &LOOK).data(), render(&fig, 1.0, false, 64, &LOOK).data());
    for size in [0, 1, 2, 3, 7, 16, 333, 2000] {
        for spec in poses::ALL {
            let pix = render(&Figure { spec }, 0.5, size % 2 == 0, size, &LOOK);
            assert_eq!(pix.width(), size.max(1), "{}", spec.name);
            if size == 2000 {
                break;
            }
        }
    }
}

#[test]
fn transparent_without_background_and_figures_fill_their_square() {
    let clear = Look { background: None, ..LOOK };
    for spec in poses::ALL {
        let pix = render(&Figure { spec }, 0.0, false, 120, &clear);
        let covered = coverage(&pix) as f32 / (120.0 * 120.0);
        assert!((0.06..0.6).contains(&covered), "{}: {covered}", spec.name);
        assert_eq!(pix.pixels()[0].alpha(), 0, "{}: the corner is transparent", spec.name);
        let opaque = render(&Figure { spec }, 0.0, false, 120, &LOOK);
        assert!(opaque.pixels().iter().all(|p| p.alpha() == 255), "{}", spec.name);
    }
}

#[test]
fn every_figure_moves_and_its_accent_shows() {
    for spec in poses::ALL {
        let fig = Figure { spec };
        let a = render(&fig, 0.0, false, 96, &LOOK);
        // A roll ends where it starts; it moves on the way.
        let changed = [0.5, 1.0]
            .map(|t| {
                let b = render(&fig, t, false, 96, &LOOK);
                a.pixels().iter().zip(b.pixels()).filter(|(x, y)| x != y).count()
            })
            .into_iter()
            .max()
            .unwrap_or(0);
        assert!(changed > 60, "{}: the figure hardly moves ({changed} px differ)", spec.name);
        let accent = a
            .pixels()
            .iter()
            .filter(|p| {
                let (r, g, b) = (i32::from(p.red()), i32::from(p.green()), i32::from(p.blue()));
                (r - 0x0f).abs() < 12 && (g - 0x73).abs() < 12 && (b - 0x67).abs() < 12
            })
            .count();
        if spec.accent != 0 {
            assert!(accent > 20, "{}: the moving part is not in the accent colour ({accent} px)", spec.name);
        } else {
            assert_eq!(accent, 0, "{}", spec.name);
        }
    }
}

#[test]
fn tweening_keeps_limbs_their_length() {
    let fig = Figure::for_stretch("reverse-dumbbell-fly", None);
    let start = fig.pose_at(0.0);
    for i in 0..=10 {
        let pose = fig.pose_at(i as f32 / 10.0);
        let upper = pose.elbow[0].sub(pose.shoulder[0]).len();
        let want = start.elbow[0].sub(start.shoulder[0]).len();
        let end = fig.pose_at(1.0).elbow[0].sub(fig.pose_at(1.0).shoulder[0]).len();
        assert!(upper >= want.min(end) - 0.01 && upper <= want.max(end) + 0.01, "{upper} vs {want}..{end}");
    }
}

#[test]
fn blit_composites_and_clips() {
    let fig = Figure::for_stretch("shoulder-shrug", None);
    let pix = render(&fig, 0.0, false, 32, &Look { background: None, ..LOOK });
    let mut px = vec![0x00ffffff; 20 * 10];
    // Mostly off the buffer on every side: nothing may panic, and only the overlap is touched.
    for (x, y) in [(-40, -40), (-16, -16), (10, 2), (19, 9), (100, 100), (i32::MIN, i32::MAX)] {
        blit(&mut px, 20, 10, x, y, &pix);
    }
    blit(&mut px, 20, 10, -6, -6, &pix);
    assert!(px.iter().any(|p| *p != 0x00ffffff), "the figure reaches the buffer");
    assert!(px.iter().all(|p| p >> 24 == 0), "the buffer stays 0x00RRGGBB");
    // A fully opaque pixel replaces what was there.
    let mut solid = Pixmap::new(2, 2).unwrap();
    solid.fill(tiny_skia::Color::from_rgba8(0x12, 0x34, 0x56, 255));
    let mut one = vec![0u32; 4];
    blit(&mut one, 2, 2, 0, 0, &solid);
    assert!(one.iter().all(|p| *p == 0x123456), "{one:x?}");
    // Half-covered pixels blend half and half.
    let mut half = Pixmap::new(1, 1).unwrap();
    half.fill(tiny_skia::Color::from_rgba8(255, 255, 255, 128));
    let mut dark = vec![0x000000u32];
    blit(&mut dark, 1, 1, 0, 0, &half);
    assert!((0x7f..=0x81).contains(&(dark[0] & 0xff)) && dark[0] >> 8 & 0xff == dark[0] & 0xff, "{:x}", dark[0]);
    // A buffer shorter than it claims is not overrun.
    let mut short = vec![0u32; 3];
    blit(&mut short, 2, 2, 0, 0, &solid);
}

#[test]
fn png_round_trip() {
    let pix = render(&Figure::walk(), 0.3, false, 24, &Look { background: None, ..LOOK });
    let bytes = encode_png(&pix).unwrap();
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let reader = decoder.read_info().unwrap();
    assert_eq!((reader.info().width, reader.info().height), (24, 24));
}

#[test]
fn reps_go_there_and_back_and_rolls_go_round() {
    let shrug = Figure::for_stretch("shoulder-shrug", None);
    assert!(!shrug.is_cycle());
    assert_eq!(shrug.in_rep(0.0, false), (0.0, false));
    assert_eq!(shrug.in_rep(0.5, false), (1.0, false));
    assert_eq!(shrug.in_rep(1.0, true), (0.0, true));
    assert_eq!(shrug.in_rep(f32::NAN, false), (0.0, false));
    let roll = Figure::for_stretch("shoulder-roll", None);
    assert!(roll.is_cycle());
    assert_eq!(roll.in_rep(0.25, false), (0.25, false));
    assert_eq!(roll.in_rep(0.25, true), (0.75, false));
    // Once round ends where it began, so reps follow each other without a jump.
    assert_eq!(render(&roll, 0.0, false, 48, &LOOK).data(), render(&roll, 1.0, false, 48, &LOOK).data());
    for spec in poses::ALL {
        assert!((2..=5).contains(&spec.keys.len()), "{}", spec.name);
    }
}
