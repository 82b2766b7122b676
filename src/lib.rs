//! limber: counts real sitting time and walks you through a stretch when it is time to move.
//!
//! [`core`] is the pure brain (catalogue, settings, schedule); everything else adapts it to
//! files, the command line and the desktop; [`figure`] draws the card's exercise figures.

pub mod autostart;
pub mod cli;
pub mod control;
pub mod core;
pub mod daemon;
pub mod figure;
pub mod files;
