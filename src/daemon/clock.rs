//! The time adapter: reads the wall and monotonic clocks for the core and notices when the
//! machine slept or the clock jumped.

use crate::core::Moment;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Where the clock readings come from; tests give a pair they control.
pub trait Source {
    fn wall(&self) -> SystemTime;
    fn mono(&self) -> Instant;
}

pub struct System;

impl Source for System {
    fn wall(&self) -> SystemTime {
        SystemTime::now()
    }
    fn mono(&self) -> Instant {
        Instant::now()
    }
}

/// A wall clock that runs this much further than the monotonic clock between two readings
/// means the machine was asleep (Linux's monotonic clock stops in suspend) or the clock was
/// set forward; smaller differences are NTP slewing and scheduling noise.
const GAP_THRESHOLD: Duration = Duration::from_secs(2);

/// One reading for the core.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reading {
    pub now: Moment,
    /// Time that passed without the process running, ending now.
    pub gap: Option<Duration>,
}

/// The core's timeline: it starts at the wall clock and then advances with the monotonic
/// clock, plus any gap found. A clock set backwards therefore never makes time run back, and
/// a suspend shows up as a gap instead of as sitting.
pub struct Clock<S: Source = System> {
    source: S,
    last_mono: Instant,
    last_wall: SystemTime,
    last: Moment,
}

fn to_moment(t: SystemTime) -> Moment {
    Moment::from_millis(t.duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0))
}

impl<S: Source> Clock<S> {
    pub fn new(source: S) -> Self {
        let (last_mono, last_wall) = (source.mono(), source.wall());
        Clock { source, last_mono, last_wall, last: to_moment(last_wall) }
    }

    pub fn read(&mut self) -> Reading {
        let (mono, wall) = (self.source.mono(), self.source.wall());
        let ran = mono.saturating_duration_since(self.last_mono);
        let walked = wall.duration_since(self.last_wall).unwrap_or(Duration::ZERO);
        let gap = walked.checked_sub(ran).filter(|g| *g > GAP_THRESHOLD);
        let now = self.last + ran + gap.unwrap_or(Duration::ZERO);
        (self.last_mono, self.last_wall, self.last) = (mono, wall, now);
        Reading { now, gap }
    }

    /// The current moment without taking a reading (for drawing a countdown).
    pub fn peek(&self) -> Moment {
        self.last + self.source.mono().saturating_duration_since(self.last_mono)
    }

    /// When, on the monotonic clock, the core's moment `at` comes.
    pub fn instant_for(&self, at: Moment) -> Instant {
        let ahead = at.since(self.last);
        self.last_mono + ahead
    }

    /// The wall-clock time of `at`, for showing it to people.
    pub fn wall_of(&self, at: Moment) -> SystemTime {
        if at >= self.last { self.last_wall + at.since(self.last) } else { self.last_wall - self.last.since(at) }
    }

    /// The core's moment for a wall-clock time (e.g. "tomorrow 00:00").
    pub fn moment_of(&self, wall: SystemTime) -> Moment {
        match wall.duration_since(self.last_wall) {
            Ok(ahead) => self.last + ahead,
            Err(e) => self.last - e.duration(),
        }
    }
}

/// Waking this much later than planned means the process did not run in between (stopped
/// with SIGSTOP or Ctrl-Z, frozen with its cgroup, or the machine suspended); a loaded machine
/// is late by milliseconds.
const LATE: Duration = Duration::from_secs(2);

/// How long limber was not running, if it woke late enough to tell.
pub fn late_by(planned: Instant, woke: Instant) -> Option<Duration> {
    woke.checked_duration_since(planned).filter(|late| *late > LATE)
}

/// The longest the loop sleeps while nothing is due. A stop is only seen when a planned wake
/// comes late, so a stop longer than 1.5 break lengths is always told as a break; with the
/// default break of 2 min this is once a minute, when the status minute wakes the loop anyway.
pub fn heartbeat(break_length: Duration) -> Duration {
    (break_length / 2).clamp(Duration::from_secs(1), Duration::from_secs(60))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;
    use std::rc::Rc;

    /// A clock pair the test moves by hand.
    #[derive(Clone)]
    struct Fake {
        wall: Rc<Cell<SystemTime>>,
        mono: Rc<Cell<Instant>>,
    }

    impl Fake {
        fn new() -> Fake {
            Fake {
                wall: Rc::new(Cell::new(UNIX_EPOCH + Duration::from_secs(1_763_280_000))),
                mono: Rc::new(Cell::new(Instant::now())),
            }
        }
        /// The process runs for `d`: both clocks move.
        fn run(&self, d: Duration) {
            self.wall.set(self.wall.get() + d);
            self.mono.set(self.mono.get() + d);
        }
        /// The machine sleeps for `d`: only the wall clock moves.
        fn sleep(&self, d: Duration) {
            self.wall.set(self.wall.get() + d);
        }
    }

    impl Source for Fake {
        fn wall(&self) -> SystemTime {
            self.wall.get()
        }
        fn mono(&self) -> Instant {
            self.mono.get()
        }
    }

    #[test]
    fn running_time_is_no_gap() {
        let f = Fake::new();
        let mut c = Clock::new(f.clone());
        let start = c.read().now;
        f.run(Duration::from_secs(600));
        assert_eq!(c.read(), Reading { now: start + Duration::from_secs(600), gap: None });
    }

    #[test]
    fn a_suspend_is_a_gap_ending_now() {
        let f = Fake::new();
        let mut c = Clock::new(f.clone());
        let start = c.read().now;
        f.run(Duration::from_secs(60));
        f.sleep(Duration::from_secs(3600));
        f.run(Duration::from_millis(5));
        let r = c.read();
        assert_eq!(r.gap, Some(Duration::from_secs(3600)));
        assert_eq!(r.now, start + Duration::from_secs(3660) + Duration::from_millis(5));
    }

    #[test]
    fn small_drift_is_not_a_gap() {
        let f = Fake::new();
        let mut c = Clock::new(f.clone());
        f.run(Duration::from_secs(60));
        f.sleep(Duration::from_millis(1500));
        assert_eq!(c.read().gap, None);
    }

    #[test]
    fn a_clock_set_back_does_not_turn_time_back() {
        let f = Fake::new();
        let mut c = Clock::new(f.clone());
        let start = c.read().now;
        f.wall.set(f.wall.get() - Duration::from_secs(3600));
        f.run(Duration::from_secs(10));
        let r = c.read();
        assert_eq!(r, Reading { now: start + Duration::from_secs(10), gap: None });
        // And a later suspend is still seen, whatever the offset now is.
        f.sleep(Duration::from_secs(900));
        assert_eq!(c.read().gap, Some(Duration::from_secs(900)));
    }

    #[test]
    fn deadlines_map_to_the_monotonic_clock() {
        let f = Fake::new();
        let mut c = Clock::new(f.clone());
        let now = c.read().now;
        assert_eq!(c.instant_for(now + Duration::from_secs(30)), f.mono() + Duration::from_secs(30));
        assert_eq!(c.instant_for(now), f.mono(), "a deadline already reached is now, never earlier");
        assert_eq!(c.moment_of(c.wall_of(now + Duration::from_secs(5))), now + Duration::from_secs(5));
    }

    #[test]
    fn a_late_wake_is_time_not_run() {
        let planned = Instant::now();
        assert_eq!(late_by(planned, planned + Duration::from_millis(30)), None, "scheduling noise");
        assert_eq!(late_by(planned, planned - Duration::from_secs(5)), None, "woken early by an event");
        assert_eq!(late_by(planned, planned + Duration::from_secs(40)), Some(Duration::from_secs(40)));
    }

    #[test]
    fn the_heartbeat_sees_any_stop_of_a_break_and_a_half() {
        assert_eq!(heartbeat(Duration::from_secs(120)), Duration::from_secs(60));
        assert_eq!(heartbeat(Duration::from_secs(3)), Duration::from_millis(1500));
        assert_eq!(heartbeat(Duration::from_secs(1)), Duration::from_secs(1));
        assert_eq!(heartbeat(Duration::from_secs(3600)), Duration::from_secs(60));
    }
}
