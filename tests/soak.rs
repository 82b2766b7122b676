//! A simulated month: the real schedule driven the way the daemon's event loop drives it (wake
//! at `next_deadline()`, feed `Input::Tick`), over weeks of working days of a made-up but
//! plausible person who types, reads, walks away, locks the screen, closes the lid, pauses,
//! snoozes, skips and takes breaks with the card. Every promise of the schedule is checked
//! after every call, the history it writes is tallied against what the person did, and its
//! size is watched for growth over the days.
//!
//! The person is drawn from a small deterministic generator seeded with [`SEED`], so a failure
//! replays exactly; its message names the seed, the working day and the time of day.
//! `LIMBER_SOAK_SEED=<n> cargo test --test soak -- --nocapture` tries another person.

use limber::core::catalogue::Catalogue;
use limber::core::rotation::Rotation;
use limber::core::routine::{CardView, Task};
use limber::core::schedule::{CardEvent, Command, Effect, EventKind, Input, PauseLength, SavedPhase, Snapshot};
use limber::core::status::{State, Status};
use limber::core::{Moment, Schedule, Settings};
use std::collections::BTreeSet;
use std::time::{Duration, Instant};

/// The person simulated by default.
const SEED: u64 = 20_251_117;

/// Monday 2025-11-17 00:00 UTC.
const MONDAY: u64 = 1_763_337_600;

/// The defaults (an hour's sitting, a 2-minute break, reminded every 5 minutes, 3 snoozes of
/// 10 minutes) with idle_reset apart from break_length, so both thresholds are exercised.
const SETTINGS: &str = r#"{"idle_reset": "4m"}"#;

/// No single call may hand the desktop more effects than this.
const EFFECTS_CAP: usize = 16;

/// Where a run is, worked out only when a check fails and prints it.
struct When<'a>(&'a Soak);

impl std::fmt::Display for When<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0.when())
    }
}

/// SplitMix64: small, fast and the same everywhere.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A whole number in `lo..=hi`.
    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next() % (hi - lo + 1)
    }

    fn secs(&mut self, lo: u64, hi: u64) -> Duration {
        Duration::from_secs(self.range(lo, hi))
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

fn mins(m: u64) -> Duration {
    Duration::from_secs(m * 60)
}

/// What the person does about a reminder, a little while after it shows.
#[derive(Debug, Clone, Copy)]
enum Reaction {
    Start,
    Snooze,
    Skip,
    Ignore,
    WalkAway,
}

/// What the person is doing at the desk between episodes.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Mode {
    /// Typing and clicking: every idle sample is a few seconds.
    Work,
    /// Reading: no input, but for less than idle_reset.
    Read,
    /// Gone from the desk, screen left unlocked.
    Away,
}

/// How the machine spent the night.
#[derive(Debug, Clone, Copy)]
enum Night {
    /// Locked and suspended at this moment.
    Suspended(Moment),
    /// Locked, left running.
    Locked,
}

/// Events of each kind in the history, in `EventKind` order.
const KINDS: [EventKind; 7] = [
    EventKind::Due,
    EventKind::Taken,
    EventKind::Natural,
    EventKind::Skipped,
    EventKind::Snoozed,
    EventKind::Paused,
    EventKind::Resumed,
];

fn index(k: EventKind) -> usize {
    KINDS.iter().position(|x| *x == k).unwrap()
}

#[derive(Debug, Default, Clone, PartialEq)]
struct Tally {
    days: u64,
    inputs: u64,
    ticks: u64,
    reminders: u64,
    /// Breaks (by id) that had a first reminder.
    reminded: u64,
    /// Of those, breaks first reminded with no Due record (see `check_history`).
    reminded_without_due: u64,
    /// Of those, breaks that came due later (a pause over them, resumed).
    due_after_reminder: u64,
    /// History records by kind.
    records: [u64; 7],
    /// What the history should hold, worked out from the calls.
    want_skipped: u64,
    want_snoozed: u64,
    want_paused: u64,
    want_resumed: u64,
    pauses_ended_by_break: u64,
    want_taken: u64,
    breaks_started: u64,
    breaks_skipped: u64,
    breaks_snoozed: u64,
    /// Bounds on the natural breaks: absences that must each give one (locks, lid closes and
    /// nights at least a break long, begun while not on a break), and absences of any kind.
    natural_at_least: u64,
    natural_at_most: u64,
    peak_effects: usize,
    peak_snapshot: usize,
}

struct Soak {
    seed: u64,
    rng: Rng,
    settings: Settings,
    s: Schedule,
    now: Moment,
    start: Moment,
    day: u64,
    /// When the person last came back from a break-long absence: sitting cannot exceed it.
    back_since: Moment,
    /// What the current call is, for failure messages.
    doing: Input,
    // What the desktop shows and what the checks remember.
    card: Option<CardView>,
    last_notify: Option<(u64, Moment)>,
    reminded: BTreeSet<u64>,
    /// Breaks with a Due record.
    due: BTreeSet<u64>,
    /// The break on now was started during a pause, which it goes back to.
    break_in_pause: bool,
    // The person.
    mode: Mode,
    mode_ends: Moment,
    last_input: Moment,
    next_sample: Moment,
    react: Option<(Moment, Reaction)>,
    card_at: Option<Moment>,
    resume_at: Option<Moment>,
    night: Night,
    t: Tally,
    /// The status after the last call.
    status: Status,
    /// `LIMBER_SOAK_TRACE=1`: print every call.
    trace: bool,
    /// Snapshot and `Debug` sizes at the end of each day (the latter with no card open).
    snapshot_sizes: Vec<usize>,
    debug_sizes: Vec<usize>,
}

impl Soak {
    fn new(seed: u64) -> Soak {
        let settings = Settings::parse("soak", SETTINGS).unwrap();
        let start = Moment::from_secs(MONDAY + 8 * 3600 + 30 * 60);
        let mut s = Schedule::new(settings.clone(), Catalogue::builtin(), start);
        s.take_effects();
        let status = s.status(start);
        Soak {
            status,
            seed,
            rng: Rng(seed),
            settings,
            s,
            now: start,
            start,
            day: 0,
            back_since: start,
            doing: Input::Tick,
            card: None,
            last_notify: None,
            reminded: BTreeSet::new(),
            due: BTreeSet::new(),
            break_in_pause: false,
            mode: Mode::Work,
            mode_ends: start,
            last_input: start,
            next_sample: start,
            react: None,
            card_at: None,
            resume_at: None,
            night: Night::Locked,
            t: Tally::default(),
            trace: std::env::var_os("LIMBER_SOAK_TRACE").is_some(),
            snapshot_sizes: Vec::new(),
            debug_sizes: Vec::new(),
        }
    }

    /// Where the run is, for failure messages: enough to replay it.
    fn when(&self) -> String {
        let secs = self.now.as_millis() / 1000 - MONDAY;
        let (cal, s) = (secs / 86_400, secs % 86_400);
        let weekday = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"][(cal % 7) as usize];
        format!(
            "seed {}, working day {} ({weekday} of week {}), {:02}:{:02}:{:02}, {:?}",
            self.seed,
            self.day + 1,
            cal / 7 + 1,
            s / 3600,
            s % 3600 / 60,
            s % 60,
            self.doing
        )
    }

    /// The event loop: wakes at every deadline up to `t`, then it is `t`.
    fn run_to(&mut self, t: Moment) {
        while let Some(d) = self.s.next_deadline() {
            assert!(d > self.now, "{}: deadline not after now", self.when());
            if d > t {
                break;
            }
            self.now = d;
            self.t.ticks += 1;
            self.call(Input::Tick);
        }
        self.now = self.now.max(t);
    }

    /// One call to the schedule, checked.
    fn call(&mut self, input: Input) {
        let now = self.now;
        if !matches!(input, Input::Tick) {
            self.t.inputs += 1;
        }
        self.doing = input.clone();
        // Only `handle` changes the state, so the status after the last call is the state
        // before this one (its sitting time aside, which is not used here).
        let before = self.status.clone();
        let card_before = self.card.clone();
        let by_user = matches!(input, Input::Command(_) | Input::Card(_));
        let real_card = card_before.as_ref().is_some_and(|c| !c.preview);
        let skip = matches!(input, Input::Command(Command::Skip)) || (input == Input::Card(CardEvent::Skip) && real_card);
        let snooze =
            matches!(input, Input::Command(Command::Snooze(_))) || (input == Input::Card(CardEvent::Snooze) && real_card);
        let pause = matches!(input, Input::Command(Command::Pause(_)));
        let resume = matches!(input, Input::Command(Command::Resume));
        let break_now = matches!(input, Input::Command(Command::BreakNow));
        let may_be_natural = matches!(input, Input::Activity { .. } | Input::AwayEnded | Input::Gap { .. });
        if by_user {
            self.last_notify = None;
        }
        self.s.handle(now, input);
        let mut effects = self.s.take_effects();
        // The simulated user is not typing when a reminder is about to show: the watch for a
        // pause in typing is answered at once, within the same call.
        if effects.iter().any(|e| matches!(e, Effect::WatchTyping(Some(_)))) {
            self.s.handle(now, Input::Typing { idle: Some(std::time::Duration::from_secs(3600)) });
            effects.extend(self.s.take_effects());
        }
        let after = self.s.status(now);
        if self.trace {
            let records: Vec<String> = effects
                .iter()
                .filter_map(|e| match e {
                    Effect::Record(r) => Some(format!("{:?}", r.kind)),
                    Effect::Notify(r) => Some(format!("notify #{} repeat {}", r.break_id, r.repeat)),
                    _ => None,
                })
                .collect();
            eprintln!("{}: {:?} -> {:?} sat {}s {records:?}", self.when(), before.state, after.state, after.sitting.as_secs());
        }
        self.t.peak_effects = self.t.peak_effects.max(effects.len());
        assert!(effects.len() <= EFFECTS_CAP, "{}: {} effects from one call", self.when(), effects.len());
        let mut got = [0u64; 7];
        let mut first_reminder = None;
        let mut reminded = None;
        for e in effects {
            match e {
                Effect::Notify(r) => {
                    let w = When(self);
                    assert_eq!(after.state, State::Due, "{w}: a reminder that leaves the break not due");
                    if before.state == State::Paused {
                        assert!(resume || before.until.is_some_and(|u| u <= now), "{w}: a reminder during a pause");
                    }
                    if before.state == State::Snoozed {
                        assert!(before.until.is_some_and(|u| u <= now), "{w}: a reminder during a snooze");
                    }
                    if let Some((id, at)) = self.last_notify
                        && id == r.break_id
                    {
                        assert!(
                            now.since(at) >= self.settings.remind_again,
                            "{w}: break {id} reminded again after {:?}",
                            now.since(at)
                        );
                    }
                    assert_eq!(r.snooze.is_some(), after.snoozes_left > 0, "{w}: snooze offered wrongly");
                    self.last_notify = Some((r.break_id, now));
                    self.t.reminders += 1;
                    if r.repeat == 0 {
                        reminded = Some(r.break_id);
                    }
                    if r.repeat == 0 && self.reminded.insert(r.break_id) {
                        self.t.reminded += 1;
                        first_reminder = Some(r.break_id);
                    }
                    if self.react.is_none() {
                        self.plan_reaction(r.snooze.is_some());
                    }
                }
                Effect::ShowCard(v) => {
                    assert!(self.card.is_none(), "{}: a second card over an open one", self.when());
                    self.card = Some(v);
                }
                Effect::UpdateCard(v) => {
                    assert!(self.card.is_some(), "{}: updating a card that is not open", self.when());
                    self.card = Some(v);
                }
                Effect::CloseCard => {
                    assert!(self.card.take().is_some(), "{}: closing a card that is not open", self.when());
                }
                Effect::Record(ev) => {
                    assert_eq!(ev.at, now, "{}: a record not stamped now", self.when());
                    got[index(ev.kind)] += 1;
                }
                Effect::Persist(snap) => assert_eq!(snap.at, now, "{}: a snapshot not of now", self.when()),
                _ => {}
            }
        }
        assert_eq!(after.card_open, self.card.is_some(), "{}: the shown card is not the schedule's", self.when());

        // The history written by this call, against what the call did.
        let w = When(self);
        let count = |k: EventKind| got[index(k)];
        let skipped = skip && before.state != State::Paused;
        let snoozed = snooze && before.state != State::Snoozed && after.state == State::Snoozed;
        let paused = pause && before.state != State::OnBreak;
        // A break started during a pause does not end it: the pause comes back after the
        // break, or, if it ran out meanwhile, ends then with a Resumed record.
        let break_from_pause = break_now && before.state == State::Paused && after.state == State::OnBreak;
        let break_ended = before.state == State::OnBreak && after.state != State::OnBreak;
        let pause_ended = before.state == State::Paused && after.state != State::Paused && !break_from_pause;
        let pause_broken =
            break_ended && self.break_in_pause && after.state == State::Sitting && got[index(EventKind::Resumed)] == 0;
        let resumed = pause_ended || (break_ended && self.break_in_pause && after.state != State::Paused);
        let break_in_pause = if break_from_pause { true } else { self.break_in_pause && !break_ended };
        // Snoozing a break opened during a pause goes back to the pause: put off, not taken.
        let put_off_in_pause = break_ended && snooze && self.break_in_pause;
        let taken = break_ended && !skipped && !snoozed && !put_off_in_pause;
        let started = break_now && before.state != State::OnBreak;
        assert_eq!(count(EventKind::Skipped), u64::from(skipped), "{w}: skipped records");
        assert_eq!(count(EventKind::Snoozed), u64::from(snoozed), "{w}: snoozed records");
        assert_eq!(count(EventKind::Paused), u64::from(paused), "{w}: paused records");
        assert_eq!(count(EventKind::Resumed), u64::from(resumed), "{w}: resumed records");
        assert_eq!(count(EventKind::Taken), u64::from(taken), "{w}: taken records");
        // A Due record comes with a reminder, once per break.
        assert!(count(EventKind::Due) <= 1, "{w}: two due records");
        let mut without_due = false;
        let mut due_later = false;
        if count(EventKind::Due) == 1 {
            let id = reminded.unwrap_or_else(|| panic!("{w}: a due record without a reminder"));
            assert!(!self.due.contains(&id), "{w}: break {id} came due twice");
            due_later = first_reminder.is_none();
        } else if let Some(id) = first_reminder {
            // The one way a break is first reminded with no Due record today: it was snoozed
            // before it came due (ahead of time from the tray, or from the card of a break
            // started early) and the snooze ran out.
            assert_eq!(before.state, State::Snoozed, "{w}: break {id} first reminded with no due record");
            without_due = true;
        }

        assert!(count(EventKind::Natural) <= u64::from(may_be_natural), "{w}: a natural break from this input");
        if count(EventKind::Natural) == 1 {
            assert_eq!(after.sitting, Duration::ZERO, "{w}: a natural break leaves sitting time");
        }
        if started {
            assert_eq!(after.state, State::OnBreak, "{w}: break now did not start a break");
        }
        if count(EventKind::Due) == 1
            && let Some(id) = reminded
        {
            self.due.insert(id);
        }
        self.t.reminded_without_due += u64::from(without_due);
        self.t.due_after_reminder += u64::from(due_later);
        self.t.want_skipped += u64::from(skipped);
        self.t.want_snoozed += u64::from(snoozed);
        self.t.want_paused += u64::from(paused);
        self.t.want_resumed += u64::from(resumed);
        self.t.pauses_ended_by_break += u64::from(pause_broken);
        self.break_in_pause = break_in_pause;
        self.t.want_taken += u64::from(taken);
        self.t.breaks_started += u64::from(started);
        self.t.breaks_skipped += u64::from(break_ended && skipped);
        self.t.breaks_snoozed += u64::from((break_ended && snoozed) || put_off_in_pause);
        for (total, n) in self.t.records.iter_mut().zip(got) {
            *total += n;
        }
        self.check(&after);
        self.status = after;
    }

    /// What holds after every call.
    fn check(&self, st: &Status) {
        let w = When(self);
        let now = self.now;
        assert!(st.sitting <= now.since(self.start), "{w}: more sitting than time passed");
        assert!(st.sitting <= now.since(self.back_since), "{w}: sitting {:?} runs from before the person came back", st.sitting);
        let deadline = self.s.next_deadline();
        if let Some(d) = deadline {
            assert!(d > now, "{w}: a deadline in the past");
        }
        if st.state == State::Sitting && st.present {
            assert!(st.sitting < self.settings.sit_limit, "{w}: a due break was missed (sat {:?})", st.sitting);
            let due = now + (self.settings.sit_limit - st.sitting);
            assert!(deadline.is_some_and(|d| d <= due), "{w}: no wake-up before the break comes due");
        }
        if st.state == State::Due {
            assert_eq!(st.next_break_in, Some(Duration::ZERO), "{w}");
        }
    }

    fn plan_reaction(&mut self, can_snooze: bool) {
        let delay = self.rng.secs(3, 240);
        let roll = self.rng.range(0, 99);
        let reaction = match roll {
            0..=39 => Reaction::Start,
            40..=54 if can_snooze => Reaction::Snooze,
            40..=54 => Reaction::Start,
            55..=62 => Reaction::Skip,
            63..=79 => Reaction::Ignore,
            _ => Reaction::WalkAway,
        };
        self.react = Some((self.now + delay, reaction));
    }

    /// An idle sample as the idle detector would report it.
    fn sample(&mut self) {
        if self.mode == Mode::Work {
            let recent = self.now - self.rng.secs(0, 20);
            self.last_input = self.last_input.max(recent);
        }
        let idle = self.now.since(self.last_input);
        self.call(Input::Activity { idle });
        self.next_sample = self.now + self.rng.secs(30, 60);
    }

    /// The person touches the machine: a card click, a command, coming back.
    fn touch(&mut self) {
        self.last_input = self.now;
    }

    fn command(&mut self, c: Command) {
        self.touch();
        self.call(Input::Command(c));
    }

    fn card_event(&mut self, e: CardEvent) {
        self.touch();
        self.call(Input::Card(e));
    }

    /// Comes back to the desk: the sampler sees the input at once.
    fn come_back(&mut self) {
        if self.mode == Mode::Away {
            self.mode = Mode::Work;
            self.touch();
            self.sample();
        }
    }

    /// An absence that may count as a natural break.
    fn absence(&mut self, length: Duration) {
        self.t.natural_at_most += 1;
        if length >= self.settings.break_length && self.s.status(self.now).state != State::OnBreak {
            self.t.natural_at_least += 1;
        }
    }

    /// Back from a lock or a sleep of `length`: one a break long starts sitting afresh.
    fn back(&mut self, length: Duration) {
        self.touch();
        if length >= self.settings.break_length {
            self.back_since = self.now;
        }
        self.next_sample = self.now + self.rng.secs(1, 30);
    }

    /// Locks the screen for `length`; the machine keeps running.
    fn lock(&mut self, length: Duration) {
        self.come_back();
        self.absence(length);
        self.touch();
        self.call(Input::AwayBegan);
        let until = self.now + length;
        self.run_to(until);
        self.call(Input::AwayEnded);
        self.back(length);
    }

    /// Closes the lid for `length`: no tick runs, then the clock adapter reports the gap.
    fn suspend(&mut self, length: Duration, locks: bool) {
        self.come_back();
        self.absence(length);
        self.touch();
        if locks {
            self.call(Input::AwayBegan);
        }
        self.now = self.now + length;
        self.call(Input::Gap { length });
        if locks {
            self.call(Input::AwayEnded);
        }
        self.back(length);
    }

    /// The person works the card the way its current stage asks.
    fn drive_card(&mut self) {
        self.card_at = None;
        let Some(view) = self.card.clone() else { return };
        if view.preview {
            match self.rng.range(0, 9) {
                0..=4 => self.card_event(CardEvent::Close),
                5..=7 => self.card_event(CardEvent::Next),
                _ => self.card_event(CardEvent::Done),
            }
        } else {
            match self.rng.range(0, 99) {
                0..=3 => self.card_event(CardEvent::Close),
                4..=6 => self.card_event(CardEvent::Skip),
                7..=9 => self.card_event(CardEvent::Snooze),
                _ => match view.task {
                    Task::Hold { seconds } => match view.hold_ends_at {
                        None => {
                            self.card_event(CardEvent::StartHold);
                            // Waits for the cue, or ends the hold early now and then.
                            let wait =
                                if self.rng.chance(15) { self.rng.range(1, u64::from(seconds)) } else { u64::from(seconds) + 2 };
                            self.card_at = Some(self.now + secs(wait));
                        }
                        Some(_) => self.card_event(CardEvent::HoldDone),
                    },
                    Task::Reps { count } => {
                        let n = count.map_or(6, |c| u64::from(c.max));
                        self.run_to(self.now + secs(n * 4));
                        if self.card.is_some() {
                            self.card_event(CardEvent::Next);
                        }
                    }
                    Task::Walk => {
                        // Walks until the break ends, or says done early now and then.
                        if self.rng.chance(20) {
                            let until = self.now + self.rng.secs(10, 40);
                            self.run_to(until);
                            if self.card.is_some() {
                                self.card_event(CardEvent::Done);
                            }
                        } else {
                            self.t.natural_at_most += 1;
                            self.mode = Mode::Away;
                            self.mode_ends = self.now + self.settings.break_length + self.rng.secs(0, 30);
                        }
                    }
                },
            }
        }
        if self.card.is_some() && self.card_at.is_none() && self.mode != Mode::Away {
            self.card_at = Some(self.now + self.rng.secs(2, 8));
        }
    }

    fn react(&mut self, reaction: Reaction) {
        match reaction {
            Reaction::Start => {
                self.come_back();
                self.command(Command::BreakNow);
                self.card_at = self.card.as_ref().map(|_| self.now + self.rng.secs(2, 10));
            }
            Reaction::Snooze if self.card.as_ref().is_some_and(|c| !c.preview) => self.card_event(CardEvent::Snooze),
            Reaction::Snooze => self.command(Command::Snooze(None)),
            Reaction::Skip => self.command(Command::Skip),
            Reaction::Ignore => {}
            Reaction::WalkAway => {
                let length = self.settings.idle_reset() + self.rng.secs(10, 12 * 60);
                self.walk_away(length);
            }
        }
    }

    /// Leaves the desk without locking; the idle samples notice (or, for a short absence
    /// between two samples, may not).
    fn walk_away(&mut self, length: Duration) {
        self.come_back();
        self.t.natural_at_most += 1;
        self.mode = Mode::Away;
        self.mode_ends = self.now + length;
    }

    /// What the person does next once the current stretch of work, reading or absence ends.
    fn next_mode(&mut self) {
        self.come_back();
        let roll = self.rng.range(0, 999);
        match roll {
            0..=549 => {
                self.mode = Mode::Work;
                self.mode_ends = self.now + self.rng.secs(5 * 60, 40 * 60);
            }
            550..=699 => {
                self.mode = Mode::Read;
                self.mode_ends = self.now + self.rng.secs(30, self.settings.idle_reset().as_secs() - 30);
            }
            700..=779 => {
                let length = self.rng.secs(20, self.settings.idle_reset().as_secs() - 20);
                self.walk_away(length);
            }
            780..=849 => {
                let length = self.settings.idle_reset() + self.rng.secs(0, 15 * 60);
                self.walk_away(length);
            }
            850..=899 => {
                let length = self.rng.secs(30, 10 * 60);
                self.lock(length);
            }
            900..=929 => {
                let length = if self.rng.chance(20) { self.rng.secs(20, 90) } else { self.rng.secs(20 * 60, 90 * 60) };
                let locks = self.rng.chance(70);
                self.suspend(length, locks);
            }
            930..=959 => {
                let length = match self.rng.range(0, 9) {
                    0..=4 => PauseLength::For(self.rng.secs(20 * 60, 90 * 60)),
                    5..=6 => {
                        let hour = (self.now.as_millis() / 3_600_000 + 1) * 3600;
                        PauseLength::Until(Moment::from_secs(hour + self.rng.range(0, 1) * 1800))
                    }
                    _ => {
                        self.resume_at = Some(self.now + self.rng.secs(10 * 60, 120 * 60));
                        PauseLength::UntilResumed
                    }
                };
                self.command(Command::Pause(length));
            }
            960..=974 => {
                self.command(Command::BreakNow);
                self.card_at = self.card.as_ref().map(|_| self.now + self.rng.secs(2, 10));
            }
            975..=989 => {
                self.command(Command::ShowNext);
                self.card_at = self.card.as_ref().map(|_| self.now + self.rng.secs(3, 20));
            }
            _ => {
                let length = if self.rng.chance(50) { None } else { Some(self.rng.secs(5 * 60, 30 * 60)) };
                self.command(Command::Snooze(length));
            }
        }
        if self.mode_ends <= self.now {
            self.mode = Mode::Work;
            self.mode_ends = self.now + self.rng.secs(5 * 60, 30 * 60);
        }
    }

    /// One working day, from the morning wake to the evening lock.
    fn working_day(&mut self, cal: u64) {
        let midnight = Moment::from_secs(MONDAY + cal * 86_400);
        let wake = midnight + mins(8 * 60 + 30) + self.rng.secs(0, 25 * 60);
        if self.day == 0 {
            self.run_to(wake);
        } else {
            match self.night {
                Night::Suspended(at) => {
                    self.now = wake;
                    self.call(Input::Gap { length: wake.since(at) });
                }
                Night::Locked => self.run_to(wake),
            }
            self.call(Input::AwayEnded);
            self.back_since = self.now;
        }
        self.mode = Mode::Work;
        self.mode_ends = self.now + self.rng.secs(5 * 60, 30 * 60);
        self.touch();
        self.sample();
        let lunch = midnight + mins(12 * 60) + self.rng.secs(0, 90 * 60);
        let mut lunched = false;
        let end = midnight + mins(17 * 60 + 40) + self.rng.secs(0, 50 * 60);
        loop {
            let mut t = self.next_sample.min(self.mode_ends);
            for at in [self.react.map(|r| r.0), self.card_at, self.resume_at, (!lunched).then_some(lunch)].into_iter().flatten() {
                t = t.min(at);
            }
            if t >= end {
                break;
            }
            self.run_to(t);
            if let Some((at, r)) = self.react
                && at <= self.now
            {
                self.react = None;
                self.react(r);
            } else if self.card_at.is_some_and(|at| at <= self.now) {
                self.drive_card();
            } else if self.resume_at.is_some_and(|at| at <= self.now) {
                self.resume_at = None;
                self.command(Command::Resume);
            } else if !lunched && lunch <= self.now {
                lunched = true;
                let length = self.rng.secs(30 * 60, 60 * 60);
                self.lock(length);
            } else if self.mode_ends <= self.now {
                self.next_mode();
            } else {
                self.sample();
            }
        }
        self.run_to(end);
        // The evening: lock, and most nights close the lid.
        self.come_back();
        self.touch();
        self.t.natural_at_most += 1;
        if self.s.status(self.now).state != State::OnBreak {
            self.t.natural_at_least += 1;
        }
        self.call(Input::AwayBegan);
        self.react = None;
        self.card_at = None;
        self.night = if self.rng.chance(80) { Night::Suspended(self.now) } else { Night::Locked };
        self.t.days += 1;
        self.day += 1;
        self.measure();
    }

    /// Sizes that must not grow with the days.
    fn measure(&mut self) {
        let snapshot = serde_json::to_string(&self.s.snapshot()).unwrap().len();
        self.t.peak_snapshot = self.t.peak_snapshot.max(snapshot);
        self.snapshot_sizes.push(snapshot);
        if self.card.is_none() {
            self.debug_sizes.push(format!("{:?}", self.s).len());
        }
    }

    /// Runs `days` working days, Monday to Friday, from where the run stands.
    fn run(&mut self, days: u64) {
        let target = self.day + days;
        while self.day < target {
            let cal = self.day / 5 * 7 + self.day % 5;
            self.working_day(cal);
        }
    }

    /// The history against what was fed and seen, over the whole run so far.
    fn check_history(&self) {
        let t = &self.t;
        let r = |k: EventKind| t.records[index(k)];
        let on_break_now = u64::from(self.s.status(self.now).state == State::OnBreak);
        let at = format!("seed {}, after {} working days", self.seed, t.days);
        assert_eq!(r(EventKind::Skipped), t.want_skipped, "{at}: skipped records vs accepted skips");
        assert_eq!(r(EventKind::Snoozed), t.want_snoozed, "{at}: snoozed records vs accepted snoozes");
        assert_eq!(r(EventKind::Paused), t.want_paused, "{at}: paused records vs accepted pauses");
        assert_eq!(r(EventKind::Resumed), t.want_resumed, "{at}: resumed records vs pauses that ended");
        assert_eq!(r(EventKind::Taken), t.want_taken, "{at}: taken records vs breaks that ran to their end");
        assert_eq!(
            t.breaks_started,
            r(EventKind::Taken) + t.breaks_skipped + t.breaks_snoozed + on_break_now,
            "{at}: every break started is taken, skipped or snoozed"
        );
        // A break comes due once, with its first reminder, however often it is reminded or
        // paused over, and also when it was snoozed before it came due.
        assert_eq!(r(EventKind::Due), self.due.len() as u64, "{at}: due records vs breaks that came due");
        assert_eq!(
            r(EventKind::Due) + t.reminded_without_due,
            t.reminded + t.due_after_reminder,
            "{at}: due records vs breaks that got a first reminder"
        );
        let natural = r(EventKind::Natural);
        assert!(
            (t.natural_at_least..=t.natural_at_most).contains(&natural),
            "{at}: {natural} natural breaks, expected {} to {}",
            t.natural_at_least,
            t.natural_at_most
        );
    }
}

fn summary(t: &Tally, elapsed: Duration, seed: u64) -> String {
    let r = |k: EventKind| t.records[index(k)];
    format!(
        "soak seed {seed}: {} days, {} inputs + {} ticks, {} reminders for {} breaks ({} due), breaks taken {} / natural {} / skipped {} / snoozed {}, {} pauses, peak {} effects per call, snapshot <= {} B, {:.2} s",
        t.days,
        t.inputs,
        t.ticks,
        t.reminders,
        t.reminded,
        r(EventKind::Due),
        r(EventKind::Taken),
        r(EventKind::Natural),
        r(EventKind::Skipped),
        r(EventKind::Snoozed),
        r(EventKind::Paused),
        t.peak_effects,
        t.peak_snapshot,
        elapsed.as_secs_f64()
    )
}

fn seed() -> u64 {
    std::env::var("LIMBER_SOAK_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(SEED)
}

#[test]
fn a_simulated_month() {
    let seed = seed();
    let clock = Instant::now();
    let mut soak = Soak::new(seed);
    soak.run(30);
    soak.check_history();
    let month = soak.t.clone();
    println!("{}", summary(&month, clock.elapsed(), seed));

    let t = &soak.t;
    assert!(t.days == 30 && t.inputs > 15_000 && t.ticks > 10_000, "the month ran: {t:?}");
    for (k, n) in KINDS.iter().zip(t.records) {
        assert!(n > 0, "a month with no {k:?} record: the simulated person is too tame");
    }
    // Every break reminded comes due in the history, and a break during a pause goes back
    // to the pause: both were wrong once, and the counters keep watch.
    assert_eq!(t.reminded_without_due, 0, "a reminder with no due record");
    assert_eq!(t.pauses_ended_by_break, 0, "a break ended a pause");

    // Nothing the schedule keeps grows with the days.
    let bound = largest_snapshot();
    let sizes = &soak.snapshot_sizes;
    assert!(sizes.iter().all(|n| *n <= bound), "snapshots of {sizes:?} bytes, beyond the {bound} any can take");
    // The bound above is the guarantee; this only catches a trend. Medians wander by a few
    // dozen bytes with the stretch id, the phase and the counters' digits.
    let (first, last) = (median(&sizes[..10]), median(&sizes[20..]));
    assert!(last <= first + 48, "the snapshot grows: {first} B in the first 10 days, {last} B in the last 10");
    let debug = &soak.debug_sizes;
    let (first, last) = (median(&debug[..debug.len() / 3]), median(&debug[debug.len() * 2 / 3..]));
    // Debug output holds the whole catalogue (~15 KB); counters and ids shift it a little.
    assert!(last <= first + 128, "the schedule grows: {first} B at first, {last} B at the end");
}

/// The largest a snapshot can serialise to: every number at its widest, the longest
/// stretch id, the longest phase. A snapshot holds nothing that could grow past this.
fn largest_snapshot() -> usize {
    let longest = Catalogue::builtin().exercises.into_iter().map(|s| s.id).max_by_key(String::len).unwrap();
    let widest = Moment::from_millis(u64::MAX);
    let snapshot = Snapshot {
        version: u32::MAX,
        at: widest,
        sat_ms: u64::MAX,
        present: false,
        phase: SavedPhase::Snoozed { until: widest },
        snoozes_used: u32::MAX,
        rotation: Rotation { turn: u64::MAX, last: Some(longest), last_tip: None },
        reading: true,
    };
    serde_json::to_string(&snapshot).unwrap().len()
}

fn median(xs: &[usize]) -> usize {
    let mut xs = xs.to_vec();
    xs.sort_unstable();
    xs[xs.len() / 2]
}

#[test]
fn ninety_days_need_no_more_than_thirty() {
    let seed = seed();
    let clock = Instant::now();
    let mut soak = Soak::new(seed);
    soak.run(30);
    let month = soak.t.clone();
    let (month_sizes, month_debug) = (soak.snapshot_sizes.clone(), soak.debug_sizes.clone());
    soak.run(60);
    soak.check_history();
    println!("{}", summary(&soak.t, clock.elapsed(), seed));
    let t = &soak.t;
    assert!(
        t.peak_effects <= month.peak_effects + 2,
        "peak effects per call grew from {} in 30 days to {} in 90",
        month.peak_effects,
        t.peak_effects
    );
    let bound = largest_snapshot();
    assert!(soak.snapshot_sizes.iter().all(|n| *n <= bound), "a snapshot beyond the {bound} bytes any can take");
    let (month, last) = (median(&month_sizes), median(&soak.snapshot_sizes[60..]));
    assert!(last <= month + 16, "the snapshot grew from {month} B in the first month to {last} B in the third");
    let (month, last) = (median(&month_debug), median(&soak.debug_sizes[soak.debug_sizes.len() - month_debug.len()..]));
    assert!(last <= month + 32, "the schedule grew from {month} B in the first month to {last} B in the third");
}
