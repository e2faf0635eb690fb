//! A liaison's ledger (台账) of an area and a month: the visits, the cases they filed,
//! the mediations and how they ended, and the area's cases still open with their
//! deadlines. Matters only: no resident's identity, as the register.

use chrono::{DateTime, NaiveDate, Utc};

use super::ServiceError;
use super::auth::StaffUser;
use super::reports::Month;
use crate::app::App;
use crate::domain::case::CaseState;
use crate::domain::permissions::{Duty, may};

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct LedgerVisit {
    pub date: NaiveDate,
    pub area: String,
    pub met: String,
    pub notes: String,
    /// Cases filed from it.
    pub cases: i64,
}

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct LedgerCase {
    pub tracking_number: String,
    pub category: String,
    pub area: String,
    pub department: String,
    pub state: String,
    pub submitted_at: DateTime<Utc>,
    pub due_at: Option<DateTime<Utc>>,
    /// `mediated` or `mediation_failed`, for a mediation of the month.
    pub mediation: Option<String>,
}

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Ledger {
    pub area: String,
    /// `YYYY-MM`.
    pub month: String,
    pub visits: Vec<LedgerVisit>,
    /// The cases the month's visits filed.
    pub recorded: Vec<LedgerCase>,
    pub mediations_agreed: usize,
    pub mediations_failed: usize,
    /// The mediations of the month, by case.
    pub mediations: Vec<LedgerCase>,
    /// The area's cases still open, soonest deadline first.
    pub open: Vec<LedgerCase>,
}

pub(super) fn line(r: crate::db::visits::LedgerCaseRow, mediation: Option<String>) -> LedgerCase {
    LedgerCase {
        tracking_number: r.tracking_number,
        category: r.category_code,
        area: r.area_code,
        department: r.department_code,
        state: r.state,
        submitted_at: r.submitted_at.and_utc(),
        due_at: r.due_at.map(|d| d.and_utc()),
        mediation,
    }
}

/// The areas a ledger or visit log of `area` covers (it and the areas within it), if
/// `user` may read it: a liaison their own areas, leaders, administrators and the intake
/// office any.
pub fn readable_area(
    conn: &mut crate::db::DbConn,
    catalog: &crate::domain::catalog::Catalog,
    user: &StaffUser,
    area: &str,
) -> Result<Vec<String>, ServiceError> {
    if !may(user.role, Duty::ReadLedger) {
        return Err(ServiceError::Forbidden { key: "deny.role" });
    }
    if catalog.area(area).is_none() {
        return Err(ServiceError::Invalid(
            crate::domain::field_error::FieldErrors::single(
                "area",
                crate::domain::field_error::FieldError::new("err.unknown_area"),
            ),
        ));
    }
    if user.role == crate::domain::case::Role::Liaison {
        let mine = super::visits::reach(catalog, &crate::db::users::areas_of(conn, user.id)?);
        if !mine.iter().any(|a| a == area) {
            return Err(ServiceError::Forbidden {
                key: "deny.not_your_area",
            });
        }
    }
    Ok(catalog.subtree(area))
}

/// The ledger of `area` (with the areas within it) for `month`: a liaison's own areas,
/// or any for leaders, administrators and the intake office.
pub async fn of_month(app: &App, user: &StaffUser, area: &str, month: Month) -> Result<Ledger, ServiceError> {
    let hidden = app.catalog().report_categories();
    let (user, area) = (user.clone(), area.to_string());
    let tz = app.tz;
    app.read(move |conn, rules, _| {
        let areas = readable_area(conn, rules.catalog, &user, &area)?;
        let (first, last) = (month.first_day(), month.last_day());
        let visits = crate::db::visits::in_areas(conn, &areas, first, last)?;
        let ids: Vec<i32> = visits.iter().map(|v| v.id).collect();
        let counts = crate::db::visits::case_counts(conn, &ids)?;
        let recorded = crate::db::visits::cases_of_visits(conn, &ids)?
            .into_iter()
            .filter(|c| !hidden.contains(&c.category_code))
            .map(|c| line(c, None))
            .collect();
        let start = super::reports::local_midnight(first, tz);
        let end = super::reports::local_midnight(last + chrono::Duration::days(1), tz);
        let mediated = crate::db::visits::mediations_in(conn, &areas, start.naive_utc(), end.naive_utc())?;
        let mediated_ids: Vec<i64> = mediated.iter().map(|(id, _)| *id).collect();
        let states: Vec<&str> = CaseState::ALL
            .iter()
            .filter(|s| !s.is_terminal() && **s != CaseState::Unconfirmed)
            .map(|s| s.as_str())
            .collect();
        let open_rows = crate::db::visits::open_in(conn, &areas, &states, &hidden)?;
        let mediations = crate::db::visits::cases_by_id(conn, &mediated_ids)?
            .into_iter()
            .filter_map(|c| {
                let kind = mediated.iter().rev().find(|(id, _)| *id == c.id)?.1.clone();
                Some(line(c, Some(kind)))
            })
            .collect::<Vec<_>>();
        Ok(Ledger {
            month: month.label(),
            visits: visits
                .into_iter()
                .map(|v| LedgerVisit {
                    cases: counts.get(&v.id).copied().unwrap_or(0),
                    date: v.visited_on,
                    area: v.area_code,
                    met: v.met,
                    notes: v.notes,
                })
                .collect(),
            recorded,
            mediations_agreed: mediated.iter().filter(|(_, k)| k == "mediated").count(),
            mediations_failed: mediated.iter().filter(|(_, k)| k == "mediation_failed").count(),
            mediations,
            open: open_rows.into_iter().map(|c| line(c, None)).collect(),
            area,
        })
    })
    .await
}
