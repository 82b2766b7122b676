//! What each fuzz target checks.
//!
//! These functions are the whole of every target: the files in `fuzz_targets/` only hand
//! libFuzzer's bytes to them, and limber's `tests/fuzz_corpus.rs` includes this very file
//! (`#[path]`) to replay the committed corpus in `tests/corpus/` under plain `cargo test`. So
//! this file may use only `std`, `limber` and `serde_json` (what limber's own tests can see),
//! and every check is an `assert!`: a failed one is a crash to libFuzzer and a failed test to
//! cargo.

use limber::control::{self, Request};
use limber::core::catalogue::{Catalogue, CatalogueFile};
use limber::core::duration::{self, LONGEST};
use limber::core::rotation::{self, Rotation};
use limber::core::routine;
use limber::core::schedule::{CardEvent, Command, Effect, Input, PauseLength, Snapshot};
use limber::core::settings::Filters;
use limber::core::status::State;
use limber::core::{Moment, Problems, Schedule, Settings};
use std::collections::HashSet;
use std::sync::OnceLock;
use std::time::Duration;

/// The file name every parser is given; problems must carry it.
pub const FILE: &str = "f";

/// The break length the catalogue target checks holds against, as the daemon does.
pub const BREAK: Duration = Duration::from_secs(120);

/// A stretch whose routine would have more stages than this is not laid out: see
/// [`stage_bound`] and fuzz/README.md ("Findings").
pub const STAGE_LIMIT: u64 = 100_000;

/// 2025-11-16 08:00 UTC, where simulated schedules start.
pub const START: Moment = Moment::from_secs(1_763_280_000);

/// The built-in catalogue, parsed once per process.
pub fn builtin() -> &'static Catalogue {
    static BUILTIN: OnceLock<Catalogue> = OnceLock::new();
    BUILTIN.get_or_init(Catalogue::builtin)
}

/// A failed parse must name at least one problem, each inside the file: line and column count
/// from 1 and the line exists; problems come in file order and print as `file:line:col: `.
pub fn located(problems: &Problems, text: &str) {
    assert!(!problems.0.is_empty(), "an error that names no problem");
    let lines = text.split('\n').count();
    for p in &problems.0 {
        assert!(p.line >= 1 && p.column >= 1, "{p:?}: line and column count from 1");
        assert!(p.line <= lines, "{p:?}: line {} is past the end of a {lines}-line file", p.line);
        assert_eq!(p.file, FILE);
        assert!(!p.message.is_empty(), "{p:?}: no message");
        let shown = p.to_string();
        assert!(shown.starts_with(&format!("{FILE}:{}:{}: ", p.line, p.column)), "{shown}");
    }
    assert!(problems.0.windows(2).all(|w| (w[0].line, w[0].column) <= (w[1].line, w[1].column)), "problems out of order");
    let _ = problems.to_string();
}

/// `Settings::parse`: no panic; what it accepts is in range; what it rejects is located.
pub fn settings(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    match Settings::parse(FILE, &text) {
        Ok(s) => {
            let one = Duration::from_secs(1);
            for (key, d) in [
                ("sit_limit", s.sit_limit),
                ("break_length", s.break_length),
                ("idle_reset", s.idle_reset()),
                ("snooze", s.snooze),
                ("remind_again", s.remind_again),
            ] {
                assert!(d >= one && d <= LONGEST, "{key} accepted out of range: {d:?}");
            }
            assert!(s.max_snoozes <= 20, "max_snoozes {}", s.max_snoozes);
            assert!((0.0..=1.0).contains(&s.sound.volume), "volume {}", s.sound.volume);
            assert!(!s.exercises.equipment.is_empty() && !s.exercises.positions.is_empty());
            // Layers apply key by key: reading the same file over its own result changes nothing.
            assert_eq!(s.parse_over(FILE, &text).as_ref(), Ok(&s));
            // Whatever is accepted, the schedule keeps its promises with it: a first break
            // comes due, is taken with the card, and the next hour begins.
            let mut sched = Schedule::new(s.clone(), builtin().clone(), START);
            sched.take_effects();
            let mut c = Checker::new(s.clone(), START);
            let due = START + s.sit_limit.min(secs(2 * 3600));
            c.run_to(&mut sched, due + secs(60));
            let now = due + secs(61);
            c.call(&mut sched, now, Input::Command(Command::BreakNow));
            c.call(&mut sched, now, Input::Card(CardEvent::StartHold));
            c.run_to(&mut sched, now + s.break_length.min(secs(600)) + secs(60));
        }
        Err(p) => located(&p, &text),
    }
}

/// The most stages `routine::lay_out` builds for `s` before trimming: its first plan has
/// `sets.min` sets of every side, each with `reps.max` holds.
pub fn stage_bound(s: &limber::core::Stretch) -> u64 {
    let sides = 2;
    let sets = u64::from(s.sets.map_or(1, |r| r.min).max(1));
    let holds = if s.hold_seconds.is_some() { u64::from(s.reps.as_ref().map_or(1, |r| r.count.max).max(1)) } else { 1 };
    sets * sides * holds
}

/// `CatalogueFile::parse` with a 2-minute break: no panic; what it accepts is checked the way
/// the file promises (unique ids, holds that fit), merges with the built-in catalogue, lays
/// out and rotates; what it rejects is located.
pub fn catalogue(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let file = match CatalogueFile::parse(FILE, &text, Some(BREAK)) {
        Ok(file) => file,
        Err(p) => return located(&p, &text),
    };
    let good_id = |id: &str| !id.is_empty() && id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    let mut ids = HashSet::new();
    for s in &file.exercises {
        assert!(good_id(&s.id), "bad id {:?} accepted", s.id);
        assert!(ids.insert(s.id.as_str()), "duplicate id {:?} accepted", s.id);
        assert!(!s.name.trim().is_empty() && !s.areas.is_empty() && !s.steps.is_empty(), "{}: empty field accepted", s.id);
        if let Some(h) = s.hold_seconds {
            assert!(u64::from(h.max) <= BREAK.as_secs(), "{}: a {} s hold accepted for a 120 s break", s.id, h.max);
        }
        let _ = (s.figures(), s.areas_label());
        if stage_bound(s) <= STAGE_LIMIT {
            let stages = routine::lay_out(s, BREAK);
            assert!(!stages.is_empty(), "{}: a routine with no stage", s.id);
            let labels: usize = stages.iter().map(|st| st.label().len()).sum();
            assert!(labels > 0);
        }
    }
    for t in &file.tips {
        assert!(good_id(&t.id), "bad tip id {:?} accepted", t.id);
        assert!(ids.insert(t.id.as_str()), "duplicate id {:?} accepted", t.id);
        assert!(!t.text.trim().is_empty());
    }
    let merged = builtin().with(file);
    let filters = Filters::default();
    let eligible = merged.exercises.iter().filter(|s| rotation::allowed(s, &filters, BREAK)).count();
    let mut r = Rotation::default();
    let mut last: Option<String> = None;
    for _ in 0..12 {
        let Some(s) = r.pick(&merged, &filters, BREAK) else {
            assert_eq!(eligible, 0, "nothing picked from {eligible} eligible stretches");
            break;
        };
        assert!(rotation::allowed(s, &filters, BREAK), "{} picked against the filters", s.id);
        if eligible > 1 {
            assert_ne!(last.as_deref(), Some(s.id.as_str()), "the same stretch twice in a row");
        }
        let id = s.id.clone();
        let _ = r.tip(&merged, s);
        r.advance(&id, &merged);
        last = Some(id);
    }
}

/// `duration::parse`: no panic; what it accepts is whole seconds, at most 7 days, and
/// round-trips through `format`.
pub fn duration(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    match duration::parse(&text) {
        Ok(d) => {
            assert!(d <= LONGEST, "{text:?} gave {d:?}");
            assert_eq!(d.subsec_nanos(), 0);
            assert_eq!(duration::parse(&duration::format(d)), Ok(d), "{text:?} does not round-trip");
            let _ = (duration::human(d), duration::minutes_ceil(d));
        }
        Err(e) => assert!(!e.to_string().is_empty()),
    }
}

/// `control::parse_request`: no panic; an accepted request round-trips as a client would send
/// it, and feeding it to a schedule the way the daemon does keeps the schedule's promises.
pub fn protocol(data: &[u8]) {
    let request = match control::parse_request(data) {
        Ok(r) => r,
        Err(e) => {
            assert!(!e.is_empty(), "an empty error");
            // A line that is not JSON is answered with where it stops being JSON.
            if let Some(why) = e.strip_prefix("not JSON: ") {
                assert!(why.contains(" at line ") && why.contains(" column "), "{e}");
            }
            return;
        }
    };
    assert!(data.len() <= control::MAX_LINE, "an oversized request was accepted");
    let mut value = serde_json::to_value(&request).expect("a request serialises");
    value.as_object_mut().expect("a request is an object").insert("v".into(), control::VERSION.into());
    let line = serde_json::to_vec(&value).expect("json");
    assert_eq!(control::parse_request(&line).as_ref(), Ok(&request), "{}", String::from_utf8_lossy(&line));
    // The daemon's mapping (src/daemon/mod.rs, `answer`), fed to a schedule that is due.
    let command = match request {
        Request::Status | Request::Watch | Request::Quit => return,
        Request::Break => Command::BreakNow,
        Request::Snooze { seconds } => Command::Snooze(seconds.map(Duration::from_secs)),
        Request::Skip => Command::Skip,
        Request::Pause { until_tomorrow: true, .. } => Command::Pause(PauseLength::Until(START + Duration::from_secs(24 * 3600))),
        Request::Pause { seconds: Some(s), .. } => Command::Pause(PauseLength::For(Duration::from_secs(s))),
        Request::Pause { seconds: None, .. } => Command::Pause(PauseLength::UntilResumed),
        Request::Resume => Command::Resume,
    };
    let settings = Settings::default();
    let mut s = Schedule::new(settings.clone(), builtin().clone(), START);
    s.take_effects();
    let mut c = Checker::new(settings, START);
    let due = START + Duration::from_secs(3600);
    c.run_to(&mut s, due);
    c.call(&mut s, due, Input::Command(command));
    c.run_to(&mut s, due + Duration::from_secs(3 * 3600));
}

/// Bytes read as small numbers; an exhausted reader ends the run.
struct Reader<'a> {
    data: &'a [u8],
}

impl Reader<'_> {
    fn byte(&mut self) -> Option<u8> {
        let (&b, rest) = self.data.split_first()?;
        self.data = rest;
        Some(b)
    }

    fn u16(&mut self) -> Option<u16> {
        Some(u16::from_le_bytes([self.byte()?, self.byte()?]))
    }

    fn secs(&mut self) -> Option<Duration> {
        self.u16().map(|s| Duration::from_secs(u64::from(s)))
    }
}

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

/// Settings within what `Settings::parse` accepts (every duration at least 1 s), or the
/// defaults for whatever the bytes do not cover.
fn decode_settings(r: &mut Reader<'_>) -> Settings {
    let mut s = Settings::default();
    let mut set = || -> Option<()> {
        s.sit_limit = secs(1 + u64::from(r.u16()?) % 7200);
        s.break_length = secs(1 + u64::from(r.byte()?) * 2);
        s.remind_again = secs(1 + u64::from(r.u16()?) % 1800);
        s.snooze = secs(1 + u64::from(r.u16()?) % 3600);
        s.max_snoozes = u32::from(r.byte()? % 21);
        let idle = r.byte()?;
        s.set_idle_reset((idle != 0).then(|| secs(u64::from(idle) * 3)));
        Some(())
    };
    let _ = set();
    s
}

/// A catalogue for `Input::Catalogue`: the built-in one, none at all, or a single stretch.
fn decode_catalogue(b: u8) -> Catalogue {
    match b % 3 {
        0 => builtin().clone(),
        1 => Catalogue::default(),
        _ => Catalogue { exercises: builtin().exercises.iter().take(1).cloned().collect(), tips: Vec::new() },
    }
}

/// `LIMBER_FUZZ_TRACE=1`: print every call and its effects (to read a crash reproducer).
fn tracing() -> bool {
    static TRACE: OnceLock<bool> = OnceLock::new();
    *TRACE.get_or_init(|| std::env::var_os("LIMBER_FUZZ_TRACE").is_some())
}

/// At most this many `handle` calls per input, so every input runs in bounded time.
const CALLS: usize = 1_000;

/// The schedule driven by bytes: settings, then a sequence of time steps and inputs, each
/// checked by [`Checker`] the way `tests/schedule_props.rs` and `tests/soak.rs` check it.
pub fn schedule(data: &[u8]) {
    let mut r = Reader { data };
    let settings = decode_settings(&mut r);
    let mut s = Schedule::new(settings.clone(), builtin().clone(), START);
    let mut c = Checker::new(settings, START);
    c.drain(&mut s, START, None);
    let mut now = START;
    while c.calls < CALLS {
        let Some(op) = r.byte() else { break };
        let input = match op % 24 {
            // Time passes; the event loop wakes at every deadline (at most every minute).
            0 => {
                let Some(half_minutes) = r.byte() else { break };
                now = now + secs(u64::from(half_minutes) * 30);
                c.run_to(&mut s, now);
                continue;
            }
            1 => {
                let (Some(a), Some(b)) = (r.byte(), r.byte()) else { break };
                now = now + secs(u64::from(a)) + Duration::from_millis(u64::from(b) * 4);
                c.run_to(&mut s, now);
                continue;
            }
            // The event loop woke late: one tick for everything that came due meanwhile.
            2 => {
                let Some(d) = r.secs() else { break };
                now = now + d;
                Input::Tick
            }
            // Asleep: no tick at all, then the gap the clock adapter found (not always exact).
            3 => {
                let (Some(d), Some(how)) = (r.secs(), r.byte()) else { break };
                now = now + d;
                let length = match how % 4 {
                    0 | 1 => d,
                    2 => d / 2,
                    _ => d * 3,
                };
                Input::Gap { length }
            }
            4 => Input::Activity { idle: r.secs().unwrap_or_default() },
            5 => Input::Activity { idle: Duration::from_millis(u64::from(r.byte().unwrap_or(0)) * 500) },
            6 => Input::AwayBegan,
            7 => Input::AwayEnded,
            8 => Input::Command(Command::BreakNow),
            9 => Input::Command(Command::Snooze(None)),
            10 => Input::Command(Command::Snooze(Some(r.secs().unwrap_or_default()))),
            11 => Input::Command(Command::Skip),
            12 => Input::Command(Command::Pause(PauseLength::For(r.secs().unwrap_or_default() * 2))),
            13 => {
                let back = r.byte().unwrap_or(0) & 1 == 1;
                let d = r.secs().unwrap_or_default();
                Input::Command(Command::Pause(PauseLength::Until(if back { now - d } else { now + d })))
            }
            14 => Input::Command(Command::Pause(PauseLength::UntilResumed)),
            15 => Input::Command(Command::Resume),
            16 => Input::Command(Command::ShowNext),
            17 | 23 => {
                let e = [
                    CardEvent::StartHold,
                    CardEvent::HoldDone,
                    CardEvent::Next,
                    CardEvent::Done,
                    CardEvent::Snooze,
                    CardEvent::Skip,
                    CardEvent::Close,
                ];
                Input::Card(e[usize::from(r.byte().unwrap_or(0)) % e.len()])
            }
            18 => Input::Settings(Box::new(decode_settings(&mut r))),
            19 => Input::Catalogue(Box::new(decode_catalogue(r.byte().unwrap_or(0)))),
            // The wall clock stepped back: the schedule must take it as `now`.
            20 => {
                let d = r.secs().unwrap_or_default();
                s.handle(now - d, Input::Tick);
                c.calls += 1;
                c.drain(&mut s, now, None);
                c.check(&s, now, false);
                continue;
            }
            // limber restarts: save, read back, restore a little later.
            21 => {
                let later = secs(u64::from(r.byte().unwrap_or(0)));
                let json = serde_json::to_string(&s.snapshot()).expect("a snapshot serialises");
                let back: Snapshot = serde_json::from_str(&json).expect("a snapshot reads back");
                assert_eq!(back, s.snapshot());
                now = now + later;
                s = Schedule::restore(c.settings.clone(), s.catalogue().clone(), &back, now);
                c.restarted();
                c.drain(&mut s, now, None);
                c.check(&s, now, false);
                continue;
            }
            // Input arrives a moment after a deadline, before its tick.
            _ => {
                now = now + Duration::from_millis(u64::from(r.u16().unwrap_or(0)));
                Input::Tick
            }
        };
        c.call(&mut s, now, input);
    }
}

/// Checks the schedule's promises around every call, as `tests/schedule_props.rs` does.
pub struct Checker {
    pub settings: Settings,
    pub start: Moment,
    /// The last reminder, by break, with no user command since.
    last_notify: Option<(u64, Moment)>,
    card_open: bool,
    pub calls: usize,
    /// The largest batch of effects one call produced.
    pub peak_effects: usize,
}

impl Checker {
    pub fn new(settings: Settings, start: Moment) -> Checker {
        Checker { settings, start, last_notify: None, card_open: false, calls: 0, peak_effects: 0 }
    }

    /// A restored schedule has no card and has shown no reminder yet.
    fn restarted(&mut self) {
        self.last_notify = None;
        self.card_open = false;
    }

    /// Lets time pass to `t`, waking at every deadline like the event loop.
    pub fn run_to(&mut self, s: &mut Schedule, t: Moment) {
        while let Some(d) = s.next_deadline().filter(|d| *d <= t) {
            if self.calls >= CALLS {
                return;
            }
            self.call(s, d, Input::Tick);
        }
    }

    pub fn call(&mut self, s: &mut Schedule, now: Moment, input: Input) {
        let before = s.status(now);
        if tracing() {
            eprintln!("{:>9.3} {:?} {:?}", now.since(self.start).as_secs_f64(), before.state, input);
        }
        let by_user = matches!(input, Input::Command(_) | Input::Card(_));
        let natural = match &input {
            Input::Activity { idle } => *idle >= self.settings.idle_reset() && before.state != State::OnBreak,
            _ => false,
        };
        // A pause ends at once on Resume, or on a new pause that ends now or earlier.
        let resumes = matches!(input, Input::Command(Command::Resume | Command::Pause(_)));
        if by_user {
            self.last_notify = None;
        }
        if let Input::Settings(new) = &input {
            self.settings = (**new).clone();
            self.last_notify = None;
        }
        s.handle(now, input);
        self.calls += 1;
        self.drain(s, now, Some((&before, by_user, resumes)));
        if natural {
            assert_eq!(s.status(now).sitting, Duration::ZERO, "a natural break resets sitting");
        }
        self.check(s, now, true);
    }

    /// Takes the effects of the last call and checks each against the state before it.
    fn drain(&mut self, s: &mut Schedule, now: Moment, call: Option<(&limber::core::Status, bool, bool)>) {
        let after = s.status(now);
        let effects = s.take_effects();
        if tracing() {
            for e in &effects {
                if !matches!(e, Effect::Status(_) | Effect::Persist(_)) {
                    eprintln!("          -> {e:?}");
                }
            }
            eprintln!("          => {:?} sat {:?} until {:?}", after.state, after.sitting, after.until);
        }
        self.peak_effects = self.peak_effects.max(effects.len());
        assert!(effects.len() <= 64, "{} effects from one call", effects.len());
        for e in effects {
            match e {
                Effect::Notify(r) => {
                    assert_eq!(after.state, State::Due, "a reminder leaves the break due");
                    if let Some((before, by_user, resumes)) = call {
                        if before.state == State::Paused && !resumes {
                            assert!(before.until.is_some_and(|u| u <= now), "reminder during a pause");
                        }
                        if before.state == State::Snoozed && !by_user {
                            assert!(before.until.is_some_and(|u| u <= now), "reminder during a snooze");
                        }
                    }
                    if let Some((id, at)) = self.last_notify
                        && id == r.break_id
                    {
                        assert!(now.since(at) >= self.settings.remind_again, "two reminders within remind_again");
                    }
                    if r.snooze.is_some() {
                        assert!(after.snoozes_left > 0, "snooze offered with none left");
                    }
                    self.last_notify = Some((r.break_id, now));
                }
                Effect::ShowCard(_) => {
                    assert!(!self.card_open, "a second card over an open one");
                    self.card_open = true;
                }
                Effect::CloseCard => {
                    assert!(self.card_open, "closing a card that is not open");
                    self.card_open = false;
                }
                _ => {}
            }
        }
        assert_eq!(after.card_open, self.card_open, "the card the desktop shows is not the schedule's");
    }

    /// What holds after any call.
    fn check(&self, s: &Schedule, now: Moment, exact_now: bool) {
        let st = s.status(now);
        assert!(st.sitting <= now.since(self.start), "more sitting ({:?}) than time passed", st.sitting);
        if let Some(d) = s.next_deadline() {
            assert!(d > now, "deadline in the past");
        }
        if st.state == State::Sitting && st.present && exact_now {
            assert!(st.sitting < self.settings.sit_limit, "a due break was missed: sat {:?}", st.sitting);
            let due = now + (self.settings.sit_limit - st.sitting);
            assert!(s.next_deadline().is_some_and(|d| d <= due), "no wake-up before the break comes due");
        }
        if st.state == State::Due {
            assert_eq!(st.next_break_in, Some(Duration::ZERO));
        }
    }
}
