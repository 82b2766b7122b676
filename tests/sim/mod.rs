//! A fake clock driving the real schedule, writing what happens as a readable transcript.

#![allow(dead_code)]

use limber::core::catalogue::Catalogue;
use limber::core::schedule::{Effect, Input};
use limber::core::status::State;
use limber::core::{Moment, Schedule, Settings};
use std::fmt::Write as _;
use std::time::Duration;

/// Sunday 2025-11-16 00:00 UTC: transcripts print times of day from here.
pub const MONDAY: u64 = 1_763_251_200;

pub fn at(hms: &str) -> Moment {
    at_day(0, hms)
}

pub fn at_day(day: u64, hms: &str) -> Moment {
    let parts: Vec<u64> = hms.split(':').map(|p| p.parse().unwrap()).collect();
    let secs = parts[0] * 3600 + parts.get(1).copied().unwrap_or(0) * 60 + parts.get(2).copied().unwrap_or(0);
    Moment::from_secs(MONDAY + day * 86_400 + secs)
}

pub fn clock(t: Moment) -> String {
    let s = t.as_millis() / 1000 - MONDAY;
    let (d, s) = (s / 86_400, s % 86_400);
    let ms = t.as_millis() % 1000;
    let base = format!("{:02}:{:02}:{:02}", s / 3600, (s % 3600) / 60, s % 60);
    let base = if ms == 0 { base } else { format!("{base}.{ms:03}") };
    if d == 0 { base } else { format!("d{d} {base}") }
}

pub fn mins(m: u64) -> Duration {
    Duration::from_secs(m * 60)
}

pub fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

pub struct Sim {
    pub s: Schedule,
    pub now: Moment,
    pub log: String,
    pub effects: Vec<(Moment, Effect)>,
    last_state: Option<(State, bool, bool)>,
    /// The user is at the keyboard: a typing watch is left for the test to answer. Otherwise
    /// it is answered at once with "no input for long", as on an idle test desk.
    pub typist: bool,
    /// The pause a typing watch the schedule asked for waits for, while it runs.
    pub watching: Option<Duration>,
}

impl Sim {
    pub fn new(settings: &str, start: Moment) -> Sim {
        Sim::new_in(settings, start, 0)
    }

    /// A day in a time zone `offset_s` seconds east of UTC.
    pub fn new_in(settings: &str, start: Moment, offset_s: i32) -> Sim {
        let settings = Settings::parse("test", settings).unwrap();
        let s = Schedule::new_in(settings, Catalogue::builtin(), start, offset_s);
        let mut sim =
            Sim { s, now: start, log: String::new(), effects: Vec::new(), last_state: None, typist: false, watching: None };
        sim.note("start");
        sim.drain();
        sim
    }

    pub fn note(&mut self, what: &str) {
        let _ = writeln!(self.log, "{}  {what}", clock(self.now));
    }

    /// Lets time pass to `t`, waking at every deadline on the way like the event loop does.
    pub fn run_to(&mut self, t: Moment) {
        while let Some(d) = self.s.next_deadline() {
            assert!(d > self.now, "deadline {} is not after now {}", clock(d), clock(self.now));
            if d > t {
                break;
            }
            self.now = d;
            self.s.handle(d, Input::Tick);
            self.drain();
        }
        self.now = t;
    }

    pub fn feed(&mut self, t: Moment, input: Input) {
        self.run_to(t);
        let label = match &input {
            Input::Activity { idle } => format!("> idle {}s", idle.as_secs()),
            Input::Gap { length } => format!("> gap {}", limber::core::duration::format(*length)),
            Input::Command(c) => format!("> {c:?}"),
            Input::Card(c) => format!("> card {c:?}"),
            other => format!("> {other:?}"),
        };
        self.note(&label);
        self.s.handle(t, input);
        self.drain();
    }

    /// An input that arrives after the machine slept: no deadline fired in between.
    pub fn after_sleep(&mut self, t: Moment, input: Input) {
        self.now = t;
        self.note(&format!("> (woke) {input:?}"));
        self.s.handle(t, input);
        self.drain();
    }

    pub fn drain(&mut self) {
        self.drain_once();
        if self.watching.is_some() && !self.typist {
            self.s.handle(self.now, Input::Typing { idle: Some(Duration::from_secs(3600)) });
            self.drain_once();
        }
    }

    fn drain_once(&mut self) {
        for e in self.s.take_effects() {
            let line = match &e {
                Effect::Notify(r) => Some(format!(
                    "notify{} \"{}\" [{}] snooze={} | {}",
                    if r.gentle { " (gentle)" } else { "" },
                    r.title,
                    r.stretch_id.as_deref().unwrap_or("-"),
                    r.snooze.map(limber::core::duration::format).unwrap_or_else(|| "no".into()),
                    r.body.replace('\n', " / ")
                )),
                Effect::CloseNotification => Some("close notification".into()),
                Effect::ShowCard(v) => {
                    Some(format!("show card \"{}\" stage {}/{}: {}", v.title, v.stage_number, v.stage_count, v.stage))
                }
                Effect::UpdateCard(v) => Some(format!(
                    "update card stage {}/{}: {}{}",
                    v.stage_number,
                    v.stage_count,
                    v.stage,
                    v.hold_ends_at.map(|t| format!(" (hold ends {})", clock(t))).unwrap_or_default()
                )),
                Effect::CloseCard => Some("close card".into()),
                Effect::Cue(c) => Some(format!("cue {c:?}")),
                Effect::Record(ev) => Some(format!(
                    "history {:?}{} after {}",
                    ev.kind,
                    ev.stretch.as_ref().map(|s| format!(" [{s}]")).unwrap_or_default(),
                    limber::core::duration::format(Duration::from_secs(ev.sat))
                )),
                Effect::Status(st) => {
                    let key = (st.state, st.present, st.held_back.is_some());
                    if self.last_state == Some(key) {
                        None
                    } else {
                        self.last_state = Some(key);
                        Some(format!("status: {}", st.line(clock)))
                    }
                }
                Effect::Persist(_) => None,
                Effect::WatchTyping(w) => {
                    self.watching = *w;
                    self.typist.then(|| format!("watch typing: {}", w.map_or("off".into(), limber::core::duration::format)))
                }
            };
            if let Some(line) = line {
                let _ = writeln!(self.log, "{}    {line}", clock(self.now));
            }
            self.effects.push((self.now, e));
        }
    }

    pub fn notifies(&self) -> Vec<Moment> {
        self.effects.iter().filter(|(_, e)| matches!(e, Effect::Notify(_))).map(|(t, _)| *t).collect()
    }

    pub fn status(&self) -> limber::core::Status {
        self.s.status(self.now)
    }
}

/// Compares `log` with `tests/transcripts/<name>.txt`; `LIMBER_BLESS=1` writes it instead.
pub fn transcript(name: &str, log: &str) {
    let path = format!("{}/tests/transcripts/{name}.txt", env!("CARGO_MANIFEST_DIR"));
    if std::env::var_os("LIMBER_BLESS").is_some() {
        std::fs::write(&path, log).unwrap();
        return;
    }
    let want = std::fs::read_to_string(&path).unwrap_or_else(|_| panic!("{path} missing; run with LIMBER_BLESS=1 and review it"));
    if want != log {
        panic!(
            "transcript {name} changed; review the difference, and bless with LIMBER_BLESS=1 if it is right\n--- want\n{want}\n--- got\n{log}"
        );
    }
}
