//! When a due reminder may interrupt: not in a call (a microphone or camera in use, and for a
//! short grace after both are closed, so muting and unmuting does not let it through), and
//! not mid-sentence (it waits for a pause in typing, for at most `wait_for_pause_max`).
//!
//! The schedule keeps one [`Call`] and, while a reminder waits for a pause, one
//! [`TypingWait`]; both only remember what they were told and when.

use super::moment::Moment;
use std::time::Duration;

/// How long both the microphone and the camera must stay closed before a call counts as
/// over: long enough for a mute toggle or a device switch, short enough not to be noticed.
pub const CALL_GRACE: Duration = Duration::from_secs(5);

/// Whether the user is in a call, as the desktop's microphone and camera say.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Call {
    live: bool,
    /// When the last call's streams all closed, while its grace may still run.
    ended: Option<Moment>,
}

impl Call {
    /// The microphone or camera (as far as the settings let them count) is in use (`live`)
    /// or not, at `now`.
    pub fn follow(&mut self, now: Moment, live: bool) {
        if live {
            self.live = true;
            self.ended = None;
        } else if std::mem::take(&mut self.live) {
            self.ended = Some(now);
        }
    }

    /// In a call, or within the grace after one.
    pub fn holds(&self, now: Moment) -> bool {
        self.live || self.ended.is_some_and(|e| now < e + CALL_GRACE)
    }

    /// When the grace after the last call runs out, if it has not been let go yet.
    pub fn grace_ends(&self) -> Option<Moment> {
        self.ended.map(|e| e + CALL_GRACE)
    }

    /// Forgets a grace that has run out by `now`, so its timer is not fired again.
    pub fn expire(&mut self, now: Moment) {
        if self.grace_ends().is_some_and(|at| at <= now) {
            self.ended = None;
        }
    }
}

/// A due reminder waiting for a pause in the user's input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TypingWait {
    /// When the wait began; it ends at `began + wait_for_pause_max` whatever the input.
    pub began: Moment,
    /// The input watch said the user is typing (shown as `held_back: "typing"`).
    pub typing: bool,
    /// A pause came, the watch cannot tell, or the cap was reached: the reminder may come.
    pub over: bool,
}

impl TypingWait {
    pub fn new(began: Moment) -> TypingWait {
        TypingWait { began, typing: false, over: false }
    }

    /// A sample from the input watch: no input for `idle` (`None`: this desktop cannot tell,
    /// so there is nothing to wait for).
    pub fn told(&mut self, idle: Option<Duration>, pause: Duration) {
        match idle {
            Some(idle) if idle < pause => self.typing = true,
            _ => self.over = true,
        }
    }

    /// When the cap ends the wait.
    pub fn cap(&self, max: Duration) -> Moment {
        self.began + max
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: u64) -> Moment {
        Moment::from_secs(1_000 + s)
    }

    #[test]
    fn a_call_holds_until_the_grace_after_it_has_passed() {
        let mut c = Call::default();
        assert!(!c.holds(at(0)));
        c.follow(at(0), true);
        assert!(c.holds(at(100)) && c.grace_ends().is_none());
        c.follow(at(100), false);
        assert!(c.holds(at(104)), "within the grace");
        assert_eq!(c.grace_ends(), Some(at(105)));
        assert!(!c.holds(at(105)));
        c.expire(at(104));
        assert_eq!(c.grace_ends(), Some(at(105)), "not yet run out");
        c.expire(at(105));
        assert_eq!(c.grace_ends(), None);
    }

    #[test]
    fn unmuting_within_the_grace_carries_the_call_on() {
        let mut c = Call::default();
        c.follow(at(0), true);
        c.follow(at(10), false);
        c.follow(at(12), true);
        assert!(c.holds(at(30)) && c.grace_ends().is_none());
        c.follow(at(30), false);
        c.follow(at(31), false);
        assert_eq!(c.grace_ends(), Some(at(35)), "a repeated 'closed' does not restart the grace");
    }

    #[test]
    fn a_typing_wait_ends_at_a_pause_or_when_nothing_can_tell() {
        let pause = Duration::from_millis(2500);
        let mut w = TypingWait::new(at(0));
        w.told(Some(Duration::from_millis(100)), pause);
        assert!(w.typing && !w.over);
        w.told(Some(pause), pause);
        assert!(w.over);
        let mut w = TypingWait::new(at(0));
        w.told(None, pause);
        assert!(w.over && !w.typing);
        assert_eq!(w.cap(Duration::from_secs(120)), at(120));
    }
}
