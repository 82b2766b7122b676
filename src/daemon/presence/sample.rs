//! The shared loop of the detectors that can only be asked, never told: X11,
//! org.freedesktop.ScreenSaver, Windows and macOS.
//!
//! They send no event when input stops, so the loop samples, but only as often as a decision
//! needs. While input is recent, the earliest moment a break could be complete is
//! `idle_reset - idle` away, so that is when the next sample is taken. While the user is
//! away, a sample every `idle_reset` is enough: the return is dated by the source's own idle
//! time, so noticing it later loses no sitting time.
//!
//! A typing watch adds samples only while it runs: one at once, then each when the pause
//! would be complete if no input came since (`pause - idle` later), so continuous typing
//! costs one sample per pause length and the pause is seen the moment it is complete.

use super::{Ask, Found, Teller, Typer, lost};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::Duration;

/// How long to wait before the next sample, given the last one.
pub fn next_sample(idle: Duration, idle_reset: Duration) -> Duration {
    let least = Duration::from_secs(1);
    let wait = if idle < idle_reset { idle_reset - idle } else { idle_reset };
    wait.max(least)
}

/// The least wait between samples, for sources that are costly or coarse to ask.
pub type Floor = fn(Duration) -> Duration;

/// No floor beyond [`next_sample`]'s own second.
pub fn no_floor(_: Duration) -> Duration {
    Duration::ZERO
}

/// The next wait, with the source's floor applied.
pub fn wait(idle: Duration, idle_reset: Duration, floor: Floor) -> Duration {
    next_sample(idle, idle_reset).max(floor(idle_reset))
}

/// A sampling detector, ready to run: `first` is the sample its probe took, `ask` takes the
/// next ones (an error means the source is lost).
pub(super) fn found(
    name: &'static str,
    first: Duration,
    idle_reset: Duration,
    floor: Floor,
    ask: impl FnMut() -> Result<Duration, String> + 'static,
) -> Found {
    let (tx, rx) = mpsc::channel();
    let pauses = tx.clone();
    Found {
        name,
        rearm: Box::new(move |d| {
            let _ = tx.send(Ask::IdleReset(d));
        }),
        watch: Some(Box::new(move |p| {
            let _ = pauses.send(Ask::Pause(p));
        })),
        run: Box::new(move |report, typer| run(name, first, idle_reset, floor, rx, ask, &mut Teller::new(report), &typer)),
    }
}

/// A running typing watch: the pause it waits for, and whether its first sample was told.
#[derive(Debug, Clone, Copy, PartialEq)]
struct PauseWatch {
    pause: Duration,
    told: bool,
}

impl PauseWatch {
    /// Whether `idle` is worth telling: the first sample, and the one that finds the pause.
    fn worth_telling(&mut self, idle: Duration) -> bool {
        !std::mem::replace(&mut self.told, true) || idle >= self.pause
    }

    /// The wait until the pause would be complete, if no input comes before.
    fn next_sample(&self, idle: Duration) -> Duration {
        self.pause.saturating_sub(idle).max(Duration::from_millis(10))
    }
}

/// Samples until the daemon is gone or the source is lost. A new `idle_reset` arriving on
/// `rearms` is followed at once, with a fresh sample.
#[allow(clippy::too_many_arguments)] // the loop's whole state, each part used once
fn run(
    name: &str,
    first: Duration,
    mut idle_reset: Duration,
    floor: Floor,
    rearms: mpsc::Receiver<Ask>,
    mut ask: impl FnMut() -> Result<Duration, String>,
    teller: &mut Teller,
    typer: &Typer,
) {
    let mut idle = first;
    let mut rearms = Some(rearms);
    let mut watch: Option<PauseWatch> = None;
    loop {
        if !teller.tell(idle, idle_reset) {
            return;
        }
        if let Some(w) = &mut watch {
            if w.worth_telling(idle) && !typer(idle) {
                return;
            }
            // One pause per watch: the reminder it held comes now.
            if idle >= w.pause {
                watch = None;
            }
        }
        let mut pause = wait(idle, idle_reset, floor);
        if let Some(w) = &watch {
            pause = pause.min(w.next_sample(idle));
        }
        match rearms.as_ref().map(|r| r.recv_timeout(pause)) {
            Some(Ok(Ask::IdleReset(d))) => idle_reset = d,
            Some(Ok(Ask::Pause(p))) => watch = p.map(|pause| PauseWatch { pause, told: false }),
            Some(Err(RecvTimeoutError::Timeout)) => {}
            // The handle is gone (the daemon is ending): keep the last value.
            Some(Err(RecvTimeoutError::Disconnected)) => rearms = None,
            None => std::thread::sleep(pause),
        }
        idle = match ask() {
            Ok(idle) => idle,
            Err(e) => return lost(name, e),
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};
    use std::time::Instant;

    #[test]
    fn a_typing_watch_samples_when_the_pause_would_be_complete() {
        let ms = Duration::from_millis;
        let mut w = PauseWatch { pause: ms(2500), told: false };
        assert!(w.worth_telling(ms(100)), "the first sample says the user types");
        assert!(!w.worth_telling(ms(300)), "still typing: nothing new");
        assert_eq!(w.next_sample(ms(300)), ms(2200));
        assert!(w.worth_telling(ms(2500)), "the pause");
        assert_eq!(w.next_sample(ms(2600)), ms(10), "never a busy loop");
    }

    #[test]
    fn a_typing_watch_tells_at_once_and_at_the_pause() {
        // Idle times the source returns: typing (0.1 s) twice, then a pause of 0.3 s.
        let script = Arc::new(Mutex::new(vec![ms(100), ms(120), ms(310)].into_iter()));
        fn ms(n: u64) -> Duration {
            Duration::from_millis(n)
        }
        let hour = Duration::from_secs(3600);
        let probe: super::super::Probe = Box::new({
            let script = script.clone();
            move |reset| {
                Ok(found("test", Duration::ZERO, reset, no_floor, move || {
                    script.lock().unwrap().next().ok_or_else(|| "script over".to_string())
                }))
            }
        });
        let (tx, rx) = mpsc::channel();
        let idle =
            super::super::start_with(vec![("test", probe)], hour, Box::new(|_| true), Box::new(move |d| tx.send(d).is_ok()));
        let started = Instant::now();
        assert!(idle.watch_typing(Some(ms(300))));
        assert_eq!(rx.recv_timeout(Duration::from_secs(10)), Ok(ms(100)), "typing, told at once");
        assert_eq!(rx.recv_timeout(Duration::from_secs(10)), Ok(ms(310)), "then the pause");
        assert!(started.elapsed() >= ms(380), "the second sample waited for the pause to be possible");
    }

    #[test]
    fn samples_only_as_often_as_the_decision_needs() {
        let reset = Duration::from_secs(120);
        assert_eq!(next_sample(Duration::ZERO, reset), reset, "fresh input: a break cannot be complete sooner");
        assert_eq!(next_sample(Duration::from_secs(100), reset), Duration::from_secs(20));
        assert_eq!(next_sample(Duration::from_secs(300), reset), reset, "away: the return is dated by the source");
        assert_eq!(next_sample(Duration::from_millis(119_900), reset), Duration::from_secs(1));
    }

    #[test]
    fn a_floor_spaces_out_samples_near_the_limit() {
        let reset = Duration::from_secs(120);
        let quarter: Floor = |r| r / 4;
        assert_eq!(wait(Duration::from_secs(100), reset, quarter), Duration::from_secs(30));
        assert_eq!(wait(Duration::ZERO, reset, quarter), reset);
        assert_eq!(wait(Duration::from_secs(100), reset, no_floor), Duration::from_secs(20));
    }

    #[test]
    fn a_new_idle_reset_is_followed_at_once_and_a_lost_source_ends_the_loop() {
        let hour = Duration::from_secs(3600);
        let asked = Arc::new(Mutex::new(Vec::new()));
        let probe: super::super::Probe = Box::new({
            let asked = asked.clone();
            move |reset| {
                let mut script = vec![Ok(Duration::from_secs(90)), Ok(Duration::from_secs(90))].into_iter();
                Ok(found("test", Duration::ZERO, reset, no_floor, move || {
                    asked.lock().unwrap().push(Instant::now());
                    script.next().unwrap_or(Err("script over".into()))
                }))
            }
        });
        let (tx, rx) = mpsc::channel();
        let idle =
            super::super::start_with(vec![("test", probe)], hour, Box::new(move |d| tx.send(d).is_ok()), Box::new(|_| true));
        assert_eq!(rx.recv_timeout(Duration::from_secs(10)), Ok(Duration::ZERO), "the first sample is told");
        // The next sample is an hour away; a new idle_reset of a minute asks now, and 90 s
        // without input is then a break.
        let before = Instant::now();
        idle.set_idle_reset(Duration::from_secs(60));
        assert_eq!(rx.recv_timeout(Duration::from_secs(10)), Ok(Duration::from_secs(90)));
        assert!(asked.lock().unwrap()[0] >= before);
        // Still away with another minute: not told again. Then the script ends: the source
        // is lost, the loop ends and the report channel closes with nothing more said.
        idle.set_idle_reset(Duration::from_secs(61));
        idle.set_idle_reset(Duration::from_secs(62));
        assert_eq!(rx.recv_timeout(Duration::from_secs(10)), Err(mpsc::RecvTimeoutError::Disconnected));
        assert_eq!(asked.lock().unwrap().len(), 3);
    }
}
