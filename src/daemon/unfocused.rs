//! Opening a window without taking the keyboard from the user: a card nobody asked for
//! (the reminder could not be shown as a notification) must not swallow the keys of a
//! sentence being typed.
//!
//! winit's `with_active(false)` does nothing on X11, so the window is mapped with
//! `_NET_WM_USER_TIME` set to 0, which EWMH defines as "do not focus this window when it is
//! mapped". On Wayland the compositor decides, and none focuses a window that brings no
//! activation token over the one being typed in.

use winit::raw_window_handle::{HasWindowHandle as _, RawWindowHandle};
use winit::window::Window;
use x11rb::connection::Connection as _;
use x11rb::protocol::xproto::{AtomEnum, ConnectionExt as _, PropMode};
use x11rb::wrapper::ConnectionExt as _;

/// Shows `window`, created hidden, without giving it the keyboard.
pub fn show(window: &Window) {
    if let Err(e) = mark(window) {
        tracing::debug!("the card may take the keyboard focus: {e}");
    }
    window.set_visible(true);
}

/// Sets `_NET_WM_USER_TIME` to 0 on an X11 window, from a connection of its own; the round
/// trip makes sure the property is there before the window is mapped.
fn mark(window: &Window) -> Result<(), Box<dyn std::error::Error>> {
    let id = match window.window_handle()?.as_raw() {
        RawWindowHandle::Xlib(h) => u32::try_from(h.window)?,
        RawWindowHandle::Xcb(h) => h.window.get(),
        _ => return Ok(()),
    };
    let (conn, _) = x11rb::connect(None)?;
    let atom = conn.intern_atom(false, b"_NET_WM_USER_TIME")?.reply()?.atom;
    conn.change_property32(PropMode::REPLACE, id, atom, AtomEnum::CARDINAL, &[0])?.check()?;
    conn.flush()?;
    Ok(())
}
