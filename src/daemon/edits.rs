//! Live reloading: the config directory watched for edits to config.json and exercises.json.

use super::Wake;
use std::path::Path;

/// Watches the config directory with inotify on a thread blocked in read: it wakes only when
/// a file there changes.
pub fn watch_files(dir: &Path, proxy: winit::event_loop::EventLoopProxy<Wake>) {
    use rustix::fs::inotify;
    if let Err(e) = std::fs::create_dir_all(dir) {
        return tracing::warn!("settings are not reloaded live: {}: {e}", dir.display());
    }
    let watch = inotify::init(inotify::CreateFlags::CLOEXEC).and_then(|fd| {
        let flags = inotify::WatchFlags::CLOSE_WRITE
            | inotify::WatchFlags::MOVED_TO
            | inotify::WatchFlags::MOVED_FROM
            | inotify::WatchFlags::CREATE
            | inotify::WatchFlags::DELETE;
        inotify::add_watch(&fd, dir, flags).map(|_| fd)
    });
    let fd = match watch {
        Ok(fd) => fd,
        Err(e) => return tracing::warn!("settings are not reloaded live: {e}"),
    };
    let _ = std::thread::Builder::new().name("limber-files".into()).spawn(move || {
        let mut buf = [std::mem::MaybeUninit::uninit(); 4096];
        let mut reader = inotify::Reader::new(&fd, &mut buf);
        loop {
            match reader.next() {
                Ok(event) => {
                    let ours = event
                        .file_name()
                        .and_then(|n| n.to_str().ok())
                        .is_some_and(|n| n == "config.json" || n == "exercises.json");
                    if ours && proxy.send_event(Wake::FilesChanged).is_err() {
                        return;
                    }
                }
                Err(rustix::io::Errno::INTR) => {}
                Err(e) => return tracing::warn!("settings are no longer reloaded live: {e}"),
            }
        }
    });
}
