//! Presence through the real schedule on a fake clock: quiet times holding reminders back,
//! working hours, and reading mode. Transcripts are in tests/transcripts/.

mod sim;

use limber::core::schedule::{Command, Effect, EventKind, Input, Quiet};
use limber::core::status::State;
use sim::*;

const HOURLY: &str = "{}";

fn fullscreen() -> Input {
    Input::Quiet(Quiet { fullscreen: true, ..Quiet::default() })
}

fn calm() -> Input {
    Input::Quiet(Quiet::default())
}

fn gentle(d: &Sim) -> Vec<bool> {
    d.effects
        .iter()
        .filter_map(|(_, e)| match e {
            Effect::Notify(r) => Some(r.gentle),
            _ => None,
        })
        .collect()
}

fn kinds(d: &Sim) -> Vec<EventKind> {
    d.effects
        .iter()
        .filter_map(|(_, e)| match e {
            Effect::Record(ev) => Some(ev.kind),
            _ => None,
        })
        .collect()
}

#[test]
fn a_fullscreen_window_holds_the_reminder_until_it_ends() {
    let mut d = Sim::new(HOURLY, at("09:00"));
    d.feed(at("09:50"), fullscreen());
    d.run_to(at("10:20"));
    assert_eq!(d.notifies(), vec![], "nothing while the film plays");
    let st = d.status();
    assert_eq!((st.state, st.held_back.as_deref()), (State::Due, Some("fullscreen")));
    assert_eq!(st.line(clock), "Break due, waiting for the fullscreen window");
    assert_eq!(kinds(&d), vec![EventKind::Due], "the break came due at 10:00 all the same");
    d.feed(at("10:20"), calm());
    assert_eq!(d.notifies(), vec![at("10:20")], "the reminder comes the moment it ends");
    assert_eq!(d.status().held_back, None);
    d.run_to(at("10:26"));
    assert_eq!(d.notifies(), vec![at("10:20"), at("10:25")], "and is repeated as usual");
    assert_eq!(gentle(&d), vec![false, false]);
    transcript("quiet_fullscreen", &d.log);
}

#[test]
fn a_quiet_time_longer_than_quiet_max_gets_a_gentle_reminder() {
    let mut d = Sim::new(HOURLY, at("09:00"));
    d.feed(at("09:30"), fullscreen());
    d.run_to(at("11:10"));
    assert_eq!(d.notifies(), vec![at("10:30"), at("11:05")], "after 30 min held, then again 30 min after remind_again");
    assert_eq!(gentle(&d), vec![true, true]);
    let first = d.effects.iter().find_map(|(_, e)| if let Effect::Notify(r) = e { Some(r.clone()) } else { None });
    assert_eq!(first.unwrap().title, "When you can: time to move");
    transcript("quiet_max", &d.log);
}

#[test]
fn quiet_when_decides_which_reasons_count() {
    // Fullscreen switched off: a game does not hold the reminder.
    let mut d = Sim::new(r#"{"quiet_when": {"fullscreen": false}}"#, at("09:00"));
    d.feed(at("09:30"), fullscreen());
    d.run_to(at("10:01"));
    assert_eq!(d.notifies(), vec![at("10:00")]);

    // An app not on the list does not hold it either; one on it does.
    let mut d = Sim::new(r#"{"quiet_when": {"apps": ["teams"]}}"#, at("09:00"));
    d.feed(at("09:30"), Input::Quiet(Quiet { app: Some("zoom".into()), ..Quiet::default() }));
    d.run_to(at("10:01"));
    assert_eq!(d.notifies(), vec![at("10:00")]);
    let mut d = Sim::new(r#"{"quiet_when": {"apps": ["Teams"]}}"#, at("09:00"));
    d.feed(at("09:30"), Input::Quiet(Quiet { app: Some("teams".into()), ..Quiet::default() }));
    d.run_to(at("10:01"));
    assert_eq!(d.notifies(), vec![]);
    assert_eq!(d.status().line(clock), "Break due, waiting for teams to close");

    // Do not disturb, by default.
    let mut d = Sim::new(HOURLY, at("09:00"));
    d.feed(at("09:30"), Input::Quiet(Quiet { do_not_disturb: true, ..Quiet::default() }));
    d.run_to(at("10:01"));
    assert_eq!(d.status().held_back.as_deref(), Some("do_not_disturb"));
    // Turning the setting off lets the held reminder through at once.
    let off = limber::core::Settings::parse("c", r#"{"quiet_when": {"do_not_disturb": false}}"#).unwrap();
    d.feed(at("10:02"), Input::Settings(Box::new(off)));
    assert_eq!(d.notifies(), vec![at("10:02")]);
}

#[test]
fn a_snooze_ending_in_a_call_waits_for_the_call() {
    let mut d = Sim::new(r#"{"quiet_when": {"apps": ["zoom"]}}"#, at("09:00"));
    d.run_to(at("10:01"));
    d.feed(at("10:01"), Input::Command(Command::Snooze(None)));
    d.feed(at("10:05"), Input::Quiet(Quiet { app: Some("zoom".into()), ..Quiet::default() }));
    d.run_to(at("10:40"));
    assert_eq!(d.notifies(), vec![at("10:00")], "the snooze ended at 10:11, inside the call");
    assert_eq!(d.status().held_back.as_deref(), Some("zoom"));
    d.feed(at("10:40"), calm());
    assert_eq!(d.notifies(), vec![at("10:00"), at("10:40")]);
}

#[test]
fn walking_away_while_held_is_the_break() {
    let mut d = Sim::new(HOURLY, at("09:00"));
    d.feed(at("09:50"), fullscreen());
    d.run_to(at("10:05"));
    d.feed(at("10:05"), Input::AwayBegan);
    d.feed(at("10:12"), Input::AwayEnded);
    d.feed(at("10:13"), calm());
    d.run_to(at("10:30"));
    assert_eq!(d.notifies(), vec![], "the break was taken away from the desk");
    assert_eq!(kinds(&d), vec![EventKind::Due, EventKind::Natural]);
    assert_eq!(d.status().state, State::Sitting);
}

const OFFICE: &str = r#"{"working_hours": {"mon-fri": "09:00-17:30", "fri": "09:00-13:00"}}"#;

#[test]
fn no_reminders_outside_working_hours_and_a_fresh_start_each_day() {
    // Sunday evening: outside the hours until Monday morning.
    let mut d = Sim::new(OFFICE, at_day(0, "20:00"));
    let st = d.status();
    assert_eq!((st.state, st.until), (State::OutsideHours, Some(at_day(1, "09:00"))));
    assert_eq!(st.line(clock), "Outside working hours (until d1 09:00:00)");
    assert!(!st.offers().pause && !st.offers().snooze && st.offers().break_now);
    d.run_to(at_day(1, "09:00"));
    assert_eq!((d.status().state, d.status().sitting), (State::Sitting, mins(0)), "sitting starts at 09:00, not on Sunday");
    d.run_to(at_day(1, "17:40"));
    let monday = d.notifies();
    assert_eq!(monday.first(), Some(&at_day(1, "10:00")));
    assert!(monday.iter().all(|t| *t < at_day(1, "17:30")), "none after 17:30: {monday:?}");
    assert_eq!(d.status().state, State::OutsideHours);
    // Present all evening and night (no idle backend): Tuesday still starts from zero.
    d.run_to(at_day(2, "09:30"));
    assert_eq!(d.status().sitting, mins(30));
    // Friday's own entry overrides mon-fri.
    d.run_to(at_day(5, "13:00"));
    assert_eq!(d.status().state, State::OutsideHours);
    assert_eq!(d.status().until, Some(at_day(8, "09:00")), "until Monday");
    // The state changes only: the reminders of an ignored day repeat every five minutes.
    let states: Vec<&str> = d.log.lines().filter(|l| l.contains("status: ") && !l.contains("Break due")).collect();
    transcript("working_hours", &states.join("\n"));
}

#[test]
fn hours_end_closes_a_due_reminder_and_a_break_in_progress_finishes() {
    let mut d = Sim::new(r#"{"working_hours": {"mon": "09:00-10:02"}}"#, at_day(1, "09:00"));
    d.run_to(at_day(1, "10:01"));
    assert_eq!(d.notifies(), vec![at_day(1, "10:00")]);
    d.run_to(at_day(1, "10:02"));
    assert!(d.effects.iter().any(|(t, e)| *t == at_day(1, "10:02") && *e == Effect::CloseNotification));
    assert_eq!(d.status().state, State::OutsideHours);
    // Nothing to pause or skip out there.
    d.feed(at_day(1, "10:30"), Input::Command(Command::Pause(limber::core::schedule::PauseLength::UntilResumed)));
    d.feed(at_day(1, "10:31"), Input::Command(Command::Skip));
    assert_eq!(d.status().state, State::OutsideHours);
    assert_eq!(kinds(&d), vec![EventKind::Due]);
    // A break asked for outside the hours runs, and ends back outside them.
    d.feed(at_day(1, "11:00"), Input::Command(Command::BreakNow));
    assert_eq!(d.status().state, State::OnBreak);
    d.run_to(at_day(1, "11:03"));
    assert_eq!(d.status().state, State::OutsideHours);
}

#[test]
fn a_pause_lasting_into_the_working_day_still_starts_it_from_zero() {
    let mut d = Sim::new(OFFICE, at_day(1, "17:00"));
    d.feed(at_day(1, "17:00"), Input::Command(Command::Pause(limber::core::schedule::PauseLength::UntilResumed)));
    d.run_to(at_day(2, "10:00"));
    assert_eq!(d.status().state, State::Paused);
    assert_eq!(d.status().sitting, mins(60), "counted from 09:00, not through the night");
    d.feed(at_day(2, "10:00"), Input::Command(Command::Resume));
    assert_eq!(d.status().state, State::Due);
}

#[test]
fn working_hours_are_local_time() {
    // UTC+2: 07:00 UTC is 09:00 at the desk.
    let mut d = Sim::new_in(OFFICE, at_day(1, "06:30"), 7200);
    assert_eq!(d.status().until, Some(at_day(1, "07:00")));
    d.run_to(at_day(1, "07:01"));
    assert_eq!(d.status().state, State::Sitting);
    // Daylight saving time ends: the desk moves to UTC+1, 09:00 local is now 08:00 UTC.
    d.feed(at_day(1, "07:02"), Input::Offset(3600));
    assert_eq!(d.status().state, State::OutsideHours);
    assert_eq!(d.status().until, Some(at_day(1, "08:00")));
}

#[test]
fn reading_mode_counts_time_without_input_as_sitting() {
    let mut d = Sim::new(r#"{"reading_mode": true}"#, at("09:00"));
    assert!(d.status().reading);
    d.feed(at("09:30"), Input::Activity { idle: mins(20) });
    assert!(d.status().present);
    assert_eq!(d.status().sitting, mins(30));
    d.run_to(at("10:00:01"));
    assert_eq!(d.notifies(), vec![at("10:00")], "an hour of reading is an hour of sitting");
    // A lock still is a break.
    d.feed(at("10:01"), Input::AwayBegan);
    d.feed(at("10:05"), Input::AwayEnded);
    assert_eq!(kinds(&d), vec![EventKind::Due, EventKind::Natural]);
    // Off again from the tray while still idle: that is a break at once, though the detector
    // (which reports only changes) says nothing new.
    d.feed(at("10:06"), Input::Activity { idle: mins(5) });
    d.feed(at("10:08"), Input::Command(Command::Reading(false)));
    assert!(!d.status().present);
    assert_eq!(kinds(&d).len(), 3);
    d.feed(at("10:09"), Input::Activity { idle: secs(1) });
    d.feed(at("10:20"), Input::Activity { idle: mins(3) });
    assert!(!d.status().present);
    assert_eq!(kinds(&d).last(), Some(&EventKind::Natural));
    // Turned on while idle: sitting starts from then.
    d.feed(at("10:21"), Input::Command(Command::Reading(true)));
    assert!(d.status().present);
    d.run_to(at("10:31"));
    assert_eq!(d.status().sitting, mins(10));
    transcript("reading_mode", &d.log);
}

#[test]
fn reading_mode_and_the_day_outside_hours_survive_a_restart() {
    let mut d = Sim::new(r#"{"working_hours": {"mon": "09:00-17:00"}}"#, at_day(1, "18:00"));
    d.feed(at_day(1, "18:00"), Input::Command(Command::Reading(true)));
    let saved = d.s.snapshot();
    let settings = limber::core::Settings::parse("c", r#"{"working_hours": {"mon-tue": "09:00-17:00"}}"#).unwrap();
    let cat = limber::core::catalogue::Catalogue::builtin();
    let s = limber::core::Schedule::restore(settings, cat, &saved, at_day(2, "09:10"));
    let st = s.status(at_day(2, "09:10"));
    assert!(st.reading);
    assert_eq!((st.state, st.sitting), (State::Sitting, mins(0)), "a new working day starts from zero");
}
