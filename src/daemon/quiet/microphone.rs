//! The microphone: whether some app records from a real input, which is what a call in any
//! app or browser tab does. Asked of the sound server (PulseAudio, or PipeWire through its
//! PulseAudio interface) with libpulse: limber subscribes to its source-output events and
//! counts the capture streams afresh at each one; nothing is polled.
//!
//! Not a call: a stream on a monitor source (a screen recorder capturing the speakers, an
//! audio visualiser), a peak-meter stream (a volume control's level bar) and a corked
//! (paused) stream.
//!
//! A server that goes away (or is not there at start) is tried again after 1 s, then less
//! and less often, up to once every [`MAX_RETRY`]; that it is missing is logged once and shown
//! in `limber status` until it is back.

use super::Merge;
use libpulse_binding::callbacks::ListResult;
use libpulse_binding::context::introspect::{SourceInfo, SourceOutputInfo};
use libpulse_binding::context::subscribe::{Facility, InterestMaskSet};
use libpulse_binding::context::{Context, FlagSet, State};
use libpulse_binding::mainloop::standard::{IterateResult, Mainloop};
use std::cell::{Cell, RefCell};
use std::collections::HashSet;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

/// What `limber status` says while the sound server is followed.
pub const FOLLOWED: &str = "sound server (PulseAudio or PipeWire)";
/// What it says while there is none.
pub const MISSING: &str = "none (no sound server)";

const FIRST_RETRY: Duration = Duration::from_secs(1);
/// Waiting longer between tries would leave a sound server that starts late unnoticed for
/// long; trying more often would wake a machine that has none for nothing.
const MAX_RETRY: Duration = Duration::from_secs(60);

pub fn start(merge: Arc<Merge>) {
    let spawned = std::thread::Builder::new().name("limber-quiet".into()).spawn(move || run(&merge));
    if let Err(e) = spawned {
        tracing::warn!("the microphone is not followed: {e}");
    }
}

/// Why one connection ended.
enum Ended {
    /// Nobody listens any more: the daemon is ending.
    Gone,
    /// No server to connect to.
    NoServer(String),
    /// Connected, then lost.
    Lost(String),
}

fn run(merge: &Merge) {
    let mut wait = FIRST_RETRY;
    let mut said = false;
    loop {
        match follow(merge, &mut said) {
            Ended::Gone => return,
            Ended::NoServer(why) => {
                if !said {
                    tracing::info!(
                        "no sound server ({why}): a microphone in use is not noticed until one is there; limber keeps looking"
                    );
                    said = true;
                }
            }
            Ended::Lost(why) => {
                tracing::info!("the sound server went away ({why}); looking for it again");
                said = true;
                wait = FIRST_RETRY;
            }
        }
        merge.set_microphone_source(MISSING);
        // Nothing records on a server that is not there.
        if !merge.update(|p| p.microphone = false) {
            return;
        }
        std::thread::sleep(wait);
        wait = (wait * 2).min(MAX_RETRY);
    }
}

/// What the last count found, filled by the server's answers on the loop's thread.
#[derive(Default)]
struct Count {
    monitors: HashSet<u32>,
    streams: Vec<Stream>,
    /// Answers still to come (two lists per count).
    pending: u8,
}

/// A capture stream, as far as a call is concerned.
#[derive(Debug, Clone, PartialEq)]
struct Stream {
    source: u32,
    corked: bool,
    /// A peak meter (PA_STREAM_PEAK_DETECT) resamples with "peaks".
    peaks: bool,
}

/// Whether any stream records from a real input.
fn recording(streams: &[Stream], monitors: &HashSet<u32>) -> bool {
    streams.iter().any(|s| !s.corked && !s.peaks && !monitors.contains(&s.source))
}

/// Connects and follows the server until it goes away or nobody listens.
fn follow(merge: &Merge, said: &mut bool) -> Ended {
    let Some(mut mainloop) = Mainloop::new() else { return Ended::NoServer("no main loop".into()) };
    let Some(mut context) = Context::new(&mainloop, "limber") else {
        return Ended::NoServer("no context".into());
    };
    // Never start a server of our own: a desktop without one has chosen so.
    if let Err(e) = context.connect(None, FlagSet::NOAUTOSPAWN, None) {
        return Ended::NoServer(why(e));
    }
    loop {
        match context.get_state() {
            State::Ready => break,
            State::Failed | State::Terminated => return Ended::NoServer(why(context.errno())),
            _ => {}
        }
        if let IterateResult::Quit(_) | IterateResult::Err(_) = mainloop.iterate(true) {
            return Ended::NoServer("the main loop failed".into());
        }
    }
    if std::mem::take(said) {
        tracing::info!("the sound server is there: a microphone in use is noticed again");
    } else {
        tracing::info!("microphone: followed through the sound server");
    }
    merge.set_microphone_source(FOLLOWED);
    let changed = Rc::new(Cell::new(true));
    context.set_subscribe_callback(Some(Box::new({
        let changed = changed.clone();
        move |facility, _, _| {
            if let Some(Facility::SourceOutput | Facility::Source) = facility {
                changed.set(true);
            }
        }
    })));
    context.subscribe(InterestMaskSet::SOURCE_OUTPUT | InterestMaskSet::SOURCE, |_| {});
    let count = Rc::new(RefCell::new(Count::default()));
    let mut counting = false;
    let mut told: Option<bool> = None;
    loop {
        if counting && count.borrow().pending == 0 {
            counting = false;
            let now = {
                let c = count.borrow();
                recording(&c.streams, &c.monitors)
            };
            if told != Some(now) {
                if !merge.update(|p| p.microphone = now) {
                    return Ended::Gone;
                }
                told = Some(now);
            }
        }
        // Events that come during a count are answered by one more count after it.
        if !counting && changed.replace(false) {
            ask(&context, &count);
            counting = true;
        }
        if let IterateResult::Quit(_) | IterateResult::Err(_) = mainloop.iterate(true) {
            return Ended::Lost("the main loop failed".into());
        }
        if let State::Failed | State::Terminated = context.get_state() {
            return Ended::Lost(why(context.errno()));
        }
    }
}

fn why(e: libpulse_binding::error::PAErr) -> String {
    e.to_string().unwrap_or_else(|| format!("error {}", e.0))
}

/// Asks for the sources (to know the monitors) and the capture streams; the answers fill
/// `count` as they come.
fn ask(context: &Context, count: &Rc<RefCell<Count>>) {
    {
        let mut c = count.borrow_mut();
        c.monitors.clear();
        c.streams.clear();
        c.pending = 2;
    }
    let introspect = context.introspect();
    let sources = count.clone();
    introspect.get_source_info_list(move |r: ListResult<&SourceInfo>| {
        let mut c = sources.borrow_mut();
        match r {
            ListResult::Item(s) if s.monitor_of_sink.is_some() => {
                c.monitors.insert(s.index);
            }
            ListResult::Item(_) => {}
            ListResult::End | ListResult::Error => c.pending = c.pending.saturating_sub(1),
        }
    });
    let streams = count.clone();
    introspect.get_source_output_info_list(move |r: ListResult<&SourceOutputInfo>| {
        let mut c = streams.borrow_mut();
        match r {
            ListResult::Item(o) => c.streams.push(Stream {
                source: o.source,
                corked: o.corked,
                peaks: o.resample_method.as_deref() == Some("peaks"),
            }),
            ListResult::End | ListResult::Error => c.pending = c.pending.saturating_sub(1),
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stream(source: u32) -> Stream {
        Stream { source, corked: false, peaks: false }
    }

    #[test]
    fn only_a_live_stream_on_a_real_input_is_a_call() {
        let monitors: HashSet<u32> = [7].into();
        assert!(!recording(&[], &monitors), "nothing records");
        assert!(recording(&[stream(3)], &monitors), "a stream on a microphone");
        assert!(!recording(&[stream(7)], &monitors), "a screen recorder on the speakers' monitor");
        assert!(!recording(&[Stream { corked: true, ..stream(3) }], &monitors), "a paused stream");
        assert!(!recording(&[Stream { peaks: true, ..stream(3) }], &monitors), "a level meter");
        assert!(recording(&[stream(7), stream(3)], &monitors), "one real among others");
    }
}
