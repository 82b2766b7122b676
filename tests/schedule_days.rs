//! Whole working days through the real schedule on a fake clock, kept as readable
//! transcripts in tests/transcripts/.

mod sim;

use limber::core::schedule::{CardEvent, Command, Effect, EventKind, Input, PauseLength};
use limber::core::status::State;
use sim::*;

const HOURLY: &str = "{}";

#[test]
fn an_ignored_break_is_reminded_every_five_minutes_then_taken() {
    let mut d = Sim::new(HOURLY, at("09:00"));
    d.run_to(at("10:11"));
    assert_eq!(d.notifies(), vec![at("10:00"), at("10:05"), at("10:10")]);
    d.feed(at("10:12"), Input::Command(Command::BreakNow));
    d.feed(at("10:12:05"), Input::Card(CardEvent::StartHold));
    d.run_to(at("10:15"));
    assert_eq!(d.status().state, State::Sitting);
    d.run_to(at("11:15"));
    assert_eq!(d.notifies().last(), Some(&at("11:14")), "the next hour counts from the end of the break");
    transcript("ignored_then_taken", &d.log);
}

#[test]
fn snoozes_run_out_and_the_reminder_stops_offering_them() {
    let mut d = Sim::new(HOURLY, at("09:00"));
    for t in ["10:00:30", "10:11", "10:22"] {
        d.run_to(at(t));
        assert_eq!(d.status().state, State::Due, "{t}");
        d.feed(at(t), Input::Command(Command::Snooze(None)));
        assert_eq!(d.status().state, State::Snoozed);
    }
    d.run_to(at("10:40"));
    let offered: Vec<bool> = d
        .effects
        .iter()
        .filter_map(|(_, e)| match e {
            Effect::Notify(r) => Some(r.snooze.is_some()),
            _ => None,
        })
        .collect();
    assert_eq!(offered, vec![true, true, true, false, false]);
    assert_eq!(d.notifies(), vec![at("10:00"), at("10:10:30"), at("10:21"), at("10:32"), at("10:37")]);
    d.feed(at("10:40"), Input::Command(Command::Snooze(None)));
    assert_eq!(d.status().state, State::Due, "no snooze beyond max_snoozes");
    d.feed(at("10:41"), Input::Command(Command::Skip));
    assert_eq!(d.status().state, State::Sitting);
    assert_eq!(d.status().snoozes_left, 3);
    transcript("snoozes_run_out", &d.log);
}

#[test]
fn snoozing_ahead_of_time_moves_the_due_time() {
    let mut d = Sim::new(HOURLY, at("09:00"));
    d.feed(at("09:30"), Input::Command(Command::Snooze(Some(mins(15)))));
    d.run_to(at("10:19"));
    assert_eq!(d.notifies(), vec![at("10:15")]);
}

#[test]
fn idle_past_the_reset_is_a_natural_break() {
    let mut d = Sim::new(HOURLY, at("09:00"));
    // Samples every 30 s while typing, then the user walks off at 09:40 for 5 minutes.
    let mut t = at("09:00:30");
    while t < at("09:40") {
        d.feed(t, Input::Activity { idle: secs(3) });
        t = t + secs(30);
    }
    d.log.clear();
    d.feed(at("09:41"), Input::Activity { idle: secs(60) });
    assert_eq!(d.status().sitting, mins(41), "a short idle still counts as sitting");
    d.feed(at("09:42"), Input::Activity { idle: secs(120) });
    assert_eq!(d.status().sitting, mins(0));
    assert!(!d.status().present);
    d.feed(at("09:42:30"), Input::Activity { idle: secs(150) });
    d.feed(at("09:45:10"), Input::Activity { idle: secs(10) });
    assert_eq!(d.status().sitting, secs(10), "sitting restarts at the first input after the break");
    d.run_to(at("10:46"));
    assert_eq!(d.notifies(), vec![at("10:45")]);
    let naturals = d.effects.iter().filter(|(_, e)| matches!(e, Effect::Record(ev) if ev.kind == EventKind::Natural)).count();
    assert_eq!(naturals, 1, "one idle stretch is one natural break");
    transcript("natural_break", &d.log);
}

#[test]
fn walking_away_from_a_due_break_takes_it() {
    let mut d = Sim::new(HOURLY, at("09:00"));
    d.run_to(at("10:01"));
    d.feed(at("10:03"), Input::Activity { idle: secs(150) });
    assert_eq!(d.status().state, State::Sitting);
    assert!(d.effects.iter().any(|(t, e)| *t == at("10:03") && *e == Effect::CloseNotification));
}

#[test]
fn locks_and_sleep_count_as_away() {
    let mut d = Sim::new(HOURLY, at("09:00"));
    // A one-minute lock is not a break, and is not sitting either.
    d.feed(at("09:20"), Input::AwayBegan);
    d.feed(at("09:21"), Input::AwayEnded);
    assert_eq!(d.status().sitting, mins(20));
    // Lunch: the screen is locked for an hour across the due time. No reminder while locked.
    d.feed(at("09:50"), Input::AwayBegan);
    d.run_to(at("10:50"));
    assert!(d.notifies().is_empty());
    d.feed(at("10:50"), Input::AwayEnded);
    assert_eq!(d.status().sitting, mins(0));
    // The laptop sleeps 30 minutes; found after the fact as a clock gap: no instant reminder.
    d.run_to(at("11:20"));
    d.after_sleep(at("12:20"), Input::Gap { length: mins(60) });
    assert!(d.notifies().is_empty(), "{}", d.log);
    assert_eq!(d.status().sitting, mins(0));
    d.run_to(at("13:21"));
    assert_eq!(d.notifies(), vec![at("13:20")]);
    transcript("locks_and_sleep", &d.log);
}

#[test]
fn a_short_sleep_is_left_out_of_sitting() {
    let mut d = Sim::new(HOURLY, at("09:00"));
    d.run_to(at("09:30"));
    d.s.handle(at("09:31"), Input::Gap { length: secs(60) });
    assert_eq!(d.s.status(at("09:31")).sitting, mins(30));
}

#[test]
fn a_long_pause_ends_with_a_reminder_right_away() {
    let mut d = Sim::new(HOURLY, at("09:00"));
    d.feed(at("09:30"), Input::Command(Command::Pause(PauseLength::For(mins(120)))));
    d.run_to(at("11:29"));
    assert!(d.notifies().is_empty());
    assert_eq!(d.status().sitting, mins(149), "sitting still counts while paused");
    d.run_to(at("11:31"));
    assert_eq!(d.notifies(), vec![at("11:30")]);
    transcript("long_pause", &d.log);
}

#[test]
fn resume_ends_a_pause_and_until_resumed_has_no_end() {
    let mut d = Sim::new(HOURLY, at("09:00"));
    d.feed(at("09:10"), Input::Command(Command::Pause(PauseLength::UntilResumed)));
    assert_eq!(d.s.next_deadline().map(|t| t > at("09:10")), Some(true));
    d.run_to(at("17:00"));
    assert!(d.notifies().is_empty());
    d.feed(at("17:00"), Input::Command(Command::Resume));
    assert_eq!(d.notifies(), vec![at("17:00")]);
}

#[test]
fn skip_resets_sitting_and_records_it() {
    let mut d = Sim::new(HOURLY, at("09:00"));
    d.run_to(at("10:02"));
    d.feed(at("10:02"), Input::Command(Command::Skip));
    assert_eq!(d.status().sitting, mins(0));
    assert!(d.effects.iter().any(|(_, e)| matches!(e, Effect::Record(ev) if ev.kind == EventKind::Skipped && ev.sat == 62 * 60)));
    d.run_to(at("11:03"));
    assert_eq!(d.notifies(), vec![at("10:00"), at("11:02")]);
}

#[test]
fn the_card_walks_through_holds_with_cues() {
    let mut d = Sim::new(HOURLY, at("09:00"));
    d.run_to(at("10:00"));
    d.feed(at("10:00:10"), Input::Command(Command::BreakNow));
    let first = d.status().next_exercise.unwrap().id;
    d.feed(at("10:00:20"), Input::Card(CardEvent::StartHold));
    d.feed(at("10:00:25"), Input::Card(CardEvent::Next));
    d.feed(at("10:00:30"), Input::Card(CardEvent::Done));
    assert_eq!(d.status().state, State::Sitting);
    assert_ne!(d.status().next_exercise.unwrap().id, first, "the rotation moves on after a break");
    d.feed(at("11:00:30"), Input::Command(Command::BreakNow));
    d.feed(at("11:00:31"), Input::Card(CardEvent::StartHold));
    d.run_to(at("11:03"));
    let cues: Vec<_> =
        d.effects.iter().filter(|(_, e)| matches!(e, Effect::Cue(_))).map(|(t, e)| (clock(*t), format!("{e:?}"))).collect();
    assert!(!cues.is_empty());
    transcript("card", &d.log);
}

#[test]
fn show_next_is_a_preview_that_changes_nothing() {
    let mut d = Sim::new(HOURLY, at("09:00"));
    d.feed(at("09:10"), Input::Command(Command::ShowNext));
    assert!(
        matches!(d.effects.last(), Some((_, Effect::Status(_))))
            || d.effects.iter().any(|(_, e)| matches!(e, Effect::ShowCard(v) if v.preview))
    );
    d.feed(at("09:11"), Input::Card(CardEvent::Close));
    assert_eq!(d.status().state, State::Sitting);
    assert_eq!(d.status().sitting, mins(11));
    assert!(!d.status().card_open);
}

#[test]
fn a_due_break_survives_a_settings_change() {
    let mut d = Sim::new(HOURLY, at("09:00"));
    d.run_to(at("09:50"));
    let shorter = limber::core::Settings::parse("t", r#"{"sit_limit": "45m"}"#).unwrap();
    d.feed(at("09:50"), Input::Settings(Box::new(shorter)));
    assert_eq!(d.notifies(), vec![at("09:50")], "a shorter limit that has passed is due at once");
}

/// A working day with a morning of typing, a meeting, lunch, an ignored reminder and a
/// suspend on the way home.
#[test]
fn a_whole_working_day() {
    let mut d = Sim::new(r#"{"sit_limit": "50m", "break_length": "3m"}"#, at("08:55"));
    let mut t = at("09:00");
    // Typing with short pauses; the idle detector samples every 45 s.
    while t < at("12:00") {
        d.feed(t, Input::Activity { idle: secs(t.as_millis() / 1000 % 40) });
        if d.status().state == State::Due {
            let when = t + secs(40);
            d.feed(when, Input::Command(Command::BreakNow));
            d.feed(when + secs(2), Input::Card(CardEvent::StartHold));
            t = when + mins(4);
            continue;
        }
        t = t + secs(45);
    }
    d.feed(at("12:00"), Input::AwayBegan);
    d.feed(at("12:45"), Input::AwayEnded);
    d.run_to(at("14:00"));
    d.feed(at("14:00"), Input::Command(Command::Skip));
    d.run_to(at("15:30"));
    d.feed(at("15:30"), Input::Command(Command::Pause(PauseLength::For(mins(60)))));
    d.run_to(at("17:00"));
    d.after_sleep(at("17:40"), Input::Gap { length: mins(40) });
    let kinds = |k: EventKind| d.effects.iter().filter(|(_, e)| matches!(e, Effect::Record(ev) if ev.kind == k)).count();
    assert!(kinds(EventKind::Taken) >= 2, "{}", d.log);
    assert_eq!(kinds(EventKind::Skipped), 1);
    assert_eq!(kinds(EventKind::Natural), 2, "lunch and the evening suspend");
    transcript("working_day", &d.log);
}

#[test]
fn a_break_taken_during_a_pause_goes_back_to_the_pause() {
    let mut d = Sim::new(HOURLY, at("09:00"));
    d.feed(at("09:10"), Input::Command(Command::Pause(PauseLength::For(mins(120)))));
    d.feed(at("09:20"), Input::Command(Command::BreakNow));
    d.feed(at("09:20:30"), Input::Card(CardEvent::Done));
    let s = d.status();
    assert_eq!((s.state, s.until), (State::Paused, Some(at("11:10"))));
    // Snoozing such a break also goes back to the pause, and a pause that ran out during
    // the break ends with it.
    d.feed(at("11:00"), Input::Command(Command::BreakNow));
    d.feed(at("11:00:10"), Input::Card(CardEvent::Snooze));
    assert_eq!(d.status().state, State::Paused);
    d.feed(at("11:09"), Input::Command(Command::BreakNow));
    d.run_to(at("11:12"));
    assert_eq!(d.status().state, State::Sitting);
    let kinds: Vec<_> =
        d.effects.iter().filter_map(|(_, e)| if let Effect::Record(ev) = e { Some(ev.kind) } else { None }).collect();
    assert_eq!(kinds, [EventKind::Paused, EventKind::Taken, EventKind::Taken, EventKind::Resumed]);
}

#[test]
fn a_break_snoozed_before_it_came_due_is_recorded_as_due() {
    let mut d = Sim::new(HOURLY, at("09:00"));
    d.feed(at("09:50"), Input::Command(Command::Snooze(None)));
    d.run_to(at("10:11"));
    assert_eq!(d.notifies(), vec![at("10:10")]);
    let dues = d.effects.iter().filter(|(_, e)| matches!(e, Effect::Record(ev) if ev.kind == EventKind::Due)).count();
    assert_eq!(dues, 1);
}
