//! Idle time from the operating system on Windows (GetLastInputInfo) and macOS
//! (CGEventSourceSecondsSinceLastEventType), sampled by the loop in sample.rs.
//!
//! CI builds and tests Linux only, so the platform calls here are not compiled there: they
//! are kept to a few lines each, and the arithmetic around them is plain code tested on Linux.

use std::time::Duration;

/// Idle time from two readings of Windows' millisecond tick counter, which wraps every 49.7
/// days: a wrapping difference stays right across one wrap.
#[cfg_attr(not(windows), allow(dead_code))]
fn since_tick(now: u32, last_input: u32) -> Duration {
    Duration::from_millis(u64::from(now.wrapping_sub(last_input)))
}

/// Idle time from macOS' seconds, which are a float: anything that is not a time is an error.
#[cfg_attr(not(target_os = "macos"), allow(dead_code))]
fn from_seconds(s: f64) -> Result<Duration, String> {
    Duration::try_from_secs_f64(s).map_err(|e| format!("no idle time from CoreGraphics ({s}): {e}"))
}

#[cfg(windows)]
pub const WINDOWS: &str = "windows GetLastInputInfo";

#[cfg(windows)]
fn idle() -> Result<Duration, String> {
    use windows_sys::Win32::System::SystemInformation::GetTickCount;
    use windows_sys::Win32::UI::Input::KeyboardAndMouse::{GetLastInputInfo, LASTINPUTINFO};
    let mut info = LASTINPUTINFO { cbSize: std::mem::size_of::<LASTINPUTINFO>() as u32, dwTime: 0 };
    // SAFETY: `info` is a writable LASTINPUTINFO whose cbSize is set, as the call requires.
    if unsafe { GetLastInputInfo(&mut info) } == 0 {
        return Err("GetLastInputInfo failed".into());
    }
    // SAFETY: no arguments, no preconditions.
    Ok(since_tick(unsafe { GetTickCount() }, info.dwTime))
}

#[cfg(target_os = "macos")]
pub const MACOS: &str = "macos CGEventSource";

#[cfg(target_os = "macos")]
fn idle() -> Result<Duration, String> {
    #[link(name = "CoreGraphics", kind = "framework")]
    unsafe extern "C" {
        fn CGEventSourceSecondsSinceLastEventType(state: i32, event_type: u32) -> f64;
    }
    const COMBINED_SESSION_STATE: i32 = 0; // kCGEventSourceStateCombinedSessionState
    const ANY_INPUT_EVENT: u32 = !0; // kCGAnyInputEventType
    // SAFETY: a pure query with two plain integer arguments.
    from_seconds(unsafe { CGEventSourceSecondsSinceLastEventType(COMBINED_SESSION_STATE, ANY_INPUT_EVENT) })
}

/// The system's own detector, where it has one; tried before any other.
pub(super) fn probes() -> Vec<(&'static str, super::Probe)> {
    #[cfg(windows)]
    return vec![(WINDOWS, Box::new(|reset| probe(WINDOWS, reset)) as super::Probe)];
    #[cfg(target_os = "macos")]
    return vec![(MACOS, Box::new(|reset| probe(MACOS, reset)) as super::Probe)];
    #[cfg(not(any(windows, target_os = "macos")))]
    Vec::new()
}

#[cfg(any(windows, target_os = "macos"))]
fn probe(name: &'static str, idle_reset: Duration) -> Result<super::Found, super::Skip> {
    let first = idle().map_err(super::Skip::Failed)?;
    Ok(super::sample::found(name, first, idle_reset, super::sample::no_floor, idle))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_ticks_wrap_after_49_days() {
        assert_eq!(since_tick(10_000, 4_000), Duration::from_secs(6));
        assert_eq!(since_tick(500, u32::MAX - 499), Duration::from_secs(1), "input just before the wrap");
        assert_eq!(since_tick(7, 7), Duration::ZERO);
    }

    #[test]
    fn macos_seconds_become_durations() {
        assert_eq!(from_seconds(2.5), Ok(Duration::from_millis(2500)));
        assert!(from_seconds(-1.0).is_err());
        assert!(from_seconds(f64::NAN).is_err());
    }
}
