//! Administrators' pages: accounts, deadline policies, the holiday calendar, mail,
//! the routing suggestion model.

pub mod accounts;
pub mod apikeys;
pub mod calendar;
pub mod catalog;
pub mod catalog_files;
pub mod deadlines;
pub mod entries;
pub mod entry_kinds;
pub mod home;
pub mod mail;
pub mod routing;

use serde::Deserialize;

/// `?saved=1` after a change was taken.
#[derive(Deserialize)]
pub struct SavedQuery {
    pub(super) saved: Option<String>,
}

impl SavedQuery {
    fn saved(&self) -> bool {
        self.saved.is_some()
    }
}
