//! The quiet adapter: whether the desktop says not to interrupt right now (a fullscreen
//! window, do-not-disturb, a call on the microphone or camera, a quiet app running),
//! reported to the event loop on change.
//!
//! Five watchers, each on a thread named "limber-quiet": the X server's active window
//! (event-driven), the notification server and the desktop portal (D-Bus signals), the
//! sound server's capture streams (its events; see `microphone`), the video devices
//! (inotify; see `camera`) and the running processes (polled, only for a non-empty list; see
//! `apps`). Each updates its part of one [`Parts`]; the merged [`Quiet`] is reported when it
//! differs from the last one reported.

mod apps;
mod camera;
mod dnd;
mod microphone;
mod x11;

use crate::core::schedule::Quiet;
use std::sync::{Arc, Mutex, mpsc};

/// The running watchers; told when the list of quiet apps changes.
pub struct Watch {
    apps: mpsc::Sender<Vec<String>>,
    due: mpsc::Sender<bool>,
    merge: Arc<Merge>,
    camera: &'static str,
}

impl Watch {
    /// The settings changed: look for these process names from now on.
    pub fn set_apps(&self, apps: Vec<String>) {
        // The app watcher is gone only when its thread could not start or nobody listens;
        // then there is nobody to tell either.
        let _ = self.apps.send(apps);
    }

    /// Whether a break is due: a watcher that can only look (the camera without inotify)
    /// looks only then.
    pub fn set_due(&self, due: bool) {
        let _ = self.due.send(due);
    }

    /// How the microphone is followed right now, for `limber status`.
    pub fn microphone(&self) -> &'static str {
        *self.merge.microphone.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// How the camera is followed, for `limber status`.
    pub fn camera(&self) -> &'static str {
        self.camera
    }
}

/// Starts every watcher this desktop supports. `report` gets the merged [`Quiet`] whenever it
/// changes (and once at start); it returns false once nobody listens.
pub fn start(apps: Vec<String>, report: impl Fn(Quiet) -> bool + Send + Sync + 'static) -> Watch {
    let merge = Arc::new(Merge::new(report));
    x11::start(merge.clone());
    dnd::start(merge.clone());
    microphone::start(merge.clone());
    let (due, due_rx) = mpsc::channel();
    let camera = camera::start(merge.clone(), due_rx);
    let (tx, rx) = mpsc::channel();
    let _ = tx.send(apps);
    apps::start(merge.clone(), rx);
    // Whatever the watchers found so far, or nothing at all: the first report.
    merge.update(|_| {});
    Watch { apps: tx, due, merge, camera }
}

/// What each watcher last saw.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Parts {
    fullscreen: bool,
    /// The notification server's `Inhibited` property.
    inhibited: bool,
    /// GNOME's `show-banners` is off.
    banners_hidden: bool,
    app: Option<String>,
    microphone: bool,
    camera: bool,
}

impl Parts {
    fn quiet(&self) -> Quiet {
        Quiet {
            fullscreen: self.fullscreen,
            do_not_disturb: self.inhibited || self.banners_hidden,
            app: self.app.clone(),
            microphone: self.microphone,
            camera: self.camera,
        }
    }
}

/// The watchers' shared view and where the merged answer goes.
struct Merge {
    state: Mutex<(Parts, Option<Quiet>)>,
    report: Box<dyn Fn(Quiet) -> bool + Send + Sync>,
    /// How the microphone is followed (it changes as the sound server comes and goes).
    microphone: Mutex<&'static str>,
}

impl Merge {
    fn new(report: impl Fn(Quiet) -> bool + Send + Sync + 'static) -> Merge {
        Merge {
            state: Mutex::new((Parts::default(), None)),
            report: Box::new(report),
            microphone: Mutex::new(microphone::MISSING),
        }
    }

    fn set_microphone_source(&self, how: &'static str) {
        *self.microphone.lock().unwrap_or_else(|e| e.into_inner()) = how;
    }

    /// Changes one part; reports the merged answer if it differs from the last one (or none
    /// was reported yet). False once nobody listens: the watcher then ends.
    fn update(&self, change: impl FnOnce(&mut Parts)) -> bool {
        // A watcher that panicked mid-update left plain data behind; it is still usable.
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        change(&mut state.0);
        let quiet = state.0.quiet();
        if state.1.as_ref() == Some(&quiet) {
            return true;
        }
        state.1 = Some(quiet.clone());
        // Reported under the lock, so two watchers cannot pass their answers on out of order.
        (self.report)(quiet)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn recording() -> (Merge, Arc<Mutex<Vec<Quiet>>>) {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let sink = seen.clone();
        let merge = Merge::new(move |q| sink.lock().map(|mut s| s.push(q)).is_ok());
        (merge, seen)
    }

    #[test]
    fn the_first_answer_is_reported_then_only_changes() {
        let (merge, seen) = recording();
        assert!(merge.update(|_| {}));
        assert!(merge.update(|_| {}));
        assert!(merge.update(|p| p.fullscreen = false));
        assert!(merge.update(|p| p.fullscreen = true));
        assert!(merge.update(|p| p.fullscreen = true));
        let seen = seen.lock().map(|s| s.clone()).unwrap_or_default();
        assert_eq!(seen, vec![Quiet::default(), Quiet { fullscreen: true, ..Quiet::default() }]);
    }

    #[test]
    fn do_not_disturb_is_inhibited_or_banners_hidden() {
        let (merge, seen) = recording();
        merge.update(|p| p.inhibited = true);
        merge.update(|p| p.banners_hidden = true);
        merge.update(|p| p.inhibited = false);
        merge.update(|p| p.banners_hidden = false);
        let dnd: Vec<bool> = seen.lock().map(|s| s.iter().map(|q| q.do_not_disturb).collect()).unwrap_or_default();
        assert_eq!(dnd, vec![true, false], "one report on, one off: the middle steps change nothing");
    }

    #[test]
    fn the_app_is_part_of_the_answer() {
        let (merge, seen) = recording();
        merge.update(|p| p.app = Some("zoom".into()));
        merge.update(|p| p.app = Some("zoom".into()));
        merge.update(|p| p.app = None);
        let apps: Vec<Option<String>> = seen.lock().map(|s| s.iter().map(|q| q.app.clone()).collect()).unwrap_or_default();
        assert_eq!(apps, vec![Some("zoom".to_string()), None]);
    }

    #[test]
    fn nobody_listening_ends_the_watchers() {
        let merge = Merge::new(|_| false);
        assert!(!merge.update(|p| p.fullscreen = true));
    }
}
