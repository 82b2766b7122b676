//! Local time for people: the time zone's offset, and moments written as a clock shows them.

use super::clock::{Clock, System};
use crate::core::Moment;

/// The local time zone's offset from UTC at `at`, in seconds east.
pub fn utc_offset(clock: &Clock<System>, at: Moment) -> i32 {
    let Ok(ts) = jiff::Timestamp::try_from(clock.wall_of(at)) else { return 0 };
    jiff::tz::TimeZone::system().to_offset(ts).seconds()
}

/// "14:20", "tomorrow 00:00" or "Mon 09:00" for a moment, in the local time zone.
pub fn local_time(clock: &Clock<System>, at: Moment) -> String {
    let Ok(ts) = jiff::Timestamp::try_from(clock.wall_of(at)) else { return "?".into() };
    let tz = jiff::tz::TimeZone::system();
    let zoned = ts.to_zoned(tz.clone());
    let today = jiff::Timestamp::now().to_zoned(tz).date();
    let hm = zoned.strftime("%H:%M").to_string();
    if zoned.date() == today {
        hm
    } else if today.tomorrow().is_ok_and(|t| t == zoned.date()) {
        format!("tomorrow {hm}")
    } else {
        format!("{} {hm}", zoned.strftime("%a"))
    }
}

pub fn start_of_tomorrow() -> Option<std::time::SystemTime> {
    let now = jiff::Zoned::now();
    let start = now.tomorrow().ok()?.start_of_day().ok()?;
    Some(start.timestamp().into())
}
