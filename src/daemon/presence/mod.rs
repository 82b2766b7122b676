//! The idle adapter: how long since the last keyboard or mouse input, from the best source
//! this session offers, on a thread of its own ("limber-idle").
//!
//! Sources are tried best first: the Wayland idle protocols (event-driven), GNOME's
//! IdleMonitor (event-driven), X11's MIT-SCREEN-SAVER (sampled), org.freedesktop.ScreenSaver
//! (sampled) and logind's IdleHint (event-driven); on Windows and macOS the system's own
//! last-input time (sampled) comes first. The first that answers is used for the whole run.
//!
//! Whatever the source, the daemon is told only when the answer to "here, or away for
//! `idle_reset` or more?" may have changed, so an idle daemon is not woken for nothing.
//!
//! While a due reminder waits for a pause in typing, the schedule asks for a second, short
//! watch ([`Idle::watch_typing`]): the sampled sources sample once at once and then when the
//! pause would be complete, GNOME and the Wayland protocols arm an idle watch of the pause's
//! length. logind's hint is far too coarse for that: there, nothing waits for a pause.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::time::Duration;

mod dbus;
mod native;
mod sample;
#[cfg(all(unix, not(target_os = "macos")))]
mod wayland;
mod x11;

pub use x11::X11;

/// What the status reports when no idle detector works: sitting time is then wall-clock time
/// at the desk, minus locks and sleep.
pub const NONE: &str = "none (wall clock)";

/// Hands the daemon the time since the last input; false once nobody listens any more.
type Report = Box<dyn Fn(Duration) -> bool + Send>;

/// Hands the daemon what a typing watch found: no input for this long; false once nobody
/// listens.
type Typer = Box<dyn Fn(Duration) -> bool + Send>;

/// How a running detector follows a new `idle_reset` (called on the daemon's thread, so it
/// must not block: it hands the value over or sends a request without waiting).
type Rearm = Box<dyn Fn(Duration) + Send>;

/// How a running detector starts (with the pause's length) or stops a typing watch; like
/// [`Rearm`], it must not block.
type WatchPause = Box<dyn Fn(Option<Duration>) + Send>;

/// What the daemon asks of a running detector.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ask {
    IdleReset(Duration),
    /// Tell once now (if the source can) and again once no input came for this long;
    /// `None`: stop.
    Pause(Option<Duration>),
}

/// A detector that answered its probe.
struct Found {
    name: &'static str,
    rearm: Rearm,
    /// `None`: this detector cannot watch for a pause in typing.
    watch: Option<WatchPause>,
    /// The detector's loop, run on the idle thread until the daemon is gone or the source is lost.
    run: Box<dyn FnOnce(Report, Typer)>,
}

/// Why a detector is not used in this session.
#[derive(Debug, thiserror::Error)]
enum Skip {
    #[error("{0}")]
    Absent(&'static str),
    #[error("D-Bus: {0}")]
    DBus(#[from] zbus::Error),
    #[error("{0}")]
    Failed(String),
}

/// How long start-up waits for the probes, all together.
const PROBES_TIMEOUT: Duration = Duration::from_secs(20);

/// Tries one detector with the current `idle_reset`.
type Probe = Box<dyn FnOnce(Duration) -> Result<Found, Skip> + Send>;

/// The running idle detector, whichever it is.
pub struct Idle {
    /// Its name for the log and `limber status`, or [`NONE`].
    pub backend: &'static str,
    idle_reset_ms: AtomicU64,
    rearm: Option<Rearm>,
    watch: Option<WatchPause>,
}

impl Idle {
    /// The settings changed: detectors that sample or arm a timeout follow the new value.
    /// An unchanged value does nothing, since re-arming a timeout restarts its count.
    pub fn set_idle_reset(&self, d: Duration) {
        let ms = millis(d);
        if self.idle_reset_ms.swap(ms, Ordering::Relaxed) != ms
            && let Some(rearm) = &self.rearm
        {
            rearm(d);
        }
    }

    /// Starts (`Some(pause)`) or stops a watch for a pause in typing; its findings go to the
    /// `typing` report given to [`start`]. False when this desktop's detector cannot watch
    /// for one (or there is none): then there is no pause to wait for.
    pub fn watch_typing(&self, pause: Option<Duration>) -> bool {
        match &self.watch {
            Some(watch) => {
                watch(pause);
                true
            }
            None => false,
        }
    }
}

/// Starts the best idle detector this session offers. `report` gets the time since the last
/// input whenever the answer to "here or away (idle for `idle_reset` or more)?" may have
/// changed; `typing` gets what a typing watch finds. Both return false once nobody listens.
pub fn start(
    idle_reset: Duration,
    report: impl Fn(Duration) -> bool + Send + 'static,
    typing: impl Fn(Duration) -> bool + Send + 'static,
) -> Idle {
    start_with(probes(), idle_reset, Box::new(report), Box::new(typing))
}

/// Every detector this platform has, best first.
fn probes() -> Vec<(&'static str, Probe)> {
    let mut all = native::probes();
    #[cfg(all(unix, not(target_os = "macos")))]
    all.push(("wayland idle protocols", Box::new(wayland::probe) as Probe));
    all.extend([
        (dbus::MUTTER, Box::new(dbus::probe_mutter) as Probe),
        (X11, Box::new(x11::probe)),
        (dbus::SCREENSAVER, Box::new(dbus::probe_screensaver)),
        (dbus::LOGIND, Box::new(dbus::probe_logind)),
    ]);
    all
}

/// Probes on the idle thread (so a slow bus or server holds up nothing else for longer than
/// the probe) and runs the first detector that answers there.
fn start_with(probes: Vec<(&'static str, Probe)>, idle_reset: Duration, report: Report, typing: Typer) -> Idle {
    type Handles = (&'static str, Option<Rearm>, Option<WatchPause>);
    let (tx, rx) = mpsc::sync_channel::<Handles>(1);
    let spawned = std::thread::Builder::new().name("limber-idle".into()).spawn(move || {
        for (what, probe) in probes {
            match probe(idle_reset) {
                Ok(found) => {
                    if tx.send((found.name, Some(found.rearm), found.watch)).is_ok() {
                        (found.run)(report, typing);
                    }
                    return;
                }
                Err(e) => tracing::info!("idle detection: not using {what}: {e}"),
            }
        }
        let _ = tx.send((NONE, None, None));
    });
    let (backend, rearm, watch) = match spawned {
        // Each probe has its own time limits; this one is for a server that accepts a
        // connection and then never answers. Once it passes, the receiver is dropped, so
        // the hand-over of a detector found later fails and that detector is not run.
        Ok(_) => rx.recv_timeout(PROBES_TIMEOUT).unwrap_or_else(|e| {
            tracing::warn!("idle detection: no answer from the probes ({e})");
            (NONE, None, None)
        }),
        Err(e) => {
            tracing::warn!("cannot start the idle thread: {e}");
            (NONE, None, None)
        }
    };
    Idle { backend, idle_reset_ms: AtomicU64::new(millis(idle_reset)), rearm, watch }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// Whether a sample is worth telling the schedule: the first one, and any that moves the
/// user between here and away.
pub fn worth_telling(last_away: Option<bool>, idle: Duration, idle_reset: Duration) -> bool {
    last_away != Some(idle >= idle_reset)
}

/// Passes on only what may change the answer, for every detector alike.
struct Teller {
    report: Report,
    told_away: Option<bool>,
}

impl Teller {
    fn new(report: Report) -> Self {
        Teller { report, told_away: None }
    }

    /// Tells the daemon if worth it; false once the daemon is gone.
    fn tell(&mut self, idle: Duration, idle_reset: Duration) -> bool {
        if worth_telling(self.told_away, idle, idle_reset) {
            if !(self.report)(idle) {
                return false;
            }
            self.told_away = Some(idle >= idle_reset);
        }
        true
    }
}

/// A detector that stopped answering is not replaced: sitting time becomes wall-clock time,
/// and this is said once.
fn lost(name: &str, why: impl std::fmt::Display) {
    tracing::warn!("idle detection lost ({name}): {why}; sitting time is wall-clock time from now on");
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    #[test]
    fn only_changes_are_passed_on() {
        let reset = Duration::from_secs(120);
        assert!(worth_telling(None, Duration::ZERO, reset), "the first sample");
        assert!(!worth_telling(Some(false), Duration::from_secs(50), reset), "still here");
        assert!(worth_telling(Some(false), Duration::from_secs(130), reset), "gone");
        assert!(!worth_telling(Some(true), Duration::from_secs(400), reset), "still gone");
        assert!(worth_telling(Some(true), Duration::from_secs(3), reset), "back");
    }

    #[test]
    fn a_teller_stops_when_the_daemon_is_gone_and_judges_by_the_current_reset() {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let open = Arc::new(AtomicU64::new(1));
        let mut teller = Teller::new(Box::new({
            let (seen, open) = (seen.clone(), open.clone());
            move |d| {
                seen.lock().unwrap().push(d);
                open.load(Ordering::Relaxed) == 1
            }
        }));
        let s = Duration::from_secs;
        assert!(teller.tell(s(100), s(60)));
        assert!(teller.tell(s(200), s(60)), "still away: not told");
        assert!(teller.tell(s(200), s(300)), "a longer idle_reset makes the same idle time 'here'");
        open.store(0, Ordering::Relaxed);
        assert!(!teller.tell(s(400), s(300)));
        assert_eq!(*seen.lock().unwrap(), vec![s(100), s(200), s(400)]);
    }

    fn absent(_: Duration) -> Result<Found, Skip> {
        Err(Skip::Absent("not here"))
    }

    #[test]
    fn the_first_detector_that_answers_is_used_and_follows_idle_reset() {
        let rearmed = Arc::new(Mutex::new(Vec::new()));
        let probes: Vec<(&'static str, Probe)> = vec![
            ("first", Box::new(absent)),
            ("second", {
                let rearmed = rearmed.clone();
                Box::new(move |reset| {
                    assert_eq!(reset, Duration::from_secs(5));
                    Ok(Found {
                        name: "second",
                        rearm: Box::new(move |d| rearmed.lock().unwrap().push(d)),
                        watch: None,
                        run: Box::new(|report, _| {
                            report(Duration::ZERO);
                        }),
                    })
                })
            }),
            ("third", Box::new(|_| panic!("never probed once one answered"))),
        ];
        let (tx, rx) = mpsc::channel();
        let idle = start_with(probes, Duration::from_secs(5), Box::new(move |d| tx.send(d).is_ok()), Box::new(|_| true));
        assert_eq!(idle.backend, "second");
        assert_eq!(rx.recv_timeout(Duration::from_secs(10)), Ok(Duration::ZERO), "its loop runs");
        idle.set_idle_reset(Duration::from_secs(5));
        idle.set_idle_reset(Duration::from_secs(9));
        idle.set_idle_reset(Duration::from_secs(9));
        assert_eq!(*rearmed.lock().unwrap(), vec![Duration::from_secs(9)], "only real changes re-arm");
        assert!(!idle.watch_typing(Some(Duration::from_secs(2))), "it cannot watch for a pause");
    }

    #[test]
    fn nothing_answers_means_wall_clock() {
        let idle = start_with(
            vec![("a", Box::new(absent)), ("b", Box::new(absent))],
            Duration::from_secs(5),
            Box::new(|_| true),
            Box::new(|_| true),
        );
        assert_eq!(idle.backend, NONE);
        assert!(!idle.watch_typing(Some(Duration::from_secs(2))));
        idle.set_idle_reset(Duration::from_secs(1));
    }
}
