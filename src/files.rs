//! Where limber keeps its files, and reading the user's settings and catalogue from them.
//!
//! A file that cannot be read or does not check out never stops limber: the caller gets the
//! last good value (the defaults, the built-in catalogue) together with the problems, to say
//! once and carry on.

use crate::core::catalogue::{BUILTIN_NAME, Catalogue, CatalogueFile};
use crate::core::{Problems, Settings};
use std::io;
use std::path::{Path, PathBuf};
use thiserror::Error;

#[derive(Debug, Error)]
pub enum FileError {
    #[error("{path}: {source}")]
    Read { path: PathBuf, source: io::Error },
    #[error("{0}")]
    Invalid(Problems),
    #[error("no home directory found: set HOME, or XDG_CONFIG_HOME and XDG_STATE_HOME")]
    NoHome,
}

/// The directories limber uses, following the XDG base directory rules on Linux.
#[derive(Debug, Clone)]
pub struct Places {
    /// `~/.config/limber`: config.json and exercises.json.
    pub config: PathBuf,
    /// `~/.local/state/limber`: the saved schedule and the log.
    pub state: PathBuf,
    /// `~/.local/share/limber`: break history.
    pub data: PathBuf,
    /// `$XDG_RUNTIME_DIR/limber`: the control socket, when a runtime directory exists.
    pub runtime: Option<PathBuf>,
    /// System-wide settings under the user's, lowest first (`/etc/xdg/limber`).
    pub system_config: Vec<PathBuf>,
}

impl Places {
    pub fn discover() -> Result<Places, FileError> {
        let dirs = directories::ProjectDirs::from("", "", "limber").ok_or(FileError::NoHome)?;
        let config = dirs.config_dir().to_path_buf();
        let state = dirs.state_dir().map(Path::to_path_buf).unwrap_or_else(|| dirs.data_local_dir().join("state"));
        let xdg_dirs = std::env::var("XDG_CONFIG_DIRS").ok().filter(|v| !v.is_empty()).unwrap_or_else(|| "/etc/xdg".to_string());
        // XDG lists the most important directory first; settings are laid lowest first.
        let system_config = xdg_dirs.split(':').rev().filter(|d| !d.is_empty()).map(|d| Path::new(d).join("limber")).collect();
        Ok(Places {
            config,
            state,
            data: dirs.data_dir().to_path_buf(),
            runtime: dirs.runtime_dir().map(Path::to_path_buf),
            system_config,
        })
    }

    pub fn settings_file(&self) -> PathBuf {
        self.config.join("config.json")
    }

    pub fn catalogue_file(&self) -> PathBuf {
        self.config.join("exercises.json")
    }
}

/// A value read from files, with whatever went wrong on the way.
#[derive(Debug)]
pub struct Loaded<T> {
    pub value: T,
    pub problems: Vec<FileError>,
}

/// Reads `path`; `Ok(None)` when it does not exist, which is the normal case for a user who
/// never changed anything.
pub fn read_optional(path: &Path) -> Result<Option<String>, FileError> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some(text)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(FileError::Read { path: path.to_path_buf(), source }),
    }
}

/// The settings in force: defaults, then each system-wide file, then the user's, key by key.
/// A broken layer is skipped whole, so half of a bad edit never takes effect.
pub fn load_settings(places: &Places) -> Loaded<Settings> {
    let mut value = Settings::default();
    let mut problems = Vec::new();
    let layers = places.system_config.iter().map(|d| d.join("config.json")).chain([places.settings_file()]);
    for path in layers {
        match read_optional(&path) {
            Ok(Some(text)) => match value.parse_over(&path.display().to_string(), &text) {
                Ok(s) => value = s,
                Err(p) => problems.push(FileError::Invalid(p)),
            },
            Ok(None) => {}
            Err(e) => problems.push(e),
        }
    }
    Loaded { value, problems }
}

/// The catalogue in force: the built-in one, extended or replaced by the user's file when
/// that file checks out against the current break length.
pub fn load_catalogue(places: &Places, settings: &Settings) -> Loaded<Catalogue> {
    let builtin = Catalogue::builtin();
    let path = places.catalogue_file();
    match read_optional(&path) {
        Ok(Some(text)) => match CatalogueFile::parse(&path.display().to_string(), &text, Some(settings.break_length)) {
            Ok(user) => Loaded { value: builtin.with(user), problems: vec![] },
            Err(p) => Loaded { value: builtin, problems: vec![FileError::Invalid(p)] },
        },
        Ok(None) => Loaded { value: builtin, problems: vec![] },
        Err(e) => Loaded { value: builtin, problems: vec![e] },
    }
}

/// Checks one catalogue file, or the built-in one when `path` is `None`.
pub fn check_catalogue(path: Option<&Path>, settings: &Settings) -> Result<CatalogueFile, FileError> {
    match path {
        None => CatalogueFile::parse(BUILTIN_NAME, crate::core::catalogue::BUILTIN, Some(settings.break_length))
            .map_err(FileError::Invalid),
        Some(p) => {
            let text = std::fs::read_to_string(p).map_err(|source| FileError::Read { path: p.to_path_buf(), source })?;
            CatalogueFile::parse(&p.display().to_string(), &text, Some(settings.break_length)).map_err(FileError::Invalid)
        }
    }
}

/// Checks one settings file on its own (over the defaults).
pub fn check_settings(path: &Path) -> Result<Settings, FileError> {
    let text = std::fs::read_to_string(path).map_err(|source| FileError::Read { path: path.to_path_buf(), source })?;
    Settings::parse(&path.display().to_string(), &text).map_err(FileError::Invalid)
}

/// Writes `bytes` to `path` so that a reader sees the old file or the new one, never a
/// half-written one, even if the machine loses power: a temporary file beside it, flushed to
/// disk, then renamed over it.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    use std::io::Write as _;
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)?;
        // The rename itself is only durable once the directory is synced.
        std::fs::File::open(dir)?.sync_all()
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    fn places(root: &Path) -> Places {
        Places {
            config: root.join("config"),
            state: root.join("state"),
            data: root.join("data"),
            runtime: None,
            system_config: vec![root.join("etc")],
        }
    }

    fn tmp(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("limber-files-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn missing_files_mean_defaults() {
        let root = tmp("missing");
        let p = places(&root);
        let s = load_settings(&p);
        assert!(s.problems.is_empty());
        assert_eq!(s.value, Settings::default());
        let c = load_catalogue(&p, &s.value);
        assert!(c.problems.is_empty());
        assert_eq!(c.value, Catalogue::builtin());
    }

    #[test]
    fn system_then_user_key_by_key_and_a_broken_layer_is_skipped() {
        let root = tmp("layers");
        let p = places(&root);
        std::fs::create_dir_all(&p.system_config[0]).unwrap();
        std::fs::create_dir_all(&p.config).unwrap();
        std::fs::write(p.system_config[0].join("config.json"), r#"{"sit_limit": "45m", "snooze": "5m"}"#).unwrap();
        std::fs::write(p.settings_file(), r#"{"snooze": "15m"}"#).unwrap();
        let s = load_settings(&p);
        assert_eq!((s.value.sit_limit.as_secs(), s.value.snooze.as_secs()), (45 * 60, 15 * 60));
        std::fs::write(p.settings_file(), r#"{"snooze": "15m", "sit_limit": "soon"}"#).unwrap();
        let s = load_settings(&p);
        assert_eq!(s.value.snooze.as_secs(), 5 * 60, "none of a broken file applies");
        assert_eq!(s.problems.len(), 1);
        assert!(s.problems[0].to_string().contains("config.json:1:19: sit_limit:"), "{}", s.problems[0]);
    }

    #[test]
    fn a_broken_user_catalogue_keeps_the_builtin_and_is_left_alone() {
        let root = tmp("catalogue");
        let p = places(&root);
        std::fs::create_dir_all(&p.config).unwrap();
        let broken = "{\"exercises\": [{\"id\": \"a\"}]}";
        std::fs::write(p.catalogue_file(), broken).unwrap();
        let c = load_catalogue(&p, &Settings::default());
        assert_eq!(c.value, Catalogue::builtin());
        assert_eq!(c.problems.len(), 1);
        assert_eq!(std::fs::read_to_string(p.catalogue_file()).unwrap(), broken, "the user's file is never rewritten");
    }

    #[test]
    fn atomic_writes_replace_whole_files() {
        let root = tmp("atomic");
        let path = root.join("deep/state.json");
        write_atomic(&path, b"one").unwrap();
        write_atomic(&path, b"two").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        let leftovers: Vec<_> = std::fs::read_dir(root.join("deep")).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "no temporary file is left behind");
    }
}
