//! The idle adapter: how long since the last keyboard or mouse input, asked of the X
//! server's MIT-SCREEN-SAVER extension on one kept connection, on a thread of its own.
//!
//! X11 sends no event when input stops, so this samples; but only as often as a decision
//! needs. While input is recent, the earliest moment a break could be complete is
//! `idle_reset - idle` away, so that is when the next sample is taken. While the user is
//! away, a sample every `idle_reset` is enough: the return is dated by the X server's own
//! idle time, so noticing it later loses no sitting time. And a sample is only passed on
//! when it changes the answer (here or away), so the event loop is not woken for nothing.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use x11rb::connection::Connection as _;
use x11rb::protocol::screensaver;

pub const X11: &str = "x11 MIT-SCREEN-SAVER";

/// What the status reports when no idle detector works: sitting time is then wall-clock time
/// at the desk, minus locks and sleep.
pub const NONE: &str = "none (wall clock)";

/// The running idle detector, whichever it is.
pub struct Idle {
    /// Its name for the log and `limber status`, or [`NONE`].
    pub backend: &'static str,
    idle_reset_ms: Arc<AtomicU64>,
}

impl Idle {
    /// The settings changed: detectors that sample or arm a timeout follow the new value.
    pub fn set_idle_reset(&self, d: Duration) {
        self.idle_reset_ms.store(d.as_millis() as u64, Ordering::Relaxed);
    }
}

/// Starts the best idle detector this session offers. `report` gets the time since the last
/// input whenever the answer to "here or away (idle for `idle_reset` or more)?" may have
/// changed; it returns false once nobody listens any more.
pub fn start(idle_reset: Duration, report: impl Fn(Duration) -> bool + Send + 'static) -> Idle {
    let idle_reset_ms = Arc::new(AtomicU64::new(idle_reset.as_millis() as u64));
    let backend = start_x11(idle_reset_ms.clone(), report).unwrap_or(NONE);
    Idle { backend, idle_reset_ms }
}

/// How long to wait before the next sample, given the last one.
pub fn next_sample(idle: Duration, idle_reset: Duration) -> Duration {
    let least = Duration::from_secs(1);
    let wait = if idle < idle_reset { idle_reset - idle } else { idle_reset };
    wait.max(least)
}

/// Whether a sample is worth telling the schedule: the first one, and any that moves the
/// user between here and away.
pub fn worth_telling(last_away: Option<bool>, idle: Duration, idle_reset: Duration) -> bool {
    last_away != Some(idle >= idle_reset)
}

/// Starts sampling; `idle_reset_ms` may be changed later (settings reload). Returns the
/// backend's name, or `None` when there is no X server with the extension.
fn start_x11(idle_reset_ms: Arc<AtomicU64>, report: impl Fn(Duration) -> bool + Send + 'static) -> Option<&'static str> {
    let (conn, screen) = x11rb::connect(None).map_err(|e| tracing::info!("no X11 idle time: {e}")).ok()?;
    let root = conn.setup().roots.get(screen)?.root;
    // One query up front: if the extension is missing, say so now rather than on the thread.
    let first = screensaver::query_info(&conn, root).ok()?.reply().map_err(|e| tracing::info!("no X11 idle time: {e}")).ok()?;
    let spawned = std::thread::Builder::new().name("limber-idle".into()).spawn(move || {
        let mut idle = Duration::from_millis(u64::from(first.ms_since_user_input));
        let mut told: Option<bool> = None;
        loop {
            let reset = Duration::from_millis(idle_reset_ms.load(Ordering::Relaxed));
            if worth_telling(told, idle, reset) {
                if !report(idle) {
                    return;
                }
                told = Some(idle >= reset);
            }
            std::thread::sleep(next_sample(idle, reset));
            match screensaver::query_info(&conn, root).map(|c| c.reply()) {
                Ok(Ok(info)) => idle = Duration::from_millis(u64::from(info.ms_since_user_input)),
                Ok(Err(e)) => return tracing::warn!("X11 idle time lost: {e}"),
                Err(e) => return tracing::warn!("X11 idle time lost: {e}"),
            }
        }
    });
    spawned.ok().map(|_| X11)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_only_as_often_as_the_decision_needs() {
        let reset = Duration::from_secs(120);
        assert_eq!(next_sample(Duration::ZERO, reset), reset, "fresh input: a break cannot be complete sooner");
        assert_eq!(next_sample(Duration::from_secs(100), reset), Duration::from_secs(20));
        assert_eq!(next_sample(Duration::from_secs(300), reset), reset, "away: the return is dated by the server");
        assert_eq!(next_sample(Duration::from_millis(119_900), reset), Duration::from_secs(1));
    }

    #[test]
    fn only_changes_are_passed_on() {
        let reset = Duration::from_secs(120);
        assert!(worth_telling(None, Duration::ZERO, reset), "the first sample");
        assert!(!worth_telling(Some(false), Duration::from_secs(50), reset), "still here");
        assert!(worth_telling(Some(false), Duration::from_secs(130), reset), "gone");
        assert!(!worth_telling(Some(true), Duration::from_secs(400), reset), "still gone");
        assert!(worth_telling(Some(true), Duration::from_secs(3), reset), "back");
    }
}
