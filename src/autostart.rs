//! Starting limber at login: an XDG autostart entry on Linux desktops.

use std::io;
use std::path::{Path, PathBuf};

/// `~/.config/autostart/limber.desktop`, next to limber's own config directory.
pub fn entry_path(config_dir: &Path) -> PathBuf {
    config_dir.parent().unwrap_or(config_dir).join("autostart").join("limber.desktop")
}

/// The packaged autostart entry, with `Exec` pointing at `exec`.
pub fn entry(exec: &Path) -> String {
    include_str!("../assets/limber-autostart.desktop").replace("Exec=limber run", &format!("Exec={} run", exec.display()))
}

pub fn is_enabled(config_dir: &Path) -> bool {
    entry_path(config_dir).exists()
}

/// Writes the entry (atomically) and returns where.
pub fn enable(config_dir: &Path) -> io::Result<PathBuf> {
    let path = entry_path(config_dir);
    // The running binary, so the entry works whether or not it is on PATH.
    let exec = std::env::current_exe().unwrap_or_else(|_| PathBuf::from("limber"));
    crate::files::write_atomic(&path, entry(&exec).as_bytes())?;
    Ok(path)
}

pub fn disable(config_dir: &Path) -> io::Result<PathBuf> {
    let path = entry_path(config_dir);
    match std::fs::remove_file(&path) {
        Ok(()) => Ok(path),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(path),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn on_off_and_status() {
        let root = std::env::temp_dir().join(format!("limber-autostart-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let config = root.join("limber");
        assert!(!is_enabled(&config));
        let path = enable(&config).unwrap();
        assert_eq!(path, root.join("autostart/limber.desktop"));
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.starts_with("[Desktop Entry]\nType=Application\n") && text.contains(" run\n"), "{text}");
        assert!(is_enabled(&config));
        disable(&config).unwrap();
        disable(&config).unwrap();
        assert!(!is_enabled(&config));
    }
}
