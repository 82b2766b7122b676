//! Break statistics per day from the history: what `limber stats` and the tray's weekly
//! chart show.

use super::schedule::{Event, EventKind};
use serde::Serialize;

/// One day's figures. `day` is the local calendar day as a count of days since 1970-01-01,
/// worked out by the caller, who knows the time zone.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Day {
    pub day: i64,
    /// Breaks that came due (reminders shown).
    pub due: u32,
    /// Breaks taken with the card.
    pub taken: u32,
    /// Breaks taken by walking away, locking the screen or sleeping.
    pub natural: u32,
    pub skipped: u32,
    pub snoozed: u32,
    /// The longest stretch of sitting that ended that day, in seconds.
    pub longest_sitting: u64,
}

impl Day {
    /// A day counts toward the streak when you moved at least once and took more breaks than
    /// you skipped.
    pub fn kept(&self) -> bool {
        let moved = self.taken + self.natural;
        moved >= 1 && moved > self.skipped
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// The last `days` days up to `today`, oldest first, including days with nothing.
    pub days: Vec<Day>,
    /// Kept days in a row up to today (today only counts once it is kept).
    pub streak: u32,
}

/// Sums `events`, each with the local day it happened on.
pub fn summarize<'e>(events: impl IntoIterator<Item = (i64, &'e Event)>, today: i64, days: u32) -> Summary {
    let mut all: std::collections::BTreeMap<i64, Day> = std::collections::BTreeMap::new();
    for (day, e) in events {
        let d = all.entry(day).or_insert_with(|| Day { day, ..Day::default() });
        match e.kind {
            EventKind::Due => d.due += 1,
            EventKind::Taken => d.taken += 1,
            EventKind::Natural => d.natural += 1,
            EventKind::Skipped => d.skipped += 1,
            EventKind::Snoozed => d.snoozed += 1,
            EventKind::Paused | EventKind::Resumed => {}
        }
        if matches!(e.kind, EventKind::Taken | EventKind::Natural | EventKind::Skipped) {
            d.longest_sitting = d.longest_sitting.max(e.sat);
        }
    }
    let first = today - i64::from(days.max(1)) + 1;
    let shown = (first..=today).map(|day| all.get(&day).cloned().unwrap_or(Day { day, ..Day::default() })).collect();
    let kept = |day: i64| all.get(&day).is_some_and(Day::kept);
    let mut streak = 0;
    let mut day = if kept(today) { today } else { today - 1 };
    while kept(day) {
        streak += 1;
        day -= 1;
    }
    Summary { days: shown, streak }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::Moment;

    fn ev(kind: EventKind, sat: u64) -> Event {
        Event { at: Moment::from_secs(0), kind, stretch: None, sat }
    }

    #[test]
    fn counts_per_day_and_longest_sitting() {
        let events = [
            (10, ev(EventKind::Due, 3600)),
            (10, ev(EventKind::Snoozed, 3600)),
            (10, ev(EventKind::Taken, 4200)),
            (10, ev(EventKind::Natural, 1800)),
            (11, ev(EventKind::Due, 3600)),
            (11, ev(EventKind::Skipped, 5000)),
        ];
        let s = summarize(events.iter().map(|(d, e)| (*d, e)), 11, 3);
        assert_eq!(s.days.len(), 3);
        assert_eq!(s.days[0], Day { day: 9, ..Day::default() });
        assert_eq!(s.days[1], Day { day: 10, due: 1, taken: 1, natural: 1, skipped: 0, snoozed: 1, longest_sitting: 4200 });
        assert_eq!((s.days[2].skipped, s.days[2].longest_sitting), (1, 5000));
    }

    #[test]
    fn the_streak_counts_kept_days_up_to_today() {
        let taken = ev(EventKind::Taken, 3600);
        let skipped = ev(EventKind::Skipped, 3600);
        let events = [(5, &taken), (7, &taken), (8, &taken), (9, &taken), (9, &skipped)];
        assert_eq!(summarize(events, 9, 7).streak, 2, "day 9 is not kept (one taken, one skipped): 7 and 8 count");
        assert_eq!(summarize(events[..4].iter().copied(), 9, 7).streak, 3);
        assert_eq!(summarize(events[..4].iter().copied(), 10, 7).streak, 3, "an empty today does not break it yet");
        assert_eq!(summarize(std::iter::empty(), 10, 7).streak, 0);
    }
}
