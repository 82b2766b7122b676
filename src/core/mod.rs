//! The pure core: the stretch catalogue, the settings and the sitting-time schedule.
//!
//! Nothing in here reads a clock, touches a file, spawns a thread or talks to the desktop:
//! time comes in as a [`Moment`] argument and everything the outside world should do comes out
//! as an [`schedule::Effect`]. `tests/core_is_pure.rs` fails the build's tests if that changes.

pub mod catalogue;
pub mod duration;
pub mod hours;
pub mod interrupt;
pub mod moment;
pub mod problem;
pub mod rotation;
pub mod routine;
pub mod schedule;
pub mod settings;
pub mod stats;
pub mod status;

pub use catalogue::{Catalogue, Stretch, Tip};
pub use moment::Moment;
pub use problem::{Problem, Problems};
pub use schedule::{Effect, Input, Schedule};
pub use settings::Settings;
pub use status::Status;
