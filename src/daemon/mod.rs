//! The daemon: one winit event loop on the main thread feeds the schedule and carries out its
//! effects through thin adapters (tray, notifications, card window, sound, storage). It
//! sleeps until the schedule's next deadline or until something happens; nothing polls.

pub mod away;
pub mod bus;
pub mod card;
pub mod clock;
mod edits;
mod events;
mod local;
mod logging;
mod memory;
pub mod notify;
pub mod paint;
pub mod presence;
pub mod quiet;
mod signals;
mod socket;
pub mod sound;
pub mod store;
pub mod tray;
mod unfocused;

use crate::cli::Exit;
use crate::control::{self, Claim, ControlError, Reply, Report, Request, Spot};
use crate::core::schedule::{Command, Effect, Input, PauseLength, Quiet};
use crate::core::status::Status;
use crate::core::{Moment, Schedule, Settings};
use crate::files::{self, Places};
use anyhow::Context as _;
use card::CardWindow;
use clock::{Clock, System};
use edits::watch_files;
use local::{local_time, start_of_tomorrow, utc_offset};
use logging::init_logging;
use memory::{one_malloc_arena, release_memory};
use notify::{Notifier, Word};
use signals::{on_display_loss, watch_signals};
use socket::serve_socket;
use sound::Speaker;
use std::os::unix::net::UnixStream;
use std::time::{Duration, Instant};
use store::{Saved, Store};
use tray::{Pick, Tray};
use tray_icon::menu::{MenuEvent, MenuId};
use tray_icon::{MouseButton, MouseButtonState, TrayIconEvent};
use winit::event_loop::{ActiveEventLoop, EventLoop};

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
    /// What the typing watch found: no input for this long.
    Typing(Duration),
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
    let idle = presence::start(
        schedule.settings().idle_reset(),
        {
            let proxy = proxy.clone();
            move |idle| proxy.send_event(Wake::Idle(idle)).is_ok()
        },
        {
            let proxy = proxy.clone();
            move |idle| proxy.send_event(Wake::Typing(idle)).is_ok()
        },
    );
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
        due_told: false,
        typing_unseen: false,
        card_unasked: false,
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

/// History events held in memory at most while the disk is full (a few days' worth).
const MAX_UNWRITTEN: usize = 1000;

/// How long after the tray is up start-up's work is surely done (the idle, lock and quiet
/// watchers probe their services in the first seconds).
const STARTED: Duration = Duration::from_secs(5);

/// Editors save in bursts (write, rename, chmod): reload once they have settled.
const SETTLE: Duration = Duration::from_millis(300);

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
    /// Whether the quiet watchers were last told that a break is due.
    due_told: bool,
    /// The schedule asked for a typing watch this desktop cannot give: it is told so.
    typing_unseen: bool,
    /// The next card opens without being asked for (no notification server): it must not
    /// take the keyboard.
    card_unasked: bool,
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
        if std::mem::take(&mut self.typing_unseen) {
            self.feed(el, Input::Typing { idle: None });
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
                let focus = !std::mem::take(&mut self.card_unasked);
                match CardWindow::open_with(el, card::Page::Card(view), focus) {
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
            Effect::WatchTyping(pause) => {
                tracing::info!("typing watch: {}", pause.map_or("off".to_string(), crate::core::duration::format));
                if !self.idle.watch_typing(pause) && pause.is_some() {
                    self.typing_unseen = true;
                }
            }
            Effect::Status(status) => {
                let due = status.state == crate::core::status::State::Due;
                if due != self.due_told {
                    self.due_told = due;
                    self.quiet.set_due(due);
                }
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
            microphone: self.quiet.microphone().to_string(),
            camera: self.quiet.camera().to_string(),
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
