//! The camera: whether a video device (`/dev/video*`) is open in any process, which is what a
//! video call does whatever the app.
//!
//! inotify tells of every open and close of a watched device node, so this is event-driven:
//! one watch per `video*` node (never one on all of `/dev`, where every open of /dev/null
//! would wake us) and one on the directory for devices that come and go (a USB camera
//! plugged in). An open counts at once; after a close the processes' open files
//! (`/proc/*/fd`) are looked through to see whether anyone still holds the device, which
//! also finds a camera already open when limber starts. Where inotify is not available, the
//! open files are looked through every [`SCAN`], and only while a break is due.
//!
//! The directory is `/dev`, or `$LIMBER_CAMERA_DIR` (read here only), which lets tests use a
//! directory of their own with plain files standing in for the devices.

use super::Merge;
use rustix::fs::inotify::{self, CreateFlags, ReadFlags, WatchFlags};
use std::collections::HashMap;
use std::mem::MaybeUninit;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::Duration;

/// How often open files are looked through without inotify, while a break is due.
const SCAN: Duration = Duration::from_secs(30);

/// What `limber status` says about the camera.
pub const FOLLOWED: &str = "inotify on the video devices";
pub const SCANNED: &str = "open files, every 30 s while a break is due";

/// Starts the watcher; `due` says when a break is due (the scan needs it; inotify does not).
/// Returns how the camera is followed.
pub fn start(merge: Arc<Merge>, due: Receiver<bool>) -> &'static str {
    let dir = std::env::var_os("LIMBER_CAMERA_DIR").map_or_else(|| PathBuf::from("/dev"), PathBuf::from);
    let dir = dir.canonicalize().unwrap_or(dir);
    match Devices::watch(&dir) {
        Ok(devices) => {
            tracing::info!("camera: inotify on the video devices in {}", dir.display());
            spawn(move || devices.run(&merge));
            FOLLOWED
        }
        Err(e) => {
            tracing::info!("camera: no inotify ({e}); open files are looked through every 30 s while a break is due");
            spawn(move || scan_while_due(&dir, &merge, &due));
            SCANNED
        }
    }
}

fn spawn(f: impl FnOnce() + Send + 'static) {
    if let Err(e) = std::thread::Builder::new().name("limber-quiet".into()).spawn(f) {
        tracing::warn!("the camera is not followed: {e}");
    }
}

/// Whether a file name in the directory is a video device.
fn is_camera(name: &str) -> bool {
    name.strip_prefix("video").is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// The inotify watcher and what it knows of each device.
struct Devices {
    fd: rustix::fd::OwnedFd,
    dir: PathBuf,
    dir_watch: i32,
    /// Watch descriptor to the device's path.
    nodes: HashMap<i32, PathBuf>,
    /// Opens not yet closed, per device path (at least the processes holding it at the last look).
    open: HashMap<PathBuf, usize>,
}

impl Devices {
    fn watch(dir: &Path) -> std::io::Result<Devices> {
        let fd = inotify::init(CreateFlags::CLOEXEC)?;
        let dir_watch = inotify::add_watch(&fd, dir, WatchFlags::CREATE | WatchFlags::MOVED_TO | WatchFlags::ONLYDIR)?;
        let mut devices = Devices { fd, dir: dir.to_path_buf(), dir_watch, nodes: HashMap::new(), open: HashMap::new() };
        for entry in std::fs::read_dir(dir)?.flatten() {
            if entry.file_name().to_str().is_some_and(is_camera) {
                devices.add(entry.path());
            }
        }
        // Watched first, then looked for, so an open in between is not missed.
        let held = holders(&devices.nodes.values().cloned().collect::<Vec<_>>());
        devices.open = held;
        Ok(devices)
    }

    fn add(&mut self, path: PathBuf) {
        match inotify::add_watch(&self.fd, &path, WatchFlags::OPEN | WatchFlags::CLOSE) {
            Ok(wd) => {
                self.nodes.insert(wd, path);
            }
            // A device we may not read is one no process of ours can use either.
            Err(e) => tracing::debug!("camera: not watching {}: {e}", path.display()),
        }
    }

    fn in_use(&self) -> bool {
        self.open.values().any(|n| *n > 0)
    }

    fn run(mut self, merge: &Merge) {
        if !merge.update(|p| p.camera = self.in_use()) {
            return;
        }
        let mut buf = [MaybeUninit::<u8>::uninit(); 4096];
        loop {
            let mut events = Vec::new();
            let mut reader = inotify::Reader::new(&self.fd, &mut buf);
            loop {
                match reader.next() {
                    Ok(e) => events.push((e.wd(), e.events(), e.file_name().and_then(|n| n.to_str().ok()).map(str::to_string))),
                    Err(rustix::io::Errno::INTR) => continue,
                    Err(e) => {
                        tracing::warn!("camera: inotify failed ({e}); the camera is no longer followed");
                        merge.update(|p| p.camera = false);
                        return;
                    }
                }
                if reader.is_buffer_empty() {
                    break;
                }
            }
            let mut closed = Vec::new();
            for (wd, flags, name) in events {
                if flags.contains(ReadFlags::QUEUE_OVERFLOW) {
                    closed.extend(self.nodes.values().cloned());
                } else if wd == self.dir_watch {
                    // A new device: watched from now on, and looked at in case it is open already.
                    if let Some(name) = name.filter(|n| is_camera(n)) {
                        let path = self.dir.join(name);
                        self.add(path.clone());
                        closed.push(path);
                    }
                } else if let Some(path) = self.nodes.get(&wd).cloned() {
                    if flags.contains(ReadFlags::IGNORED) {
                        // The device is gone.
                        self.nodes.remove(&wd);
                        self.open.remove(&path);
                    } else if flags.contains(ReadFlags::OPEN) {
                        *self.open.entry(path).or_default() += 1;
                    } else if flags.intersects(ReadFlags::CLOSE_WRITE | ReadFlags::CLOSE_NOWRITE) {
                        let n = self.open.entry(path.clone()).or_default();
                        *n = n.saturating_sub(1);
                        closed.push(path);
                    }
                }
            }
            // After a close, whoever still holds the device says whether it is in use: this
            // also corrects for opens made before limber watched.
            closed.sort();
            closed.dedup();
            if !closed.is_empty() {
                let held = holders(&closed);
                for path in closed {
                    let n = held.get(&path).copied().unwrap_or(0);
                    let count = self.open.entry(path).or_default();
                    if *count == 0 || n == 0 {
                        *count = n;
                    }
                }
            }
            if !merge.update(|p| p.camera = self.in_use()) {
                return;
            }
        }
    }
}

/// Without inotify: looks through the open files every [`SCAN`] while a break is due.
fn scan_while_due(dir: &Path, merge: &Merge, due: &Receiver<bool>) {
    let mut is_due = false;
    loop {
        let next = if is_due { due.recv_timeout(SCAN) } else { due.recv().map_err(|_| RecvTimeoutError::Disconnected) };
        match next {
            Ok(d) => is_due = d,
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => return,
        }
        let open = is_due && {
            let devices: Vec<PathBuf> = std::fs::read_dir(dir)
                .map(|entries| {
                    entries.flatten().filter(|e| e.file_name().to_str().is_some_and(is_camera)).map(|e| e.path()).collect()
                })
                .unwrap_or_default();
            holders(&devices).values().any(|n| *n > 0)
        };
        if !merge.update(|p| p.camera = open) {
            return;
        }
    }
}

/// How many open files of the processes we can see refer to each of `devices`.
fn holders(devices: &[PathBuf]) -> HashMap<PathBuf, usize> {
    let mut held = HashMap::new();
    if devices.is_empty() {
        return held;
    }
    let Ok(procs) = std::fs::read_dir("/proc") else { return held };
    for entry in procs.flatten() {
        if !entry.file_name().to_str().is_some_and(|n| n.bytes().all(|b| b.is_ascii_digit())) {
            continue;
        }
        // Another user's files cannot be read, and their calls are not ours to respect.
        let Ok(fds) = std::fs::read_dir(entry.path().join("fd")) else { continue };
        for fd in fds.flatten() {
            if let Ok(target) = std::fs::read_link(fd.path())
                && devices.contains(&target)
            {
                *held.entry(target).or_default() += 1;
            }
        }
    }
    held
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn video_devices_by_name() {
        assert!(is_camera("video0") && is_camera("video12"));
        assert!(!is_camera("video") && !is_camera("videox") && !is_camera("null") && !is_camera("media0"));
    }

    #[test]
    fn an_open_file_is_found_among_the_processes() {
        let dir = std::env::temp_dir().join(format!("limber-camera-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let dir = dir.canonicalize().unwrap();
        let node = dir.join("video0");
        std::fs::write(&node, b"").unwrap();
        assert_eq!(holders(std::slice::from_ref(&node)).get(&node), None);
        let file = std::fs::File::open(&node).unwrap();
        assert_eq!(holders(std::slice::from_ref(&node)).get(&node), Some(&1));
        drop(file);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn without_inotify_open_files_are_looked_at_only_while_due() {
        use std::sync::Mutex;
        let dir = std::env::temp_dir().join(format!("limber-camera-scan-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let dir = dir.canonicalize().unwrap();
        std::fs::write(dir.join("video0"), b"").unwrap();
        let file = std::fs::File::open(dir.join("video0")).unwrap();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let merge = Arc::new(Merge::new({
            let seen = seen.clone();
            move |q| seen.lock().map(|mut s| s.push(q.camera)).is_ok()
        }));
        let (due, rx) = std::sync::mpsc::channel();
        let thread = std::thread::spawn({
            let (dir, merge) = (dir.clone(), merge.clone());
            move || scan_while_due(&dir, &merge, &rx)
        });
        std::thread::sleep(Duration::from_millis(50));
        assert!(seen.lock().unwrap().is_empty(), "nothing looked at while no break is due");
        due.send(true).unwrap();
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while *seen.lock().unwrap() != [true] {
            assert!(std::time::Instant::now() < deadline, "saw {:?}", seen.lock().unwrap());
            std::thread::sleep(Duration::from_millis(5));
        }
        drop(file);
        due.send(false).unwrap();
        drop(due);
        thread.join().unwrap();
        assert_eq!(*seen.lock().unwrap(), vec![true, false], "no longer due: nothing held");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn opens_and_closes_are_followed() {
        use std::sync::Mutex;
        let dir = std::env::temp_dir().join(format!("limber-camera-events-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let dir = dir.canonicalize().unwrap();
        std::fs::write(dir.join("video0"), b"").unwrap();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let merge = Arc::new(Merge::new({
            let seen = seen.clone();
            move |q| seen.lock().map(|mut s| s.push(q.camera)).is_ok()
        }));
        let devices = Devices::watch(&dir).unwrap();
        let m = merge.clone();
        std::thread::spawn(move || devices.run(&m));
        let wait = |want: &[bool]| {
            let deadline = std::time::Instant::now() + Duration::from_secs(10);
            while *seen.lock().unwrap() != want {
                assert!(std::time::Instant::now() < deadline, "saw {:?}, want {want:?}", seen.lock().unwrap());
                std::thread::sleep(Duration::from_millis(5));
            }
        };
        wait(&[false]);
        let file = std::fs::File::open(dir.join("video0")).unwrap();
        wait(&[false, true]);
        drop(file);
        wait(&[false, true, false]);
        // A camera plugged in later, and opened.
        std::fs::write(dir.join("video1"), b"").unwrap();
        let file = std::fs::File::open(dir.join("video1")).unwrap();
        wait(&[false, true, false, true]);
        drop(file);
        wait(&[false, true, false, true, false]);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
