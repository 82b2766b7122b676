//! The notification adapter: shows a break reminder with Start, Snooze and Skip, and reports
//! the choice. It runs on its own thread so that a slow, dead or missing notification server
//! never holds up the event loop.

use crate::core::duration;
use crate::core::schedule::Reminder;
use futures_lite::FutureExt as _;
use notify_rust::{Hint, Notification, NotificationResponse, Timeout, Urgency};
use std::time::Duration;

/// A notification server that has not answered in this long is treated as missing.
const ANSWER_WITHIN: Duration = Duration::from_secs(3);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Choice {
    Start,
    Snooze,
    Skip,
    /// Closed without a choice (dismissed or expired): the reminder comes again later.
    Dismissed,
}

/// What the notification thread has to tell the event loop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Word {
    Chosen {
        break_id: u64,
        choice: Choice,
    },
    /// The reminder could not be shown.
    Failed {
        break_id: u64,
        why: String,
    },
}

enum Order {
    Show(Reminder),
    Close,
    /// Close, then say so: used when quitting, so the reminder does not outlive limber.
    CloseAndTell(std::sync::mpsc::Sender<()>),
    /// A notice with no actions (a settings file that did not check out).
    Inform {
        summary: String,
        body: String,
    },
}

/// Handle to the notification thread.
pub struct Notifier {
    orders: async_channel::Sender<Order>,
}

impl Notifier {
    pub fn start(tell: impl Fn(Word) + Send + 'static) -> Notifier {
        let (orders, rx) = async_channel::unbounded();
        let spawned = std::thread::Builder::new().name("limber-notify".into()).spawn(move || {
            // The notification crate unwraps a few D-Bus errors inside its waiting code; a
            // server that dies at the wrong moment must cost one reminder, not the thread.
            loop {
                let rx = rx.clone();
                let tell = &tell;
                match std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || serve(rx, tell))) {
                    Ok(()) => break,
                    Err(_) => tracing::warn!("the notification server connection failed; carrying on"),
                }
            }
        });
        if let Err(e) = spawned {
            tracing::warn!("no notification thread: {e}");
        }
        Notifier { orders }
    }

    pub fn show(&self, r: Reminder) {
        let _ = self.orders.try_send(Order::Show(r));
    }

    pub fn close(&self) {
        let _ = self.orders.try_send(Order::Close);
    }

    /// Shows a one-off notice beside any reminder on screen.
    pub fn inform(&self, summary: &str, body: &str) {
        let _ = self.orders.try_send(Order::Inform { summary: summary.to_string(), body: body.to_string() });
    }

    /// A function that closes the reminder and waits for it, usable from anywhere (the
    /// last words when the display is lost).
    pub fn closer(&self) -> impl Fn() + Send + Sync + 'static {
        let orders = self.orders.clone();
        move || Notifier { orders: orders.clone() }.close_and_wait(Duration::from_secs(2))
    }

    /// Closes the reminder and waits up to `limit` for the server to have it gone.
    pub fn close_and_wait(&self, limit: Duration) {
        let (done, wait) = std::sync::mpsc::channel();
        if self.orders.try_send(Order::CloseAndTell(done)).is_ok() {
            let _ = wait.recv_timeout(limit);
        }
    }
}

fn build(r: &Reminder, replaces: Option<u32>) -> Notification {
    let mut n = Notification::new();
    n.appname("limber")
        .summary(&r.title)
        .body(&r.body)
        .icon("limber")
        // A reminder that waited out a quiet time comes without a sound, below a call or a
        // film rather than over it.
        .urgency(if r.gentle { Urgency::Low } else { Urgency::Normal })
        .hint(Hint::SuppressSound(r.gentle))
        .hint(Hint::Category("presence".into()))
        .hint(Hint::DesktopEntry("limber".into()))
        .hint(Hint::Resident(true))
        .timeout(Timeout::Never)
        .action("default", "Start")
        .action("start", "Start");
    if let Some(s) = r.snooze {
        n.action("snooze", &format!("Snooze {}", duration::human(s)));
    }
    n.action("skip", "Skip");
    if let Some(id) = replaces {
        n.id(id);
    }
    n
}

fn serve(rx: async_channel::Receiver<Order>, tell: &dyn Fn(Word)) {
    let mut next: Option<Order> = None;
    let mut replaces: Option<u32> = None;
    loop {
        let order = match next.take() {
            Some(o) => o,
            None => match async_io::block_on(rx.recv()) {
                Ok(o) => o,
                Err(_) => return,
            },
        };
        let reminder = match order {
            Order::Show(r) => r,
            Order::Close => {
                replaces = None;
                continue;
            }
            Order::CloseAndTell(done) => {
                replaces = None;
                let _ = done.send(());
                continue;
            }
            Order::Inform { summary, body } => {
                inform(&summary, &body);
                continue;
            }
        };
        let break_id = reminder.break_id;
        let notification = build(&reminder, replaces.take());
        let shown = async_io::block_on(async { Some(notification.show_async().await) }.or(async {
            async_io::Timer::after(ANSWER_WITHIN).await;
            None
        }));
        let handle = match shown {
            Some(Ok(h)) => h,
            Some(Err(e)) => {
                tell(Word::Failed { break_id, why: e.to_string() });
                continue;
            }
            None => {
                tell(Word::Failed { break_id, why: "the notification server did not answer".into() });
                continue;
            }
        };
        loop {
            let mut response: Option<NotificationResponse> = None;
            let waited = async_io::block_on(
                async {
                    handle.wait_for_action_async(|r| response = Some(r.clone())).await;
                    None
                }
                .or(async { Some(rx.recv().await) }),
            );
            match waited {
                // An action or a close from the server.
                None => {
                    let choice = match response {
                        Some(NotificationResponse::Default) => Choice::Start,
                        Some(NotificationResponse::Action(a)) if a == "start" => Choice::Start,
                        Some(NotificationResponse::Action(a)) if a == "snooze" => Choice::Snooze,
                        Some(NotificationResponse::Action(a)) if a == "skip" => Choice::Skip,
                        _ => Choice::Dismissed,
                    };
                    if choice != Choice::Dismissed {
                        // Some servers (dunst) leave the notification up after an action.
                        close(&handle);
                    }
                    tell(Word::Chosen { break_id, choice });
                }
                // A notice shows beside the reminder, which stays and is waited on.
                Some(Ok(Order::Inform { summary, body })) => {
                    inform(&summary, &body);
                    continue;
                }
                Some(Ok(Order::Close)) => close(&handle),
                Some(Ok(Order::CloseAndTell(done))) => {
                    close(&handle);
                    let _ = done.send(());
                }
                // The next reminder replaces this one in place.
                Some(Ok(show)) => {
                    replaces = Some(handle.id());
                    next = Some(show);
                }
                Some(Err(_)) => {
                    close(&handle);
                    return;
                }
            }
            break;
        }
    }
}

fn inform(summary: &str, body: &str) {
    let mut n = Notification::new();
    n.appname("limber")
        .summary(summary)
        .body(body)
        .icon("limber")
        .urgency(Urgency::Normal)
        .hint(Hint::DesktopEntry("limber".into()));
    let shown = async_io::block_on(async { Some(n.show_async().await) }.or(async {
        async_io::Timer::after(ANSWER_WITHIN).await;
        None
    }));
    if !matches!(shown, Some(Ok(_))) {
        tracing::warn!("cannot show a notice: {summary}: {body}");
    }
}

fn close(handle: &notify_rust::NotificationHandle) {
    async_io::block_on(handle.close_async().or(async {
        async_io::Timer::after(ANSWER_WITHIN).await;
    }));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snooze_is_offered_only_while_it_is_allowed() {
        let mut r = Reminder {
            break_id: 1,
            title: "Time to move".into(),
            body: "Stand up".into(),
            snooze: Some(Duration::from_secs(600)),
            repeat: 0,
            stretch_id: None,
            gentle: false,
        };
        assert_eq!(build(&r, None).actions, ["default", "Start", "start", "Start", "snooze", "Snooze 10 min", "skip", "Skip"]);
        r.snooze = None;
        assert_eq!(build(&r, Some(7)).actions, ["default", "Start", "start", "Start", "skip", "Skip"]);
    }
}
