//! The sitting-time schedule: a state machine fed the time and what happened, returning what
//! the desktop should do and when it next needs to be woken.
//!
//! Use: call [`Schedule::handle`] with the current [`Moment`] and an [`Input`] (a [`Input::Tick`]
//! when nothing happened but a deadline passed), drain [`Schedule::take_effects`], and sleep
//! until [`Schedule::next_deadline`]. The schedule never looks at a clock itself.

use super::catalogue::Catalogue;
use super::duration;
use super::hours;
use super::interrupt::{Call, TypingWait};
use super::moment::Moment;
use super::rotation::Rotation;
use super::routine::{Card, CardView};
use super::settings::Settings;
use super::status::{NextStretch, State, Status};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// Something that happened, fed to [`Schedule::handle`].
#[derive(Debug, Clone, PartialEq)]
pub enum Input {
    /// Time passed; nothing else.
    Tick,
    /// A sample from the idle detector: no keyboard or mouse input for `idle`.
    Activity {
        idle: Duration,
    },
    /// The screen locked or the machine is about to sleep.
    AwayBegan,
    /// The screen unlocked or the machine woke up.
    AwayEnded,
    /// Found after the fact: the last `length` before now the machine was asleep or the
    /// clock jumped.
    Gap {
        length: Duration,
    },
    /// What the desktop says about interrupting the user right now.
    Quiet(Quiet),
    /// From the input watch asked for with [`Effect::WatchTyping`]: no keyboard or mouse
    /// input for `idle`; `None`: this desktop cannot tell.
    Typing {
        idle: Option<Duration>,
    },
    /// The local time zone's offset from UTC changed (daylight saving time, travel), in
    /// seconds east of UTC. Working hours are in local time.
    Offset(i32),
    Command(Command),
    Card(CardEvent),
    Settings(Box<Settings>),
    Catalogue(Box<Catalogue>),
}

/// The desktop's reasons not to interrupt, as its adapters see them. Which of them hold a
/// reminder back is the user's setting (`quiet_when`); the adapters only report.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Quiet {
    /// The active window covers the screen (a video, a presentation, a game).
    pub fullscreen: bool,
    /// The desktop's do-not-disturb is on.
    pub do_not_disturb: bool,
    /// One of the `quiet_when.apps` is running, by process name.
    pub app: Option<String>,
    /// A capture stream records from a real input (not a monitor of the speakers).
    pub microphone: bool,
    /// A camera device is open.
    pub camera: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    BreakNow,
    /// Snooze by the given length, or the configured one.
    Snooze(Option<Duration>),
    Skip,
    Pause(PauseLength),
    Resume,
    /// Show the next stretch on a card without starting a break.
    ShowNext,
    /// Reading mode on or off: time without input counts as sitting.
    Reading(bool),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PauseLength {
    For(Duration),
    Until(Moment),
    UntilResumed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CardEvent {
    StartHold,
    /// The user ends the running hold early.
    HoldDone,
    Next,
    Done,
    Snooze,
    Skip,
    /// The window was closed; a break goes on without it.
    Close,
}

/// What the desktop should do.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    Notify(Reminder),
    CloseNotification,
    ShowCard(CardView),
    UpdateCard(CardView),
    CloseCard,
    Cue(Cue),
    Status(Status),
    Persist(Snapshot),
    Record(Event),
    /// Watch the user's input and tell the schedule ([`Input::Typing`]) as soon as there has
    /// been none for this long, and once at the start if that can be told at once; `None`:
    /// stop watching. Asked for only while a due reminder waits for a pause in typing.
    WatchTyping(Option<Duration>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Cue {
    /// A hold is over: a short, clear sound.
    HoldEnd,
    /// The break is over: a softer one.
    BreakEnd,
}

/// The content of a break reminder.
#[derive(Debug, Clone, PartialEq)]
pub struct Reminder {
    pub break_id: u64,
    pub title: String,
    pub body: String,
    /// Offered only while snoozes remain.
    pub snooze: Option<Duration>,
    /// 0 for the first reminder of a break, then 1, 2, ... for each repeat.
    pub repeat: u32,
    pub stretch_id: Option<String>,
    /// Held back by a quiet time for `quiet_max` and shown anyway: no sound, low urgency.
    pub gentle: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    Due,
    Taken,
    Natural,
    Skipped,
    Snoozed,
    Paused,
    Resumed,
}

/// One line of break history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    pub at: Moment,
    pub kind: EventKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stretch: Option<String>,
    /// Sitting time when it happened, in seconds.
    pub sat: u64,
}

/// Everything needed to carry on after a restart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    pub version: u32,
    pub at: Moment,
    /// Sitting time at `at`, in milliseconds.
    pub sat_ms: u64,
    pub present: bool,
    pub phase: SavedPhase,
    pub snoozes_used: u32,
    pub rotation: Rotation,
    #[serde(default)]
    pub reading: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum SavedPhase {
    Sitting,
    Due,
    OnBreak,
    Snoozed { until: Moment },
    Paused { until: Option<Moment> },
    OutsideHours,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Presence {
    Here,
    /// No input for `idle_reset` or more since `since`, noticed at `seen`; already counted
    /// as a break.
    Idle {
        since: Moment,
        seen: Moment,
    },
    /// Locked or asleep since `since`; `counted` once it has been recorded as a break.
    Away {
        since: Moment,
        counted: bool,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Sitting,
    Due {
        notified: Moment,
        repeat: u32,
    },
    /// Due, but the reminder waits for a quiet time (fullscreen, do-not-disturb, a call) that
    /// began at or before `since` to end, or for `quiet_max` (then it is `gentle`), and then,
    /// with `pause`, for a pause in typing.
    Held {
        since: Moment,
        repeat: u32,
        gentle: bool,
        pause: Option<TypingWait>,
    },
    Snoozed {
        until: Moment,
    },
    OnBreak {
        ends: Moment,
    },
    Paused {
        until: Option<Moment>,
    },
    /// Outside the working hours: no reminders, no sitting time.
    OutsideHours,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Timer {
    BreakDue,
    RemindAgain,
    SnoozeEnds,
    PauseEnds,
    HoldEnds,
    BreakEnds,
    StatusMinute,
    QuietOver,
    CallOver,
    PauseOver,
    HoursChange,
}

/// The parts of a status that change what a person sees; a new one is emitted only when
/// these change, so panel bars are not woken for nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Shown {
    state: State,
    present: bool,
    sitting_minutes: u64,
    next_break_minutes: Option<u64>,
    until: Option<Moment>,
    next: Option<String>,
    snoozes_left: u32,
    card_open: bool,
    held_back: Option<String>,
    reading: bool,
}

/// The schedule itself. See the module docs for how to drive it.
#[derive(Debug, Clone)]
pub struct Schedule {
    settings: Settings,
    catalogue: Catalogue,
    rotation: Rotation,
    now: Moment,
    /// Sitting banked before `counting` began.
    sat: Duration,
    /// Sitting accrues from this moment while the user is present and not on a break.
    counting: Option<Moment>,
    presence: Presence,
    phase: Phase,
    snoozes_used: u32,
    break_id: u64,
    /// The last break whose coming due is in the history, so a pause and resume over a due
    /// break does not count it twice.
    due_recorded: u64,
    /// The pause a break was started from, to return to when the break is over.
    pause_after_break: Option<Option<Moment>>,
    card: Option<Card>,
    /// What the desktop last said about interrupting.
    quiet: Quiet,
    /// The microphone and camera, with the grace after a call.
    call: Call,
    /// Whether the desktop was last told to watch for a pause in typing.
    watching_typing: bool,
    /// Seconds east of UTC, for working hours.
    offset_s: i32,
    /// Whether the last look found `now` inside the working hours.
    was_inside: bool,
    /// Reading mode: idle time counts as sitting.
    reading: bool,
    /// The last input the idle detector told of; detectors report only changes, so turning
    /// reading mode off must judge from this.
    last_input: Option<Moment>,
    notification_open: bool,
    effects: Vec<Effect>,
    shown: Option<Shown>,
    dirty: bool,
}

/// A generous bound on timers fired by one call; each firing moves the schedule forward, so
/// this only guards against a mistake turning into a hang.
const MAX_FIRINGS: usize = 64;

impl Schedule {
    /// A fresh schedule: the user is at the desk and has just sat down.
    pub fn new(settings: Settings, catalogue: Catalogue, now: Moment) -> Schedule {
        Schedule::new_in(settings, catalogue, now, 0)
    }

    /// [`Schedule::new`] in a time zone `offset_s` seconds east of UTC.
    pub fn new_in(settings: Settings, catalogue: Catalogue, now: Moment, offset_s: i32) -> Schedule {
        let reading = settings.reading_mode;
        let mut s = Schedule {
            settings,
            catalogue,
            rotation: Rotation::default(),
            now,
            sat: Duration::ZERO,
            counting: Some(now),
            presence: Presence::Here,
            phase: Phase::Sitting,
            snoozes_used: 0,
            break_id: 1,
            due_recorded: 0,
            pause_after_break: None,
            card: None,
            quiet: Quiet::default(),
            call: Call::default(),
            watching_typing: false,
            offset_s,
            was_inside: true,
            reading,
            last_input: None,
            notification_open: false,
            effects: Vec::new(),
            shown: None,
            dirty: false,
        };
        s.settle();
        s
    }

    /// Carries on from a saved snapshot. Time since it was saved counts as sitting if it was
    /// short, and as a break if it was at least a break long (the user was logged out or the
    /// machine was off); a pause or snooze that has not ended yet is kept.
    pub fn restore(settings: Settings, catalogue: Catalogue, saved: &Snapshot, now: Moment) -> Schedule {
        Schedule::restore_in(settings, catalogue, saved, now, 0)
    }

    /// [`Schedule::restore`] in a time zone `offset_s` seconds east of UTC.
    pub fn restore_in(settings: Settings, catalogue: Catalogue, saved: &Snapshot, now: Moment, offset_s: i32) -> Schedule {
        let mut s = Schedule::new_in(settings, catalogue, now, offset_s);
        s.rotation = saved.rotation.clone();
        s.reading = saved.reading;
        let gap = now.since(saved.at);
        let was_break = gap >= s.settings.break_length || matches!(saved.phase, SavedPhase::OnBreak);
        s.sat = if was_break || !saved.present { Duration::ZERO } else { Duration::from_millis(saved.sat_ms) + gap };
        s.counting = Some(now);
        s.snoozes_used = if was_break { 0 } else { saved.snoozes_used };
        s.phase = match saved.phase {
            SavedPhase::Paused { until } => Phase::Paused { until },
            SavedPhase::Snoozed { until } if !was_break => Phase::Snoozed { until },
            SavedPhase::Due if !was_break => Phase::Due { notified: saved.at, repeat: 0 },
            // Back inside the hours, this starts the day afresh.
            SavedPhase::OutsideHours => Phase::OutsideHours,
            _ => Phase::Sitting,
        };
        s.shown = None;
        s.settle();
        s
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    pub fn catalogue(&self) -> &Catalogue {
        &self.catalogue
    }

    /// Feeds one input at `now`. A `now` earlier than one already seen is taken as the later
    /// one: a clock that steps back must not make time run backwards here.
    pub fn handle(&mut self, now: Moment, input: Input) {
        let now = now.max(self.now);
        self.now = now;
        let new_settings = matches!(input, Input::Settings(_));
        self.apply(now, input);
        let when = &self.settings.quiet_when;
        let live = (when.microphone && self.quiet.microphone) || (when.camera && self.quiet.camera);
        if new_settings && !live {
            // The user no longer counts it as a call: nothing to wait for, not even the grace.
            self.call = Call::default();
        }
        self.call.follow(now, live);
        self.settle();
    }

    /// Takes the effects produced since the last call, in order.
    pub fn take_effects(&mut self) -> Vec<Effect> {
        std::mem::take(&mut self.effects)
    }

    /// When the schedule next needs a [`Input::Tick`]; always after the last `now` it saw.
    pub fn next_deadline(&self) -> Option<Moment> {
        self.timers().into_iter().map(|(at, _)| at).min()
    }

    pub fn status(&self, now: Moment) -> Status {
        let now = now.max(self.now);
        let sitting = self.sitting(now);
        let next_break_in = match self.phase {
            Phase::Sitting => self.due_at().map(|at| at.since(now)),
            Phase::Due { .. } | Phase::Held { .. } => Some(Duration::ZERO),
            Phase::Snoozed { until } => Some(until.since(now)),
            Phase::OnBreak { .. } | Phase::Paused { .. } | Phase::OutsideHours => None,
        };
        let (state, until) = match self.phase {
            Phase::Sitting => (State::Sitting, None),
            Phase::Due { .. } | Phase::Held { .. } => (State::Due, None),
            Phase::Snoozed { until } => (State::Snoozed, Some(until)),
            Phase::OnBreak { .. } => (State::OnBreak, None),
            Phase::Paused { until } => (State::Paused, until),
            Phase::OutsideHours => (State::OutsideHours, self.hours_change()),
        };
        Status {
            state,
            present: self.presence == Presence::Here,
            sitting,
            next_break_in,
            until,
            next_exercise: self.next_stretch().map(|s| NextStretch { id: s.id.clone(), name: s.name.clone() }),
            snoozes_left: self.settings.max_snoozes.saturating_sub(self.snoozes_used),
            card_open: self.card.is_some(),
            held_back: match self.phase {
                Phase::Held { gentle: false, pause: None, .. } => self.held_back_by(),
                Phase::Held { pause: Some(w), .. } if w.typing => Some("typing".to_string()),
                _ => None,
            },
            reading: self.reading,
        }
    }

    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            version: 1,
            at: self.now,
            sat_ms: u64::try_from(self.sitting(self.now).as_millis()).unwrap_or(u64::MAX),
            present: self.presence == Presence::Here,
            phase: match self.phase {
                Phase::Sitting => SavedPhase::Sitting,
                Phase::Due { .. } | Phase::Held { .. } => SavedPhase::Due,
                Phase::Snoozed { until } => SavedPhase::Snoozed { until },
                Phase::OnBreak { .. } => SavedPhase::OnBreak,
                Phase::Paused { until } => SavedPhase::Paused { until },
                Phase::OutsideHours => SavedPhase::OutsideHours,
            },
            snoozes_used: self.snoozes_used,
            rotation: self.rotation.clone(),
            reading: self.reading,
        }
    }

    /// The reminder text for the current break, as a notification would show it.
    pub fn reminder(&self, repeat: u32) -> Reminder {
        let length = duration::human(self.settings.break_length);
        let stretch = self.next_stretch();
        let mut body = format!("Stand up and move for {length}.");
        if let Some(s) = stretch {
            body.push_str(&format!("\nNext stretch: {} ({}).", s.name, s.figures()));
        }
        Reminder {
            break_id: self.break_id,
            title: if repeat == 0 { "Time to move".to_string() } else { "Still sitting: time to move".to_string() },
            body,
            snooze: (self.snoozes_used < self.settings.max_snoozes).then_some(self.settings.snooze),
            repeat,
            stretch_id: stretch.map(|s| s.id.clone()),
            gentle: false,
        }
    }

    /// What holds a due reminder back right now, as `limber status` names it, if the user's
    /// `quiet_when` lets it.
    fn held_back_by(&self) -> Option<String> {
        let when = &self.settings.quiet_when;
        if self.call.holds(self.now) {
            return Some("call".to_string());
        }
        if when.fullscreen && self.quiet.fullscreen {
            return Some("fullscreen".to_string());
        }
        if when.do_not_disturb && self.quiet.do_not_disturb {
            return Some("do_not_disturb".to_string());
        }
        self.quiet.app.clone().filter(|app| when.apps.iter().any(|a| a.eq_ignore_ascii_case(app)))
    }

    fn in_hours(&self, at: Moment) -> bool {
        self.settings.working_hours.as_ref().is_none_or(|w| w.contains(hours::local(at, self.offset_s)))
    }

    /// When working hours next begin or end, if there are working hours.
    fn hours_change(&self) -> Option<Moment> {
        let w = self.settings.working_hours.as_ref()?;
        let next = w.next_change(hours::local(self.now, self.offset_s))?;
        Some(hours::moment(next, self.offset_s))
    }

    fn next_stretch(&self) -> Option<&super::catalogue::Stretch> {
        self.rotation.pick(&self.catalogue, &self.settings.exercises, self.settings.break_length)
    }

    fn sitting(&self, now: Moment) -> Duration {
        self.sat + self.counting.map_or(Duration::ZERO, |c| now.since(c))
    }

    /// When sitting reaches the limit, if it is accruing.
    fn due_at(&self) -> Option<Moment> {
        let c = self.counting?;
        Some(c + self.settings.sit_limit.saturating_sub(self.sat))
    }

    fn away(&self) -> bool {
        matches!(self.presence, Presence::Away { .. })
    }

    /// The schedule's timers that lie in the future: what `next_deadline` reports.
    fn timers(&self) -> Vec<(Moment, Timer)> {
        let mut t = self.timers_including_now();
        // The tray says "Sitting 42 min": wake once a minute while that number moves.
        if self.counting.is_some() {
            let into_minute = self.sitting(self.now).as_millis() % 60_000;
            t.push((self.now + Duration::from_millis(60_000 - into_minute as u64), Timer::StatusMinute));
        }
        // `settle` has fired everything at or before `now`; keep the promise that deadlines
        // lie in the future even if a rule were ever wrong.
        t.retain(|(at, _)| *at > self.now);
        t
    }

    /// Fires every timer that is due, then reports status and state changes.
    fn settle(&mut self) {
        for _ in 0..MAX_FIRINGS {
            let now = self.now;
            self.follow_hours(now);
            self.follow_quiet(now);
            let due = self.timers_including_now().into_iter().filter(|(at, _)| *at <= now).min_by_key(|(at, _)| *at);
            let Some((_, timer)) = due else { break };
            self.fire(now, timer);
        }
        self.follow_typing();
        let status = self.status(self.now);
        let shown = Shown {
            state: status.state,
            present: status.present,
            sitting_minutes: status.sitting.as_secs() / 60,
            next_break_minutes: status.next_break_in.map(duration::minutes_ceil),
            until: status.until,
            next: status.next_exercise.as_ref().map(|n| n.id.clone()),
            snoozes_left: status.snoozes_left,
            card_open: status.card_open,
            held_back: status.held_back.clone(),
            reading: status.reading,
        };
        if self.shown.as_ref() != Some(&shown) {
            self.shown = Some(shown);
            self.effects.push(Effect::Status(status));
        }
        if std::mem::take(&mut self.dirty) {
            self.effects.push(Effect::Persist(self.snapshot()));
        }
    }

    /// Every timer, including those at or before now, which `settle` must fire.
    fn timers_including_now(&self) -> Vec<(Moment, Timer)> {
        let mut t = Vec::new();
        // First, so a hold that ends with the break still gets its cue before the break ends.
        if let Some(at) = self.card.as_ref().and_then(|c| c.hold_ends) {
            t.push((at, Timer::HoldEnds));
        }
        match self.phase {
            Phase::Sitting => {
                if let Some(at) = self.due_at() {
                    t.push((at, Timer::BreakDue));
                }
            }
            Phase::Due { notified, .. } if !self.away() => t.push((notified + self.settings.remind_again, Timer::RemindAgain)),
            Phase::Snoozed { until } if !self.away() => t.push((until, Timer::SnoozeEnds)),
            Phase::Held { since, gentle: false, pause: None, .. } if !self.away() => {
                t.push((since + self.settings.quiet_max, Timer::QuietOver));
                if let Some(at) = self.call.grace_ends() {
                    t.push((at, Timer::CallOver));
                }
            }
            Phase::Held { pause: Some(w), .. } if !self.away() && !w.over => {
                t.push((w.cap(self.settings.wait_for_pause_max), Timer::PauseOver));
            }
            Phase::Paused { until: Some(until) } => t.push((until, Timer::PauseEnds)),
            Phase::OnBreak { ends } => {
                let hold = self.card.as_ref().and_then(|c| c.hold_ends);
                t.push((ends.max(hold.unwrap_or(ends)), Timer::BreakEnds));
            }
            _ => {}
        }
        if let Some(at) = self.hours_change() {
            t.push((at, Timer::HoursChange));
        }
        t
    }

    fn fire(&mut self, now: Moment, timer: Timer) {
        match timer {
            Timer::BreakDue => {
                if self.due_recorded != self.break_id {
                    self.due_recorded = self.break_id;
                    self.record(now, EventKind::Due);
                }
                self.remind(now, 0);
            }
            Timer::RemindAgain => {
                if let Phase::Due { repeat, .. } = self.phase {
                    self.remind(now, repeat + 1);
                }
            }
            Timer::SnoozeEnds => {
                // A break snoozed before it came due comes due now.
                if self.due_recorded != self.break_id {
                    self.due_recorded = self.break_id;
                    self.record(now, EventKind::Due);
                }
                self.remind(now, 0);
            }
            // Held long enough: it comes anyway, gently, still after a pause in typing.
            Timer::QuietOver => {
                if let Phase::Held { gentle, .. } = &mut self.phase {
                    *gentle = true;
                }
            }
            Timer::CallOver => self.call.expire(now),
            Timer::PauseOver => {
                if let Phase::Held { pause: Some(w), .. } = &mut self.phase {
                    w.over = true;
                }
            }
            Timer::HoursChange => {}
            Timer::PauseEnds => {
                self.phase = Phase::Sitting;
                self.record(now, EventKind::Resumed);
            }
            Timer::HoldEnds => self.end_hold(now),
            Timer::BreakEnds => {
                self.effects.push(Effect::Cue(Cue::BreakEnd));
                self.resolve(now, EventKind::Taken);
            }
            Timer::StatusMinute => {}
        }
        self.dirty = true;
    }

    fn apply(&mut self, now: Moment, input: Input) {
        match input {
            Input::Tick => {}
            Input::Activity { idle } => self.activity(now, idle),
            Input::AwayBegan => {
                let (since, counted) = match self.presence {
                    Presence::Away { .. } => return,
                    Presence::Idle { since, .. } => (since, true),
                    Presence::Here => (now, false),
                };
                self.stop_counting(now);
                self.presence = Presence::Away { since, counted };
                self.dirty = true;
            }
            Input::AwayEnded => {
                let Presence::Away { since, counted } = self.presence else { return };
                self.presence = Presence::Here;
                if !counted && now.since(since) >= self.settings.break_length {
                    self.natural_break(now, since);
                }
                self.start_counting(now);
                self.dirty = true;
            }
            Input::Gap { length } => self.gap(now, length),
            Input::Command(c) => self.command(now, c),
            Input::Card(e) => self.card_event(now, e),
            Input::Settings(s) => {
                if s.reading_mode != self.settings.reading_mode {
                    self.set_reading(now, s.reading_mode);
                }
                self.settings = *s;
                self.refresh_card_permissions();
            }
            Input::Catalogue(c) => self.catalogue = *c,
            Input::Quiet(q) => self.quiet = q,
            Input::Typing { idle } => {
                // A sample from a watch already stopped (one in flight, or from before a lock)
                // says nothing about the wait now.
                if let Phase::Held { pause: Some(w), .. } = &mut self.phase
                    && self.watching_typing
                {
                    w.told(idle, self.settings.wait_for_pause);
                }
            }
            Input::Offset(o) => self.offset_s = o,
        }
    }

    fn activity(&mut self, now: Moment, idle: Duration) {
        let last_input = now - idle;
        self.last_input = Some(last_input);
        // Reading mode: no input is not a break; only locks and sleep are.
        if idle >= self.settings.idle_reset() && !self.reading {
            match self.presence {
                Presence::Here => {
                    self.stop_counting(last_input.max(self.counting.unwrap_or(last_input)));
                    self.presence = Presence::Idle { since: last_input, seen: now };
                    self.natural_break(now, last_input);
                    self.dirty = true;
                }
                // Locked and no input for long enough: a break, even before the unlock.
                Presence::Away { since, counted: false } => {
                    self.presence = Presence::Away { since, counted: true };
                    self.natural_break(now, since.min(last_input));
                    self.dirty = true;
                }
                _ => {}
            }
        } else if let Presence::Idle { seen, .. } = self.presence {
            self.presence = Presence::Here;
            // Input cannot have come before the moment the user was seen to be idle.
            self.start_counting(last_input.max(seen));
            self.dirty = true;
        }
    }

    fn gap(&mut self, now: Moment, length: Duration) {
        if length >= self.settings.break_length {
            if self.presence == Presence::Here {
                self.natural_break(now, now - length);
                self.start_counting(now);
            } else if let Presence::Away { since, .. } = self.presence {
                self.presence = Presence::Away { since, counted: true };
                self.natural_break(now, since);
            }
        } else if let Some(c) = self.counting {
            // A short sleep is not sitting, but not a break either: leave it out.
            self.counting = Some((c + length).min(now));
        }
        self.dirty = true;
    }

    fn command(&mut self, now: Moment, c: Command) {
        match c {
            Command::BreakNow => self.start_break(now),
            Command::Snooze(length) => self.snooze(now, length),
            Command::Skip => {
                // Nothing is coming to skip while paused or outside the working hours.
                if !matches!(self.phase, Phase::Paused { .. } | Phase::OutsideHours) {
                    if self.card.as_ref().is_some_and(|c| !c.preview) || matches!(self.phase, Phase::OnBreak { .. }) {
                        self.close_card();
                    }
                    self.resolve(now, EventKind::Skipped);
                }
            }
            Command::Pause(length) => {
                // Outside the working hours there is nothing to pause; a pause there would
                // also keep the next working day from starting afresh.
                if matches!(self.phase, Phase::OnBreak { .. } | Phase::OutsideHours) {
                    return;
                }
                let until = match length {
                    // A pause of nothing is no pause.
                    PauseLength::For(d) if d.is_zero() => return,
                    PauseLength::For(d) => Some(now + d),
                    PauseLength::Until(t) => Some(t.max(now)),
                    PauseLength::UntilResumed => None,
                };
                self.close_notification();
                self.phase = Phase::Paused { until };
                self.snoozes_used = 0;
                self.record(now, EventKind::Paused);
                self.dirty = true;
            }
            Command::Resume => {
                if let Phase::Paused { .. } = self.phase {
                    self.phase = Phase::Sitting;
                    self.record(now, EventKind::Resumed);
                    self.dirty = true;
                }
            }
            Command::Reading(on) => self.set_reading(now, on),
            Command::ShowNext => {
                if self.card.is_none()
                    && let Some(s) = self.next_stretch().cloned()
                {
                    let card = Card::new(s, self.settings.break_length, true);
                    self.effects.push(Effect::ShowCard(card.view(None, false)));
                    self.card = Some(card);
                }
            }
        }
    }

    fn snooze(&mut self, now: Moment, length: Option<Duration>) {
        if self.snoozes_used >= self.settings.max_snoozes {
            return;
        }
        let from = match self.phase {
            Phase::Sitting if self.presence == Presence::Here => self.due_at().unwrap_or(now).max(now),
            Phase::Due { .. } | Phase::Held { .. } | Phase::OnBreak { .. } => now,
            _ => return,
        };
        let was_on_break = matches!(self.phase, Phase::OnBreak { .. });
        if was_on_break && self.pause_after_break.is_some() {
            // A break opened during a pause and put off: back to the pause, where no reminder
            // comes anyway.
            self.close_card();
            self.phase = self.phase_after_pause(now);
            self.start_counting(now);
            self.dirty = true;
            return;
        }
        let until = from + length.unwrap_or(self.settings.snooze);
        self.close_notification();
        self.phase = Phase::Snoozed { until };
        if was_on_break {
            // The break did not happen: sitting goes on from where it stopped.
            self.close_card();
            self.start_counting(now);
        }
        self.snoozes_used += 1;
        self.record(now, EventKind::Snoozed);
        self.dirty = true;
    }

    fn card_event(&mut self, now: Moment, e: CardEvent) {
        let Some(card) = self.card.as_mut() else { return };
        let preview = card.preview;
        match e {
            CardEvent::StartHold => {
                if card.start_hold(now) {
                    self.update_card();
                }
            }
            CardEvent::HoldDone => {
                if card.hold_ends.is_some() {
                    self.end_hold(now);
                }
            }
            CardEvent::Next => {
                if card.advance() {
                    self.update_card();
                } else {
                    self.routine_over(now);
                }
            }
            CardEvent::Done => self.routine_over(now),
            CardEvent::Snooze if !preview => self.snooze(now, None),
            CardEvent::Skip if !preview => self.command(now, Command::Skip),
            CardEvent::Snooze | CardEvent::Skip | CardEvent::Close => self.close_card(),
        }
    }

    fn end_hold(&mut self, now: Moment) {
        let Some(card) = self.card.as_mut() else { return };
        card.hold_ends = None;
        self.effects.push(Effect::Cue(Cue::HoldEnd));
        if card.advance() {
            self.update_card();
        } else {
            self.routine_over(now);
        }
    }

    /// The routine is finished: a break is taken; a preview simply closes.
    fn routine_over(&mut self, now: Moment) {
        if matches!(self.phase, Phase::OnBreak { .. }) {
            self.resolve(now, EventKind::Taken);
        } else {
            self.close_card();
        }
    }

    fn start_break(&mut self, now: Moment) {
        if matches!(self.phase, Phase::OnBreak { .. }) {
            return;
        }
        self.close_notification();
        self.stop_counting(now);
        let ends = now + self.settings.break_length;
        // A break taken during a pause goes back to the pause afterwards.
        self.pause_after_break = match self.phase {
            Phase::Paused { until } => Some(until),
            _ => None,
        };
        self.phase = Phase::OnBreak { ends };
        let stretch = self.next_stretch().cloned();
        match stretch {
            Some(s) => {
                let card = Card::new(s, self.settings.break_length, false);
                let view = card.view(Some(ends), self.snoozes_used < self.settings.max_snoozes);
                let replacing = self.card.is_some();
                self.card = Some(card);
                self.effects.push(if replacing { Effect::UpdateCard(view) } else { Effect::ShowCard(view) });
            }
            None => self.close_card(),
        }
        self.dirty = true;
    }

    /// A break is over one way or another: record it, move the rotation on, start sitting
    /// afresh.
    fn resolve(&mut self, now: Moment, kind: EventKind) {
        let stretch = self.next_stretch().map(|s| s.id.clone());
        self.effects.push(Effect::Record(Event { at: now, kind, stretch: stretch.clone(), sat: self.sitting(now).as_secs() }));
        if let Some(id) = &stretch {
            self.rotation.advance(id, &self.catalogue);
        }
        self.close_notification();
        if self.card.as_ref().is_some_and(|c| !c.preview) {
            self.close_card();
        }
        self.phase = match self.phase {
            Phase::Paused { until } => Phase::Paused { until },
            _ => self.phase_after_pause(now),
        };
        self.snoozes_used = 0;
        self.break_id += 1;
        self.sat = Duration::ZERO;
        self.counting = None;
        self.start_counting(now);
        self.dirty = true;
    }

    /// Where a break ends up: back in the pause it was started from while that pause lasts,
    /// else sitting (ending the pause, if there was one, with a record).
    fn phase_after_pause(&mut self, now: Moment) -> Phase {
        match self.pause_after_break.take() {
            Some(until) if until.is_none_or(|u| u > now) => Phase::Paused { until },
            Some(_) => {
                self.effects.push(Effect::Record(Event { at: now, kind: EventKind::Resumed, stretch: None, sat: 0 }));
                Phase::Sitting
            }
            None => Phase::Sitting,
        }
    }

    /// Idle, away or asleep long enough: the user took a break without being asked.
    fn natural_break(&mut self, now: Moment, since: Moment) {
        if matches!(self.phase, Phase::OnBreak { .. }) {
            // The break in progress is being taken; it is recorded when it ends.
            self.sat = Duration::ZERO;
            self.counting = None;
            return;
        }
        let sat = self.sitting(since).as_secs();
        self.effects.push(Effect::Record(Event { at: now, kind: EventKind::Natural, stretch: None, sat }));
        self.close_notification();
        if let Phase::Due { .. } | Phase::Held { .. } | Phase::Snoozed { .. } = self.phase {
            self.phase = Phase::Sitting;
            self.break_id += 1;
        }
        self.snoozes_used = 0;
        self.sat = Duration::ZERO;
        self.counting = None;
    }

    fn start_counting(&mut self, from: Moment) {
        let on_break = matches!(self.phase, Phase::OnBreak { .. } | Phase::OutsideHours);
        if self.counting.is_none() && self.presence == Presence::Here && !on_break {
            self.counting = Some(from.min(self.now));
        }
    }

    fn stop_counting(&mut self, at: Moment) {
        if let Some(c) = self.counting.take() {
            self.sat += at.since(c);
        }
    }

    /// A reminder is due: shown now, or held back while the desktop asks for quiet or the
    /// user types (see `follow_quiet`).
    fn remind(&mut self, now: Moment, repeat: u32) {
        self.phase = Phase::Held { since: now, repeat, gentle: false, pause: None };
        self.follow_quiet(now);
    }

    /// A held reminder comes as soon as the quiet time ends (or has lasted `quiet_max`) and,
    /// if the user is typing, at the first pause (or after `wait_for_pause_max`). A quiet
    /// time that begins while it waits for the pause holds it again.
    fn follow_quiet(&mut self, now: Moment) {
        let Phase::Held { since, repeat, gentle, pause } = self.phase else { return };
        let quiet = !gentle && self.held_back_by().is_some();
        let pause = match pause {
            _ if quiet => None,
            None if !self.settings.wait_for_pause.is_zero() => Some(TypingWait::new(now)),
            Some(w) if !w.over && !self.settings.wait_for_pause.is_zero() => Some(w),
            _ => {
                self.phase = Phase::Due { notified: now, repeat };
                if gentle {
                    let mut r = self.reminder(repeat);
                    r.gentle = true;
                    r.title = "When you can: time to move".to_string();
                    self.notification_open = true;
                    self.effects.push(Effect::Notify(r));
                } else {
                    self.notify(repeat);
                }
                self.dirty = true;
                return;
            }
        };
        let next = Phase::Held { since, repeat, gentle, pause };
        if next != self.phase {
            self.phase = next;
            self.dirty = true;
        }
    }

    /// Tells the desktop to watch for a pause in typing exactly while a reminder waits for
    /// one, however the wait began or ended.
    fn follow_typing(&mut self) {
        let wanted = matches!(self.phase, Phase::Held { pause: Some(w), .. } if !w.over) && !self.away();
        if wanted != self.watching_typing {
            self.watching_typing = wanted;
            // What a stopped watch said is old news by the time another one starts.
            if let Phase::Held { pause: Some(w), .. } = &mut self.phase {
                w.typing = false;
            }
            self.effects.push(Effect::WatchTyping(wanted.then_some(self.settings.wait_for_pause)));
        }
    }

    /// Leaves or enters the working hours. Entering starts a fresh working day: sitting time
    /// from zero, snoozes restored.
    fn follow_hours(&mut self, now: Moment) {
        let inside = self.in_hours(now);
        let was_inside = std::mem::replace(&mut self.was_inside, inside);
        let entered = inside && !was_inside;
        match self.phase {
            Phase::Sitting | Phase::Due { .. } | Phase::Held { .. } | Phase::Snoozed { .. } if !inside => {
                self.close_notification();
                self.stop_counting(now);
                self.phase = Phase::OutsideHours;
                self.dirty = true;
            }
            Phase::OutsideHours if inside => {
                self.phase = Phase::Sitting;
                self.sat = Duration::ZERO;
                self.counting = None;
                self.snoozes_used = 0;
                self.break_id += 1;
                self.start_counting(now);
                self.dirty = true;
            }
            // A pause that lasts into the working day: the day still starts from zero.
            Phase::Paused { .. } if entered => {
                self.sat = Duration::ZERO;
                self.counting = None;
                self.snoozes_used = 0;
                self.start_counting(now);
                self.dirty = true;
            }
            _ => {}
        }
    }

    fn set_reading(&mut self, now: Moment, on: bool) {
        if self.reading == on {
            return;
        }
        self.reading = on;
        if on && let Presence::Idle { .. } = self.presence {
            // The idle time so far was already a break; sitting starts now.
            self.presence = Presence::Here;
            self.start_counting(now);
        }
        if !on && let Some(last) = self.last_input {
            // Still no input since the detector last spoke: judge it as it would be judged now.
            self.activity(now, now.since(last));
        }
        self.dirty = true;
    }

    fn notify(&mut self, repeat: u32) {
        let r = self.reminder(repeat);
        self.notification_open = true;
        self.effects.push(Effect::Notify(r));
    }

    fn close_notification(&mut self) {
        if std::mem::take(&mut self.notification_open) {
            self.effects.push(Effect::CloseNotification);
        }
    }

    fn close_card(&mut self) {
        if self.card.take().is_some() {
            self.effects.push(Effect::CloseCard);
        }
    }

    fn update_card(&mut self) {
        let ends = match self.phase {
            Phase::OnBreak { ends } => Some(ends),
            _ => None,
        };
        let can_snooze = self.snoozes_used < self.settings.max_snoozes;
        if let Some(card) = &self.card {
            let view = card.view(if card.preview { None } else { ends }, can_snooze && !card.preview);
            self.effects.push(Effect::UpdateCard(view));
        }
    }

    fn refresh_card_permissions(&mut self) {
        if self.card.is_some() {
            self.update_card();
        }
    }

    fn record(&mut self, now: Moment, kind: EventKind) {
        let stretch = match kind {
            EventKind::Due | EventKind::Snoozed => self.next_stretch().map(|s| s.id.clone()),
            _ => None,
        };
        self.effects.push(Effect::Record(Event { at: now, kind, stretch, sat: self.sitting(now).as_secs() }));
    }
}
