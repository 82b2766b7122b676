//! The away adapter: screen lock and unlock, and the machine going to sleep and waking, as
//! the session and system buses announce them.
//!
//! One thread, "limber-away", waits on both buses at once. It only ever blocks on the bus
//! sockets, so it costs nothing while nothing happens. Each source keeps its own vote
//! (locked, asleep, screensaver on); the user is away while any vote says so, and only
//! changes of that merged answer are passed on.

use super::bus::{self, LOGIND, LOGIND_MANAGER, LOGIND_PATH, LOGIND_SESSION};
use futures_lite::{StreamExt as _, future};
use std::cell::RefCell;
use std::collections::HashMap;
use std::time::Duration;
use zbus::zvariant::OwnedValue;
use zbus::{Connection, Message};

const FDO_SAVER: &str = "org.freedesktop.ScreenSaver";
const GNOME_SAVER: &str = "org.gnome.ScreenSaver";
/// freedesktop screensavers serve one of these (KDE both).
const FDO_SAVER_PATHS: [&str; 2] = ["/org/freedesktop/ScreenSaver", "/ScreenSaver"];
const GNOME_SAVER_PATH: &str = "/org/gnome/ScreenSaver";

/// Setting up is a handful of calls; a bus that hangs must not hold up the daemon's start.
const SETUP_WAIT: Duration = Duration::from_secs(3);

/// Starts watching every source of lock and sleep signals this session has. `report(true)`
/// when the user is away (any source says locked or asleep), `report(false)` when every
/// source says back; it returns false once nobody listens. Returns the names of the sources
/// being watched, for the log.
pub fn start(report: impl Fn(bool) -> bool + Send + Sync + 'static) -> Vec<&'static str> {
    let (names_tx, names_rx) = std::sync::mpsc::channel();
    let spawned = std::thread::Builder::new().name("limber-away".into()).spawn(move || future::block_on(watch(report, names_tx)));
    if let Err(e) = spawned {
        tracing::warn!("lock and sleep signals not followed: {e}");
        return Vec::new();
    }
    names_rx.recv_timeout(SETUP_WAIT).unwrap_or_default()
}

/// Who can say the user is away.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Source {
    /// logind: the session is locked (Lock/Unlock, LockedHint).
    Locked,
    /// logind: the machine is going to sleep (PrepareForSleep).
    Asleep,
    /// org.freedesktop.ScreenSaver is active.
    ScreenSaver,
    /// org.gnome.ScreenSaver is active.
    GnomeScreenSaver,
}

/// Each source's latest word, and the merged answer last passed on.
#[derive(Debug, Default)]
struct Votes {
    away: [bool; 4],
    told: bool,
}

impl Votes {
    /// Records one source's vote; returns the merged answer when it changed.
    fn set(&mut self, source: Source, away: bool) -> Option<bool> {
        self.away[source as usize] = away;
        let merged = self.away.iter().any(|&a| a);
        (merged != self.told).then(|| {
            self.told = merged;
            merged
        })
    }
}

/// The votes and where changes go. Both bus tasks run on the one thread, so a `RefCell`.
struct Tally<F> {
    votes: RefCell<Votes>,
    report: F,
    /// Closed once `report` says nobody listens: the thread then ends.
    stop: async_channel::Sender<()>,
}

impl<F: Fn(bool) -> bool> Tally<F> {
    fn vote(&self, source: Source, away: bool) {
        tracing::debug!("away vote: {source:?} {away}");
        let changed = self.votes.borrow_mut().set(source, away);
        if let Some(away) = changed
            && !(self.report)(away)
        {
            self.stop.close();
        }
    }
}

async fn watch(report: impl Fn(bool) -> bool, names: std::sync::mpsc::Sender<Vec<&'static str>>) {
    let (stop, stopped) = async_channel::bounded::<()>(1);
    let tally = Tally { votes: RefCell::default(), report, stop };
    let (logind, savers) = future::zip(Logind::connect(&tally), Savers::connect(&tally)).await;
    let mut watched = Vec::new();
    if logind.as_ref().is_some_and(|l| l.session.is_some()) {
        watched.push("logind");
    }
    if let Some(s) = &savers {
        watched.extend(s.present());
    }
    let _ = names.send(watched);
    if logind.is_none() && savers.is_none() {
        return;
    }
    let follow = future::zip(
        async {
            if let Some(l) = logind {
                l.follow(&tally).await;
            }
        },
        async {
            if let Some(s) = savers {
                s.follow(&tally).await;
            }
        },
    );
    future::or(
        async {
            follow.await;
        },
        async {
            let _ = stopped.recv().await;
        },
    )
    .await;
}

/// logind on the system bus: our session's lock state and the machine's sleep.
struct Logind {
    conn: Connection,
    /// PrepareForSleep and logind's own coming and going.
    manager: bus::Signals,
    /// Everything our session object sends (Lock, Unlock, PropertiesChanged), once known.
    session: Option<bus::Signals>,
}

impl Logind {
    async fn connect<F: Fn(bool) -> bool>(tally: &Tally<F>) -> Option<Logind> {
        let conn = bus::connect(zbus::connection::Builder::system())
            .await
            .map_err(|e| tracing::info!("no system bus ({e}): locks and sleep from logind are not followed"))
            .ok()?;
        let rules =
            [bus::signals(LOGIND, LOGIND_MANAGER, Some("PrepareForSleep"), Some(LOGIND_PATH)), bus::owner_changes(LOGIND)];
        let manager = match rules.into_iter().collect::<zbus::Result<Vec<_>>>() {
            Ok(rules) => bus::subscribe(&conn, rules).await,
            Err(e) => Err(e),
        };
        let manager = manager.map_err(|e| tracing::info!("cannot follow logind: {e}")).ok()?;
        let mut logind = Logind { conn, manager, session: None };
        if bus::has_owner(&logind.conn, LOGIND).await {
            logind.attach(tally).await;
        } else {
            tracing::info!("logind is not on the system bus; limber watches for it to appear");
        }
        Some(logind)
    }

    /// Finds our session, follows its signals and takes its current lock state.
    async fn attach<F: Fn(bool) -> bool>(&mut self, tally: &Tally<F>) {
        self.session = None;
        let path = match bus::logind_session(&self.conn).await {
            Ok(path) => path,
            Err(e) => return tracing::info!("logind knows no session for limber ({e}): its screen locks are not followed"),
        };
        let signals = match bus::object(LOGIND, path.as_str()) {
            Ok(rule) => bus::subscribe(&self.conn, vec![rule]).await,
            Err(e) => Err(e),
        };
        match signals {
            Ok(s) => self.session = Some(s),
            Err(e) => return tracing::info!("cannot follow the logind session {}: {e}", path.as_str()),
        }
        tracing::debug!("logind session {}", path.as_str());
        self.read_locked(tally, path.as_str()).await;
    }

    async fn read_locked<F: Fn(bool) -> bool>(&self, tally: &Tally<F>, path: &str) {
        match bus::get_bool(&self.conn, LOGIND, path, LOGIND_SESSION, "LockedHint").await {
            Ok(locked) => tally.vote(Source::Locked, locked),
            Err(e) => tracing::info!("logind's LockedHint unreadable: {e}"),
        }
    }

    async fn follow<F: Fn(bool) -> bool>(mut self, tally: &Tally<F>) {
        loop {
            let Logind { manager, session, .. } = &mut self;
            let next = future::or(manager.next(), async {
                match session {
                    Some(s) => s.next().await,
                    None => future::pending().await,
                }
            })
            .await;
            match next {
                Some(Ok(msg)) => self.handle(tally, &msg).await,
                Some(Err(e)) => tracing::debug!("system bus: {e}"),
                None => break,
            }
        }
        tracing::info!("the system bus connection closed: locks and sleep are no longer followed");
        tally.vote(Source::Locked, false);
        tally.vote(Source::Asleep, false);
    }

    async fn handle<F: Fn(bool) -> bool>(&mut self, tally: &Tally<F>, msg: &Message) {
        let (interface, member) = bus::signal_name(msg);
        match (interface.as_str(), member.as_str()) {
            (LOGIND_MANAGER, "PrepareForSleep") => {
                if let Ok(going) = msg.body().deserialize::<bool>() {
                    tally.vote(Source::Asleep, going);
                }
            }
            (LOGIND_SESSION, "Lock") => tally.vote(Source::Locked, true),
            (LOGIND_SESSION, "Unlock") => tally.vote(Source::Locked, false),
            ("org.freedesktop.DBus.Properties", "PropertiesChanged") => {
                let Ok((iface, changed, invalidated)) =
                    msg.body().deserialize::<(String, HashMap<String, OwnedValue>, Vec<String>)>()
                else {
                    return;
                };
                if iface != LOGIND_SESSION {
                    return;
                }
                if let Some(locked) = changed.get("LockedHint").and_then(|v| bus::bool_in(v)) {
                    tally.vote(Source::Locked, locked);
                } else if invalidated.iter().any(|p| p == "LockedHint") {
                    let path = msg.header().path().map(|p| p.to_string()).unwrap_or_default();
                    self.read_locked(tally, &path).await;
                }
            }
            ("org.freedesktop.DBus", "NameOwnerChanged") => match bus::owner_change(msg) {
                Some((_, owner)) if owner.is_empty() => {
                    tracing::info!("logind left the system bus");
                    self.session = None;
                    tally.vote(Source::Locked, false);
                    tally.vote(Source::Asleep, false);
                }
                Some(_) => {
                    tracing::info!("logind is on the system bus");
                    self.attach(tally).await;
                }
                None => {}
            },
            _ => {}
        }
    }
}

/// The screensavers on the session bus.
struct Savers {
    conn: Connection,
    signals: bus::Signals,
    /// Which of them had an owner at start, for the log.
    present: [bool; 2],
}

impl Savers {
    async fn connect<F: Fn(bool) -> bool>(tally: &Tally<F>) -> Option<Savers> {
        let conn = bus::connect(zbus::connection::Builder::session())
            .await
            .map_err(|e| tracing::info!("no session bus ({e}): screensavers are not followed"))
            .ok()?;
        let rules = [
            bus::signals(FDO_SAVER, FDO_SAVER, Some("ActiveChanged"), None),
            bus::signals(GNOME_SAVER, GNOME_SAVER, Some("ActiveChanged"), None),
            bus::owner_changes(FDO_SAVER),
            bus::owner_changes(GNOME_SAVER),
        ];
        let signals = match rules.into_iter().collect::<zbus::Result<Vec<_>>>() {
            Ok(rules) => bus::subscribe(&conn, rules).await,
            Err(e) => Err(e),
        };
        let signals = signals.map_err(|e| tracing::info!("cannot follow the screensavers: {e}")).ok()?;
        let mut savers = Savers { conn, signals, present: [false; 2] };
        for (i, name) in [FDO_SAVER, GNOME_SAVER].into_iter().enumerate() {
            if bus::has_owner(&savers.conn, name).await {
                savers.present[i] = true;
                savers.read_active(tally, name).await;
            } else {
                tracing::info!("{name} is not on the session bus; limber watches for it to appear");
            }
        }
        Some(savers)
    }

    fn present(&self) -> impl Iterator<Item = &'static str> + '_ {
        [FDO_SAVER, GNOME_SAVER].into_iter().zip(self.present).filter_map(|(n, p)| p.then_some(n))
    }

    /// Asks a screensaver whether it is on (`GetActive`).
    async fn read_active<F: Fn(bool) -> bool>(&self, tally: &Tally<F>, name: &str) {
        let (source, paths) = if name == GNOME_SAVER {
            (Source::GnomeScreenSaver, &[GNOME_SAVER_PATH][..])
        } else {
            (Source::ScreenSaver, &FDO_SAVER_PATHS[..])
        };
        for path in paths {
            let reply = self.conn.call_method(Some(name), *path, Some(name), "GetActive", &()).await;
            match reply.and_then(|m| m.body().deserialize::<bool>()) {
                Ok(active) => return tally.vote(source, active),
                Err(e) => tracing::debug!("{name} GetActive at {path}: {e}"),
            }
        }
        tracing::info!("{name} does not say whether it is active; only its ActiveChanged signals count");
    }

    async fn follow<F: Fn(bool) -> bool>(mut self, tally: &Tally<F>) {
        while let Some(next) = self.signals.next().await {
            let Ok(msg) = next else { continue };
            let (interface, member) = bus::signal_name(&msg);
            match (interface.as_str(), member.as_str()) {
                (FDO_SAVER, "ActiveChanged") | (GNOME_SAVER, "ActiveChanged") => {
                    let source = if interface == GNOME_SAVER { Source::GnomeScreenSaver } else { Source::ScreenSaver };
                    if let Ok(active) = msg.body().deserialize::<bool>() {
                        tally.vote(source, active);
                    }
                }
                ("org.freedesktop.DBus", "NameOwnerChanged") => match bus::owner_change(&msg) {
                    Some((name, owner)) if owner.is_empty() => {
                        tracing::info!("{name} left the session bus");
                        let source = if name == GNOME_SAVER { Source::GnomeScreenSaver } else { Source::ScreenSaver };
                        tally.vote(source, false);
                    }
                    Some((name, _)) => {
                        tracing::info!("{name} is on the session bus");
                        self.read_active(tally, &name).await;
                    }
                    None => {}
                },
                _ => {}
            }
        }
        tracing::info!("the session bus connection closed: screensavers are no longer followed");
        tally.vote(Source::ScreenSaver, false);
        tally.vote(Source::GnomeScreenSaver, false);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_source_makes_away_and_all_must_clear() {
        let mut v = Votes::default();
        assert_eq!(v.set(Source::ScreenSaver, false), None, "nothing changed: nothing to tell");
        assert_eq!(v.set(Source::Locked, true), Some(true));
        assert_eq!(v.set(Source::ScreenSaver, true), None, "already away");
        assert_eq!(v.set(Source::Locked, false), None, "the screensaver is still on");
        assert_eq!(v.set(Source::Asleep, true), None);
        assert_eq!(v.set(Source::ScreenSaver, false), None, "still asleep");
        assert_eq!(v.set(Source::Asleep, false), Some(false), "every source back");
        assert_eq!(v.set(Source::Asleep, false), None, "a repeated wake is not news");
    }

    #[test]
    fn a_vanished_source_can_be_cleared_without_a_report_when_it_said_nothing() {
        let mut v = Votes::default();
        assert_eq!(v.set(Source::GnomeScreenSaver, true), Some(true));
        // The service left the bus: its vote is cleared, which ends the away period.
        assert_eq!(v.set(Source::GnomeScreenSaver, false), Some(false));
    }

    #[test]
    fn a_listener_that_is_gone_stops_the_thread() {
        let (stop, stopped) = async_channel::bounded::<()>(1);
        let tally = Tally { votes: RefCell::default(), report: |_| false, stop };
        tally.vote(Source::Locked, true);
        assert!(stopped.is_closed());
    }
}
