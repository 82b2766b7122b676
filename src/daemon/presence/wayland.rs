//! Idle time on Wayland, from the compositor's own idle notifications: ext-idle-notify-v1,
//! else KDE's older org_kde_kwin_idle.
//!
//! Both are event-driven: the compositor says "idle" once no input came for the armed
//! timeout (armed at `idle_reset`, so input stopped `idle_reset` ago) and "resumed" at the
//! next input. Nothing is polled. A new `idle_reset` destroys the notification object and
//! asks for a new one with the new timeout, straight from the caller's thread: requests may
//! be sent from any thread, and the idle thread, blocked reading the socket, sees the new
//! object's events like any other.
//!
//! A typing watch is one more notification, armed at the pause's length: its "idle" is the
//! pause. The compositor cannot be asked how long the user has been idle already, so the
//! watch says nothing at its start.

use super::{Found, Report, Skip, Teller, Typer, lost};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use wayland_client::globals::{GlobalListContents, registry_queue_init};
use wayland_client::protocol::{wl_registry, wl_seat::WlSeat};
use wayland_client::{Connection, Dispatch, EventQueue, QueueHandle, delegate_noop};
use wayland_protocols::ext::idle_notify::v1::client::ext_idle_notification_v1::{self, ExtIdleNotificationV1};
use wayland_protocols::ext::idle_notify::v1::client::ext_idle_notifier_v1::ExtIdleNotifierV1;
use wayland_protocols_plasma::idle::client::org_kde_kwin_idle::OrgKdeKwinIdle;
use wayland_protocols_plasma::idle::client::org_kde_kwin_idle_timeout::{self, OrgKdeKwinIdleTimeout};

pub const EXT: &str = "wayland ext-idle-notify-v1";
pub const KDE: &str = "wayland org_kde_kwin_idle";

/// Used only in a Wayland session: a compositor reached through `$WAYLAND_DISPLAY`.
pub(super) fn probe(idle_reset: Duration) -> Result<Found, Skip> {
    if std::env::var_os("WAYLAND_DISPLAY").is_none() {
        return Err(Skip::Absent("WAYLAND_DISPLAY is not set"));
    }
    let conn = Connection::connect_to_env().map_err(|e| Skip::Failed(format!("no Wayland compositor: {e}")))?;
    attach(conn, idle_reset)
}

/// Binds the best idle protocol the compositor on `conn` offers and arms it.
fn attach(conn: Connection, idle_reset: Duration) -> Result<Found, Skip> {
    let (globals, queue) = registry_queue_init::<State>(&conn).map_err(|e| Skip::Failed(e.to_string()))?;
    let qh = queue.handle();
    let seat: WlSeat = globals.bind(&qh, 1..=1, ()).map_err(|e| Skip::Failed(format!("no wl_seat: {e}")))?;
    let (name, notifier) = match globals.bind::<ExtIdleNotifierV1, _, _>(&qh, 1..=1, ()) {
        Ok(n) => (EXT, Notifier::Ext(n)),
        Err(e) => {
            tracing::info!("idle detection: no ext_idle_notifier_v1 ({e}), trying org_kde_kwin_idle");
            let kde = globals.bind::<OrgKdeKwinIdle, _, _>(&qh, 1..=1, ()).map_err(|e| {
                Skip::Failed(format!("the compositor offers neither ext_idle_notifier_v1 nor org_kde_kwin_idle: {e}"))
            })?;
            (KDE, Notifier::Kde(kde))
        }
    };
    let arm = Arc::new(Arm { conn, qh, seat, notifier, armed: Mutex::new(None), pause: Mutex::new(None) });
    arm.set(idle_reset);
    Ok(Found {
        name,
        rearm: Box::new({
            let arm = arm.clone();
            move |d| arm.set(d)
        }),
        watch: Some(Box::new({
            let arm = arm.clone();
            move |p| arm.set_pause(p)
        })),
        run: Box::new(move |report, typer| run(name, queue, &arm, report, typer)),
    })
}

enum Notifier {
    Ext(ExtIdleNotifierV1),
    Kde(OrgKdeKwinIdle),
}

/// One armed notification; its user data is its timeout, which is also the idle time its
/// "idle" event stands for.
enum Armed {
    Ext(ExtIdleNotificationV1),
    Kde(OrgKdeKwinIdleTimeout),
}

impl Armed {
    fn drop_it(self) {
        match self {
            Armed::Ext(n) => n.destroy(),
            Armed::Kde(n) => n.release(),
        }
    }
}

/// The user data of a typing watch's notification: the pause it waits for.
#[derive(Debug, Clone, Copy)]
struct Pause(Duration);

/// What it takes to arm a notification, from any thread.
struct Arm {
    conn: Connection,
    qh: QueueHandle<State>,
    seat: WlSeat,
    notifier: Notifier,
    armed: Mutex<Option<Armed>>,
    pause: Mutex<Option<Armed>>,
}

impl Arm {
    /// Replaces the armed notification with one for `timeout`. Events still in flight for
    /// the old object are dropped by the client library once it is destroyed.
    fn set(&self, timeout: Duration) {
        let ms = u32::try_from(timeout.as_millis()).unwrap_or(u32::MAX);
        let mut armed = self.armed.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(old) = armed.take() {
            old.drop_it();
        }
        *armed = Some(match &self.notifier {
            Notifier::Ext(n) => Armed::Ext(n.get_idle_notification(ms, &self.seat, &self.qh, timeout)),
            Notifier::Kde(n) => Armed::Kde(n.get_idle_timeout(&self.seat, ms, &self.qh, timeout)),
        });
        // A failed flush means a lost connection, which the idle thread reports.
        let _ = self.conn.flush();
    }

    /// Starts (or restarts) a typing watch for a pause of `pause`, or stops it.
    fn set_pause(&self, pause: Option<Duration>) {
        let mut armed = self.pause.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(old) = armed.take() {
            old.drop_it();
        }
        if let Some(p) = pause {
            let ms = u32::try_from(p.as_millis()).unwrap_or(u32::MAX);
            *armed = Some(match &self.notifier {
                Notifier::Ext(n) => Armed::Ext(n.get_idle_notification(ms, &self.seat, &self.qh, Pause(p))),
                Notifier::Kde(n) => Armed::Kde(n.get_idle_timeout(&self.seat, ms, &self.qh, Pause(p))),
            });
        }
        let _ = self.conn.flush();
    }
}

/// The idle thread's side: events become reports.
struct State {
    teller: Teller,
    typer: Typer,
    gone: bool,
}

impl State {
    /// "Idle" after `timeout`: input stopped `timeout` ago. "Resumed": input just now.
    fn tell(&mut self, idle: Duration, timeout: Duration) {
        if !self.teller.tell(idle, timeout) {
            self.gone = true;
        }
    }
}

fn run(name: &str, mut queue: EventQueue<State>, _arm: &Arm, report: Report, typer: Typer) {
    let mut state = State { teller: Teller::new(report), typer, gone: false };
    while !state.gone {
        if let Err(e) = queue.blocking_dispatch(&mut state) {
            return lost(name, e);
        }
    }
}

impl Dispatch<ExtIdleNotificationV1, Duration> for State {
    fn event(
        state: &mut Self,
        _: &ExtIdleNotificationV1,
        event: ext_idle_notification_v1::Event,
        timeout: &Duration,
        _: &Connection,
        _: &QueueHandle<Self>,
    ) {
        match event {
            ext_idle_notification_v1::Event::Idled => state.tell(*timeout, *timeout),
            ext_idle_notification_v1::Event::Resumed => state.tell(Duration::ZERO, *timeout),
            _ => {}
        }
    }
}

impl Dispatch<OrgKdeKwinIdleTimeout, Duration> for State {
    fn event(
        state: &mut Self,
        _: &OrgKdeKwinIdleTimeout,
        event: org_kde_kwin_idle_timeout::Event,
        timeout: &Duration,
        _: &Connection,
        _: &QueueHandle<Self>,
    ) {
        match event {
            org_kde_kwin_idle_timeout::Event::Idle => state.tell(*timeout, *timeout),
            org_kde_kwin_idle_timeout::Event::Resumed => state.tell(Duration::ZERO, *timeout),
            _ => {}
        }
    }
}

impl State {
    /// A typing watch's notification: "idle" is the pause ("resumed" says nothing new).
    fn pause_event(&mut self, idled: bool, pause: Duration) {
        if idled && !(self.typer)(pause) {
            self.gone = true;
        }
    }
}

impl Dispatch<ExtIdleNotificationV1, Pause> for State {
    fn event(
        state: &mut Self,
        _: &ExtIdleNotificationV1,
        event: ext_idle_notification_v1::Event,
        pause: &Pause,
        _: &Connection,
        _: &QueueHandle<Self>,
    ) {
        match event {
            ext_idle_notification_v1::Event::Idled => state.pause_event(true, pause.0),
            ext_idle_notification_v1::Event::Resumed => state.pause_event(false, pause.0),
            _ => {}
        }
    }
}

impl Dispatch<OrgKdeKwinIdleTimeout, Pause> for State {
    fn event(
        state: &mut Self,
        _: &OrgKdeKwinIdleTimeout,
        event: org_kde_kwin_idle_timeout::Event,
        pause: &Pause,
        _: &Connection,
        _: &QueueHandle<Self>,
    ) {
        match event {
            org_kde_kwin_idle_timeout::Event::Idle => state.pause_event(true, pause.0),
            org_kde_kwin_idle_timeout::Event::Resumed => state.pause_event(false, pause.0),
            _ => {}
        }
    }
}

impl Dispatch<wl_registry::WlRegistry, GlobalListContents> for State {
    fn event(
        _: &mut Self,
        _: &wl_registry::WlRegistry,
        _: wl_registry::Event,
        _: &GlobalListContents,
        _: &Connection,
        _: &QueueHandle<Self>,
    ) {
        // Globals coming and going later change nothing: the seat and notifier are bound.
    }
}

delegate_noop!(State: ignore WlSeat);
delegate_noop!(State: ExtIdleNotifierV1);
delegate_noop!(State: OrgKdeKwinIdle);

#[cfg(test)]
mod tests {
    //! At the protocol seam: an in-process compositor stand-in (wayland-server, over a socket
    //! pair) offers the idle protocols, records the notifications it is asked for and fires
    //! their events; the real client code runs against it through `start_with`.

    use super::super::{Idle, Probe, start_with};
    use super::*;
    use std::os::unix::net::UnixStream;
    use std::sync::mpsc;
    use std::time::Instant;
    use wayland_protocols::ext::idle_notify::v1::server::{
        ext_idle_notification_v1 as s_note, ext_idle_notifier_v1 as s_notifier,
    };
    use wayland_protocols_plasma::idle::server::{org_kde_kwin_idle as s_kde, org_kde_kwin_idle_timeout as s_kde_timeout};
    use wayland_server::backend::ClientData;
    use wayland_server::protocol::wl_seat;
    use wayland_server::{Client, DataInit, Dispatch as SDispatch, Display, DisplayHandle, GlobalDispatch, New, Resource};

    /// One notification the client asked for.
    #[derive(Clone)]
    enum Note {
        Ext(s_note::ExtIdleNotificationV1),
        Kde(s_kde_timeout::OrgKdeKwinIdleTimeout),
    }

    #[derive(Default)]
    struct Compositor {
        /// Every notification asked for, with its timeout in ms and whether it still lives.
        notes: Vec<(Note, u32, bool)>,
    }

    impl Compositor {
        fn mark_destroyed(&mut self, id: wayland_server::backend::ObjectId) {
            for (note, _, alive) in &mut self.notes {
                let nid = match note {
                    Note::Ext(n) => n.id(),
                    Note::Kde(n) => n.id(),
                };
                if nid == id {
                    *alive = false;
                }
            }
        }
    }

    struct NoData;
    impl ClientData for NoData {}

    impl GlobalDispatch<wl_seat::WlSeat, ()> for Compositor {
        fn bind(_: &mut Self, _: &DisplayHandle, _: &Client, seat: New<wl_seat::WlSeat>, _: &(), init: &mut DataInit<'_, Self>) {
            init.init(seat, ());
        }
    }
    impl SDispatch<wl_seat::WlSeat, ()> for Compositor {
        fn request(
            _: &mut Self,
            _: &Client,
            _: &wl_seat::WlSeat,
            _: wl_seat::Request,
            _: &(),
            _: &DisplayHandle,
            _: &mut DataInit<'_, Self>,
        ) {
        }
    }
    impl GlobalDispatch<s_notifier::ExtIdleNotifierV1, ()> for Compositor {
        fn bind(
            _: &mut Self,
            _: &DisplayHandle,
            _: &Client,
            n: New<s_notifier::ExtIdleNotifierV1>,
            _: &(),
            init: &mut DataInit<'_, Self>,
        ) {
            init.init(n, ());
        }
    }
    impl SDispatch<s_notifier::ExtIdleNotifierV1, ()> for Compositor {
        fn request(
            state: &mut Self,
            _: &Client,
            _: &s_notifier::ExtIdleNotifierV1,
            request: s_notifier::Request,
            _: &(),
            _: &DisplayHandle,
            init: &mut DataInit<'_, Self>,
        ) {
            if let s_notifier::Request::GetIdleNotification { id, timeout, .. } = request {
                let note = init.init(id, ());
                state.notes.push((Note::Ext(note), timeout, true));
            }
        }
    }
    impl SDispatch<s_note::ExtIdleNotificationV1, ()> for Compositor {
        fn request(
            _: &mut Self,
            _: &Client,
            _: &s_note::ExtIdleNotificationV1,
            _: s_note::Request,
            _: &(),
            _: &DisplayHandle,
            _: &mut DataInit<'_, Self>,
        ) {
        }
        fn destroyed(state: &mut Self, _: wayland_server::backend::ClientId, note: &s_note::ExtIdleNotificationV1, _: &()) {
            state.mark_destroyed(note.id());
        }
    }
    impl GlobalDispatch<s_kde::OrgKdeKwinIdle, ()> for Compositor {
        fn bind(
            _: &mut Self,
            _: &DisplayHandle,
            _: &Client,
            n: New<s_kde::OrgKdeKwinIdle>,
            _: &(),
            init: &mut DataInit<'_, Self>,
        ) {
            init.init(n, ());
        }
    }
    impl SDispatch<s_kde::OrgKdeKwinIdle, ()> for Compositor {
        fn request(
            state: &mut Self,
            _: &Client,
            _: &s_kde::OrgKdeKwinIdle,
            request: s_kde::Request,
            _: &(),
            _: &DisplayHandle,
            init: &mut DataInit<'_, Self>,
        ) {
            if let s_kde::Request::GetIdleTimeout { id, timeout, .. } = request {
                let note = init.init(id, ());
                state.notes.push((Note::Kde(note), timeout, true));
            }
        }
    }
    impl SDispatch<s_kde_timeout::OrgKdeKwinIdleTimeout, ()> for Compositor {
        fn request(
            _: &mut Self,
            _: &Client,
            _: &s_kde_timeout::OrgKdeKwinIdleTimeout,
            _: s_kde_timeout::Request,
            _: &(),
            _: &DisplayHandle,
            _: &mut DataInit<'_, Self>,
        ) {
        }
        fn destroyed(
            state: &mut Self,
            _: wayland_server::backend::ClientId,
            note: &s_kde_timeout::OrgKdeKwinIdleTimeout,
            _: &(),
        ) {
            state.mark_destroyed(note.id());
        }
    }

    type Command = Box<dyn FnOnce(&mut Compositor) + Send>;

    /// The compositor on its own thread; commands run on its state between dispatches.
    struct Stand {
        commands: mpsc::Sender<Command>,
    }

    impl Stand {
        /// Starts a compositor offering a seat and the chosen protocols; returns the client's end.
        fn start(ext: bool, kde: bool) -> (Stand, Connection) {
            let (client, server) = UnixStream::pair().unwrap();
            let (commands, inbox) = mpsc::channel::<Command>();
            std::thread::spawn(move || {
                let mut display: Display<Compositor> = Display::new().unwrap();
                let dh = display.handle();
                dh.create_global::<Compositor, wl_seat::WlSeat, ()>(1, ());
                if ext {
                    dh.create_global::<Compositor, s_notifier::ExtIdleNotifierV1, ()>(1, ());
                }
                if kde {
                    dh.create_global::<Compositor, s_kde::OrgKdeKwinIdle, ()>(1, ());
                }
                display.handle().insert_client(server, Arc::new(NoData)).unwrap();
                let mut state = Compositor::default();
                // Serve until the test drops its sender.
                loop {
                    match inbox.recv_timeout(Duration::from_millis(2)) {
                        Ok(command) => command(&mut state),
                        Err(mpsc::RecvTimeoutError::Timeout) => {}
                        Err(mpsc::RecvTimeoutError::Disconnected) => return,
                    }
                    if display.dispatch_clients(&mut state).is_err() {
                        return;
                    }
                    let _ = display.flush_clients();
                }
            });
            (Stand { commands }, Connection::from_socket(client).unwrap())
        }

        /// Runs `f` on the compositor's state and returns its answer.
        fn with<T: Send + 'static>(&self, f: impl FnOnce(&mut Compositor) -> T + Send + 'static) -> T {
            let (tx, rx) = mpsc::channel();
            self.commands
                .send(Box::new(move |c| {
                    let _ = tx.send(f(c));
                }))
                .unwrap();
            rx.recv_timeout(Duration::from_secs(10)).unwrap()
        }

        /// The timeouts of the live notifications, waited for until `want` holds.
        fn wait_live(&self, want: &[u32]) {
            let deadline = Instant::now() + Duration::from_secs(10);
            loop {
                let live: Vec<u32> = self.with(|c| c.notes.iter().filter(|n| n.2).map(|n| n.1).collect::<Vec<_>>());
                if live == want {
                    return;
                }
                assert!(Instant::now() < deadline, "live notifications {live:?}, want {want:?}");
                std::thread::sleep(Duration::from_millis(5));
            }
        }

        /// Fires "idle" (true) or "resumed" (false) on the newest notification.
        fn fire(&self, idle: bool) {
            self.with(move |c| match c.notes.last().map(|n| n.0.clone()) {
                Some(Note::Ext(n)) if idle => n.idled(),
                Some(Note::Ext(n)) => n.resumed(),
                Some(Note::Kde(n)) if idle => n.idle(),
                Some(Note::Kde(n)) => n.resumed(),
                None => panic!("no notification to fire"),
            });
        }
    }

    fn start_on(conn: Connection, idle_reset: Duration) -> (Idle, mpsc::Receiver<Duration>) {
        let (idle, rx, _) = start_typing_on(conn, idle_reset);
        (idle, rx)
    }

    fn start_typing_on(conn: Connection, idle_reset: Duration) -> (Idle, mpsc::Receiver<Duration>, mpsc::Receiver<Duration>) {
        let (tx, rx) = mpsc::channel();
        let (typed, typing) = mpsc::channel();
        let probe: Probe = Box::new(move |reset| attach(conn, reset));
        let idle = start_with(
            vec![("wayland", probe)],
            idle_reset,
            Box::new(move |d| tx.send(d).is_ok()),
            Box::new(move |d| typed.send(d).is_ok()),
        );
        (idle, rx, typing)
    }

    #[test]
    fn a_typing_watch_is_one_more_notification_at_the_pause() {
        let (stand, conn) = Stand::start(true, false);
        let (idle, reports, typing) = start_typing_on(conn, Duration::from_secs(300));
        stand.wait_live(&[300_000]);
        assert!(idle.watch_typing(Some(Duration::from_millis(2500))));
        stand.wait_live(&[300_000, 2500]);
        stand.fire(true);
        assert_eq!(next(&typing), Duration::from_millis(2500), "its 'idle' is the pause");
        assert!(reports.try_recv().is_err(), "and not a break");
        idle.watch_typing(None);
        stand.wait_live(&[300_000]);
    }

    fn next(reports: &mpsc::Receiver<Duration>) -> Duration {
        reports.recv_timeout(Duration::from_secs(10)).expect("a report")
    }

    #[test]
    fn ext_idle_notify_is_preferred_and_follows_idle_reset() {
        let (stand, conn) = Stand::start(true, true);
        let (idle, reports) = start_on(conn, Duration::from_secs(3));
        assert_eq!(idle.backend, EXT);
        stand.wait_live(&[3000]);
        assert!(stand.with(|c| c.notes.iter().all(|n| matches!(n.0, Note::Ext(_)))));

        stand.fire(true);
        assert_eq!(next(&reports), Duration::from_secs(3), "idled: input stopped idle_reset ago");
        stand.fire(false);
        assert_eq!(next(&reports), Duration::ZERO, "resumed: input now");

        idle.set_idle_reset(Duration::from_secs(7));
        stand.wait_live(&[7000]);
        assert_eq!(stand.with(|c| c.notes.len()), 2, "the old notification was destroyed, one new asked for");
        stand.fire(true);
        stand.fire(true);
        stand.fire(false);
        assert_eq!(next(&reports), Duration::from_secs(7), "the new timeout is the idle time");
        assert_eq!(next(&reports), Duration::ZERO, "a second 'idled' while away is not passed on");
    }

    #[test]
    fn org_kde_kwin_idle_when_ext_idle_notify_is_missing() {
        let (stand, conn) = Stand::start(false, true);
        let (idle, reports) = start_on(conn, Duration::from_secs(3));
        assert_eq!(idle.backend, KDE);
        stand.wait_live(&[3000]);
        stand.fire(true);
        assert_eq!(next(&reports), Duration::from_secs(3));
        stand.fire(false);
        assert_eq!(next(&reports), Duration::ZERO);
        idle.set_idle_reset(Duration::from_secs(4));
        stand.wait_live(&[4000]);
        stand.fire(true);
        assert_eq!(next(&reports), Duration::from_secs(4));
    }

    #[test]
    fn no_idle_protocol_is_no_wayland_detector() {
        let (_stand, conn) = Stand::start(false, false);
        let (idle, _reports) = start_on(conn, Duration::from_secs(3));
        assert_eq!(idle.backend, super::super::NONE);
    }
}
