//! The card window: shows the stretch the core laid out (name, areas, steps, figures, the
//! stage with its live countdown) and turns keys and clicks into card events. It draws what
//! the core says and decides nothing.

use super::paint::{Canvas, Fonts, measure, wrap};
use crate::core::Moment;
use crate::core::routine::{CardView, Task};
use crate::core::schedule::CardEvent;
use crate::core::stats::Summary;
use std::num::NonZeroU32;
use std::rc::Rc;
use thiserror::Error;
use winit::dpi::{LogicalSize, PhysicalPosition};
use winit::event::{ElementState, KeyEvent, MouseButton, WindowEvent};
use winit::event_loop::ActiveEventLoop;
use winit::keyboard::{Key, NamedKey};
use winit::window::{Theme, Window, WindowId, WindowLevel};

#[derive(Debug, Error)]
pub enum CardError {
    #[error("cannot open the card window: {0}")]
    Window(#[from] winit::error::OsError),
    #[error("cannot draw the card window: {0}")]
    Surface(#[from] softbuffer::SoftBufferError),
    #[error("the bundled font is damaged")]
    Font,
}

const WIDTH: f64 = 460.0;
const HEIGHT: f64 = 640.0;
const PAD: f32 = 22.0;

pub const DISCLAIMER: &str = "Not medical advice. Stop if it hurts; see a professional if pain persists.";

struct Palette {
    background: u32,
    text: u32,
    muted: u32,
    accent: u32,
    panel: u32,
    button: u32,
    button_text: u32,
    disabled: u32,
    /// A lighter accent: breaks taken by walking away, in the week chart.
    soft: u32,
}

const LIGHT: Palette = Palette {
    background: 0xfafaf7,
    text: 0x1d2327,
    muted: 0x5f6670,
    accent: 0x0f7367,
    panel: 0xe3f1ee,
    button: 0x14897c,
    button_text: 0xffffff,
    disabled: 0xc9cdd2,
    soft: 0x8fd3c8,
};

const DARK: Palette = Palette {
    background: 0x1e2226,
    text: 0xeceff1,
    muted: 0xa4acb4,
    accent: 0x5fd3c1,
    panel: 0x26403c,
    button: 0x22a896,
    button_text: 0x0b1512,
    disabled: 0x3b4248,
    soft: 0x2f7f74,
};

/// A button as drawn: where it is, what it says, what it does.
struct Button {
    x: f32,
    y: f32,
    w: f32,
    h: f32,
    label: &'static str,
    key: &'static str,
    event: CardEvent,
    enabled: bool,
}

/// What the window shows: a stretch card, or the week's breaks as a bar chart.
pub enum Page {
    Card(CardView),
    Week(Summary),
}

impl Page {
    fn title(&self) -> String {
        match self {
            Page::Card(v) => format!("limber: {}", v.title),
            Page::Week(_) => "limber: this week".to_string(),
        }
    }
}

pub struct CardWindow {
    window: Rc<Window>,
    surface: softbuffer::Surface<Rc<Window>, Rc<Window>>,
    fonts: Fonts,
    page: Page,
    buttons: Vec<Button>,
    cursor: Option<PhysicalPosition<f64>>,
    dark: bool,
    /// The size from the last Resized event: asking the window again costs a round trip and
    /// panics inside the windowing library if the display has just gone.
    size: winit::dpi::PhysicalSize<u32>,
}

impl CardWindow {
    pub fn open(event_loop: &ActiveEventLoop, page: Page) -> Result<CardWindow, CardError> {
        CardWindow::open_with(event_loop, page, true)
    }

    /// [`CardWindow::open`]; `focus: false` leaves the keyboard where it is (a card the user
    /// did not ask for, see `unfocused`).
    pub fn open_with(event_loop: &ActiveEventLoop, page: Page, focus: bool) -> Result<CardWindow, CardError> {
        let fonts = Fonts::load().ok_or(CardError::Font)?;
        let mut attrs = Window::default_attributes()
            .with_title(page.title())
            .with_inner_size(LogicalSize::new(WIDTH, HEIGHT))
            .with_resizable(false)
            .with_window_level(WindowLevel::AlwaysOnTop)
            .with_active(focus)
            .with_visible(focus);
        // Centre on the primary monitor: winit cannot tell which monitor the user works on,
        // and on Wayland the compositor places windows itself anyway.
        if let Some(m) = event_loop.primary_monitor().or_else(|| event_loop.available_monitors().next()) {
            let (size, at, scale) = (m.size(), m.position(), m.scale_factor());
            let (w, h) = ((WIDTH * scale) as i32, (HEIGHT * scale) as i32);
            attrs = attrs.with_position(PhysicalPosition::new(
                at.x + (size.width as i32 - w).max(0) / 2,
                at.y + (size.height as i32 - h).max(0) / 2,
            ));
        }
        #[cfg(all(unix, not(target_os = "macos")))]
        {
            use winit::platform::x11::WindowAttributesExtX11;
            attrs = attrs.with_name("limber", "limber");
        }
        let window = Rc::new(event_loop.create_window(attrs)?);
        if !focus {
            super::unfocused::show(&window);
        }
        let context = softbuffer::Context::new(window.clone())?;
        let surface = softbuffer::Surface::new(&context, window.clone())?;
        let dark = window.theme().or(event_loop.system_theme()) == Some(Theme::Dark);
        let size = window.inner_size();
        let card = CardWindow { window, surface, fonts, page, buttons: Vec::new(), cursor: None, dark, size };
        card.window.request_redraw();
        Ok(card)
    }

    pub fn id(&self) -> WindowId {
        self.window.id()
    }

    pub fn update(&mut self, view: CardView) {
        let page = Page::Card(view);
        if page.title() != self.page.title() {
            self.window.set_title(&page.title());
        }
        self.page = page;
        self.window.request_redraw();
    }

    /// When the card next needs redrawing for its countdowns: at the next whole second.
    pub fn next_redraw(&self, now: Moment) -> Option<Moment> {
        let Page::Card(view) = &self.page else { return None };
        let end = view.hold_ends_at.or(view.break_ends_at)?;
        if end <= now {
            return None;
        }
        let left = end.since(now).as_millis() as u64;
        let to_next_second = match left % 1000 {
            0 => 1000,
            r => r,
        };
        Some(now + std::time::Duration::from_millis(to_next_second))
    }

    pub fn request_redraw(&self) {
        self.window.request_redraw();
    }

    /// Handles one window event; returns what the user asked for, if anything.
    pub fn handle(&mut self, event: &WindowEvent, now: Moment) -> Option<CardEvent> {
        match event {
            WindowEvent::CloseRequested => Some(CardEvent::Close),
            WindowEvent::RedrawRequested => {
                if let Err(e) = self.draw(now) {
                    tracing::warn!("{e}");
                }
                None
            }
            WindowEvent::Resized(size) => {
                self.size = *size;
                self.window.request_redraw();
                None
            }
            WindowEvent::ScaleFactorChanged { .. } => {
                self.window.request_redraw();
                None
            }
            WindowEvent::ThemeChanged(theme) => {
                self.dark = *theme == Theme::Dark;
                self.window.request_redraw();
                None
            }
            WindowEvent::CursorMoved { position, .. } => {
                self.cursor = Some(*position);
                None
            }
            WindowEvent::CursorLeft { .. } => {
                self.cursor = None;
                None
            }
            WindowEvent::MouseInput { state: ElementState::Released, button: MouseButton::Left, .. } => {
                let p = self.cursor?;
                let (x, y) = (p.x as f32, p.y as f32);
                let b = self.buttons.iter().find(|b| b.enabled && x >= b.x && x <= b.x + b.w && y >= b.y && y <= b.y + b.h)?;
                tracing::debug!("button {} ({}) clicked", b.label, b.key);
                Some(b.event)
            }
            WindowEvent::KeyboardInput {
                event: KeyEvent { logical_key, state: ElementState::Pressed, repeat: false, .. },
                ..
            } => self.key(logical_key),
            _ => None,
        }
    }

    fn key(&self, key: &Key) -> Option<CardEvent> {
        let Page::Card(view) = &self.page else {
            return matches!(key, Key::Named(NamedKey::Escape | NamedKey::Enter | NamedKey::Space)).then_some(CardEvent::Close);
        };
        let event = match key {
            // Space starts the hold, or ends a running one early.
            Key::Named(NamedKey::Space) if view.hold_ends_at.is_some() => CardEvent::HoldDone,
            Key::Named(NamedKey::Space) => CardEvent::StartHold,
            Key::Named(NamedKey::Enter) => CardEvent::Done,
            Key::Named(NamedKey::Escape) if view.preview => CardEvent::Close,
            Key::Named(NamedKey::Escape) => CardEvent::Skip,
            Key::Character(c) if c.eq_ignore_ascii_case("n") => CardEvent::Next,
            Key::Character(c) if c.eq_ignore_ascii_case("s") && view.can_snooze => CardEvent::Snooze,
            _ => return None,
        };
        Some(event)
    }

    fn draw(&mut self, now: Moment) -> Result<(), CardError> {
        let (Some(w), Some(h)) = (NonZeroU32::new(self.size.width), NonZeroU32::new(self.size.height)) else { return Ok(()) };
        self.surface.resize(w, h)?;
        let scale = self.window.scale_factor() as f32;
        let mut buffer = self.surface.buffer_mut()?;
        let mut canvas = Canvas { px: &mut buffer, width: w.get(), height: h.get() };
        let palette = if self.dark { &DARK } else { &LIGHT };
        self.buttons = match &self.page {
            Page::Card(view) => paint_card(&mut canvas, &self.fonts, view, now, scale, palette),
            Page::Week(summary) => paint_week(&mut canvas, &self.fonts, summary, scale, palette),
        };
        buffer.present()?;
        Ok(())
    }
}

/// "1:05" for a countdown.
pub fn clock_face(d: std::time::Duration) -> String {
    let s = d.as_millis().div_ceil(1000) as u64;
    format!("{}:{:02}", s / 60, s % 60)
}

fn paint_card(c: &mut Canvas<'_>, f: &Fonts, v: &CardView, now: Moment, scale: f32, p: &Palette) -> Vec<Button> {
    let s = |x: f32| x * scale;
    let width = c.width as f32;
    let inner = width - 2.0 * s(PAD);
    c.fill(p.background);
    let x = s(PAD);
    let mut y = s(PAD) + s(22.0);
    c.text(&f.bold, s(22.0), x, y, p.text, &v.title);
    y += s(22.0);
    c.text(&f.regular, s(13.0), x, y, p.muted, &capitalise(&v.areas));
    y += s(24.0);
    c.text(&f.bold, s(15.0), x, y, p.accent, &v.figures);
    y += s(12.0);
    for (i, step) in v.steps.iter().enumerate() {
        let number = format!("{}.", i + 1);
        let indent = s(22.0);
        for (j, line) in wrap(&f.regular, s(14.0), step, inner - indent).iter().enumerate() {
            y += s(20.0);
            if j == 0 {
                c.text(&f.bold, s(14.0), x, y, p.muted, &number);
            }
            c.text(&f.regular, s(14.0), x + indent, y, p.text, line);
        }
    }
    // The stage panel: what to do now, and the countdown.
    y += s(18.0);
    let panel_h = s(128.0);
    c.rounded(x, y, inner, panel_h, s(12.0), p.panel);
    let mut py = y + s(28.0);
    c.text(&f.bold, s(16.0), x + s(14.0), py, p.text, &v.stage);
    py += s(56.0);
    let big = match (&v.task, v.hold_ends_at) {
        (_, Some(end)) => clock_face(end.since(now)),
        (Task::Hold { seconds }, None) => clock_face(std::time::Duration::from_secs(u64::from(*seconds))),
        (Task::Walk, None) => v.break_ends_at.map(|e| clock_face(e.since(now))).unwrap_or_default(),
        (Task::Reps { .. }, None) => String::new(),
    };
    if !big.is_empty() {
        let bw = measure(&f.bold, s(44.0), &big);
        c.text(&f.bold, s(44.0), x + (inner - bw) / 2.0, py, p.accent, &big);
    }
    py += s(30.0);
    let mut progress = format!("Stage {} of {}", v.stage_number, v.stage_count);
    if let Some(end) = v.break_ends_at {
        progress.push_str(&format!("  ·  break ends in {}", clock_face(end.since(now))));
    }
    if matches!(v.task, Task::Hold { .. }) && v.hold_ends_at.is_none() {
        progress.push_str("  ·  Space starts the hold");
    }
    c.text(&f.regular, s(12.0), x + s(14.0), py, p.muted, &progress);
    y += panel_h;
    if let Some(caution) = &v.caution {
        for line in wrap(&f.regular, s(12.0), caution, inner) {
            y += s(17.0);
            c.text(&f.regular, s(12.0), x, y, p.muted, &line);
        }
    }
    // Buttons along the bottom, then the disclaimer.
    let height = c.height as f32;
    let by = height - s(PAD) - s(20.0) - s(52.0);
    let hold_label = if v.hold_ends_at.is_some() { "End hold" } else { "Start hold" };
    let is_hold = matches!(v.task, Task::Hold { .. });
    let mut specs: Vec<(&'static str, &'static str, CardEvent, bool)> = vec![
        (hold_label, "Space", if v.hold_ends_at.is_some() { CardEvent::HoldDone } else { CardEvent::StartHold }, is_hold),
        ("Next", "N", CardEvent::Next, true),
    ];
    if v.preview {
        specs.push(("Close", "Esc", CardEvent::Close, true));
    } else {
        specs.push(("Done", "Enter", CardEvent::Done, true));
        specs.push(("Snooze", "S", CardEvent::Snooze, v.can_snooze));
        specs.push(("Skip", "Esc", CardEvent::Skip, true));
    }
    let gap = s(8.0);
    let bw = (inner - gap * (specs.len() as f32 - 1.0)) / specs.len() as f32;
    let mut buttons = Vec::new();
    for (i, (label, key, event, enabled)) in specs.into_iter().enumerate() {
        let bx = x + i as f32 * (bw + gap);
        let bh = s(36.0);
        c.rounded(bx, by, bw, bh, s(8.0), if enabled { p.button } else { p.disabled });
        let lw = measure(&f.bold, s(13.0), label);
        c.text(&f.bold, s(13.0), bx + (bw - lw) / 2.0, by + s(23.0), p.button_text, label);
        let kw = measure(&f.regular, s(11.0), key);
        c.text(&f.regular, s(11.0), bx + (bw - kw) / 2.0, by + bh + s(14.0), p.muted, key);
        buttons.push(Button { x: bx, y: by, w: bw, h: bh, label, key, event, enabled });
    }
    let dw = measure(&f.regular, s(11.0), DISCLAIMER);
    c.text(&f.regular, s(11.0), x + (inner - dw).max(0.0) / 2.0, height - s(PAD) + s(4.0), p.muted, DISCLAIMER);
    buttons
}

/// The week as stacked bars per day: breaks taken with the card, taken by walking away,
/// and skipped.
fn paint_week(c: &mut Canvas<'_>, f: &Fonts, summary: &Summary, scale: f32, p: &Palette) -> Vec<Button> {
    const SKIPPED: u32 = 0xd9600f;
    let s = |x: f32| x * scale;
    let (width, height) = (c.width as f32, c.height as f32);
    let inner = width - 2.0 * s(PAD);
    let x = s(PAD);
    c.fill(p.background);
    c.text(&f.bold, s(22.0), x, s(PAD) + s(22.0), p.text, "This week");
    c.text(&f.regular, s(13.0), x, s(PAD) + s(44.0), p.muted, "Breaks per day");
    let legend = [(p.accent, "taken"), (p.soft, "walked away"), (SKIPPED, "skipped")];
    let mut lx = x;
    for (color, label) in legend {
        c.rounded(lx, s(PAD) + s(56.0), s(12.0), s(12.0), s(3.0), color);
        lx += s(18.0) + c.text(&f.regular, s(12.0), lx + s(18.0), s(PAD) + s(66.0), p.text, label) + s(16.0);
    }
    let top = s(PAD) + s(100.0);
    let bottom = height - s(PAD) - s(140.0);
    let most = summary.days.iter().map(|d| d.taken + d.natural + d.skipped).max().unwrap_or(0).max(1) as f32;
    let slot = inner / summary.days.len().max(1) as f32;
    for (i, d) in summary.days.iter().enumerate() {
        let bx = x + i as f32 * slot + slot * 0.2;
        let bw = slot * 0.6;
        let mut y = bottom;
        for (n, color) in [(d.taken, p.accent), (d.natural, p.soft), (d.skipped, SKIPPED)] {
            let h = (bottom - top) * n as f32 / most;
            if n > 0 {
                c.rounded(bx, y - h, bw, h, s(3.0), color);
                y -= h;
            }
        }
        let total = (d.taken + d.natural + d.skipped).to_string();
        let tw = measure(&f.bold, s(13.0), &total);
        c.text(&f.bold, s(13.0), bx + (bw - tw) / 2.0, y - s(6.0), p.text, &total);
        let day = super::store::day_date(d.day).strftime("%a").to_string();
        let dw = measure(&f.regular, s(12.0), &day);
        c.text(&f.regular, s(12.0), bx + (bw - dw) / 2.0, bottom + s(18.0), p.muted, &day);
    }
    let longest = summary.days.iter().map(|d| d.longest_sitting).max().unwrap_or(0);
    let mut ty = bottom + s(48.0);
    let streak = format!("Streak: {} day{}", summary.streak, if summary.streak == 1 { "" } else { "s" });
    c.text(&f.bold, s(15.0), x, ty, p.text, &streak);
    ty += s(22.0);
    if longest > 0 {
        let line =
            format!("Longest sitting this week: {}", crate::core::duration::human(std::time::Duration::from_secs(longest)));
        c.text(&f.regular, s(13.0), x, ty, p.muted, &line);
    }
    let (bw, bh) = (s(120.0), s(36.0));
    let (bx, by) = (x + inner - bw, height - s(PAD) - s(20.0) - s(52.0));
    c.rounded(bx, by, bw, bh, s(8.0), p.button);
    let lw = measure(&f.bold, s(13.0), "Close");
    c.text(&f.bold, s(13.0), bx + (bw - lw) / 2.0, by + s(23.0), p.button_text, "Close");
    let kw = measure(&f.regular, s(11.0), "Esc");
    c.text(&f.regular, s(11.0), bx + (bw - kw) / 2.0, by + bh + s(14.0), p.muted, "Esc");
    vec![Button { x: bx, y: by, w: bw, h: bh, label: "Close", key: "Esc", event: CardEvent::Close, enabled: true }]
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::catalogue::Catalogue;
    use crate::core::routine::Card;
    use std::time::Duration;

    fn view() -> CardView {
        let s = Catalogue::builtin().stretch("posterior-shoulder-stretch").unwrap().clone();
        let mut card = Card::new(s, Duration::from_secs(120), false);
        card.start_hold(Moment::from_secs(100));
        card.view(Some(Moment::from_secs(200)), true)
    }

    #[test]
    fn the_week_chart_draws_with_and_without_breaks() {
        use crate::core::stats::{Day, Summary};
        let fonts = Fonts::load().unwrap();
        let (w, h) = (WIDTH as u32, HEIGHT as u32);
        for days in
            [vec![], (0..7).map(|d| Day { day: 20_000 + d, taken: d as u32, natural: 1, skipped: 2, ..Day::default() }).collect()]
        {
            let mut px = vec![0; (w * h) as usize];
            let mut c = Canvas { px: &mut px, width: w, height: h };
            let buttons = paint_week(&mut c, &fonts, &Summary { days, streak: 3 }, 1.0, &DARK);
            assert_eq!(buttons.len(), 1);
            assert!(px.contains(&DARK.accent));
        }
    }

    #[test]
    fn countdowns_round_up_to_whole_seconds() {
        assert_eq!(clock_face(Duration::from_millis(29_001)), "0:30");
        assert_eq!(clock_face(Duration::from_secs(65)), "1:05");
        assert_eq!(clock_face(Duration::ZERO), "0:00");
    }

    #[test]
    fn the_card_fits_its_window_and_lays_out_every_button() {
        let fonts = Fonts::load().unwrap();
        for scale in [1.0f32, 2.0] {
            let (w, h) = ((WIDTH as f32 * scale) as u32, (HEIGHT as f32 * scale) as u32);
            let mut px = vec![0; (w * h) as usize];
            let mut c = Canvas { px: &mut px, width: w, height: h };
            let buttons = paint_card(&mut c, &fonts, &view(), Moment::from_secs(110), scale, &LIGHT);
            let labels: Vec<_> = buttons.iter().map(|b| b.label).collect();
            assert_eq!(labels, ["End hold", "Next", "Done", "Snooze", "Skip"]);
            assert!(buttons.iter().all(|b| b.x >= 0.0 && b.x + b.w <= w as f32 && b.y + b.h <= h as f32));
            assert!(buttons.iter().map(|b| b.key).collect::<Vec<_>>() == ["Space", "N", "Enter", "S", "Esc"]);
        }
    }
}
