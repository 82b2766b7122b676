//! Calls and typing through the real schedule on a fake clock: a microphone or camera in use
//! holds a due reminder until a short grace after the call, and a reminder that falls due
//! while the user types waits for a pause (capped). Transcripts are in tests/transcripts/.

mod sim;

use limber::core::schedule::{Command, Effect, EventKind, Input, Quiet};
use limber::core::status::State;
use sim::*;
use std::time::Duration;

const HOURLY: &str = "{}";

fn mic(on: bool) -> Input {
    Input::Quiet(Quiet { microphone: on, ..Quiet::default() })
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn typed(idle_ms: u64) -> Input {
    Input::Typing { idle: Some(ms(idle_ms)) }
}

fn at_ms(hms: &str, extra: u64) -> limber::core::Moment {
    at(hms) + ms(extra)
}

fn held(d: &Sim) -> Option<String> {
    d.status().held_back
}

fn watches(d: &Sim) -> Vec<Option<Duration>> {
    d.effects
        .iter()
        .filter_map(|(_, e)| match e {
            Effect::WatchTyping(w) => Some(*w),
            _ => None,
        })
        .collect()
}

fn gentle(d: &Sim) -> Vec<bool> {
    d.effects.iter().filter_map(|(_, e)| if let Effect::Notify(r) = e { Some(r.gentle) } else { None }).collect()
}

#[test]
fn a_call_holds_the_reminder_until_a_grace_after_it_ends() {
    let mut d = Sim::new(HOURLY, at("09:00"));
    d.feed(at("09:50"), mic(true));
    d.run_to(at("10:10"));
    assert_eq!(d.notifies(), vec![]);
    assert_eq!((d.status().state, held(&d).as_deref()), (State::Due, Some("call")));
    assert_eq!(d.status().line(clock), "Break due, waiting for the call to end");
    // Muted and unmuted within the grace: still the same call.
    d.feed(at("10:10"), mic(false));
    d.feed(at("10:10:03"), mic(true));
    d.run_to(at("10:20"));
    assert_eq!(d.notifies(), vec![]);
    // The call ends: the reminder comes once both have stayed closed for the grace.
    d.feed(at("10:20"), mic(false));
    d.run_to(at("10:20:04"));
    assert_eq!(d.notifies(), vec![], "not within the grace");
    assert_eq!(held(&d).as_deref(), Some("call"));
    d.run_to(at("10:21"));
    assert_eq!(d.notifies(), vec![at("10:20:05")], "right as the grace ends");
    assert_eq!(gentle(&d), vec![false]);
    transcript("call_grace", &d.log);
}

#[test]
fn the_camera_holds_too_and_either_keeps_the_call_going() {
    let mut d = Sim::new(HOURLY, at("09:00"));
    d.feed(at("09:59"), Input::Quiet(Quiet { camera: true, ..Quiet::default() }));
    d.run_to(at("10:05"));
    assert_eq!(held(&d).as_deref(), Some("call"));
    // The microphone opens, then the camera closes: the call goes on.
    d.feed(at("10:05"), Input::Quiet(Quiet { camera: true, microphone: true, ..Quiet::default() }));
    d.feed(at("10:06"), mic(true));
    d.run_to(at("10:25"));
    assert_eq!(d.notifies(), vec![]);
    d.feed(at("10:25"), mic(false));
    d.run_to(at("10:26"));
    assert_eq!(d.notifies(), vec![at("10:25:05")]);
}

#[test]
fn quiet_when_can_leave_the_microphone_or_camera_out() {
    let mut d = Sim::new(r#"{"quiet_when": {"microphone": false}}"#, at("09:00"));
    d.feed(at("09:30"), mic(true));
    d.run_to(at("10:01"));
    assert_eq!(d.notifies(), vec![at("10:00")], "recording does not hold it");
    let mut d = Sim::new(r#"{"quiet_when": {"camera": false}}"#, at("09:00"));
    d.feed(at("09:30"), Input::Quiet(Quiet { camera: true, ..Quiet::default() }));
    d.run_to(at("10:01"));
    assert_eq!(d.notifies(), vec![at("10:00")]);
    // Switched off during the call: the held reminder comes at once, with no grace.
    let mut d = Sim::new(HOURLY, at("09:00"));
    d.feed(at("09:30"), mic(true));
    d.run_to(at("10:02"));
    let off = limber::core::Settings::parse("c", r#"{"quiet_when": {"microphone": false}}"#).unwrap();
    d.feed(at("10:02"), Input::Settings(Box::new(off)));
    assert_eq!(d.notifies(), vec![at("10:02")]);
}

#[test]
fn a_call_combines_with_the_other_quiet_reasons_and_quiet_max_caps_it() {
    let mut d = Sim::new(HOURLY, at("09:00"));
    d.feed(at("09:40"), Input::Quiet(Quiet { fullscreen: true, microphone: true, ..Quiet::default() }));
    d.run_to(at("10:05"));
    assert_eq!(held(&d).as_deref(), Some("call"), "the call is named first");
    d.feed(at("10:05"), Input::Quiet(Quiet { fullscreen: true, ..Quiet::default() }));
    d.run_to(at("10:06"));
    assert_eq!(held(&d).as_deref(), Some("fullscreen"), "the film goes on after the call");
    d.feed(at("10:06"), Input::Quiet(Quiet { do_not_disturb: true, microphone: true, ..Quiet::default() }));
    d.run_to(at("10:29"));
    assert_eq!(d.notifies(), vec![]);
    // Held since 10:00: quiet_max (30 min) lets it through, gently, though the call goes on.
    d.run_to(at("10:31"));
    assert_eq!(d.notifies(), vec![at("10:30")]);
    assert_eq!(gentle(&d), vec![true]);
    transcript("call_quiet_max", &d.log);
}

#[test]
fn a_break_due_while_typing_waits_for_the_first_pause() {
    let mut d = Sim::new(HOURLY, at("09:00"));
    d.typist = true;
    d.run_to(at("10:00"));
    assert_eq!(watches(&d), vec![Some(ms(2500))], "the desktop is asked to watch for a pause");
    assert_eq!(d.notifies(), vec![]);
    assert_eq!(held(&d), None, "nothing said before the watch has spoken");
    d.feed(at_ms("10:00", 20), typed(150));
    assert_eq!(held(&d).as_deref(), Some("typing"));
    assert_eq!(d.status().line(clock), "Break due, waiting for a pause in typing");
    d.feed(at("10:00:09"), typed(2500));
    assert_eq!(d.notifies(), vec![at("10:00:09")], "at the pause");
    assert_eq!(watches(&d), vec![Some(ms(2500)), None], "and the watch is stopped");
    assert_eq!(held(&d), None);
    // The repeat five minutes later waits for a pause again.
    d.run_to(at("10:05:09"));
    assert_eq!(watches(&d).len(), 3);
    d.feed(at("10:05:10"), typed(3000));
    assert_eq!(d.notifies(), vec![at("10:00:09"), at("10:05:10")]);
    assert_eq!(d.effects.iter().filter(|(_, e)| matches!(e, Effect::Record(ev) if ev.kind == EventKind::Due)).count(), 1);
    transcript("typing_pause", &d.log);
}

#[test]
fn a_typist_who_never_stops_gets_it_at_wait_for_pause_max() {
    let mut d = Sim::new(r#"{"wait_for_pause_max": "90s"}"#, at("09:00"));
    d.typist = true;
    d.run_to(at("10:00"));
    let mut t = at("10:00");
    while t < at("10:03") {
        d.feed(t, typed(100));
        t = t + Duration::from_secs(2);
    }
    assert_eq!(d.notifies(), vec![at("10:01:30")], "once, at the cap");
    assert_eq!(gentle(&d), vec![false]);
    assert_eq!(watches(&d), vec![Some(ms(2500)), None]);
}

#[test]
fn no_wait_when_it_is_off_or_cannot_be_told() {
    let mut d = Sim::new(r#"{"wait_for_pause": "0s"}"#, at("09:00"));
    d.typist = true;
    d.run_to(at("10:01"));
    assert_eq!(d.notifies(), vec![at("10:00")]);
    assert_eq!(watches(&d), vec![], "no watch at all");
    let mut d = Sim::new(HOURLY, at("09:00"));
    d.typist = true;
    d.run_to(at("10:00"));
    d.feed(at("10:00"), Input::Typing { idle: None });
    assert_eq!(d.notifies(), vec![at("10:00")], "a desktop that cannot tell does not delay it");
    // Turned off while it waits: it comes at once.
    let mut d = Sim::new(HOURLY, at("09:00"));
    d.typist = true;
    d.run_to(at("10:00"));
    d.feed(at("10:00:01"), typed(100));
    let off = limber::core::Settings::parse("c", r#"{"wait_for_pause": "0s"}"#).unwrap();
    d.feed(at("10:00:02"), Input::Settings(Box::new(off)));
    assert_eq!(d.notifies(), vec![at("10:00:02")]);
    assert_eq!(watches(&d), vec![Some(ms(2500)), None]);
}

#[test]
fn after_a_call_it_still_waits_for_a_pause_and_a_new_call_holds_it_again() {
    let mut d = Sim::new(HOURLY, at("09:00"));
    d.typist = true;
    d.feed(at("09:50"), mic(true));
    d.run_to(at("10:10"));
    assert_eq!(watches(&d), vec![], "no typing watch during the call");
    d.feed(at("10:10"), mic(false));
    d.run_to(at("10:10:05"));
    assert_eq!(watches(&d), vec![Some(ms(2500))], "the grace is over: now the pause");
    d.feed(at("10:10:06"), typed(200));
    assert_eq!(held(&d).as_deref(), Some("typing"));
    d.feed(at("10:10:08"), mic(true));
    assert_eq!(held(&d).as_deref(), Some("call"), "a new call holds it again");
    assert_eq!(watches(&d), vec![Some(ms(2500)), None]);
    d.feed(at("10:15"), mic(false));
    d.run_to(at("10:15:05"));
    d.feed(at("10:15:06"), typed(2600));
    assert_eq!(d.notifies(), vec![at("10:15:06")]);
}

#[test]
fn leaving_the_wait_another_way_stops_the_watch_and_loses_nothing() {
    // Snoozed while waiting for the pause: no reminder, the watch stops, and the snooze's
    // end waits for a pause again.
    let mut d = Sim::new(HOURLY, at("09:00"));
    d.typist = true;
    d.run_to(at("10:00"));
    d.feed(at("10:00:01"), typed(100));
    d.feed(at("10:00:30"), Input::Command(Command::Snooze(None)));
    assert_eq!(watches(&d), vec![Some(ms(2500)), None]);
    assert_eq!(d.status().state, State::Snoozed);
    d.run_to(at("10:10:30"));
    assert_eq!(watches(&d).len(), 3);
    d.feed(at("10:10:31"), typed(2500));
    assert_eq!(d.notifies(), vec![at("10:10:31")]);

    // Locked while waiting: the watch stops while away, and the lock is the break.
    let mut d = Sim::new(HOURLY, at("09:00"));
    d.typist = true;
    d.run_to(at("10:00"));
    d.feed(at("10:00:01"), typed(100));
    d.feed(at("10:00:05"), Input::AwayBegan);
    assert_eq!(watches(&d), vec![Some(ms(2500)), None]);
    d.feed(at("10:10"), Input::AwayEnded);
    assert_eq!(d.status().state, State::Sitting);
    assert_eq!(d.notifies(), vec![]);
    assert_eq!(watches(&d).len(), 2, "no watch once sitting again");
    d.run_to(at("11:10"));
    assert_eq!(watches(&d).len(), 3, "the next break asks again");
}
