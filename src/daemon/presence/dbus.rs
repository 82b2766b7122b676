//! Idle time over D-Bus: GNOME's IdleMonitor (session bus, event-driven watches),
//! org.freedesktop.ScreenSaver's GetSessionIdleTime (session bus, sampled), and logind's
//! IdleHint of our session (system bus, event-driven through PropertiesChanged).
//!
//! Each runs on the idle thread with zbus' async API under `async_io::block_on`, so one wait
//! covers the bus signals, a new `idle_reset` from the daemon and, for logind, a timer.

use super::{Ask, Found, Report, Skip, Teller, Typer, lost, sample};
use crate::daemon::bus;
use async_io::{Timer, block_on};
use futures_lite::StreamExt as _;
use futures_lite::future::or;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use zbus::names::UniqueName;
use zbus::proxy::{CacheProperties, OwnerChangedStream, SignalStream};
use zbus::{Connection, Proxy};

pub const MUTTER: &str = "gnome Mutter IdleMonitor";
pub const SCREENSAVER: &str = "org.freedesktop.ScreenSaver";
pub const LOGIND: &str = "logind IdleHint";

const MUTTER_NAME: &str = "org.gnome.Mutter.IdleMonitor";
const MUTTER_PATH: &str = "/org/gnome/Mutter/IdleMonitor/Core";
const SCREENSAVER_PATH: &str = "/org/freedesktop/ScreenSaver";

async fn session_bus() -> zbus::Result<Connection> {
    bus::connect(zbus::connection::Builder::session()).await
}

async fn system_bus() -> zbus::Result<Connection> {
    bus::connect(zbus::connection::Builder::system()).await
}

/// A proxy that reads properties afresh each time (nothing cached, nothing fetched unasked).
async fn proxy(
    conn: &Connection,
    dest: &'static str,
    path: impl Into<String>,
    iface: &'static str,
) -> zbus::Result<Proxy<'static>> {
    zbus::proxy::Builder::new(conn)
        .destination(dest)?
        .path(path.into())?
        .interface(iface)?
        .cache_properties(CacheProperties::No)
        .build()
        .await
}

/// What woke a D-Bus detector.
enum Event {
    Signal(Option<zbus::Message>),
    /// The service's name changed hands; `Some(None)`: nobody owns it any more.
    Owner(Option<Option<UniqueName<'static>>>),
    /// A new `idle_reset` or typing watch; `None`: the daemon dropped its handle.
    Rearm(Option<Ask>),
    Timer,
}

async fn next_event(
    signals: &mut SignalStream<'_>,
    owner: &mut OwnerChangedStream<'_>,
    rearms: &async_channel::Receiver<Ask>,
    timer: Timer,
) -> Event {
    or(
        or(async { Event::Signal(signals.next().await) }, async { Event::Owner(owner.next().await) }),
        or(async { Event::Rearm(rearms.recv().await.ok()) }, async {
            timer.await;
            Event::Timer
        }),
    )
    .await
}

/// Why a D-Bus detector stopped, other than the daemon going away.
fn gone(event: &Event, service: &str) -> Option<String> {
    match event {
        Event::Signal(None) => Some("the bus connection closed".into()),
        Event::Owner(None) => Some("the bus connection closed".into()),
        Event::Owner(Some(None)) => Some(format!("{service} left the bus")),
        // A restarted service knows nothing of our watches or subscriptions.
        Event::Owner(Some(Some(_))) => Some(format!("{service} was restarted")),
        _ => None,
    }
}

/// Rearm and typing-watch handles over a channel the detector's loop waits on.
fn rearm_channel() -> (super::Rearm, super::WatchPause, async_channel::Receiver<Ask>) {
    let (tx, rx) = async_channel::unbounded();
    let pauses = tx.clone();
    (
        Box::new(move |d| {
            let _ = tx.try_send(Ask::IdleReset(d));
        }),
        Box::new(move |p| {
            let _ = pauses.try_send(Ask::Pause(p));
        }),
        rx,
    )
}

// ---- GNOME ------------------------------------------------------------------------------

/// GNOME's IdleMonitor, used when something on the session bus answers GetIdletime.
pub(super) fn probe_mutter(idle_reset: Duration) -> Result<Found, Skip> {
    let (proxy, first, fired, owner) = block_on(async {
        let conn = session_bus().await?;
        let proxy = proxy(&conn, MUTTER_NAME, MUTTER_PATH, MUTTER_NAME).await?;
        let first: u64 = proxy.call("GetIdletime", &()).await?;
        // Subscribed before any watch is added, so no firing can be missed.
        let fired = proxy.receive_signal("WatchFired").await?;
        let owner = proxy.receive_owner_changed().await?;
        Ok::<_, zbus::Error>((proxy, Duration::from_millis(first), fired, owner))
    })?;
    let (rearm, watch, rearms) = rearm_channel();
    Ok(Found {
        name: MUTTER,
        rearm,
        watch: Some(watch),
        run: Box::new(move |report, typer| {
            if let Err(e) = block_on(watch_mutter(&proxy, first, fired, owner, idle_reset, rearms, report, typer)) {
                lost(MUTTER, e);
            }
        }),
    })
}

/// The IdleMonitor watches: an idle watch at `idle_reset`, which fires each time idle
/// time crosses it, and, only while the user is away, a one-shot user-active watch. Arming
/// the active watch only while away keeps input from waking us at every key press. While a
/// typing watch runs, one more idle watch at the pause's length.
#[derive(Debug, PartialEq)]
struct Watches {
    idle: u32,
    active: Option<u32>,
}

#[derive(Debug, PartialEq)]
enum Fired {
    /// Input stopped `idle_reset` ago; `arm_active`: no active watch is armed yet.
    Away { arm_active: bool },
    /// Input again; the one-shot active watch is spent.
    Back,
    /// A watch that is not ours (another client's, or one removed on a re-arm).
    Other,
}

impl Watches {
    fn fired(&mut self, id: u32) -> Fired {
        if id == self.idle {
            Fired::Away { arm_active: self.active.is_none() }
        } else if Some(id) == self.active {
            self.active = None;
            Fired::Back
        } else {
            Fired::Other
        }
    }
}

#[allow(clippy::too_many_arguments)]
async fn watch_mutter(
    proxy: &Proxy<'static>,
    first: Duration,
    mut fired: SignalStream<'_>,
    mut owner: OwnerChangedStream<'_>,
    mut idle_reset: Duration,
    rearms: async_channel::Receiver<Ask>,
    report: Report,
    typer: Typer,
) -> Result<(), String> {
    let e = |e: zbus::Error| e.to_string();
    let add_idle = |d: Duration| async move { proxy.call::<_, _, u32>("AddIdleWatch", &(super::millis(d),)).await };
    let add_active = || async { proxy.call::<_, _, u32>("AddUserActiveWatch", &()).await };
    let mut teller = Teller::new(report);
    let mut watches = Watches { idle: add_idle(idle_reset).await.map_err(e)?, active: None };
    // The typing watch's idle watch and the pause it stands for.
    let mut pause: Option<(u32, Duration)> = None;
    let mut idle = first;
    loop {
        if idle >= idle_reset && watches.active.is_none() {
            watches.active = Some(add_active().await.map_err(e)?);
        }
        if !teller.tell(idle, idle_reset) {
            return Ok(());
        }
        let event = next_event(&mut fired, &mut owner, &rearms, Timer::never()).await;
        if let Some(why) = gone(&event, MUTTER_NAME) {
            return Err(why);
        }
        match event {
            Event::Signal(Some(msg)) => {
                let Ok(id) = msg.body().deserialize::<u32>() else { continue };
                if let Some((watch, length)) = pause.filter(|(watch, _)| *watch == id) {
                    // The pause came; one per typing watch.
                    pause = None;
                    proxy.call::<_, _, ()>("RemoveWatch", &(watch,)).await.map_err(e)?;
                    if !typer(length) {
                        return Ok(());
                    }
                    continue;
                }
                match watches.fired(id) {
                    Fired::Away { .. } => idle = idle_reset,
                    Fired::Back => idle = Duration::ZERO,
                    Fired::Other => {}
                }
            }
            Event::Rearm(Some(Ask::Pause(wanted))) => {
                if let Some((watch, _)) = pause.take() {
                    proxy.call::<_, _, ()>("RemoveWatch", &(watch,)).await.map_err(e)?;
                }
                if let Some(length) = wanted {
                    let now = Duration::from_millis(proxy.call::<_, _, u64>("GetIdletime", &()).await.map_err(e)?);
                    if !typer(now) {
                        return Ok(());
                    }
                    // Already a pause: that was the answer. Else wait for one.
                    if now < length {
                        pause = Some((add_idle(length).await.map_err(e)?, length));
                    }
                }
            }
            Event::Rearm(Some(Ask::IdleReset(d))) => {
                proxy.call::<_, _, ()>("RemoveWatch", &(watches.idle,)).await.map_err(e)?;
                idle_reset = d;
                watches.idle = add_idle(d).await.map_err(e)?;
                idle = Duration::from_millis(proxy.call::<_, _, u64>("GetIdletime", &()).await.map_err(e)?);
            }
            _ => return Ok(()),
        }
    }
}

// ---- org.freedesktop.ScreenSaver ----------------------------------------------------------

/// org.freedesktop.ScreenSaver's GetSessionIdleTime, used when something on the session bus
/// answers it (GNOME's own implementation answers with an error, so it is skipped there).
///
/// The value is taken as milliseconds, which is what KDE, the main implementation left,
/// returns; an implementation counting seconds would make every break look 1000 times
/// shorter, that is no breaks, which is the wall-clock fallback anyway.
pub(super) fn probe_screensaver(idle_reset: Duration) -> Result<Found, Skip> {
    let proxy = block_on(async {
        let conn = session_bus().await?;
        proxy(&conn, SCREENSAVER, SCREENSAVER_PATH, SCREENSAVER).await
    })?;
    let ask = move || {
        block_on(proxy.call::<_, _, u32>("GetSessionIdleTime", &()))
            .map(|ms| Duration::from_millis(u64::from(ms)))
            .map_err(|e| e.to_string())
    };
    let first = ask().map_err(Skip::Failed)?;
    Ok(sample::found(SCREENSAVER, first, idle_reset, screensaver_floor, ask))
}

/// Each sample is a round trip that wakes the screensaver service too, and some services
/// count coarsely: never more often than a quarter of `idle_reset`.
fn screensaver_floor(idle_reset: Duration) -> Duration {
    idle_reset / 4
}

// ---- logind -------------------------------------------------------------------------------

/// logind's IdleHint of our session on the system bus. The desktop sets the hint after its
/// own idle delay, which may be shorter or longer than `idle_reset`: a session idle for less
/// than `idle_reset` is looked at again when it would reach it, and IdleSinceHint dates a
/// late hint correctly.
pub(super) fn probe_logind(idle_reset: Duration) -> Result<Found, Skip> {
    let (session, changed, owner) = block_on(async {
        let conn = system_bus().await?;
        let path = bus::logind_session(&conn).await?;
        let session = proxy(&conn, bus::LOGIND, path.as_str(), bus::LOGIND_SESSION).await?;
        read_hint(&session).await?;
        let props = proxy(&conn, bus::LOGIND, path.as_str(), "org.freedesktop.DBus.Properties").await?;
        let changed = props.receive_signal("PropertiesChanged").await?;
        let owner = session.receive_owner_changed().await?;
        Ok::<_, zbus::Error>((session, changed, owner))
    })?;
    // Its hint follows the desktop's own idle delay, minutes long: no use for a pause in
    // typing, so no typing watch.
    let (rearm, _, rearms) = rearm_channel();
    Ok(Found {
        name: LOGIND,
        rearm,
        watch: None,
        run: Box::new(move |report, _| {
            if let Err(e) = block_on(watch_logind(&session, changed, owner, idle_reset, rearms, report)) {
                lost(LOGIND, e);
            }
        }),
    })
}

async fn read_hint(session: &Proxy<'_>) -> zbus::Result<(bool, u64)> {
    Ok((session.get_property("IdleHint").await?, session.get_property("IdleSinceHint").await?))
}

/// Idle time from logind's hints at `now`: since `since_us` (µs of the realtime clock) while
/// the hint is set. An unknown start (0) counts from now.
fn hinted_idle(hint: bool, since_us: u64, now: SystemTime) -> Duration {
    if !hint || since_us == 0 {
        return Duration::ZERO;
    }
    now.duration_since(UNIX_EPOCH + Duration::from_micros(since_us)).unwrap_or(Duration::ZERO)
}

/// When to look again without a signal: a session idle, but not yet for `idle_reset`,
/// becomes away when it reaches it (with a little slack so it has by then).
fn recheck_in(hint: bool, idle: Duration, idle_reset: Duration) -> Option<Duration> {
    (hint && idle < idle_reset).then(|| idle_reset - idle + Duration::from_millis(20))
}

async fn watch_logind(
    session: &Proxy<'static>,
    mut changed: SignalStream<'_>,
    mut owner: OwnerChangedStream<'_>,
    mut idle_reset: Duration,
    rearms: async_channel::Receiver<Ask>,
    report: Report,
) -> Result<(), String> {
    let mut teller = Teller::new(report);
    // A hint seen set with no start: counted from when it was first seen.
    let mut seen_since: Option<SystemTime> = None;
    loop {
        let (hint, since_us) = read_hint(session).await.map_err(|e| e.to_string())?;
        let now = SystemTime::now();
        let idle = match (hint, since_us) {
            (true, 0) => now.duration_since(*seen_since.get_or_insert(now)).unwrap_or_default(),
            _ => {
                seen_since = None;
                hinted_idle(hint, since_us, now)
            }
        };
        if !teller.tell(idle, idle_reset) {
            return Ok(());
        }
        let timer = recheck_in(hint, idle, idle_reset).map_or_else(Timer::never, Timer::after);
        let event = next_event(&mut changed, &mut owner, &rearms, timer).await;
        if let Some(why) = gone(&event, bus::LOGIND) {
            return Err(why);
        }
        match event {
            Event::Rearm(Some(Ask::IdleReset(d))) => idle_reset = d,
            Event::Rearm(Some(Ask::Pause(_))) | Event::Signal(Some(_)) | Event::Timer => {}
            _ => return Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_active_watch_is_armed_only_while_away_and_spent_once_fired() {
        let mut w = Watches { idle: 3, active: None };
        assert_eq!(w.fired(3), Fired::Away { arm_active: true });
        w.active = Some(4);
        assert_eq!(w.fired(3), Fired::Away { arm_active: false }, "one active watch is enough");
        assert_eq!(w.fired(9), Fired::Other);
        assert_eq!(w.fired(4), Fired::Back);
        assert_eq!(w, Watches { idle: 3, active: None });
        assert_eq!(w.fired(4), Fired::Other, "a spent watch");
    }

    #[test]
    fn logind_hints_become_idle_time() {
        let since = UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        let since_us = 1_800_000_000 * 1_000_000;
        let later = |s| since + Duration::from_secs(s);
        assert_eq!(hinted_idle(false, since_us, later(500)), Duration::ZERO, "not idle");
        assert_eq!(hinted_idle(true, since_us, later(500)), Duration::from_secs(500));
        assert_eq!(hinted_idle(true, since_us, since - Duration::from_secs(5)), Duration::ZERO, "clock stepped back");
        assert_eq!(hinted_idle(true, 0, later(5)), Duration::ZERO, "no start known");
    }

    #[test]
    fn logind_is_looked_at_again_only_while_idle_short_of_idle_reset() {
        let reset = Duration::from_secs(300);
        let slack = Duration::from_millis(20);
        assert_eq!(recheck_in(true, Duration::from_secs(120), reset), Some(Duration::from_secs(180) + slack));
        assert_eq!(recheck_in(true, Duration::from_secs(400), reset), None, "already away: the next signal says more");
        assert_eq!(recheck_in(false, Duration::ZERO, reset), None, "here: wait for the hint");
    }

    #[test]
    fn screensaver_samples_at_most_every_quarter_of_idle_reset() {
        let reset = Duration::from_secs(120);
        assert_eq!(sample::wait(Duration::from_secs(119), reset, screensaver_floor), Duration::from_secs(30));
        assert_eq!(sample::wait(Duration::ZERO, reset, screensaver_floor), reset);
    }
}
