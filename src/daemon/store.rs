//! The storage adapter: the saved schedule (written atomically) and the break history (an
//! append-only JSON-lines file).

use crate::core::schedule::{Event, Snapshot};
use crate::files::write_atomic;
use std::fs::OpenOptions;
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};
use thiserror::Error;

#[derive(Debug, Error)]
pub enum StoreError {
    #[error("cannot save the schedule to {path}: {source}")]
    Save { path: PathBuf, source: io::Error },
    #[error("cannot add to the history in {path}: {source}")]
    Append { path: PathBuf, source: io::Error },
}

pub struct Store {
    state: PathBuf,
    history: PathBuf,
}

/// What was found at start-up in place of a saved schedule.
#[derive(Debug)]
pub enum Saved {
    Nothing,
    Found(Snapshot),
    /// The file could not be read as a schedule; it was moved to `kept` so nothing is lost.
    SetAside {
        kept: PathBuf,
        why: String,
    },
}

impl Store {
    pub fn new(state_dir: &Path, data_dir: &Path) -> Store {
        Store { state: state_dir.join("state.json"), history: data_dir.join("history.jsonl") }
    }

    pub fn history_path(&self) -> &Path {
        &self.history
    }

    /// Reads the saved schedule. A half-written or corrupt file is renamed aside, never
    /// deleted, and limber starts fresh.
    pub fn load(&self) -> Saved {
        let text = match std::fs::read_to_string(&self.state) {
            Ok(t) => t,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Saved::Nothing,
            Err(e) => return self.set_aside(e.to_string()),
        };
        match serde_json::from_str::<Snapshot>(&text) {
            Ok(s) if s.version == 1 => Saved::Found(s),
            Ok(s) => self.set_aside(format!("unknown version {}", s.version)),
            Err(e) => self.set_aside(e.to_string()),
        }
    }

    fn set_aside(&self, why: String) -> Saved {
        let stamp = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
        let kept = self.state.with_file_name(format!("state.json.corrupt-{stamp}"));
        match std::fs::rename(&self.state, &kept) {
            Ok(()) => Saved::SetAside { kept, why },
            Err(e) => Saved::SetAside { kept: self.state.clone(), why: format!("{why}; could not move it aside: {e}") },
        }
    }

    pub fn save(&self, snapshot: &Snapshot) -> Result<(), StoreError> {
        let json = serde_json::to_vec_pretty(snapshot).unwrap_or_default();
        write_atomic(&self.state, &json).map_err(|source| StoreError::Save { path: self.state.clone(), source })
    }

    /// Appends one event as one line in one write, so a crash loses at most the event being
    /// written, and a torn last line is skipped by readers.
    pub fn append(&self, event: &Event) -> Result<(), StoreError> {
        let err = |source| StoreError::Append { path: self.history.clone(), source };
        if let Some(dir) = self.history.parent() {
            std::fs::create_dir_all(dir).map_err(err)?;
        }
        let mut line = serde_json::to_vec(event).unwrap_or_default();
        line.push(b'\n');
        let mut f = OpenOptions::new().create(true).append(true).open(&self.history).map_err(err)?;
        f.write_all(&line).map_err(err)?;
        f.sync_data().map_err(err)
    }

    /// The last `days` days of history by local calendar day, as `limber stats` and the
    /// tray's weekly chart show them.
    pub fn summary(&self, days: u32) -> io::Result<crate::core::stats::Summary> {
        let events = self.read_history()?;
        let today = local_day(crate::core::Moment::from_millis(jiff::Timestamp::now().as_millisecond().max(0) as u64));
        Ok(crate::core::stats::summarize(events.iter().map(|e| (local_day(e.at), e)), today, days))
    }

    /// Every intact event in the history, oldest first.
    pub fn read_history(&self) -> io::Result<Vec<Event>> {
        match std::fs::read_to_string(&self.history) {
            Ok(text) => Ok(text.lines().filter_map(|l| serde_json::from_str(l).ok()).collect()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Vec::new()),
            Err(e) => Err(e),
        }
    }
}

/// The local calendar day of a moment, as days since 1970-01-01.
pub fn local_day(at: crate::core::Moment) -> i64 {
    let date = jiff::Timestamp::from_millisecond(at.as_millis() as i64)
        .unwrap_or_default()
        .to_zoned(jiff::tz::TimeZone::system())
        .date();
    date.to_zoned(jiff::tz::TimeZone::UTC).map(|z| z.timestamp().as_second().div_euclid(86_400)).unwrap_or(0)
}

/// A day number back as a date, for labels.
pub fn day_date(day: i64) -> jiff::civil::Date {
    jiff::Timestamp::from_second(day * 86_400).unwrap_or_default().to_zoned(jiff::tz::TimeZone::UTC).date()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::catalogue::Catalogue;
    use crate::core::schedule::EventKind;
    use crate::core::{Moment, Schedule, Settings};

    fn dir(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("limber-store-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        d
    }

    #[test]
    fn snapshot_round_trip() {
        let d = dir("round");
        let store = Store::new(&d, &d);
        assert!(matches!(store.load(), Saved::Nothing));
        let snap = Schedule::new(Settings::default(), Catalogue::builtin(), Moment::from_secs(1000)).snapshot();
        store.save(&snap).unwrap();
        assert!(matches!(store.load(), Saved::Found(s) if s == snap));
    }

    #[test]
    fn a_corrupt_state_file_is_kept_aside() {
        let d = dir("corrupt");
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(d.join("state.json"), "{\"version\": 1, \"at\": 12").unwrap();
        let store = Store::new(&d, &d);
        let Saved::SetAside { kept, .. } = store.load() else { panic!("not set aside") };
        assert_eq!(std::fs::read_to_string(kept).unwrap(), "{\"version\": 1, \"at\": 12");
        assert!(matches!(store.load(), Saved::Nothing));
    }

    #[test]
    fn history_skips_a_torn_last_line() {
        let d = dir("history");
        let store = Store::new(&d, &d);
        let ev = Event { at: Moment::from_secs(5), kind: EventKind::Taken, stretch: Some("neck-roll".into()), sat: 3600 };
        store.append(&ev).unwrap();
        store.append(&ev).unwrap();
        let mut f = OpenOptions::new().append(true).open(store.history_path()).unwrap();
        f.write_all(b"{\"at\": 7, \"ki").unwrap();
        assert_eq!(store.read_history().unwrap(), vec![ev.clone(), ev]);
    }
}
