//! The tray adapter: the icon, its tooltip and the menu, kept in step with the schedule's
//! status. It decides nothing; a menu click comes back as a [`Pick`].

use crate::core::duration;
use crate::core::status::{State, Status};
use std::time::Duration;
use thiserror::Error;
use tray_icon::menu::{CheckMenuItem, Menu, MenuId, MenuItem, PredefinedMenuItem, Submenu};
use tray_icon::{Icon, TrayIcon, TrayIconBuilder};

#[derive(Debug, Error)]
pub enum TrayError {
    #[error("cannot decode the built-in icon {0}: {1}")]
    Icon(&'static str, String),
    #[error("cannot build the tray menu: {0}")]
    Menu(#[from] tray_icon::menu::Error),
    #[error("cannot create the tray icon: {0}")]
    Tray(#[from] tray_icon::Error),
}

/// What a menu item asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pick {
    BreakNow,
    Snooze,
    Skip,
    Pause(Duration),
    PauseUntilTomorrow,
    Resume,
    ShowNext,
    OpenSettings,
    Statistics,
    Autostart,
    Reading,
    Quit,
}

const PAUSES: [(&str, &str, u64); 3] =
    [("pause-30m", "30 minutes", 30), ("pause-1h", "1 hour", 60), ("pause-2h", "2 hours", 120)];

impl Pick {
    pub fn from_id(id: &MenuId) -> Option<Pick> {
        Some(match id.as_ref() {
            "break-now" => Pick::BreakNow,
            "snooze" => Pick::Snooze,
            "skip" => Pick::Skip,
            "pause-tomorrow" => Pick::PauseUntilTomorrow,
            "resume" => Pick::Resume,
            "show-next" => Pick::ShowNext,
            "settings" => Pick::OpenSettings,
            "stats" => Pick::Statistics,
            "autostart" => Pick::Autostart,
            "reading" => Pick::Reading,
            "quit" => Pick::Quit,
            other => {
                let (_, _, minutes) = PAUSES.iter().find(|(id, _, _)| *id == other)?;
                Pick::Pause(Duration::from_secs(minutes * 60))
            }
        })
    }
}

/// Which base icon the state shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Look {
    Sitting,
    Due,
    Paused,
}

struct Items {
    status: MenuItem,
    break_now: MenuItem,
    snooze: MenuItem,
    skip: MenuItem,
    pause: Submenu,
    resume: MenuItem,
    autostart: CheckMenuItem,
    reading: CheckMenuItem,
}

pub struct Tray {
    icon: TrayIcon,
    items: Items,
    bases: [Rgba; 3],
    shown: Option<(Look, u8)>,
    /// What the menu and tooltip show now: each change wakes the tray's threads and goes out
    /// over D-Bus, so only what differs is set.
    texts: Texts,
}

#[derive(Default, PartialEq)]
struct Texts {
    line: String,
    snooze: String,
    tip: String,
    offers: Option<crate::core::status::Offers>,
    reading: Option<bool>,
}

#[derive(Clone)]
struct Rgba {
    width: u32,
    height: u32,
    pixels: Vec<u8>,
}

const SITTING_PNG: &[u8] = include_bytes!("../../assets/icons/tray-sitting.png");
const DUE_PNG: &[u8] = include_bytes!("../../assets/icons/tray-due.png");
const PAUSED_PNG: &[u8] = include_bytes!("../../assets/icons/tray-paused.png");

fn decode(name: &'static str, bytes: &[u8]) -> Result<Rgba, TrayError> {
    let err = |e: String| TrayError::Icon(name, e);
    let mut decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::ALPHA | png::Transformations::STRIP_16);
    let mut reader = decoder.read_info().map_err(|e| err(e.to_string()))?;
    let mut pixels = vec![0; reader.output_buffer_size().ok_or_else(|| err("too large".into()))?];
    let info = reader.next_frame(&mut pixels).map_err(|e| err(e.to_string()))?;
    if info.color_type != png::ColorType::Rgba {
        return Err(err(format!("expected RGBA, found {:?}", info.color_type)));
    }
    pixels.truncate(info.buffer_size());
    Ok(Rgba { width: info.width, height: info.height, pixels })
}

/// Steps of the progress ring: the icon changes at most this often per sitting period.
const RING_STEPS: f32 = 12.0;

/// Draws an arc just inside the icon's edge covering `fraction` of the circle, clockwise from
/// twelve o'clock: how close the next break is, readable at a glance.
fn with_ring(base: &Rgba, fraction: f32) -> Rgba {
    let mut out = base.clone();
    if fraction <= 0.0 {
        return out;
    }
    let (w, h) = (base.width as f32, base.height as f32);
    let (cx, cy) = (w / 2.0, h / 2.0);
    let outer = w.min(h) / 2.0;
    let inner = outer - w.min(h) / 16.0;
    for y in 0..base.height {
        for x in 0..base.width {
            let (dx, dy) = (x as f32 + 0.5 - cx, y as f32 + 0.5 - cy);
            let r = (dx * dx + dy * dy).sqrt();
            if r < inner || r > outer {
                continue;
            }
            // Angle from twelve o'clock, clockwise, 0..1.
            let turn = (dx.atan2(-dy) / std::f32::consts::TAU).rem_euclid(1.0);
            if turn <= fraction {
                let i = ((y * base.width + x) * 4) as usize;
                out.pixels[i..i + 4].copy_from_slice(&[0xf5, 0xa6, 0x23, 0xff]);
            }
        }
    }
    out
}

fn icon(rgba: Rgba) -> Option<Icon> {
    Icon::from_rgba(rgba.pixels, rgba.width, rgba.height).map_err(|e| tracing::warn!("tray icon: {e}")).ok()
}

impl Tray {
    /// Builds the tray. The menu and tray event handlers must already be installed: events
    /// that fire before then are lost for good.
    pub fn new(snooze: Duration, autostart: bool) -> Result<Tray, TrayError> {
        let bases =
            [decode("tray-sitting.png", SITTING_PNG)?, decode("tray-due.png", DUE_PNG)?, decode("tray-paused.png", PAUSED_PNG)?];
        let items = Items {
            status: MenuItem::with_id("status", "limber", false, None),
            break_now: MenuItem::with_id("break-now", "Take a break now", true, None),
            snooze: MenuItem::with_id("snooze", format!("Snooze {}", duration::human(snooze)), true, None),
            skip: MenuItem::with_id("skip", "Skip next break", true, None),
            pause: Submenu::with_id("pause", "Pause", true),
            resume: MenuItem::with_id("resume", "Resume", false, None),
            autostart: CheckMenuItem::with_id("autostart", "Start at login", true, autostart, None),
            reading: CheckMenuItem::with_id("reading", "Reading mode (no input still counts)", true, false, None),
        };
        for (id, label, _) in PAUSES {
            items.pause.append(&MenuItem::with_id(id, label, true, None))?;
        }
        items.pause.append(&MenuItem::with_id("pause-tomorrow", "Until tomorrow", true, None))?;
        let menu = Menu::new();
        menu.append_items(&[
            &items.status,
            &PredefinedMenuItem::separator(),
            &items.break_now,
            &items.snooze,
            &items.skip,
            &items.pause,
            &items.resume,
            &PredefinedMenuItem::separator(),
            &MenuItem::with_id("show-next", "Show next stretch", true, None),
            &items.reading,
            &MenuItem::with_id("stats", "Statistics", true, None),
            &MenuItem::with_id("settings", "Open settings", true, None),
            &items.autostart,
            &PredefinedMenuItem::separator(),
            &MenuItem::with_id("quit", "Quit", true, None),
        ])?;
        let mut builder =
            TrayIconBuilder::new().with_id("limber").with_menu(Box::new(menu)).with_title("limber").with_tooltip("limber");
        if let Some(i) = icon(bases[0].clone()) {
            builder = builder.with_icon(i);
        }
        let icon = builder.build()?;
        Ok(Tray { icon, items, bases, shown: None, texts: Texts::default() })
    }

    pub fn show_autostart(&self, on: bool) {
        self.items.autostart.set_checked(on);
    }

    /// Brings the tray in line with `status`; `line` is its one-line summary and `note` an
    /// extra tooltip line (how presence is known, when it is not).
    pub fn show(&mut self, status: &Status, line: &str, snooze: Duration, progress: f32, note: Option<&str>) {
        let offers = status.offers();
        let snooze = format!("Snooze {}", duration::human(snooze));
        let mut tip = match &status.next_exercise {
            Some(n) => format!("{line}\nNext stretch: {}", n.name),
            None => line.to_string(),
        };
        if let Some(note) = note {
            tip = format!("{tip}\n{note}");
        }
        if self.texts.reading != Some(status.reading) {
            self.items.reading.set_checked(status.reading);
            self.texts.reading = Some(status.reading);
        }
        if self.texts.line != line {
            self.items.status.set_text(line);
            self.texts.line = line.to_string();
        }
        if self.texts.snooze != snooze {
            self.items.snooze.set_text(&snooze);
            self.texts.snooze = snooze;
        }
        if self.texts.offers != Some(offers) {
            self.items.break_now.set_enabled(offers.break_now);
            self.items.snooze.set_enabled(offers.snooze);
            self.items.skip.set_enabled(offers.skip);
            self.items.pause.set_enabled(offers.pause);
            self.items.resume.set_enabled(offers.resume);
            self.texts.offers = Some(offers);
        }
        if self.texts.tip != tip {
            let _ = self.icon.set_tooltip(Some(&tip));
            self.texts.tip = tip;
        }
        let look = match status.state {
            State::Due => Look::Due,
            State::Paused | State::OutsideHours => Look::Paused,
            _ => Look::Sitting,
        };
        let step = if look == Look::Sitting { (progress * RING_STEPS).floor() as u8 } else { 0 };
        if self.shown != Some((look, step)) {
            self.shown = Some((look, step));
            let base = &self.bases[look as usize];
            let _ = self.icon.set_icon(icon(with_ring(base, f32::from(step) / RING_STEPS)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_icons_decode_as_rgba() {
        for (name, bytes) in [("s", SITTING_PNG), ("d", DUE_PNG), ("p", PAUSED_PNG)] {
            let i = decode(name, bytes).unwrap();
            assert_eq!(i.pixels.len(), (i.width * i.height * 4) as usize);
            assert_eq!((i.width, i.height), (32, 32));
        }
    }

    #[test]
    fn the_ring_grows_with_progress() {
        let base = decode("s", SITTING_PNG).unwrap();
        let ringed = |f| with_ring(&base, f).pixels.chunks(4).filter(|p| p == &[0xf5, 0xa6, 0x23, 0xff]).count();
        assert_eq!(ringed(0.0), 0);
        assert!(ringed(0.25) > 0);
        assert!(ringed(0.5) > ringed(0.25));
        assert!(ringed(1.0) > ringed(0.5));
    }

    #[test]
    fn menu_ids_map_to_picks() {
        assert_eq!(Pick::from_id(&MenuId::new("pause-1h")), Some(Pick::Pause(Duration::from_secs(3600))));
        assert_eq!(Pick::from_id(&MenuId::new("quit")), Some(Pick::Quit));
        assert_eq!(Pick::from_id(&MenuId::new("status")), None);
    }
}
