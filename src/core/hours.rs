//! Working hours: the weekly time ranges in which reminders may come, and the local-time
//! arithmetic the schedule needs to find their edges.
//!
//! The core knows no time zones: the desktop passes the current offset from UTC (it changes
//! with daylight saving time, and the desktop says so when it does), and every local time here
//! is a [`Moment`] shifted by that offset.

use super::moment::Moment;

/// Monday first, as the settings file names them.
pub const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

const MINUTE: u64 = 60_000;
const DAY_MINUTES: u32 = 24 * 60;

/// One range of a day, in minutes after local midnight. An end before the start runs past
/// midnight into the next day (a night shift).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

/// The week's ranges. A day without ranges has no working hours.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorkingHours {
    days: [Vec<Span>; 7],
}

impl WorkingHours {
    pub fn set(&mut self, day: usize, spans: Vec<Span>) {
        if let Some(d) = self.days.get_mut(day) {
            *d = spans;
        }
    }

    /// Whether local time `at` (a moment shifted by the UTC offset) lies in working hours.
    pub fn contains(&self, local: u64) -> bool {
        let day = local / (MINUTE * u64::from(DAY_MINUTES));
        let minute = ((local / MINUTE) % u64::from(DAY_MINUTES)) as u32;
        let weekday = weekday(day);
        let today = self.days[weekday]
            .iter()
            .any(|s| if s.end > s.start { (s.start..s.end).contains(&minute) } else { minute >= s.start });
        let from_yesterday = self.days[(weekday + 6) % 7].iter().any(|s| s.end <= s.start && minute < s.end);
        today || from_yesterday
    }

    /// The first moment after `local` at which being inside or outside changes, looking a week
    /// and a day ahead; `None` if it never changes (no ranges, or every minute of the week).
    pub fn next_change(&self, local: u64) -> Option<u64> {
        let inside = self.contains(local);
        let day = local / (MINUTE * u64::from(DAY_MINUTES));
        let mut edges: Vec<u64> = Vec::new();
        for d in day.saturating_sub(1)..=day + 8 {
            let midnight = d * MINUTE * u64::from(DAY_MINUTES);
            for s in &self.days[weekday(d)] {
                edges.push(midnight + u64::from(s.start) * MINUTE);
                let end_day = if s.end > s.start { midnight } else { midnight + MINUTE * u64::from(DAY_MINUTES) };
                edges.push(end_day + u64::from(s.end) * MINUTE);
            }
        }
        edges.sort_unstable();
        edges.into_iter().filter(|e| *e > local).find(|e| self.contains(*e) != inside)
    }

    pub fn is_empty(&self) -> bool {
        self.days.iter().all(Vec::is_empty)
    }
}

/// 1970-01-01 was a Thursday: day 0 is index 3 with Monday first.
fn weekday(day: u64) -> usize {
    ((day + 3) % 7) as usize
}

/// A moment as local time in milliseconds, given the offset east of UTC in seconds.
pub fn local(at: Moment, offset_s: i32) -> u64 {
    let ms = at.as_millis() as i64 + i64::from(offset_s) * 1000;
    ms.max(0) as u64
}

/// The moment of a local time.
pub fn moment(local: u64, offset_s: i32) -> Moment {
    let ms = local as i64 - i64::from(offset_s) * 1000;
    Moment::from_millis(ms.max(0) as u64)
}

/// Reads "09:00-17:30" (also "9:00-17:30", "22:00-06:00", "00:00-24:00").
pub fn parse_span(text: &str) -> Result<Span, String> {
    let bad = || format!("\"{text}\" is not a time range like \"09:00-17:30\"");
    let (a, b) = text.split_once('-').ok_or_else(bad)?;
    let start = parse_time(a.trim()).ok_or_else(bad)?;
    let end = parse_time(b.trim()).ok_or_else(bad)?;
    if start == end {
        return Err(format!("\"{text}\" is empty: the start and the end are the same"));
    }
    if start == DAY_MINUTES {
        return Err(bad());
    }
    Ok(Span { start, end: if end == DAY_MINUTES && start == 0 { DAY_MINUTES } else { end % DAY_MINUTES } })
}

fn parse_time(t: &str) -> Option<u32> {
    let (h, m) = t.split_once(':')?;
    if h.is_empty() || h.len() > 2 || m.len() != 2 || !h.bytes().chain(m.bytes()).all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    (m < 60 && (h < 24 || (h == 24 && m == 0))).then_some(h * 60 + m)
}

/// Reads a day or a range of days: "mon", "mon-fri", "sat-sun", "fri-mon" (wrapping).
pub fn parse_days(text: &str) -> Result<Vec<usize>, String> {
    let day = |d: &str| DAYS.iter().position(|n| n.eq_ignore_ascii_case(d.trim()));
    let bad = || format!("\"{text}\" is not a day or a range of days like \"mon-fri\" (days: {})", DAYS.join(", "));
    match text.split_once('-') {
        None => day(text).map(|d| vec![d]).ok_or_else(bad),
        Some((a, b)) => {
            let (a, b) = (day(a).ok_or_else(bad)?, day(b).ok_or_else(bad)?);
            let mut out = vec![a];
            let mut d = a;
            while d != b {
                d = (d + 1) % 7;
                out.push(d);
            }
            Ok(out)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Monday 2026-11-16 00:00 UTC.
    const MONDAY: u64 = 1_794_787_200_000;
    const H: u64 = 3_600_000;

    fn office() -> WorkingHours {
        let mut w = WorkingHours::default();
        for d in parse_days("mon-fri").unwrap() {
            w.set(d, vec![parse_span("09:00-17:30").unwrap()]);
        }
        w
    }

    #[test]
    fn the_test_monday_is_a_monday() {
        assert_eq!(weekday(MONDAY / (24 * H)), 0);
    }

    #[test]
    fn inside_and_outside_an_office_week() {
        let w = office();
        assert!(!w.contains(MONDAY + 8 * H + 59 * MINUTE));
        assert!(w.contains(MONDAY + 9 * H));
        assert!(w.contains(MONDAY + 17 * H + 29 * MINUTE));
        assert!(!w.contains(MONDAY + 17 * H + 30 * MINUTE));
        assert!(!w.contains(MONDAY + 5 * 24 * H + 10 * H), "Saturday");
        assert_eq!(w.next_change(MONDAY + 10 * H), Some(MONDAY + 17 * H + 30 * MINUTE));
        assert_eq!(w.next_change(MONDAY + 4 * 24 * H + 18 * H), Some(MONDAY + 7 * 24 * H + 9 * H), "Friday evening to Monday");
    }

    #[test]
    fn night_shifts_cross_midnight() {
        let mut w = WorkingHours::default();
        w.set(0, vec![parse_span("22:00-06:00").unwrap()]);
        assert!(w.contains(MONDAY + 23 * H));
        assert!(w.contains(MONDAY + 24 * H + 5 * H), "Tuesday 05:00 belongs to Monday's shift");
        assert!(!w.contains(MONDAY + 24 * H + 6 * H));
        assert!(!w.contains(MONDAY + 5 * H), "Monday 05:00 would be Sunday's shift");
        assert_eq!(w.next_change(MONDAY + 23 * H), Some(MONDAY + 30 * H));
    }

    #[test]
    fn whole_days_join_up() {
        let mut w = WorkingHours::default();
        for d in 0..7 {
            w.set(d, vec![parse_span("00:00-24:00").unwrap()]);
        }
        assert!(w.contains(MONDAY + 3 * H));
        assert_eq!(w.next_change(MONDAY), None, "every minute of the week: no edge");
        assert_eq!(WorkingHours::default().next_change(MONDAY), None);
    }

    #[test]
    fn offsets_shift_local_time() {
        let at = Moment::from_millis(MONDAY + 8 * H);
        assert_eq!(local(at, 3600), MONDAY + 9 * H);
        assert_eq!(moment(local(at, -18_000), -18_000), at);
    }

    #[test]
    fn bad_text_is_explained() {
        assert_eq!(parse_span("9:00 - 17:30"), Ok(Span { start: 540, end: 1050 }));
        assert!(parse_span("9-5").unwrap_err().contains("like \"09:00-17:30\""));
        assert!(parse_span("25:00-26:00").is_err());
        assert!(parse_span("09:00-09:00").unwrap_err().contains("empty"));
        assert_eq!(parse_days("fri-mon").unwrap(), vec![4, 5, 6, 0]);
        assert!(parse_days("monday").unwrap_err().contains("mon, tue"));
    }
}
