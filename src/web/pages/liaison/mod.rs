//! The liaison's pages: their desk, a visit recorded on the spot (made for a phone), and
//! an area's visit log with its export. Matters only: who was met is said in general
//! terms, and reports about officials are never listed.

mod home;
mod log;
mod visit;

pub use home::desk;
pub use log::{export, visits};
pub use visit::{record_visit, visit_form};

use chrono_tz::Tz;

use crate::domain::case::CaseState;
use crate::domain::catalog::Catalog;
use crate::format::{area_path_name, category_name, date, department_name, local_day, state_name};
use crate::i18n::Tr;
use crate::service::ledger::LedgerCase;
use crate::service::visit_log::LoggedVisit;

/// A case as the liaison's pages list it.
pub struct CaseLine {
    pub number: String,
    pub category: String,
    pub area: String,
    pub department: String,
    pub state: String,
    pub due: Option<String>,
    pub overdue: bool,
}

pub fn case_line(
    tr: Tr,
    catalog: &Catalog,
    tz: Tz,
    now: chrono::DateTime<chrono::Utc>,
    c: &LedgerCase,
) -> CaseLine {
    let locale = tr.locale();
    let state = CaseState::parse(&c.state);
    CaseLine {
        number: c.tracking_number.clone(),
        category: category_name(catalog, locale, &c.category),
        area: area_path_name(catalog, locale, &c.area),
        department: department_name(catalog, locale, &c.department),
        state: state.map(|s| state_name(tr, s)).unwrap_or_default().to_string(),
        due: c.due_at.map(|d| date(locale, d, tz)),
        overdue: state.is_some_and(|s| s.awaits_department()) && c.due_at.is_some_and(|d| d < now),
    }
}

/// A visit as its log lists it.
pub struct VisitLine {
    pub id: i32,
    pub date: String,
    pub area: String,
    pub met: String,
    pub notes: String,
    pub cases: Vec<CaseLine>,
    /// Reports about officials it filed: counted, not listed.
    pub withheld: usize,
}

pub fn visit_line(
    tr: Tr,
    catalog: &Catalog,
    tz: Tz,
    now: chrono::DateTime<chrono::Utc>,
    v: &LoggedVisit,
) -> VisitLine {
    VisitLine {
        id: v.id,
        date: local_day(tr.locale(), v.date),
        area: area_path_name(catalog, tr.locale(), &v.area),
        met: v.met.clone(),
        notes: v.notes.clone(),
        cases: v
            .cases
            .iter()
            .map(|c| case_line(tr, catalog, tz, now, c))
            .collect(),
        withheld: v.withheld,
    }
}
