//! What a liaison has done, as they and their leaders read it: the visit log of an
//! area (matters, not people: who was met only in general terms) and the liaison's own
//! desk (their areas, latest visits, the cases they filed).

use chrono::NaiveDate;

use super::ServiceError;
use super::auth::StaffUser;
use super::ledger::{LedgerCase, line, readable_area};
use crate::app::App;
use crate::domain::permissions::{Duty, may};

/// A page of the visit log.
pub const PAGE: i64 = 50;
/// The desk's latest visits and filed cases.
const DESK_VISITS: i64 = 10;
const DESK_CASES: i64 = 50;

#[derive(Debug, Clone)]
pub struct LoggedVisit {
    pub id: i32,
    pub date: NaiveDate,
    pub area: String,
    pub met: String,
    pub notes: String,
    /// The cases it filed that the reader may know of (never reports about officials).
    pub cases: Vec<LedgerCase>,
    /// Reports about officials it filed, counted only.
    pub withheld: usize,
}

#[derive(Debug, Clone)]
pub struct VisitLog {
    pub area: String,
    pub visits: Vec<LoggedVisit>,
    /// Where the next page starts (`day,id`), when there is one.
    pub next: Option<String>,
}

/// Where a page of the log starts: `YYYY-MM-DD,id` of the last visit shown.
pub fn parse_after(text: &str) -> Option<(NaiveDate, i32)> {
    let (day, id) = text.trim().split_once(',')?;
    Some((NaiveDate::parse_from_str(day, "%Y-%m-%d").ok()?, id.parse().ok()?))
}

fn logged(
    conn: &mut crate::db::DbConn,
    hidden: &[String],
    rows: Vec<crate::db::visits::VisitRow>,
) -> Result<Vec<LoggedVisit>, ServiceError> {
    let ids: Vec<i32> = rows.iter().map(|v| v.id).collect();
    let filed = crate::db::visits::cases_by_visit(conn, &ids)?;
    Ok(rows
        .into_iter()
        .map(|v| {
            let of_visit = filed.iter().filter(|(id, _)| *id == v.id);
            let (shown, withheld): (Vec<_>, Vec<_>) =
                of_visit.partition(|(_, c)| !hidden.contains(&c.category_code));
            LoggedVisit {
                id: v.id,
                date: v.visited_on,
                area: v.area_code,
                met: v.met,
                notes: v.notes,
                cases: shown.into_iter().map(|(_, c)| line(c.clone(), None)).collect(),
                withheld: withheld.len(),
            }
        })
        .collect())
}

/// The visits to `area` (and the areas within it), newest first, a page at a time; or
/// every visit (`all`), for the export.
pub async fn log(
    app: &App,
    user: &StaffUser,
    area: &str,
    after: Option<(NaiveDate, i32)>,
    all: bool,
) -> Result<VisitLog, ServiceError> {
    let (user, area) = (user.clone(), area.to_string());
    app.read(move |conn, rules, _| {
        let areas = readable_area(conn, rules.catalog, &user, &area)?;
        let limit = if all { i64::MAX } else { PAGE + 1 };
        let mut rows = crate::db::visits::log_of(conn, &areas, after, limit)?;
        let more = !all && rows.len() as i64 > PAGE;
        rows.truncate(PAGE.min(rows.len() as i64) as usize);
        let next = rows
            .last()
            .filter(|_| more)
            .map(|v| format!("{},{}", v.visited_on, v.id));
        let visits = logged(conn, &rules.catalog.report_categories(), rows)?;
        Ok(VisitLog { area, visits, next })
    })
    .await
}

/// A liaison's desk: the areas they visit, their latest visits, the cases they filed.
#[derive(Debug, Clone)]
pub struct Desk {
    pub areas: Vec<String>,
    pub visits: Vec<LoggedVisit>,
    pub recorded: Vec<LedgerCase>,
}

pub async fn desk(app: &App, user: &StaffUser) -> Result<Desk, ServiceError> {
    if !may(user.role, Duty::Visit) {
        return Err(ServiceError::Forbidden { key: "deny.role" });
    }
    let user = user.clone();
    app.read(move |conn, rules, _| {
        let hidden = rules.catalog.report_categories();
        let areas = crate::db::users::areas_of(conn, user.id)?;
        let rows = crate::db::visits::of_liaison(conn, user.id, DESK_VISITS)?;
        let visits = logged(conn, &hidden, rows)?;
        let recorded = crate::db::visits::recorded_by(conn, user.id, DESK_CASES)?
            .into_iter()
            .filter(|c| !hidden.contains(&c.category_code))
            .map(|c| line(c, None))
            .collect();
        Ok(Desk {
            areas,
            visits,
            recorded,
        })
    })
    .await
}

/// The areas a liaison may record visits in: theirs and every area within them.
pub async fn reach_of(app: &App, user: &StaffUser) -> Result<Vec<String>, ServiceError> {
    if !may(user.role, Duty::Visit) {
        return Err(ServiceError::Forbidden { key: "deny.role" });
    }
    let id = user.id;
    app.read(move |conn, rules, _| {
        let areas = crate::db::users::areas_of(conn, id)?;
        Ok::<_, ServiceError>(super::visits::reach(rules.catalog, &areas))
    })
    .await
}

/// The areas whose ledger and visit log `user` may read: a liaison's own, or every area
/// for leaders, administrators and the intake office.
pub async fn readable_areas(app: &App, user: &StaffUser) -> Result<Vec<String>, ServiceError> {
    if may(user.role, Duty::Visit) {
        return reach_of(app, user).await;
    }
    if !may(user.role, Duty::ReadLedger) {
        return Err(ServiceError::Forbidden { key: "deny.role" });
    }
    Ok(app
        .catalog()
        .areas
        .iter()
        .filter(|a| a.active)
        .map(|a| a.code.clone())
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_of_the_log_starts_after_a_day_and_an_id() {
        assert_eq!(
            parse_after("2026-11-25,17"),
            Some((NaiveDate::from_ymd_opt(2026, 11, 25).unwrap(), 17))
        );
        for bad in ["", "2026-11-25", "2026-13-01,1", "2026-11-25,x", ",3"] {
            assert_eq!(parse_after(bad), None, "{bad}");
        }
    }
}
