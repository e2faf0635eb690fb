//! The suggestion model in force on this instance. Each instance checks the version in
//! the database at most every few seconds and loads a newer model when there is one, so a
//! training on any instance reaches all of them without a restart.

use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use crate::domain::suggest::Model;

/// How long a checked version is trusted before asking the database again.
pub const RECHECK: Duration = Duration::from_secs(5);

#[derive(Clone, Default)]
pub struct Loaded {
    pub version: Option<i32>,
    pub on: bool,
    pub model: Option<Arc<Model>>,
}

#[derive(Default)]
pub struct Suggester {
    state: RwLock<(Option<Instant>, Loaded)>,
}

impl Suggester {
    /// What is loaded, and whether it was checked recently enough to use as is.
    pub fn current(&self) -> (Loaded, bool) {
        let guard = self.state.read().unwrap_or_else(|p| p.into_inner());
        let fresh = guard.0.is_some_and(|at| at.elapsed() < RECHECK);
        (guard.1.clone(), fresh)
    }

    pub fn store(&self, loaded: Loaded) {
        *self.state.write().unwrap_or_else(|p| p.into_inner()) = (Some(Instant::now()), loaded);
    }

    /// Forces the next use to ask the database (after this instance trained or switched).
    pub fn forget_check(&self) {
        self.state.write().unwrap_or_else(|p| p.into_inner()).0 = None;
    }
}
