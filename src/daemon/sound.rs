//! The audio adapter: plays the hold-end and break-end cues on a thread of its own, opening
//! the audio device only around a cue (an open output stream wakes the process ~125 times a
//! second).

use crate::core::schedule::Cue;
use crate::core::settings::Sound;
use rodio::Source as _;
use std::num::NonZero;
use std::path::PathBuf;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::time::{Duration, Instant};

const RATE: u32 = 48_000;

/// How long before an expected cue the device is opened, so the sound is heard on time:
/// opening takes 5-25 ms and the first samples reach the speaker 50-90 ms later.
const WARM_AHEAD: Duration = Duration::from_millis(400);
/// How long the device stays open after a cue ends, so a quick second cue reuses it and the
/// stream is never dropped while samples are still queued.
const LINGER: Duration = Duration::from_millis(600);

enum Order {
    /// A cue is expected at this moment; be ready.
    Warm(Instant),
    Play(Cue, Sound),
    /// The device failed under a playing stream (the sound server died): let it go.
    Broken,
}

/// Handle to the audio thread. Dropping it stops the thread.
pub struct Speaker {
    orders: Sender<Order>,
}

impl Speaker {
    pub fn start() -> Speaker {
        let (orders, rx) = mpsc::channel();
        let own = orders.clone();
        let spawned = std::thread::Builder::new().name("limber-audio".into()).spawn(move || run(rx, own));
        if let Err(e) = spawned {
            tracing::warn!("no audio thread, cues are off: {e}");
        }
        Speaker { orders }
    }

    pub fn warm(&self, at: Instant) {
        let _ = self.orders.send(Order::Warm(at.checked_sub(WARM_AHEAD).unwrap_or(at)));
    }

    pub fn play(&self, cue: Cue, settings: &Sound) {
        if settings.enabled {
            let _ = self.orders.send(Order::Play(cue, settings.clone()));
        }
    }
}

/// After an output failed under a cue, how long to wait before trying the cue once more: a
/// stream can fail while the sound server is still setting it up, and play a moment later.
const RETRY_AFTER: Duration = Duration::from_millis(300);

fn run(orders: Receiver<Order>, own: Sender<Order>) {
    let open = || open(own.clone());
    let mut device: Option<rodio::MixerDeviceSink> = None;
    let mut close_at: Option<Instant> = None;
    let mut warm_at: Option<Instant> = None;
    // The cue playing now, kept to try it once more if the output fails under it.
    let mut playing: Option<(Cue, Sound)> = None;
    let mut retry_at: Option<Instant> = None;
    let mut retried = false;
    loop {
        let wake = [close_at, warm_at, retry_at].into_iter().flatten().min();
        let order = match wake {
            Some(t) => orders.recv_timeout(t.saturating_duration_since(Instant::now())),
            None => orders.recv().map_err(|_| RecvTimeoutError::Disconnected),
        };
        match order {
            Ok(Order::Warm(at)) => warm_at = Some(at),
            Ok(Order::Broken) => {
                device = None;
                close_at = None;
                // Once: a dead server fails the retry too, and then the cue is given up.
                if playing.is_some() && !retried {
                    retry_at = Some(Instant::now() + RETRY_AFTER);
                } else {
                    playing = None;
                }
            }
            Ok(Order::Play(cue, settings)) => {
                (retry_at, retried) = (None, false);
                let device = device.get_or_insert_with_result(open);
                let Some(device) = device else { continue };
                let length = play(device, cue, &settings);
                playing = Some((cue, settings));
                close_at = Some(Instant::now() + length + LINGER);
                warm_at = None;
            }
            Err(RecvTimeoutError::Timeout) => {
                let now = Instant::now();
                if warm_at.is_some_and(|t| t <= now) {
                    warm_at = None;
                    if device.is_none() {
                        device = open();
                    }
                    // If the expected cue never comes (the hold was ended early), let go.
                    close_at = Some(now + WARM_AHEAD + Duration::from_secs(2));
                }
                if retry_at.is_some_and(|t| t <= now) {
                    (retry_at, retried) = (None, true);
                    if let Some((cue, settings)) = playing.clone() {
                        tracing::info!("playing the cue again on a new output");
                        if let Some(d) = device.get_or_insert_with_result(open) {
                            let length = play(d, cue, &settings);
                            close_at = Some(Instant::now() + length + LINGER);
                        }
                    }
                }
                if close_at.is_some_and(|t| t <= now) {
                    close_at = None;
                    device = None;
                    playing = None;
                }
            }
            Err(RecvTimeoutError::Disconnected) => break,
        }
    }
}

trait GetOrInsertWithResult<T> {
    fn get_or_insert_with_result(&mut self, f: impl FnOnce() -> Option<T>) -> &mut Option<T>;
}

impl<T> GetOrInsertWithResult<T> for Option<T> {
    fn get_or_insert_with_result(&mut self, f: impl FnOnce() -> Option<T>) -> &mut Option<T> {
        if self.is_none() {
            *self = f();
        }
        self
    }
}

/// Opens the default output. A sound server that dies under a playing stream makes the
/// audio library report the same error thousands of times a second; a lone error, which
/// also happens on a healthy stream, is only noted. A burst is reported once and ends the
/// stream.
fn open(own: Sender<Order>) -> Option<rodio::MixerDeviceSink> {
    let mut burst = (0u32, Instant::now());
    let mut told = false;
    let opened = rodio::DeviceSinkBuilder::from_default_device().and_then(|b| {
        b.with_error_callback(move |e| {
            if burst.1.elapsed() > Duration::from_secs(1) {
                burst = (0, Instant::now());
            }
            burst.0 += 1;
            if burst.0 == 1 {
                tracing::debug!("audio output: {e}");
            }
            if burst.0 >= ERRORS_IN_A_BURST && !told {
                told = true;
                tracing::warn!("audio output failed: {e}; closing it until the next cue");
                let _ = own.send(Order::Broken);
            }
        })
        .open_stream()
    });
    match opened {
        Ok(mut d) => {
            d.log_on_drop(false);
            Some(d)
        }
        Err(e) => {
            tracing::warn!("no audio output, the cue is not played: {e}");
            None
        }
    }
}

/// Errors within a second that mean the output is gone rather than hiccuping: a stream that
/// recovers reports a few hundred while the server settles (seen when a sink is suspended
/// and resumed); a dead server makes the library report about 100 000 a second.
const ERRORS_IN_A_BURST: u32 = 5000;

/// Queues the cue and returns how long it lasts.
fn play(device: &rodio::MixerDeviceSink, cue: Cue, settings: &Sound) -> Duration {
    let volume = settings.volume.clamp(0.0, 1.0);
    if cue == Cue::HoldEnd
        && let Some(path) = settings.file.as_ref().map(PathBuf::from)
    {
        match std::fs::File::open(&path)
            .map_err(|e| e.to_string())
            .and_then(|f| rodio::Decoder::try_from(f).map_err(|e| e.to_string()))
        {
            Ok(decoder) => {
                let length = decoder.total_duration().unwrap_or(Duration::from_secs(2)).min(Duration::from_secs(10));
                device.mixer().add(decoder.amplify(volume).take_duration(length));
                return length;
            }
            Err(e) => tracing::warn!("cannot play {}: {e}; using the built-in cue", path.display()),
        }
    }
    let samples = tone(cue);
    let length = Duration::from_secs_f64(samples.len() as f64 / f64::from(RATE));
    let one = NonZero::new(1).expect("1 is not zero");
    let rate = NonZero::new(RATE).expect("rate is not zero");
    device.mixer().add(rodio::buffer::SamplesBuffer::new(one, rate, samples).amplify(volume));
    length
}

/// The built-in cues, made here so no sound file has to ship: a clear 880 Hz bell for the end
/// of a hold, a softer and lower one for the end of a break.
pub fn tone(cue: Cue) -> Vec<f32> {
    let (freq, millis, level) = match cue {
        Cue::HoldEnd => (880.0, 300, 0.8),
        Cue::BreakEnd => (587.33, 450, 0.45),
    };
    let n = RATE as usize * millis / 1000;
    let attack = RATE as f32 * 0.005;
    (0..n)
        .map(|i| {
            let t = i as f32 / RATE as f32;
            let envelope = (i as f32 / attack).min(1.0) * (-4.0 * t / (millis as f32 / 1000.0)).exp();
            let phase = std::f32::consts::TAU * freq * t;
            level * envelope * (phase.sin() + 0.15 * (2.0 * phase).sin()) / 1.15
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cues_have_their_pitch_and_length() {
        for (cue, freq, ms) in [(Cue::HoldEnd, 880.0, 300), (Cue::BreakEnd, 587.33, 450)] {
            let s = tone(cue);
            assert_eq!(s.len(), RATE as usize * ms / 1000);
            assert!(s.iter().all(|x| x.abs() <= 1.0));
            let crossings = s.windows(2).filter(|w| w[0] < 0.0 && w[1] >= 0.0).count() as f32;
            let measured = crossings / (ms as f32 / 1000.0);
            assert!((measured - freq).abs() / freq < 0.02, "{cue:?}: {measured} Hz");
        }
        let peak = |c| tone(c).iter().fold(0.0f32, |m, x| m.max(x.abs()));
        assert!(peak(Cue::BreakEnd) < peak(Cue::HoldEnd), "the break-end cue is the softer one");
    }
}
