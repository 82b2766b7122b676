//! Invariants of the schedule over random days: whatever the user and the desktop do, the
//! schedule keeps its promises.

use limber::core::catalogue::Catalogue;
use limber::core::hours::{WorkingHours, parse_span};
use limber::core::schedule::{CardEvent, Command, Effect, Input, PauseLength, Quiet};
use limber::core::status::State;
use limber::core::{Moment, Schedule, Settings};
use proptest::prelude::*;
use std::time::Duration;

#[derive(Debug, Clone)]
enum Step {
    Wait(u64),
    Sleep(u64),
    Do(Input),
}

fn input() -> impl Strategy<Value = Input> {
    let secs = |r: std::ops::Range<u64>| r.prop_map(Duration::from_secs);
    prop_oneof![
        4 => secs(0..400).prop_map(|idle| Input::Activity { idle }),
        1 => Just(Input::AwayBegan),
        1 => Just(Input::AwayEnded),
        2 => Just(Input::Command(Command::BreakNow)),
        2 => prop::option::of(secs(1..1800)).prop_map(|d| Input::Command(Command::Snooze(d))),
        1 => Just(Input::Command(Command::Skip)),
        1 => secs(1..9000).prop_map(|d| Input::Command(Command::Pause(PauseLength::For(d)))),
        1 => Just(Input::Command(Command::Pause(PauseLength::UntilResumed))),
        1 => Just(Input::Command(Command::Resume)),
        1 => Just(Input::Command(Command::ShowNext)),
        1 => any::<bool>().prop_map(|on| Input::Command(Command::Reading(on))),
        3 => (any::<bool>(), any::<bool>(), prop::option::of(prop_oneof![Just("zoom"), Just("other")]), any::<bool>(), any::<bool>()).prop_map(
            |(fullscreen, do_not_disturb, app, microphone, camera)| Input::Quiet(Quiet {
                fullscreen, do_not_disturb, app: app.map(String::from), microphone, camera
            })
        ),
        3 => prop::option::of(0u64..6000).prop_map(|ms| Input::Typing { idle: ms.map(Duration::from_millis) }),
        1 => (-12i32..14).prop_map(|h| Input::Offset(h * 3600)),
        3 => prop_oneof![
            Just(CardEvent::StartHold), Just(CardEvent::HoldDone), Just(CardEvent::Next), Just(CardEvent::Done),
            Just(CardEvent::Snooze), Just(CardEvent::Skip), Just(CardEvent::Close)
        ].prop_map(Input::Card),
    ]
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        6 => (1u64..5000).prop_map(Step::Wait),
        1 => (1u64..8000).prop_map(Step::Sleep),
        8 => input().prop_map(Step::Do),
    ]
}

fn settings() -> impl Strategy<Value = Settings> {
    let hours = prop::option::of((0usize..7, 0usize..7, 0u32..24, 1u32..24));
    let typing = (prop_oneof![Just(0u64), 100u64..5000], 0u64..400);
    (10u64..5000, 5u64..400, 5u64..900, 5u64..900, 0u32..4, prop::option::of(5u64..400), 0u64..3000, hours, typing).prop_map(
        |(sit, brk, remind, snooze, max, idle, quiet_max, hours, (pause, pause_max))| {
            let mut s = Settings::default();
            s.wait_for_pause = Duration::from_millis(pause);
            s.wait_for_pause_max = Duration::from_secs(pause_max);
            s.sit_limit = Duration::from_secs(sit);
            s.break_length = Duration::from_secs(brk);
            s.remind_again = Duration::from_secs(remind);
            s.snooze = Duration::from_secs(snooze);
            s.max_snoozes = max;
            s.set_idle_reset(idle.map(Duration::from_secs));
            s.quiet_max = Duration::from_secs(quiet_max);
            s.quiet_when.apps = vec!["zoom".into()];
            s.working_hours = hours.map(|(first, last, start, length)| {
                let mut w = WorkingHours::default();
                let span = parse_span(&format!("{start:02}:00-{:02}:00", (start + length) % 24)).unwrap();
                let mut d = first;
                loop {
                    w.set(d, vec![span]);
                    if d == last {
                        break w;
                    }
                    d = (d + 1) % 7;
                }
            });
            s
        },
    )
}

struct Checker {
    settings: Settings,
    start: Moment,
    /// Last reminder per break with no user command since.
    last_notify: Option<(u64, Moment)>,
    card_open: bool,
    quiet: Quiet,
    /// Since when a reminder has been held back by a quiet time, if it is.
    held_since: Option<Moment>,
    /// The microphone or camera is in use, or since when neither is.
    call: Result<(), Option<Moment>>,
    /// Since when a typing watch runs, if one does.
    watch: Option<Moment>,
    /// Since when the watch last said the user types (no pause told since).
    typing: Option<Moment>,
    /// A typing watch ran while this reminder was held.
    watched: bool,
}

impl Checker {
    fn in_call(&self, now: Moment) -> bool {
        match self.call {
            Ok(()) => true,
            Err(ended) => ended.is_some_and(|e| now.since(e) < limber::core::interrupt::CALL_GRACE),
        }
    }
}

impl Checker {
    fn call(&mut self, s: &mut Schedule, now: Moment, input: Input) {
        let before = s.status(now);
        let by_user = matches!(input, Input::Command(_) | Input::Card(_));
        let natural = match &input {
            Input::Activity { idle } => *idle >= self.settings.idle_reset() && before.state != State::OnBreak && !before.reading,
            _ => false,
        };
        if let Input::Quiet(q) = &input {
            self.quiet = q.clone();
            self.call = match (q.microphone || q.camera, self.call) {
                (true, _) => Ok(()),
                (false, Ok(())) => Err(Some(now)),
                (false, ended) => ended,
            };
        }
        if let (Input::Typing { idle }, Some(_)) = (&input, self.watch) {
            let typing = idle.is_some_and(|i| i < self.settings.wait_for_pause);
            self.typing = if typing { self.typing.or(Some(now)) } else { None };
        }
        let resumes = matches!(input, Input::Command(Command::Resume));
        if by_user {
            self.last_notify = None;
        }
        s.handle(now, input);
        let after = s.status(now);
        for e in s.take_effects() {
            match e {
                Effect::Notify(r) => {
                    assert_eq!(after.state, State::Due, "a reminder leaves the break due");
                    let q = &self.quiet;
                    let quiet = q.fullscreen || q.do_not_disturb || q.app.as_deref() == Some("zoom") || self.in_call(now);
                    if r.gentle {
                        // Held from an earlier call, or (quiet_max of zero) held and let go in this one.
                        let since = self.held_since.unwrap_or(now);
                        assert!(
                            now.since(since) >= self.settings.quiet_max,
                            "held back for less than quiet_max: {} since {}",
                            now.since(self.start).as_secs(),
                            since.since(self.start).as_secs()
                        );
                        // The quiet time may have ended while it waited for a pause in typing.
                        assert!(quiet || self.watched, "a gentle reminder outside a quiet time");
                    } else {
                        assert!(!quiet || by_user, "a reminder in a quiet time: {q:?}");
                    }
                    if let (Some(began), Some(_), false) = (self.watch, self.typing, by_user) {
                        assert!(
                            now.since(began) >= self.settings.wait_for_pause_max,
                            "a reminder while the user types, before wait_for_pause_max"
                        );
                    }
                    if before.state == State::Paused && !resumes {
                        assert!(before.until.is_some_and(|u| u <= now), "reminder during a pause");
                    }
                    if before.state == State::Snoozed && !by_user {
                        assert!(before.until.is_some_and(|u| u <= now), "reminder during a snooze");
                    }
                    if let Some((id, at)) = self.last_notify
                        && id == r.break_id
                    {
                        assert!(now.since(at) >= self.settings.remind_again, "two reminders within remind_again");
                    }
                    if r.snooze.is_some() {
                        assert!(after.snoozes_left > 0);
                    }
                    self.last_notify = Some((r.break_id, now));
                    self.held_since = None;
                }
                Effect::ShowCard(_) => {
                    assert!(!self.card_open, "a second card over an open one");
                    self.card_open = true;
                }
                Effect::CloseCard => {
                    assert!(self.card_open, "closing a card that is not open");
                    self.card_open = false;
                }
                Effect::WatchTyping(w) => {
                    assert_eq!(w.is_some(), self.watch.is_none(), "a typing watch started twice or stopped when none ran");
                    assert!(w.is_none() || !self.settings.wait_for_pause.is_zero(), "a typing watch with wait_for_pause off");
                    self.watch = w.map(|_| now);
                    // Waiting for a pause is being held, from the moment the reminder was due.
                    if w.is_some() && after.state == State::Due {
                        self.held_since.get_or_insert(now);
                    }
                    self.typing = None;
                    self.watched |= w.is_some();
                }
                _ => {}
            }
        }
        assert_eq!(after.card_open, self.card_open);
        if self.watch.is_some() {
            assert_eq!(after.state, State::Due, "a typing watch runs only while a break is due");
            assert!(s.next_deadline().is_some(), "a reminder waiting for a pause with no deadline would be lost");
        }
        if after.held_back.as_deref() == Some("typing") {
            assert!(self.watch.is_some() && self.typing.is_some(), "held for typing without being told of any");
        }
        if after.state != State::Due {
            self.watched = false;
        }
        self.held_since = match (&after.held_back, self.held_since) {
            _ if after.state != State::Due => None,
            (Some(_), None) => Some(now),
            (Some(_), since) => since,
            (None, since) if self.watch.is_some() => since,
            (None, _) => None,
        };
        if after.state == State::OutsideHours {
            assert!(after.next_break_in.is_none() && self.settings.working_hours.is_some());
        }
        assert!(after.sitting <= now.since(self.start), "more sitting than time passed");
        if natural {
            assert_eq!(after.sitting, Duration::ZERO, "a natural break resets sitting");
        }
        if let Some(d) = s.next_deadline() {
            assert!(d > now, "deadline in the past");
        }
        if after.state == State::Sitting && after.present {
            assert!(after.sitting < self.settings.sit_limit, "a due break was missed");
        }
        if after.state == State::Due {
            assert!(after.next_break_in == Some(Duration::ZERO));
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn invariants_hold_over_random_days(settings in settings(), steps in prop::collection::vec(step(), 1..120)) {
        let start = Moment::from_secs(1_763_280_000);
        let mut s = Schedule::new(settings.clone(), Catalogue::builtin(), start);
        s.take_effects();
        let mut c = Checker {
            settings: settings.clone(),
            start,
            last_notify: None,
            card_open: false,
            quiet: Quiet::default(),
            held_since: None,
            call: Err(None),
            watch: None,
            typing: None,
            watched: false,
        };
        let mut now = start;
        for step in steps {
            match step {
                Step::Wait(secs) => {
                    let until = now + Duration::from_secs(secs);
                    while let Some(d) = s.next_deadline().filter(|d| *d <= until) {
                        now = d;
                        c.call(&mut s, now, Input::Tick);
                    }
                    now = until;
                }
                Step::Sleep(secs) => {
                    now = now + Duration::from_secs(secs);
                    c.call(&mut s, now, Input::Gap { length: Duration::from_secs(secs) });
                }
                Step::Do(input) => c.call(&mut s, now, input),
            }
        }
    }

    #[test]
    fn a_snapshot_restores_the_same_plan(settings in settings(), steps in prop::collection::vec(input(), 0..30), later in 0u64..3) {
        let start = Moment::from_secs(1_763_280_000);
        let mut s = Schedule::new(settings.clone(), Catalogue::builtin(), start);
        let mut now = start;
        // The desktop passes the time zone again on restart; it is not part of the snapshot.
        let mut offset = 0;
        for i in steps {
            now = now + Duration::from_secs(7);
            if let Input::Offset(o) = i {
                offset = o;
            }
            s.handle(now, i);
        }
        let snap = s.snapshot();
        let json = serde_json::to_string(&snap).unwrap();
        let back: limber::core::schedule::Snapshot = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(&back, &snap);
        let restored = Schedule::restore_in(settings.clone(), Catalogue::builtin(), &back, now + Duration::from_secs(later), offset);
        let (a, b) = (s.status(now), restored.status(now + Duration::from_secs(later)));
        // A pause or snooze still running comes back as it was (one that ended while the
        // user was away fires once they are back, which a restart assumes they are).
        if matches!(a.state, State::Paused | State::Snoozed) && a.until.is_none_or(|u| u > now) {
            prop_assert_eq!(a.state, b.state);
            prop_assert_eq!(a.until, b.until);
        }
        if a.state == State::Sitting && a.present {
            prop_assert_eq!(b.sitting, a.sitting + Duration::from_secs(later));
        }
        prop_assert_eq!(a.next_exercise, b.next_exercise);
    }
}
