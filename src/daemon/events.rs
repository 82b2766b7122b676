//! The event loop's entry points: timers, the tray, notifications, the socket, the watchers
//! and the windows, each turned into an input for the schedule.

use super::notify::{Choice, Word};
use super::tray::{Pick, Tray};
use super::{Daemon, SETTLE, STARTED, Wake, release_memory};
use crate::control::{self, Reply};
use crate::core::schedule::{Command, Input};
use std::time::{Duration, Instant};
use winit::application::ApplicationHandler;
use winit::event::{StartCause, WindowEvent};
use winit::event_loop::{ActiveEventLoop, ControlFlow};
use winit::window::WindowId;

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
                    self.card_unasked = true;
                    self.feed(el, Input::Command(Command::BreakNow));
                    self.card_unasked = false;
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
            Wake::Typing(idle) => {
                tracing::info!("typing watch: no input for {} ms", idle.as_millis());
                self.feed(el, Input::Typing { idle: Some(idle) });
            }
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
