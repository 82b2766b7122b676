//! The daemon: drives the schedule on a real desktop.

use crate::cli::Exit;

pub fn run() -> anyhow::Result<Exit> {
    anyhow::bail!("the tray daemon is not built into this version yet")
}
