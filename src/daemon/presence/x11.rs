//! Idle time from the X server's MIT-SCREEN-SAVER extension, asked on one kept connection
//! (see sample.rs for how often).

use super::{Found, Skip, sample};
use std::time::Duration;
use x11rb::connection::Connection as _;
use x11rb::protocol::screensaver;

pub const X11: &str = "x11 MIT-SCREEN-SAVER";

/// Connects to `$DISPLAY` and takes one sample up front: if the extension is missing, that
/// is said now rather than on the first sample.
pub(super) fn probe(idle_reset: Duration) -> Result<Found, Skip> {
    let (conn, screen) = x11rb::connect(None).map_err(|e| Skip::Failed(e.to_string()))?;
    let root = conn.setup().roots.get(screen).ok_or(Skip::Absent("the X server has no such screen"))?.root;
    let ask = move || match screensaver::query_info(&conn, root).map(|c| c.reply()) {
        Ok(Ok(info)) => Ok(Duration::from_millis(u64::from(info.ms_since_user_input))),
        Ok(Err(e)) => Err(e.to_string()),
        Err(e) => Err(e.to_string()),
    };
    let first = ask().map_err(Skip::Failed)?;
    Ok(sample::found(X11, first, idle_reset, sample::no_floor, ask))
}
