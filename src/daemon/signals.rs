//! The process's own ends: SIGTERM and SIGINT become a clean quit, and a lost X server is
//! told in the log before Xlib ends the process.

use super::Wake;
use super::notify::Notifier;
use std::sync::Arc;

pub fn watch_signals(proxy: winit::event_loop::EventLoopProxy<Wake>) {
    use signal_hook::consts::{SIGINT, SIGTERM, SIGXFSZ};
    // Past a file-size limit the kernel kills a writer with SIGXFSZ; handled, the write fails
    // with EFBIG instead, which limber reports and survives like a full disk.
    if let Err(e) = signal_hook::flag::register(SIGXFSZ, Arc::new(std::sync::atomic::AtomicBool::new(false))) {
        tracing::warn!("cannot handle SIGXFSZ: {e}");
    }
    match signal_hook::iterator::Signals::new([SIGTERM, SIGINT]) {
        Ok(mut signals) => {
            let _ = std::thread::Builder::new().name("limber-signals".into()).spawn(move || {
                for s in signals.forever() {
                    let _ = proxy.send_event(Wake::Quit(if s == SIGINT { "SIGINT" } else { "SIGTERM" }));
                }
            });
        }
        Err(e) => tracing::warn!("cannot watch for SIGTERM/SIGINT: {e}"),
    }
}

/// What to do on the way out when the display is lost: close the reminder.
static LAST_WORDS: std::sync::OnceLock<Box<dyn Fn() + Send + Sync>> = std::sync::OnceLock::new();

/// Xlib ends the process from inside the event loop when the X server goes away, so the
/// daemon's own shutdown never runs. This handler gets there first: it says why in the log
/// and closes the reminder. The schedule is saved at every change, so nothing else is lost.
pub fn on_display_loss(notifier: &Notifier) {
    let _ = LAST_WORDS.set(Box::new(notifier.closer()));
    #[cfg(all(unix, not(target_os = "macos")))]
    {
        unsafe extern "C" fn display_lost(_: *mut x11_dl::xlib::Display) -> std::os::raw::c_int {
            let screen = std::env::var("DISPLAY").unwrap_or_default();
            tracing::error!("the X server {screen} went away; limber stops (its schedule is saved)");
            if let Some(close) = LAST_WORDS.get() {
                close();
            }
            std::process::exit(1)
        }
        // Not an X11 session (no libX11): nothing to guard.
        let Ok(xlib) = x11_dl::xlib::Xlib::open() else { return };
        // SAFETY: installs a process-wide Xlib callback; the handler never returns into Xlib
        // (it exits), as Xlib requires of an I/O error handler. x11-dl never unloads the
        // library, and winit holds it too, so the callback stays reachable.
        unsafe {
            (xlib.XSetIOErrorHandler)(Some(display_lost));
        }
    }
}
