//! Where the schedule stands, in the words the tray, `limber status` and panel bars use.

use super::duration::minutes_ceil;
use super::moment::Moment;
use serde::Serialize;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    Sitting,
    Due,
    OnBreak,
    Snoozed,
    Paused,
    OutsideHours,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NextStretch {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Status {
    pub state: State,
    /// False while the user is idle past `idle_reset`, locked or suspended.
    pub present: bool,
    #[serde(serialize_with = "secs")]
    pub sitting: Duration,
    /// `None` when no break is scheduled (paused, away, on a break).
    #[serde(serialize_with = "opt_secs")]
    pub next_break_in: Option<Duration>,
    /// The end of a snooze or pause.
    pub until: Option<Moment>,
    pub next_exercise: Option<NextStretch>,
    pub snoozes_left: u32,
    pub card_open: bool,
    /// Why a due reminder is waiting: "call" (a microphone or camera in use), "fullscreen",
    /// "do_not_disturb", "typing" or an app's name.
    pub held_back: Option<String>,
    /// Reading mode: time without input counts as sitting.
    pub reading: bool,
}

fn secs<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u64(d.as_secs())
}

fn opt_secs<S: serde::Serializer>(d: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
    match d {
        Some(d) => s.serialize_some(&d.as_secs()),
        None => s.serialize_none(),
    }
}

/// What menus may offer in each state, so the tray and the CLI agree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Offers {
    pub break_now: bool,
    pub snooze: bool,
    pub skip: bool,
    pub pause: bool,
    pub resume: bool,
}

impl Status {
    /// The one-line summary for a tray menu or tooltip. `clock` turns a moment into the
    /// user's local time of day ("14:20"); the core knows no time zones.
    pub fn line(&self, clock: impl Fn(Moment) -> String) -> String {
        let minutes = self.sitting.as_secs() / 60;
        match self.state {
            State::Sitting if !self.present => "Away: sitting time starts again when you are back".to_string(),
            State::Sitting => match self.next_break_in {
                Some(d) => format!("Sitting {minutes} min, break in {} min", minutes_ceil(d)),
                None => format!("Sitting {minutes} min"),
            },
            State::Due => match self.held_back.as_deref() {
                None => "Break due".to_string(),
                Some("call") => "Break due, waiting for the call to end".to_string(),
                Some("typing") => "Break due, waiting for a pause in typing".to_string(),
                Some("fullscreen") => "Break due, waiting for the fullscreen window".to_string(),
                Some("do_not_disturb") => "Break due, waiting for do not disturb to end".to_string(),
                Some(app) => format!("Break due, waiting for {app} to close"),
            },
            State::OnBreak => "On a break".to_string(),
            State::Snoozed => match self.until {
                Some(t) => format!("Snoozed until {}", clock(t)),
                None => "Snoozed".to_string(),
            },
            State::Paused => match self.until {
                Some(t) => format!("Paused until {}", clock(t)),
                None => "Paused until you resume".to_string(),
            },
            State::OutsideHours => match self.until {
                Some(t) => format!("Outside working hours (until {})", clock(t)),
                None => "Outside working hours".to_string(),
            },
        }
    }

    pub fn offers(&self) -> Offers {
        let active = matches!(self.state, State::Sitting | State::Due | State::Snoozed);
        Offers {
            break_now: self.state != State::OnBreak,
            snooze: matches!(self.state, State::Sitting | State::Due) && self.present && self.snoozes_left > 0,
            skip: active,
            pause: matches!(self.state, State::Sitting | State::Due | State::Snoozed),
            resume: self.state == State::Paused,
        }
    }

    /// How far along the way to the next break, 0.0 to 1.0, for the tray icon's ring.
    pub fn progress(&self, sit_limit: Duration) -> f32 {
        match (self.state, self.next_break_in) {
            (State::Due, _) => 1.0,
            (State::Sitting, Some(left)) if !sit_limit.is_zero() => {
                (1.0 - left.as_secs_f32() / sit_limit.as_secs_f32()).clamp(0.0, 1.0)
            }
            _ => 0.0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(state: State) -> Status {
        Status {
            state,
            present: true,
            sitting: Duration::from_secs(42 * 60 + 10),
            next_break_in: Some(Duration::from_secs(17 * 60 + 50)),
            until: Some(Moment::from_secs(60)),
            next_exercise: None,
            snoozes_left: 3,
            card_open: false,
            held_back: None,
            reading: false,
        }
    }

    #[test]
    fn lines_read_like_the_menu() {
        let clock = |_| "14:20".to_string();
        assert_eq!(status(State::Sitting).line(clock), "Sitting 42 min, break in 18 min");
        assert_eq!(status(State::Due).line(clock), "Break due");
        assert_eq!(status(State::Snoozed).line(clock), "Snoozed until 14:20");
        assert_eq!(status(State::Paused).line(clock), "Paused until 14:20");
        assert_eq!(Status { until: None, ..status(State::Paused) }.line(clock), "Paused until you resume");
        assert_eq!(status(State::OutsideHours).line(clock), "Outside working hours (until 14:20)");
        let held = |h: &str| Status { held_back: Some(h.to_string()), ..status(State::Due) }.line(clock);
        assert_eq!(held("fullscreen"), "Break due, waiting for the fullscreen window");
        assert_eq!(held("zoom"), "Break due, waiting for zoom to close");
        assert_eq!(held("call"), "Break due, waiting for the call to end");
        assert_eq!(held("typing"), "Break due, waiting for a pause in typing");
    }

    #[test]
    fn offers_follow_the_state() {
        assert!(status(State::Due).offers().snooze);
        assert!(!Status { snoozes_left: 0, ..status(State::Due) }.offers().snooze);
        assert!(!status(State::OnBreak).offers().break_now);
        assert!(status(State::Paused).offers().resume && !status(State::Paused).offers().pause);
        assert!(!status(State::Sitting).offers().resume);
    }

    #[test]
    fn json_uses_seconds() {
        let j = serde_json::to_value(status(State::Sitting)).unwrap();
        assert_eq!(j["state"], "sitting");
        assert_eq!(j["sitting"], 2530);
        assert_eq!(j["next_break_in"], 1070);
    }
}
