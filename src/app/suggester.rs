//! The suggestion model in force on this instance. Each instance checks the version in
//! the database at most every few seconds and loads a newer model when there is one, so a
//! training on any instance reaches all of them without a restart.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use crate::domain::suggest::Model;
use crate::domain::suggest::hint::Hint;

/// Triage hints remembered at most; the whole memory is dropped when it is full.
const HINTS_KEPT: usize = 8_192;

/// What a triage hint was worked out from: the model's version, the catalogue in force
/// (by its allocation), the case and its category (a supervised one gets none).
pub type HintKey = (Option<i32>, usize, String, String);

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
    /// The intake office's queue shows a hint on every line it holds, each page: the
    /// model is asked once per case, model and catalogue, not once per page view.
    hints: Mutex<HashMap<HintKey, Option<Hint>>>,
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

    /// The hint remembered for `key`, if any (`Some(None)`: nothing to suggest).
    pub fn hint(&self, key: &HintKey) -> Option<Option<Hint>> {
        self.hints
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(key)
            .cloned()
    }

    pub fn remember_hint(&self, key: HintKey, hint: Option<Hint>) {
        let mut hints = self.hints.lock().unwrap_or_else(|p| p.into_inner());
        if hints.len() >= HINTS_KEPT {
            hints.clear();
        }
        hints.insert(key, hint);
    }

    /// Forces the next use to ask the database (after this instance trained or switched).
    pub fn forget_check(&self) {
        self.state.write().unwrap_or_else(|p| p.into_inner()).0 = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hints_are_remembered_by_model_catalogue_case_and_category_and_stay_bounded() {
        let s = Suggester::default();
        let key = |v: i32, n: usize| (Some(v), 1, format!("26{n:011}"), "noise".to_string());
        s.remember_hint(key(1, 1), None);
        assert_eq!(s.hint(&key(1, 1)), Some(None));
        assert_eq!(s.hint(&key(2, 1)), None, "another model version asks again");
        for n in 0..HINTS_KEPT + 10 {
            s.remember_hint(key(1, n + 2), None);
        }
        let kept = s.hints.lock().unwrap().len();
        assert!(kept <= HINTS_KEPT && kept > 0, "{kept}");
    }
}
