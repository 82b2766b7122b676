//! A point in time as the core sees it: milliseconds on the wall clock, handed in from outside.

use serde::{Deserialize, Serialize};
use std::ops::{Add, Sub};
use std::time::Duration;

/// Milliseconds since the Unix epoch. The core never asks what time it is; every call that
/// needs the time is given a `Moment`, which is what lets tests run whole days in microseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Moment(u64);

impl Moment {
    pub const fn from_millis(ms: u64) -> Self {
        Moment(ms)
    }

    pub const fn from_secs(s: u64) -> Self {
        Moment(s.saturating_mul(1000))
    }

    pub const fn as_millis(self) -> u64 {
        self.0
    }

    /// Time from `earlier` to `self`, or zero when `earlier` is in fact later: a clock that
    /// went backwards must never produce a negative stretch of sitting.
    pub fn since(self, earlier: Moment) -> Duration {
        Duration::from_millis(self.0.saturating_sub(earlier.0))
    }
}

impl Add<Duration> for Moment {
    type Output = Moment;
    fn add(self, d: Duration) -> Moment {
        let ms = u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
        Moment(self.0.saturating_add(ms))
    }
}

impl Sub<Duration> for Moment {
    type Output = Moment;
    fn sub(self, d: Duration) -> Moment {
        let ms = u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
        Moment(self.0.saturating_sub(ms))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arithmetic_saturates_instead_of_wrapping() {
        let t = Moment::from_secs(10);
        assert_eq!(Moment::from_secs(5).since(t), Duration::ZERO);
        assert_eq!(t.since(Moment::from_secs(4)), Duration::from_secs(6));
        assert_eq!(t - Duration::from_secs(60), Moment::from_millis(0));
        assert_eq!(Moment::from_millis(u64::MAX) + Duration::from_secs(1), Moment::from_millis(u64::MAX));
    }
}
