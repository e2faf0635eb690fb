//! A liaison's visits (走访): the village visited, who was met in general terms, what was
//! raised, and each problem filed as a case for the residents (channel `visit`), all in
//! one transaction: a visit is stored with all its cases or not at all.

use chrono::NaiveDate;

use super::ServiceError;
use super::auth::StaffUser;
use super::file_case::{FilingOptions, file_case};
use crate::app::App;
use crate::domain::case::Channel;
use crate::domain::catalog::Catalog;
use crate::domain::field_error::{FieldError, FieldErrors};
use crate::domain::new_case::{CaseInput, NewCase};
use crate::domain::permissions::{Duty, may};

/// Who was met is said in general terms ("村民代表五人"), never as a list of people.
const MET_MAX_CHARS: usize = 200;
const NOTES_MAX_CHARS: usize = 2000;
/// At most this many cases from one visit.
pub const MAX_CASES: usize = 20;

/// A visit as typed: `cases` are new-case bodies, as for `POST /api/v1/cases` (a case's
/// area defaults to the visit's).
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct VisitInput {
    /// The area visited: one of the liaison's, or within one.
    pub area: String,
    /// `YYYY-MM-DD`, not in the future.
    pub date: String,
    /// Who was met, in general terms (村民代表五人, 网格员): matters, not people.
    pub met: String,
    /// What was raised; required when no case is filed ("nothing raised").
    pub notes: String,
    pub cases: Vec<CaseInput>,
}

/// A filed case of a visit.
#[derive(Debug, Clone)]
pub struct VisitCase {
    pub tracking_number: String,
    pub department: String,
}

#[derive(Debug, Clone)]
pub struct Recorded {
    pub id: i32,
    pub cases: Vec<VisitCase>,
}

/// The liaison's areas, with every area within them.
pub fn reach(catalog: &Catalog, areas: &[String]) -> Vec<String> {
    let mut all: Vec<String> = areas.iter().flat_map(|a| catalog.subtree(a)).collect();
    all.sort();
    all.dedup();
    all
}

fn chars_between(errors: &mut FieldErrors, field: &str, text: &str, min: usize, max: usize) {
    let n = text.trim().chars().count();
    if n < min {
        errors.add(field, FieldError::new("err.required"));
    } else if n > max {
        errors.add(
            field,
            FieldError::new("err.too_long").with("max", max).with("count", n),
        );
    }
}

/// Checks a visit and its cases: every problem of every case at once, named
/// `cases[i].field`.
fn parse(
    input: &VisitInput,
    catalog: &Catalog,
    reach: &[String],
    today: NaiveDate,
    locale: crate::domain::locale::Locale,
) -> Result<(NaiveDate, Vec<NewCase>), FieldErrors> {
    let mut errors = FieldErrors::new();
    let area = input.area.trim();
    if !reach.iter().any(|a| a == area) {
        errors.add("area", FieldError::new("err.not_your_area"));
    }
    let day = match NaiveDate::parse_from_str(input.date.trim(), "%Y-%m-%d") {
        Ok(day) if day > today => {
            errors.add("date", FieldError::new("err.date_future"));
            None
        }
        Ok(day) => Some(day),
        Err(_) => {
            errors.add("date", FieldError::new("err.date"));
            None
        }
    };
    chars_between(&mut errors, "met", &input.met, 1, MET_MAX_CHARS);
    let min_notes = usize::from(input.cases.is_empty());
    chars_between(&mut errors, "notes", &input.notes, min_notes, NOTES_MAX_CHARS);
    if input.cases.len() > MAX_CASES {
        errors.add(
            "cases",
            FieldError::new("err.too_many_cases").with("max", MAX_CASES),
        );
    }
    let mut cases = Vec::new();
    for (i, case) in input.cases.iter().enumerate() {
        let mut case = case.clone();
        if case.area.trim().is_empty() {
            case.area = area.to_string();
        }
        if !reach.iter().any(|a| a == case.area.trim()) {
            errors.add(format!("cases[{i}].area"), FieldError::new("err.not_your_area"));
        }
        match NewCase::parse(&case, catalog, locale, Channel::Visit) {
            Ok(parsed) => cases.push(parsed),
            Err(found) => {
                for (field, e) in found.iter() {
                    errors.add(format!("cases[{i}].{field}"), e.clone());
                }
            }
        }
    }
    match day {
        Some(day) if errors.is_empty() => Ok((day, cases)),
        _ => Err(errors),
    }
}

/// Records a visit by a liaison, with the cases it files.
pub async fn record(app: &App, user: &StaffUser, input: VisitInput) -> Result<Recorded, ServiceError> {
    if !may(user.role, Duty::Visit) {
        return Err(ServiceError::Forbidden { key: "deny.role" });
    }
    let (sealer, db, user) = (app.sealer.clone(), app.db.clone(), user.clone());
    let locale = user.locale;
    app.write(move |conn, rules, now| {
        let catalog = rules.catalog;
        let areas = crate::db::users::areas_of(conn, user.id)?;
        let reach = reach(catalog, &areas);
        let today = crate::domain::deadline::local_date(now, rules.tz);
        let (day, cases) = parse(&input, catalog, &reach, today, locale).map_err(ServiceError::Invalid)?;
        let id = crate::db::visits::insert(
            conn,
            &crate::db::visits::NewVisit {
                area_code: input.area.trim(),
                visited_on: day,
                met: input.met.trim(),
                notes: input.notes.trim(),
                liaison_id: user.id,
                created_at: now.naive_utc(),
            },
        )?;
        let mut filed = Vec::new();
        for mut case in cases {
            case.recorded_by = Some(user.id);
            let done = file_case(
                conn,
                db.case_ids(),
                rules,
                &sealer,
                &case,
                &FilingOptions::default(),
                now,
            )?;
            crate::db::visits::link_case(conn, id, done.id)?;
            filed.push(VisitCase {
                tracking_number: done.tracking_number.to_string(),
                department: done.department.code,
            });
        }
        tracing::info!(visit = id, area = %input.area.trim(), cases = filed.len(), "visit recorded");
        Ok(Recorded { id, cases: filed })
    })
    .await
}

/// A village as the leader's desk shows it: when it was last visited, what is overdue.
#[derive(Debug, Clone)]
pub struct VillageCoverage {
    pub code: String,
    pub name: String,
    pub last_visit: Option<NaiveDate>,
    pub overdue: i64,
}

#[derive(Debug, Clone)]
pub struct TownCoverage {
    pub name: String,
    pub villages: Vec<VillageCoverage>,
}

/// Per town, each village's last visit and overdue cases, so no village is forgotten
/// (leaders and administrators).
pub async fn coverage(app: &App, user: &StaffUser) -> Result<Vec<TownCoverage>, ServiceError> {
    if !may(user.role, Duty::Review) {
        return Err(ServiceError::Forbidden { key: "deny.role" });
    }
    let locale = user.locale;
    app.read(move |conn, rules, now| {
        let catalog = rules.catalog;
        let towns: Vec<_> = catalog
            .areas
            .iter()
            .filter(|a| a.active && a.level == 2)
            .collect();
        let villages: Vec<String> = catalog
            .areas
            .iter()
            .filter(|a| a.active && a.level == 3)
            .map(|a| a.code.clone())
            .collect();
        let hidden = catalog.report_categories();
        let states: Vec<&str> = crate::domain::case::CaseState::ALL
            .iter()
            .filter(|s| s.awaits_department())
            .map(|s| s.as_str())
            .collect();
        let last = crate::db::visits::last_visits(conn, &villages)?;
        let overdue = crate::db::visits::overdue_by_area(conn, &villages, &states, &hidden, now.naive_utc())?;
        Ok(towns
            .into_iter()
            .map(|town| TownCoverage {
                name: town.names.get(locale).to_string(),
                villages: catalog
                    .areas
                    .iter()
                    .filter(|a| a.active && a.parent_code.as_deref() == Some(town.code.as_str()))
                    .map(|v| VillageCoverage {
                        code: v.code.clone(),
                        name: v.names.get(locale).to_string(),
                        last_visit: last.get(&v.code).copied(),
                        overdue: overdue.get(&v.code).copied().unwrap_or(0),
                    })
                    .collect(),
            })
            .collect())
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_visit_needs_its_area_a_past_date_who_was_met_and_what_was_raised() {
        let catalog = crate::service::demo::catalog_for_tests();
        let reach = vec!["LJ-QS".to_string(), "LJ-QS-TX".to_string()];
        let today = NaiveDate::from_ymd_opt(2026, 12, 2).unwrap();
        let empty = VisitInput::default();
        let errors = parse(&empty, &catalog, &reach, today, Default::default()).unwrap_err();
        for field in ["area", "date", "met", "notes"] {
            assert!(errors.iter().any(|(f, _)| f == field), "{field}");
        }
        let nothing_raised = VisitInput {
            area: "LJ-QS-TX".into(),
            date: "2026-12-01".into(),
            met: "村民代表五人".into(),
            notes: "无新情况反映。".into(),
            cases: vec![],
        };
        assert!(parse(&nothing_raised, &catalog, &reach, today, Default::default()).is_ok());
        let elsewhere = VisitInput {
            area: "LJ-CG-DM".into(),
            date: "2026-12-03".into(),
            ..nothing_raised.clone()
        };
        let errors = parse(&elsewhere, &catalog, &reach, today, Default::default()).unwrap_err();
        assert!(
            errors
                .iter()
                .any(|(f, e)| f == "area" && e.key == "err.not_your_area")
        );
        assert!(
            errors
                .iter()
                .any(|(f, e)| f == "date" && e.key == "err.date_future")
        );
        let long = VisitInput {
            met: "人".repeat(MET_MAX_CHARS + 1),
            ..nothing_raised
        };
        let errors = parse(&long, &catalog, &reach, today, Default::default()).unwrap_err();
        assert!(errors.iter().any(|(f, _)| f == "met"), "lengths in characters");
    }
}
