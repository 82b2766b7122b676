//! Quiet apps: whether one of the processes named in `quiet_when.apps` (a video-call app,
//! say) is running as this user.
//!
//! Linux gives an unprivileged process no event when another one starts (the proc connector
//! needs CAP_NET_ADMIN, fanotify needs root), so this one watcher polls: every [`POLL`], and
//! only while the list is non-empty. An empty list costs nothing: the thread just waits for
//! the settings to change.

use super::Merge;
use std::os::unix::fs::MetadataExt as _;
use std::path::Path;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::Duration;

/// A call rarely starts within 30 s of its app, and a reminder held back that much later is
/// no harm; the scan reads a few hundred small /proc files.
const POLL: Duration = Duration::from_secs(30);

/// The kernel keeps this many bytes of a process name in /proc/<pid>/comm.
const COMM_LEN: usize = 15;

pub fn start(merge: Arc<Merge>, lists: Receiver<Vec<String>>) {
    let spawned = std::thread::Builder::new().name("limber-quiet".into()).spawn(move || run(&merge, &lists));
    if let Err(e) = spawned {
        tracing::warn!("quiet apps not followed: {e}");
    }
}

fn run(merge: &Merge, lists: &Receiver<Vec<String>>) {
    let uid = rustix::process::getuid().as_raw();
    let Ok(mut apps) = lists.recv() else { return };
    loop {
        let found = if apps.is_empty() { None } else { running(&apps, uid) };
        if !merge.update(|p| p.app = found) {
            return;
        }
        let next =
            if apps.is_empty() { lists.recv().map_err(|_| RecvTimeoutError::Disconnected) } else { lists.recv_timeout(POLL) };
        match next {
            Ok(new) => apps = new,
            Err(RecvTimeoutError::Timeout) => {}
            // The daemon dropped its handle: it is shutting down.
            Err(RecvTimeoutError::Disconnected) => return,
        }
    }
}

/// The first of `apps` that has a process of user `uid` running.
fn running(apps: &[String], uid: u32) -> Option<String> {
    let Ok(entries) = std::fs::read_dir("/proc") else { return None };
    let mut comms = Vec::new();
    for entry in entries.flatten() {
        let pid_dir = entry.path();
        let is_pid = entry.file_name().to_str().is_some_and(|n| n.bytes().all(|b| b.is_ascii_digit()));
        // Other users' processes do not matter: their calls are not ours to respect.
        if !is_pid || entry.metadata().ok().map(|m| m.uid()) != Some(uid) {
            continue;
        }
        // The process may end at any moment; then its files are simply gone.
        if let Ok(comm) = std::fs::read_to_string(pid_dir.join("comm")) {
            comms.push((pid_dir, comm.trim_end_matches('\n').to_string()));
        }
    }
    apps.iter().find(|app| comms.iter().any(|(dir, comm)| is_app(app, comm, || long_names(dir)))).cloned()
}

/// The file names a process may go by beyond its cut-off comm: its executable's and its
/// argv[0]'s.
fn long_names(pid_dir: &Path) -> Vec<String> {
    let mut names = Vec::new();
    if let Ok(exe) = std::fs::read_link(pid_dir.join("exe"))
        && let Some(name) = exe.file_name().and_then(|n| n.to_str())
    {
        names.push(name.trim_end_matches(" (deleted)").to_string());
    }
    if let Ok(cmdline) = std::fs::read(pid_dir.join("cmdline")) {
        let argv0 = cmdline.split(|&b| b == 0).next().unwrap_or_default();
        let argv0 = String::from_utf8_lossy(argv0);
        if let Some(name) = argv0.rsplit('/').next().filter(|n| !n.is_empty()) {
            names.push(name.to_string());
        }
    }
    names
}

/// Whether a process with this comm is `app`, case aside. A name longer than comm holds is
/// compared in full with the executable's and argv[0]'s file names (asked for only then).
fn is_app(app: &str, comm: &str, long_names: impl FnOnce() -> Vec<String>) -> bool {
    let (app_b, comm_b) = (app.as_bytes(), comm.as_bytes());
    if app_b.len() <= COMM_LEN {
        return app_b.eq_ignore_ascii_case(comm_b) || app.to_lowercase() == comm.to_lowercase();
    }
    app_b[..COMM_LEN].eq_ignore_ascii_case(comm_b)
        && long_names().iter().any(|n| n.eq_ignore_ascii_case(app) || n.to_lowercase() == app.to_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn none() -> Vec<String> {
        Vec::new()
    }

    #[test]
    fn short_names_match_comm_whatever_the_case() {
        assert!(is_app("zoom", "zoom", none));
        assert!(is_app("Zoom", "zoom", none));
        assert!(is_app("teams-for-linux", "teams-for-linux", none), "exactly 15 bytes still fits comm");
        assert!(!is_app("zoom", "zoomer", none));
        assert!(!is_app("zoom", "zoo", none));
        assert!(!is_app("", "zoom", none));
    }

    #[test]
    fn long_names_need_the_executable_or_argv0() {
        let app = "signal-desktop-beta";
        let comm = "signal-desktop-";
        assert!(!is_app(app, comm, none), "a cut-off comm alone is not enough");
        assert!(is_app(app, comm, || vec!["signal-desktop-beta".into()]));
        assert!(is_app(app, comm, || vec!["bash".into(), "Signal-Desktop-Beta".into()]));
        assert!(!is_app(app, comm, || vec!["signal-desktop-nightly".into()]));
        let asked = std::cell::Cell::new(false);
        assert!(!is_app(app, "something-else", || {
            asked.set(true);
            none()
        }));
        assert!(!asked.get(), "the long names are not read when comm already differs");
    }

    #[test]
    fn only_our_own_processes_count() {
        let me = rustix::process::getuid().as_raw();
        let ours = std::fs::read_to_string("/proc/self/comm").unwrap_or_default().trim().to_string();
        assert_eq!(running(&["no-such-app-here".into(), ours.clone()], me), Some(ours.clone()));
        assert_eq!(running(&[ours], me.wrapping_add(12345)), None, "another user's process is not ours");
    }
}
