//! Fullscreen windows on X11: the window manager names the active window in the root
//! window's `_NET_ACTIVE_WINDOW` and marks a fullscreen one with `_NET_WM_STATE_FULLSCREEN`
//! in its `_NET_WM_STATE`. Both are properties, so a PropertyNotify on each says when to look
//! again; the thread waits for those on one kept connection and never polls.

use super::Merge;
use std::sync::Arc;
use x11rb::connection::Connection as _;
use x11rb::errors::ReplyError;
use x11rb::protocol::Event;
use x11rb::protocol::xproto::{Atom, AtomEnum, ChangeWindowAttributesAux, ConnectionExt as _, EventMask, Window};
use x11rb::rust_connection::RustConnection;

pub fn start(merge: Arc<Merge>) {
    if std::env::var_os("DISPLAY").is_none_or(|d| d.is_empty()) {
        if std::env::var_os("WAYLAND_DISPLAY").is_some() {
            tracing::info!("fullscreen windows: Wayland has no standard way to tell, so quiet_when.fullscreen does nothing here");
        } else {
            tracing::info!("fullscreen windows: no display, not followed");
        }
        return;
    }
    let watcher = match Fullscreen::connect() {
        Ok(w) => w,
        Err(e) => return tracing::info!("fullscreen windows not followed: {e}"),
    };
    let spawned = std::thread::Builder::new().name("limber-quiet".into()).spawn(move || watcher.run(&merge));
    if let Err(e) = spawned {
        tracing::warn!("fullscreen windows not followed: {e}");
    }
}

struct Fullscreen {
    conn: RustConnection,
    root: Window,
    active_atom: Atom,
    state_atom: Atom,
    fullscreen_atom: Atom,
    /// The active window whose state we follow (0: none).
    active: Window,
}

impl Fullscreen {
    fn connect() -> Result<Fullscreen, Box<dyn std::error::Error>> {
        let (conn, screen) = x11rb::connect(None)?;
        let root = conn.setup().roots.get(screen).ok_or("the display has no such screen")?.root;
        let atom = |name: &[u8]| -> Result<Atom, Box<dyn std::error::Error>> { Ok(conn.intern_atom(false, name)?.reply()?.atom) };
        let active_atom = atom(b"_NET_ACTIVE_WINDOW")?;
        let state_atom = atom(b"_NET_WM_STATE")?;
        let fullscreen_atom = atom(b"_NET_WM_STATE_FULLSCREEN")?;
        select_properties(&conn, root, true)?;
        Ok(Fullscreen { conn, root, active_atom, state_atom, fullscreen_atom, active: 0 })
    }

    fn run(mut self, merge: &Merge) {
        if let Err(e) = self.watch(merge) {
            tracing::warn!("fullscreen windows no longer followed: {e}");
            merge.update(|p| p.fullscreen = false);
        }
    }

    /// Follows the active window until the display goes away or nobody listens.
    fn watch(&mut self, merge: &Merge) -> Result<(), Box<dyn std::error::Error>> {
        let mut fullscreen = self.look()?;
        if !merge.update(|p| p.fullscreen = fullscreen) {
            return Ok(());
        }
        loop {
            let relevant = match self.conn.wait_for_event()? {
                Event::PropertyNotify(e) => {
                    (e.window == self.root && e.atom == self.active_atom)
                        || (e.window == self.active && e.atom == self.state_atom)
                }
                // Errors included: the active window was destroyed between two requests, and
                // the next PropertyNotify on the root sorts that out.
                _ => false,
            };
            if !relevant {
                continue;
            }
            let now = self.look()?;
            if now != fullscreen {
                fullscreen = now;
                if !merge.update(|p| p.fullscreen = now) {
                    return Ok(());
                }
            }
        }
    }

    /// Reads the active window (switching the watch to it) and whether it is fullscreen.
    /// Errors only when the connection is lost; a window that vanished counts as not fullscreen.
    fn look(&mut self) -> Result<bool, Box<dyn std::error::Error>> {
        let active = match self.conn.get_property(false, self.root, self.active_atom, AtomEnum::WINDOW, 0, 1)?.reply() {
            Ok(r) => words(r.format, &r.value).first().copied().unwrap_or(0),
            Err(ReplyError::X11Error(_)) => 0,
            Err(e) => return Err(e.into()),
        };
        if active != self.active {
            if self.active != 0 {
                // Stop hearing about the old window; it may already be gone, which is fine.
                let _ = select_properties(&self.conn, self.active, false);
            }
            // Select before reading, so a change made in between is not missed.
            self.active = if active != 0 && select_properties(&self.conn, active, true).is_ok() { active } else { 0 };
        }
        if self.active == 0 {
            return Ok(false);
        }
        match self.conn.get_property(false, self.active, self.state_atom, AtomEnum::ATOM, 0, 64)?.reply() {
            Ok(r) => Ok(words(r.format, &r.value).contains(&self.fullscreen_atom)),
            Err(ReplyError::X11Error(_)) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }
}

/// Asks for (or stops) PropertyNotify events from `window`. Each client has its own event
/// mask on a window, so this does not disturb the window's owner.
fn select_properties(conn: &RustConnection, window: Window, on: bool) -> Result<(), Box<dyn std::error::Error>> {
    let mask = if on { EventMask::PROPERTY_CHANGE } else { EventMask::NO_EVENT };
    conn.change_window_attributes(window, &ChangeWindowAttributesAux::new().event_mask(mask))?.check()?;
    Ok(())
}

/// A property's value as 32-bit items (windows, atoms); any other format holds none.
/// x11rb's connection uses the machine's byte order.
fn words(format: u8, value: &[u8]) -> Vec<u32> {
    if format != 32 {
        return Vec::new();
    }
    value.chunks_exact(4).map(|c| u32::from_ne_bytes([c[0], c[1], c[2], c[3]])).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bytes(atoms: &[u32]) -> Vec<u8> {
        atoms.iter().flat_map(|a| a.to_ne_bytes()).collect()
    }

    #[test]
    fn a_state_list_is_read_as_atoms() {
        assert_eq!(words(32, &bytes(&[301, 302, 417])), vec![301, 302, 417]);
        assert!(words(32, &bytes(&[301, 417])).contains(&417), "fullscreen among other states");
        assert_eq!(words(32, &[]), Vec::<u32>::new(), "no state at all");
    }

    #[test]
    fn odd_values_hold_no_atoms() {
        assert_eq!(words(8, b"_NET_WM_STATE_FULLSCREEN"), Vec::<u32>::new(), "a string is not an atom list");
        assert_eq!(words(32, &[1, 0, 0, 0, 9, 9]), vec![u32::from_ne_bytes([1, 0, 0, 0])], "a torn tail is dropped");
    }
}
