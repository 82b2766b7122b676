//! Where the daemon's log goes: stderr and a size-capped file in the state directory.

use std::io::IsTerminal as _;
use std::path::Path;

/// Logs go to stderr (filtered by RUST_LOG, default info) and to `limber.log` in the state
/// directory, which is started afresh once it passes 1 MB.
pub fn init_logging(state: &Path) -> Option<std::path::PathBuf> {
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
