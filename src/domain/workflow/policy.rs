//! Each category's deadlines in days, and the defaults from PRODUCT.md.

use crate::domain::catalog::Catalog;

/// A category's deadlines in days (defaults from PRODUCT.md).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Policy {
    pub acceptance_days: u32,
    pub answer_days: u32,
    pub max_extension_days: u32,
    pub review_window_days: u32,
    pub review_answer_days: u32,
    /// Count working days instead of calendar days.
    pub working_days: bool,
}

/// A department may object within this many working days of receiving a case.
pub const OBJECTION_WORKING_DAYS: u32 = 5;

impl Default for Policy {
    fn default() -> Self {
        Policy {
            acceptance_days: 15,
            answer_days: 60,
            max_extension_days: 30,
            review_window_days: 30,
            review_answer_days: 30,
            working_days: false,
        }
    }
}

impl Policy {
    /// Safety hazards and the like: decide within a day, answer within three.
    pub fn urgent() -> Policy {
        Policy {
            acceptance_days: 1,
            answer_days: 3,
            max_extension_days: 3,
            ..Policy::default()
        }
    }
}

/// The policies in force: one per category that has its own, the defaults otherwise.
#[derive(Debug, Clone, PartialEq)]
pub struct Policies {
    pub standard: Policy,
    pub urgent: Policy,
    pub by_category: std::collections::HashMap<String, Policy>,
}

impl Default for Policies {
    fn default() -> Self {
        Policies {
            standard: Policy::default(),
            urgent: Policy::urgent(),
            by_category: Default::default(),
        }
    }
}

impl Policies {
    pub fn for_category(&self, catalog: &Catalog, category: &str) -> &Policy {
        match self.by_category.get(category) {
            Some(policy) => policy,
            None if catalog.category(category).is_some_and(|c| c.urgent) => &self.urgent,
            None => &self.standard,
        }
    }
}
