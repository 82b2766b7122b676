//! The daemon: one winit event loop on the main thread feeds the schedule and carries out its
//! effects through thin adapters (tray, notifications, card window, sound, storage). It
//! sleeps until the schedule's next deadline or until something happens; nothing polls.

pub mod away;
pub mod bus;
pub mod card;
pub mod clock;
pub mod notify;
pub mod paint;
pub mod presence;
pub mod quiet;
pub mod sound;
pub mod store;
pub mod tray;

use crate::cli::Exit;
use crate::control::{self, Claim, ControlError, Reply, Report, Request, Spot};
use crate::core::schedule::{Command, Effect, Input, PauseLength, Quiet};
use crate::core::status::Status;
use crate::core::{Moment, Schedule, Settings};
use crate::files::{self, Places};
use anyhow::Context as _;
use card::CardWindow;
use clock::{Clock, System};
use notify::{Choice, Notifier, Word};
use sound::Speaker;
use std::io::{BufReader, IsTerminal as _};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};
use store::{Saved, Store};
use tray::{Pick, Tray};
use tray_icon::menu::{MenuEvent, MenuId};
use tray_icon::{MouseButton, MouseButtonState, TrayIconEvent};
use winit::application::ApplicationHandler;
use winit::event::{StartCause, WindowEvent};
use winit::event_loop::{ActiveEventLoop, ControlFlow, EventLoop};
use winit::window::WindowId;

/// Something from another thread that needs the event loop.
#[derive(Debug)]
pub enum Wake {
    Menu(MenuId),
    TrayClick,
    Note(Word),
    /// A request on the control socket and where its reply goes.
    Ask(Request, std::sync::mpsc::Sender<Reply>),
    /// A `watch` client: sent a status line now and on every change.
    Watch(UnixStream),
    /// config.json or exercises.json changed on disk.
    FilesChanged,
    /// A sample from the idle detector: no input for this long.
    Idle(Duration),
    /// The screen locked or the machine is going to sleep (true), or both are over (false).
    Away(bool),
    /// What the desktop now says about interrupting.
    Quiet(Quiet),
    Quit(&'static str),
}

pub fn run() -> anyhow::Result<Exit> {
    one_malloc_arena();
    let places = Places::discover()?;
    let claim = match control::claim(&Spot::new(places.runtime.as_deref())) {
        Ok(c) => c,
        Err(ControlError::AlreadyRunning(pid)) => {
            eprintln!("limber is already running (pid {pid}); use `limber status`, or `limber quit` to stop it");
            return Ok(Exit::AlreadyRunning);
        }
        Err(e) => return Err(e).context("cannot open the control socket"),
    };
    let log = init_logging(&places.state);
    tracing::info!(version = env!("CARGO_PKG_VERSION"), log = %log.as_deref().map(|p| p.display().to_string()).unwrap_or_default(), "limber starting");
    // Nobody has set limber up yet: say hello once, after the tray is there.
    let welcome = !places.settings_file().exists() && !places.state.join("welcomed").exists();
    let settings = files::load_settings(&places);
    for p in &settings.problems {
        tracing::warn!("{p}\nusing the last good settings");
    }
    let catalogue = files::load_catalogue(&places, &settings.value);
    for p in &catalogue.problems {
        tracing::warn!("{p}\nusing the built-in catalogue");
    }
    let store = Store::new(&places.state, &places.data);
    let mut clock = Clock::new(System);
    let now = clock.read().now;
    let offset = utc_offset(&clock, now);
    let schedule = match store.load() {
        Saved::Found(snapshot) => Schedule::restore_in(settings.value, catalogue.value, &snapshot, now, offset),
        Saved::Nothing => Schedule::new_in(settings.value, catalogue.value, now, offset),
        Saved::SetAside { kept, why } => {
            tracing::warn!("the saved schedule could not be read ({why}); kept it as {} and started afresh", kept.display());
            Schedule::new_in(settings.value, catalogue.value, now, offset)
        }
    };

    // winit's own error names a source file of the build; the log keeps it, the user gets
    // what to check.
    let event_loop = EventLoop::<Wake>::with_user_event().build().map_err(|e| {
        tracing::debug!("event loop: {e}");
        anyhow::anyhow!(
            "cannot reach the display: limber needs an X11 or Wayland desktop session (is DISPLAY or WAYLAND_DISPLAY set?)"
        )
    })?;
    let proxy = event_loop.create_proxy();
    // Both handlers are set-once, and an event before they are set is lost for good: install
    // them before the tray exists.
    MenuEvent::set_event_handler(Some({
        let proxy = proxy.clone();
        move |e: MenuEvent| {
            let _ = proxy.send_event(Wake::Menu(e.id));
        }
    }));
    TrayIconEvent::set_event_handler(Some({
        let proxy = proxy.clone();
        move |e: TrayIconEvent| {
            if let TrayIconEvent::Click { button: MouseButton::Left, button_state: MouseButtonState::Up, .. } = e {
                let _ = proxy.send_event(Wake::TrayClick);
            }
        }
    }));
    watch_signals(proxy.clone());
    serve_socket(&claim, proxy.clone());
    watch_files(&places.config, proxy.clone());
    let idle = presence::start(schedule.settings().idle_reset(), {
        let proxy = proxy.clone();
        move |idle| proxy.send_event(Wake::Idle(idle)).is_ok()
    });
    if idle.backend == presence::NONE {
        tracing::warn!("no idle detection on this desktop: sitting time is wall-clock time, minus locks and sleep");
    } else {
        tracing::info!("idle detection: {}", idle.backend);
    }
    let away = away::start({
        let proxy = proxy.clone();
        move |away| proxy.send_event(Wake::Away(away)).is_ok()
    });
    tracing::info!("lock and sleep signals: {}", if away.is_empty() { "none".to_string() } else { away.join(", ") });
    let quiet = quiet::start(schedule.settings().quiet_when.apps.clone(), {
        let proxy = proxy.clone();
        move |q| proxy.send_event(Wake::Quiet(q)).is_ok()
    });
    let notifier = Notifier::start({
        let proxy = proxy.clone();
        move |w| {
            let _ = proxy.send_event(Wake::Note(w));
        }
    });
    on_display_loss(&notifier);
    let mut daemon = Daemon {
        schedule,
        clock,
        places,
        store,
        notifier,
        speaker: Speaker::start(),
        tray: None,
        card: None,
        week: None,
        status: None,
        reminder_for: None,
        saving_failed: false,
        recording_failed: false,
        unwritten: std::collections::VecDeque::new(),
        watchers: Vec::new(),
        reload_at: None,
        last_problems: String::new(),
        welcome,
        idle,
        quiet,
        offset,
        planned_wake: None,
        settle_at: None,
        exit: Exit::Ok,
        _claim: claim,
    };
    if let Err(e) = event_loop.run_app(&mut daemon) {
        // The display connection broke under the event loop: say so, and leave as cleanly as
        // can be done without it.
        let screen = std::env::var("DISPLAY").or_else(|_| std::env::var("WAYLAND_DISPLAY")).unwrap_or_default();
        tracing::error!("the connection to the display {screen} failed ({e}); limber stops");
        if let Err(e) = daemon.store.save(&daemon.schedule.snapshot()) {
            tracing::warn!("{e}");
        }
        daemon.notifier.close_and_wait(Duration::from_secs(2));
        anyhow::bail!("the connection to the display {screen} failed; limber stops");
    }
    tracing::info!("limber stopped");
    Ok(daemon.exit)
}

/// Logs go to stderr (filtered by RUST_LOG, default info) and to `limber.log` in the state
/// directory, which is started afresh once it passes 1 MB.
fn init_logging(state: &Path) -> Option<std::path::PathBuf> {
    use tracing_subscriber::prelude::*;
    let filter =
        tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let path = state.join("limber.log");
    let file = std::fs::create_dir_all(state)
        .and_then(|_| {
            if std::fs::metadata(&path).map(|m| m.len() > 1 << 20).unwrap_or(false) {
                let _ = std::fs::rename(&path, state.join("limber.log.1"));
            }
            std::fs::OpenOptions::new().create(true).append(true).open(&path)
        })
        .ok();
    let to_file = file.map(|f| tracing_subscriber::fmt::layer().with_ansi(false).with_writer(std::sync::Mutex::new(f)));
    let to_stderr = tracing_subscriber::fmt::layer().with_ansi(std::io::stderr().is_terminal()).with_writer(std::io::stderr);
    let ok = tracing_subscriber::registry().with(filter).with(to_stderr).with(to_file).try_init();
    ok.ok().map(|_| path)
}

fn watch_signals(proxy: winit::event_loop::EventLoopProxy<Wake>) {
    use signal_hook::consts::{SIGINT, SIGTERM, SIGXFSZ};
    // Past a file-size limit the kernel kills a writer with SIGXFSZ; handled, the write fails
    // with EFBIG instead, which limber reports and survives like a full disk.
    if let Err(e) = signal_hook::flag::register(SIGXFSZ, Arc::new(std::sync::atomic::AtomicBool::new(false))) {
        tracing::warn!("cannot handle SIGXFSZ: {e}");
    }
    match signal_hook::iterator::Signals::new([SIGTERM, SIGINT]) {
        Ok(mut signals) => {
            let _ = std::thread::Builder::new().name("limber-signals".into()).spawn(move || {
                for s in signals.forever() {
                    let _ = proxy.send_event(Wake::Quit(if s == SIGINT { "SIGINT" } else { "SIGTERM" }));
                }
            });
        }
        Err(e) => tracing::warn!("cannot watch for SIGTERM/SIGINT: {e}"),
    }
}

/// What to do on the way out when the display is lost: close the reminder.
static LAST_WORDS: std::sync::OnceLock<Box<dyn Fn() + Send + Sync>> = std::sync::OnceLock::new();

/// Xlib ends the process from inside the event loop when the X server goes away, so the
/// daemon's own shutdown never runs. This handler gets there first: it says why in the log
/// and closes the reminder. The schedule is saved at every change, so nothing else is lost.
fn on_display_loss(notifier: &Notifier) {
    let _ = LAST_WORDS.set(Box::new(notifier.closer()));
    #[cfg(all(unix, not(target_os = "macos")))]
    {
        unsafe extern "C" fn display_lost(_: *mut x11_dl::xlib::Display) -> std::os::raw::c_int {
            let screen = std::env::var("DISPLAY").unwrap_or_default();
            tracing::error!("the X server {screen} went away; limber stops (its schedule is saved)");
            if let Some(close) = LAST_WORDS.get() {
                close();
            }
            std::process::exit(1)
        }
        // Not an X11 session (no libX11): nothing to guard.
        let Ok(xlib) = x11_dl::xlib::Xlib::open() else { return };
        // SAFETY: installs a process-wide Xlib callback; the handler never returns into Xlib
        // (it exits), as Xlib requires of an I/O error handler. x11-dl never unloads the
        // library, and winit holds it too, so the callback stays reachable.
        unsafe {
            (xlib.XSetIOErrorHandler)(Some(display_lost));
        }
    }
}

/// History events held in memory at most while the disk is full (a few days' worth).
const MAX_UNWRITTEN: usize = 1000;

/// How long after the tray is up start-up's work is surely done (the idle, lock and quiet
/// watchers probe their services in the first seconds).
const STARTED: Duration = Duration::from_secs(5);

/// Editors save in bursts (write, rename, chmod): reload once they have settled.
const SETTLE: Duration = Duration::from_millis(300);

/// Watches the config directory with inotify on a thread blocked in read: it wakes only when
/// a file there changes.
fn watch_files(dir: &Path, proxy: winit::event_loop::EventLoopProxy<Wake>) {
    use rustix::fs::inotify;
    if let Err(e) = std::fs::create_dir_all(dir) {
        return tracing::warn!("settings are not reloaded live: {}: {e}", dir.display());
    }
    let watch = inotify::init(inotify::CreateFlags::CLOEXEC).and_then(|fd| {
        let flags = inotify::WatchFlags::CLOSE_WRITE
            | inotify::WatchFlags::MOVED_TO
            | inotify::WatchFlags::MOVED_FROM
            | inotify::WatchFlags::CREATE
            | inotify::WatchFlags::DELETE;
        inotify::add_watch(&fd, dir, flags).map(|_| fd)
    });
    let fd = match watch {
        Ok(fd) => fd,
        Err(e) => return tracing::warn!("settings are not reloaded live: {e}"),
    };
    let _ = std::thread::Builder::new().name("limber-files".into()).spawn(move || {
        let mut buf = [std::mem::MaybeUninit::uninit(); 4096];
        let mut reader = inotify::Reader::new(&fd, &mut buf);
        loop {
            match reader.next() {
                Ok(event) => {
                    let ours = event
                        .file_name()
                        .and_then(|n| n.to_str().ok())
                        .is_some_and(|n| n == "config.json" || n == "exercises.json");
                    if ours && proxy.send_event(Wake::FilesChanged).is_err() {
                        return;
                    }
                }
                Err(rustix::io::Errno::INTR) => {}
                Err(e) => return tracing::warn!("settings are no longer reloaded live: {e}"),
            }
        }
    });
}

/// Accepts control connections on a thread of its own (blocked in accept: no wakeups), each
/// served on a short-lived thread so a slow client cannot hold up the others.
fn serve_socket(claim: &Claim, proxy: winit::event_loop::EventLoopProxy<Wake>) {
    let listener = match claim.listener.try_clone() {
        Ok(l) => l,
        Err(e) => return tracing::warn!("the control socket is not served: {e}"),
    };
    let _ = std::thread::Builder::new().name("limber-socket".into()).spawn(move || {
        for stream in listener.incoming().flatten() {
            let proxy = proxy.clone();
            let _ = std::thread::Builder::new().name("limber-client".into()).spawn(move || serve_client(stream, proxy));
        }
    });
}

fn serve_client(mut stream: UnixStream, proxy: winit::event_loop::EventLoopProxy<Wake>) {
    if !control::same_user(&stream) {
        tracing::warn!("refused a control connection from another user");
        let _ = control::write_reply(&mut stream, &Reply::error("refused: limber only takes requests from its own user"));
        return;
    }
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let _ = stream.set_write_timeout(Some(Duration::from_secs(5)));
    let line = match stream.try_clone().map(BufReader::new).and_then(|mut r| control::read_line(&mut r)) {
        Ok(Some(line)) => line,
        Ok(None) => return,
        Err(e) => {
            let _ = control::write_reply(&mut stream, &Reply::error(format!("cannot read the request: {e}")));
            return;
        }
    };
    let request = match control::parse_request(&line) {
        Ok(r) => r,
        Err(e) => {
            tracing::info!("bad control request: {e}");
            let _ = control::write_reply(&mut stream, &Reply::error(e));
            return;
        }
    };
    if request == Request::Watch {
        let _ = proxy.send_event(Wake::Watch(stream));
        return;
    }
    let (tx, rx) = std::sync::mpsc::channel();
    if proxy.send_event(Wake::Ask(request, tx)).is_err() {
        let _ = control::write_reply(&mut stream, &Reply::error("limber is shutting down"));
        return;
    }
    let reply = rx.recv_timeout(Duration::from_secs(5)).unwrap_or_else(|_| Reply::error("limber did not answer in time"));
    let _ = control::write_reply(&mut stream, &reply);
}

struct Daemon {
    schedule: Schedule,
    clock: Clock<System>,
    places: Places,
    store: Store,
    notifier: Notifier,
    speaker: Speaker,
    tray: Option<Tray>,
    card: Option<CardWindow>,
    /// The week's chart, opened from the tray.
    week: Option<CardWindow>,
    status: Option<Status>,
    /// The break whose reminder is on screen: actions for any other are stale.
    reminder_for: Option<u64>,
    saving_failed: bool,
    recording_failed: bool,
    /// History events waiting for room on the disk.
    unwritten: std::collections::VecDeque<crate::core::schedule::Event>,
    watchers: Vec<UnixStream>,
    /// Files changed: reload at this moment, once a burst of writes has settled.
    reload_at: Option<Moment>,
    /// The problems last reported by notification, so one broken edit is told once.
    last_problems: String,
    /// Show the first-run welcome once the tray is up.
    welcome: bool,
    /// The idle detector, told when idle_reset changes.
    idle: presence::Idle,
    /// The quiet-time watchers, told when the list of quiet apps changes.
    quiet: quiet::Watch,
    /// The UTC offset the schedule was last told, in seconds east.
    offset: i32,
    /// Start-up is over by then: let its memory go.
    settle_at: Option<Moment>,
    /// When the loop last asked to be woken at the latest; waking much later than that means
    /// the process was stopped (or the machine slept) in between.
    planned_wake: Option<Instant>,
    exit: Exit,
    /// The single-instance lock and the socket, released when the daemon ends.
    _claim: Claim,
}

impl Daemon {
    fn feed(&mut self, el: &ActiveEventLoop, input: Input) {
        let reading = self.clock.read();
        let stopped = self.planned_wake.take().and_then(|at| clock::late_by(at, Instant::now()));
        if let Some(length) = reading.gap.or(stopped) {
            tracing::info!(
                "the machine was asleep, limber was stopped or the clock jumped: {} s unaccounted for",
                length.as_secs()
            );
            self.schedule.handle(reading.now, Input::Gap { length });
        }
        let offset = utc_offset(&self.clock, reading.now);
        if offset != self.offset {
            tracing::info!("the time zone's offset is now {offset} s");
            self.offset = offset;
            self.schedule.handle(reading.now, Input::Offset(offset));
        }
        self.schedule.handle(reading.now, input);
        for effect in self.schedule.take_effects() {
            self.apply(el, effect);
        }
    }

    fn apply(&mut self, el: &ActiveEventLoop, effect: Effect) {
        match effect {
            Effect::Notify(r) => {
                tracing::info!(break_id = r.break_id, repeat = r.repeat, "reminder: {}", r.body.replace('\n', " "));
                self.reminder_for = Some(r.break_id);
                self.notifier.show(r);
            }
            Effect::CloseNotification => {
                self.reminder_for = None;
                self.notifier.close();
            }
            Effect::ShowCard(view) => {
                tracing::info!("card: {} ({})", view.title, view.stage);
                self.card = None;
                match CardWindow::open(el, card::Page::Card(view)) {
                    Ok(c) => self.card = Some(c),
                    Err(e) => tracing::warn!("{e}"),
                }
            }
            Effect::UpdateCard(view) => {
                tracing::debug!("card: {} ({})", view.title, view.stage);
                if let Some(end) = view.hold_ends_at {
                    self.speaker.warm(self.clock.instant_for(end));
                }
                if let Some(c) = &mut self.card {
                    c.update(view);
                }
            }
            Effect::CloseCard => {
                tracing::info!("card closed");
                self.card = None;
                release_memory();
            }
            Effect::Cue(cue) => {
                tracing::info!("cue: {cue:?}");
                self.speaker.play(cue, &self.schedule.settings().sound);
            }
            Effect::Status(status) => {
                self.status = Some(status);
                self.refresh_tray();
                self.tell_watchers();
            }
            Effect::Persist(snapshot) => match self.store.save(&snapshot) {
                Ok(()) => self.saving_failed = false,
                Err(e) if !self.saving_failed => {
                    self.saving_failed = true;
                    tracing::warn!("{e}; limber carries on and tries again at the next change");
                }
                Err(_) => {}
            },
            Effect::Record(event) => {
                tracing::info!(kind = ?event.kind, stretch = event.stretch.as_deref().unwrap_or("-"), sat = event.sat, "history");
                self.unwritten.push_back(event);
                self.write_history();
            }
        }
    }

    /// The first-run notice: where limber lives, its rule, how to change it, and that it is
    /// not medical advice. A marker in the state directory keeps it to once.
    fn greet(&mut self) {
        let s = self.schedule.settings();
        let body = format!(
            "limber lives in your tray. After {} of sitting it reminds you to move for {}, with a stretch to do.\n\
             Change this in {} (`limber config default` prints every setting).\n\
             Not medical advice: stop any stretch that hurts, and see a professional if pain persists.",
            crate::core::duration::human(s.sit_limit),
            crate::core::duration::human(s.break_length),
            self.places.settings_file().display()
        );
        tracing::info!("first run: welcome shown");
        self.notifier.inform("Welcome to limber", &body);
        if let Err(e) = files::write_atomic(&self.places.state.join("welcomed"), b"") {
            tracing::warn!("the welcome may show again: {e}");
        }
    }

    /// Reads the settings and the catalogue again after an edit. A file that does not check
    /// out changes nothing: the last good values stay and the user is told once, with the
    /// file, line and column.
    fn reload(&mut self, el: &ActiveEventLoop) {
        let settings = files::load_settings(&self.places);
        let catalogue = files::load_catalogue(&self.places, &settings.value);
        let problems: Vec<String> = settings.problems.iter().chain(&catalogue.problems).map(|p| p.to_string()).collect();
        if problems.is_empty() {
            self.last_problems.clear();
        } else {
            let text = problems.join("\n");
            tracing::warn!("not applied:\n{text}");
            if text != self.last_problems {
                self.notifier.inform("limber: settings not applied", &text);
                self.last_problems = text;
            }
        }
        if settings.problems.is_empty() && settings.value != *self.schedule.settings() {
            tracing::info!("settings reloaded");
            self.idle.set_idle_reset(settings.value.idle_reset());
            self.quiet.set_apps(settings.value.quiet_when.apps.clone());
            self.feed(el, Input::Settings(Box::new(settings.value)));
            self.refresh_tray();
        }
        if catalogue.problems.is_empty() && catalogue.value != *self.schedule.catalogue() {
            tracing::info!("exercises reloaded: {} stretches", catalogue.value.exercises.len());
            self.feed(el, Input::Catalogue(Box::new(catalogue.value)));
        }
    }

    /// Appends the history events not yet on disk. When the disk is full they wait here
    /// (a bounded number) and are written, in order, with the next event that can be.
    fn write_history(&mut self) {
        while let Some(event) = self.unwritten.front() {
            match self.store.append(event) {
                Ok(()) => {
                    self.unwritten.pop_front();
                    self.recording_failed = false;
                }
                Err(e) => {
                    if !self.recording_failed {
                        self.recording_failed = true;
                        tracing::warn!("{e}; events are kept in memory and written when there is room");
                    }
                    if self.unwritten.len() > MAX_UNWRITTEN {
                        self.unwritten.pop_front();
                    }
                    return;
                }
            }
        }
    }

    /// The status as the socket reports it.
    fn report(&self) -> Report {
        let status = self.schedule.status(self.clock.peek());
        Report {
            state: serde_json::to_value(status.state).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default(),
            present: status.present,
            sitting_seconds: status.sitting.as_secs(),
            next_break_in_seconds: status.next_break_in.map(|d| d.as_secs()),
            // The moment itself, in whole seconds: the same pause reads the same after a
            // restart, where a mapping through this run's clocks could differ by a millisecond.
            until: status
                .until
                .and_then(|m| jiff::Timestamp::from_second((m.as_millis() / 1000) as i64).ok())
                .map(|t| t.to_string()),
            next_exercise: status
                .next_exercise
                .as_ref()
                .map(|n| control::NextExercise { id: n.id.clone(), name: n.name.clone() }),
            snoozes_left: status.snoozes_left,
            idle_backend: self.idle.backend.to_string(),
            held_back: status.held_back.clone(),
            reading: status.reading,
            text: status.line(|m| local_time(&self.clock, m)),
            pid: std::process::id(),
        }
    }

    fn answer(&mut self, el: &ActiveEventLoop, request: Request, reply: std::sync::mpsc::Sender<Reply>) {
        // A panel bar may ask for the status every few seconds: keep that out of the log.
        if request == Request::Status {
            tracing::debug!("control: {request:?}");
        } else {
            tracing::info!("control: {request:?}");
        }
        let command = match request {
            Request::Status | Request::Watch => None,
            Request::Break => Some(Command::BreakNow),
            Request::Snooze { seconds } => Some(Command::Snooze(seconds.map(Duration::from_secs))),
            Request::Skip => Some(Command::Skip),
            Request::Pause { until_tomorrow: true, .. } => Some(self.pause_until_tomorrow()),
            Request::Pause { seconds: Some(s), .. } => Some(Command::Pause(PauseLength::For(Duration::from_secs(s)))),
            Request::Pause { seconds: None, .. } => Some(Command::Pause(PauseLength::UntilResumed)),
            Request::Resume => Some(Command::Resume),
            Request::Quit => {
                let _ = reply.send(Reply::ok(self.report()));
                return self.quit(el, "limber quit");
            }
        };
        if let Some(c) = command {
            self.feed(el, Input::Command(c));
        }
        let _ = reply.send(Reply::ok(self.report()));
    }

    fn pause_until_tomorrow(&self) -> Command {
        match start_of_tomorrow() {
            Some(wall) => Command::Pause(PauseLength::Until(self.clock.moment_of(wall))),
            None => Command::Pause(PauseLength::For(Duration::from_secs(12 * 3600))),
        }
    }

    /// Sends the status to every `watch` client, dropping those that are gone.
    fn tell_watchers(&mut self) {
        if self.watchers.is_empty() {
            return;
        }
        let reply = Reply::ok(self.report());
        self.watchers.retain_mut(|w| control::write_reply(w, &reply).is_ok());
    }

    fn refresh_tray(&mut self) {
        let (Some(tray), Some(status)) = (&mut self.tray, &self.status) else { return };
        let line = status.line(|m| local_time(&self.clock, m));
        let settings = self.schedule.settings();
        let note =
            (self.idle.backend == presence::NONE).then_some("No idle detection on this desktop: sitting is wall-clock time");
        tray.show(status, &line, settings.snooze, status.progress(settings.sit_limit), note);
    }

    fn pick(&mut self, el: &ActiveEventLoop, pick: Pick) {
        tracing::info!("menu: {pick:?}");
        let command = match pick {
            Pick::BreakNow => Command::BreakNow,
            Pick::Snooze => Command::Snooze(None),
            Pick::Skip => Command::Skip,
            Pick::Pause(d) => Command::Pause(PauseLength::For(d)),
            Pick::PauseUntilTomorrow => self.pause_until_tomorrow(),
            Pick::Resume => Command::Resume,
            Pick::ShowNext => Command::ShowNext,
            Pick::OpenSettings => return open_settings(&self.places),
            Pick::Statistics => return self.show_week(el),
            Pick::Autostart => return self.toggle_autostart(),
            Pick::Reading => Command::Reading(!self.status.as_ref().is_some_and(|s| s.reading)),
            Pick::Quit => return self.quit(el, "the tray menu"),
        };
        self.feed(el, Input::Command(command));
    }

    /// The week's breaks as a bar chart, in a window of its own beside any card.
    fn show_week(&mut self, el: &ActiveEventLoop) {
        let summary = match self.store.summary(7) {
            Ok(s) => s,
            Err(e) => return tracing::warn!("cannot read the history: {e}"),
        };
        self.week = None;
        match CardWindow::open(el, card::Page::Week(summary)) {
            Ok(w) => self.week = Some(w),
            Err(e) => tracing::warn!("{e}"),
        }
    }

    fn toggle_autostart(&mut self) {
        let on = !crate::autostart::is_enabled(&self.places.config);
        let done =
            if on { crate::autostart::enable(&self.places.config) } else { crate::autostart::disable(&self.places.config) };
        match done {
            Ok(path) => tracing::info!("start at login {}: {}", if on { "on" } else { "off" }, path.display()),
            Err(e) => tracing::warn!("cannot change starting at login: {e}"),
        }
        if let Some(t) = &self.tray {
            t.show_autostart(crate::autostart::is_enabled(&self.places.config));
        }
    }

    fn quit(&mut self, el: &ActiveEventLoop, why: &str) {
        tracing::info!("quitting ({why})");
        self.schedule.handle(self.clock.read().now, Input::Tick);
        if let Err(e) = self.store.save(&self.schedule.snapshot()) {
            tracing::warn!("{e}");
        }
        self.notifier.close_and_wait(Duration::from_secs(2));
        self.card = None;
        self.week = None;
        // Dropping the tray takes the icon off the panel.
        self.tray = None;
        el.exit();
    }

    /// The moment the loop must wake next: the schedule's deadline or the card's next
    /// countdown second.
    fn next_wake(&self) -> Option<Moment> {
        let now = self.clock.peek();
        let card = self.card.as_ref().and_then(|c| c.next_redraw(now));
        let watch = now + clock::heartbeat(self.schedule.settings().break_length);
        [self.schedule.next_deadline(), card, self.reload_at, self.settle_at, Some(watch)].into_iter().flatten().min()
    }

    fn on_time(&mut self, el: &ActiveEventLoop) {
        if self.settle_at.is_some_and(|at| at <= self.clock.peek()) {
            self.settle_at = None;
            release_memory();
        }
        if self.reload_at.is_some_and(|at| at <= self.clock.peek()) {
            self.reload_at = None;
            self.reload(el);
        }
        self.feed(el, Input::Tick);
        if let Some(c) = &self.card {
            c.request_redraw();
        }
    }
}

impl ApplicationHandler<Wake> for Daemon {
    fn new_events(&mut self, el: &ActiveEventLoop, cause: StartCause) {
        if let StartCause::ResumeTimeReached { requested_resume, .. } = cause {
            let late = Instant::now().saturating_duration_since(requested_resume);
            tracing::trace!("woke {} ms after the deadline", late.as_millis());
            self.on_time(el);
        }
    }

    fn resumed(&mut self, el: &ActiveEventLoop) {
        if self.tray.is_none() {
            match Tray::new(self.schedule.settings().snooze, crate::autostart::is_enabled(&self.places.config)) {
                Ok(t) => self.tray = Some(t),
                Err(e) => tracing::warn!("no tray icon: {e}; limber keeps running, use the limber command"),
            }
            self.feed(el, Input::Tick);
            self.refresh_tray();
            self.settle_at = Some(self.clock.peek() + STARTED);
            if std::mem::take(&mut self.welcome) {
                self.greet();
            }
        }
    }

    fn user_event(&mut self, el: &ActiveEventLoop, wake: Wake) {
        match wake {
            Wake::Menu(id) => {
                if let Some(pick) = Pick::from_id(&id) {
                    self.pick(el, pick);
                }
            }
            Wake::TrayClick => match &self.card {
                Some(c) => c.request_redraw(),
                None => self.feed(el, Input::Command(Command::ShowNext)),
            },
            Wake::Note(Word::Chosen { break_id, choice }) => {
                tracing::info!("notification: {choice:?}");
                if self.reminder_for != Some(break_id) {
                    return;
                }
                let command = match choice {
                    Choice::Start => Command::BreakNow,
                    Choice::Snooze => Command::Snooze(None),
                    Choice::Skip => Command::Skip,
                    Choice::Dismissed => return,
                };
                self.feed(el, Input::Command(command));
            }
            Wake::Note(Word::Failed { break_id, why }) => {
                tracing::warn!("cannot show the reminder ({why}); opening the card instead");
                if self.reminder_for == Some(break_id) && self.card.is_none() {
                    self.feed(el, Input::Command(Command::BreakNow));
                }
            }
            Wake::Ask(request, reply) => self.answer(el, request, reply),
            Wake::Watch(mut stream) => {
                // Writes must never block the event loop: a stuck client is dropped instead.
                let _ = stream.set_write_timeout(Some(Duration::from_millis(200)));
                if control::write_reply(&mut stream, &Reply::ok(self.report())).is_ok() {
                    self.watchers.push(stream);
                }
            }
            Wake::FilesChanged => self.reload_at = Some(self.clock.peek() + SETTLE),
            Wake::Idle(idle) => self.feed(el, Input::Activity { idle }),
            Wake::Away(true) => self.feed(el, Input::AwayBegan),
            Wake::Away(false) => self.feed(el, Input::AwayEnded),
            Wake::Quiet(q) => {
                tracing::info!("quiet: {q:?}");
                self.feed(el, Input::Quiet(q));
            }
            Wake::Quit(signal) => self.quit(el, signal),
        }
    }

    fn window_event(&mut self, el: &ActiveEventLoop, id: WindowId, event: WindowEvent) {
        let now = self.clock.peek();
        if let Some(week) = self.week.as_mut().filter(|w| w.id() == id) {
            if week.handle(&event, now).is_some() {
                self.week = None;
                release_memory();
            }
            return;
        }
        let Some(card) = self.card.as_mut().filter(|c| c.id() == id) else { return };
        // The windowing library panics on some X errors (a display that has just gone away);
        // lose the card rather than the daemon.
        let handled = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| card.handle(&event, now)));
        let Ok(handled) = handled else {
            tracing::error!("the card window failed and was closed");
            self.card = None;
            return;
        };
        if let Some(e) = handled {
            tracing::info!("card: {e:?}");
            self.feed(el, Input::Card(e));
        }
    }

    fn about_to_wait(&mut self, el: &ActiveEventLoop) {
        // A deadline that has already passed must be handled now: WaitUntil with a past
        // instant spins the CPU instead of returning at once.
        for _ in 0..16 {
            let Some(at) = self.next_wake() else {
                el.set_control_flow(ControlFlow::Wait);
                return;
            };
            let when = self.clock.instant_for(at);
            if when > Instant::now() {
                el.set_control_flow(ControlFlow::WaitUntil(when));
                self.planned_wake = Some(when);
                return;
            }
            self.on_time(el);
        }
        el.set_control_flow(ControlFlow::WaitUntil(Instant::now() + Duration::from_millis(50)));
    }
}

/// The local time zone's offset from UTC at `at`, in seconds east.
fn utc_offset(clock: &Clock<System>, at: Moment) -> i32 {
    let Ok(ts) = jiff::Timestamp::try_from(clock.wall_of(at)) else { return 0 };
    jiff::tz::TimeZone::system().to_offset(ts).seconds()
}

/// "14:20", "tomorrow 00:00" or "Mon 09:00" for a moment, in the local time zone.
fn local_time(clock: &Clock<System>, at: Moment) -> String {
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

fn start_of_tomorrow() -> Option<std::time::SystemTime> {
    let now = jiff::Zoned::now();
    let start = now.tomorrow().ok()?.start_of_day().ok()?;
    Some(start.timestamp().into())
}

/// Opens the settings file in the desktop's editor, first writing the documented defaults if
/// the user has none yet (an existing file is never touched).
fn open_settings(places: &Places) {
    let path = places.settings_file();
    if !path.exists()
        && let Err(e) = files::write_atomic(&path, Settings::default_file().as_bytes())
    {
        tracing::warn!("cannot create {}: {e}", path.display());
        return;
    }
    match std::process::Command::new("xdg-open").arg(&path).spawn() {
        Ok(mut child) => {
            // Reap it in the background so it does not linger as a zombie.
            let _ = std::thread::Builder::new().name("limber-open".into()).spawn(move || child.wait());
        }
        Err(e) => tracing::warn!("cannot open {} with xdg-open: {e}", path.display()),
    }
}

/// Hands freed heap pages back to the system after the card closes, so the daemon's memory
/// returns close to its idle size instead of keeping the window's high-water mark.
/// glibc gives each thread that allocates an arena of its own, and each arena keeps pages of
/// its own; limber's watcher threads allocate a little now and then and never contend, so one
/// shared arena holds the same data in fewer pages.
fn one_malloc_arena() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        const M_ARENA_MAX: i32 = -8;
        unsafe extern "C" {
            fn mallopt(param: i32, value: i32) -> i32;
        }
        // SAFETY: called before any other thread exists; mallopt only changes allocator
        // tuning and has no memory-safety preconditions.
        unsafe {
            mallopt(M_ARENA_MAX, 1);
        }
    }
}

/// Start-up (and the card) run code an idle daemon will not run again for an hour, and its
/// pages stay mapped, counted against limber, until the kernel runs short of memory. Dropping
/// the mappings of the program's own code hands them back to the page cache; whatever runs
/// next is faulted back in from there, which is cheap. Only the executable mapping is
/// touched: it is never written, so nothing is lost (data and relocated read-only pages are
/// left alone).
fn release_code() {
    let (Ok(exe), Ok(maps)) = (std::fs::read_link("/proc/self/exe"), std::fs::read_to_string("/proc/self/maps")) else {
        return;
    };
    for line in maps.lines() {
        let mut fields = line.split_whitespace();
        let (Some(range), Some(perms), Some(path)) = (fields.next(), fields.next(), fields.nth(3)) else { continue };
        if perms != "r-xp" || Path::new(path) != exe {
            continue;
        }
        let Some((start, end)) = range.split_once('-') else { continue };
        let (Ok(start), Ok(end)) = (usize::from_str_radix(start, 16), usize::from_str_radix(end, 16)) else { continue };
        // SAFETY: the range is a private, read-only, executable mapping of our own program
        // file, never written; MADV_DONTNEED only unmaps its pages, which are read back from
        // the file on the next access.
        let _ = unsafe { rustix::mm::madvise(start as *mut _, end.saturating_sub(start), rustix::mm::Advice::LinuxDontNeed) };
    }
}

fn release_memory() {
    release_code();
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        unsafe extern "C" {
            fn malloc_trim(pad: usize) -> i32;
        }
        // SAFETY: malloc_trim only returns free memory to the kernel; it has no
        // preconditions and touches no memory the program still uses.
        unsafe {
            malloc_trim(0);
        }
    }
}
