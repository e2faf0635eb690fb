//! The monthly review, for leaders and administrators (the register: `service::register`).

use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;

use super::ServiceError;
use super::auth::StaffUser;
use super::figures::{Scope, facts_of, parse_events};
use crate::app::App;
use crate::db::DbConn;
use crate::db::cases::{CaseRecord, cases_for_review, events_of_cases};
use crate::domain::case::{CaseState, Role};
use crate::domain::metrics::{CaseFacts, Period, Review, review, trend};

/// How many months the trend chart shows, ending with the month reviewed.
pub const TREND_MONTHS: u32 = 12;

/// A calendar month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Month {
    pub year: i32,
    pub month: u32,
}

impl Month {
    /// `YYYY-MM`.
    pub fn parse(text: &str) -> Option<Month> {
        let (y, m) = text.trim().split_once('-')?;
        let month = Month {
            year: y.parse().ok()?,
            month: m.parse().ok()?,
        };
        NaiveDate::from_ymd_opt(month.year, month.month, 1).map(|_| month)
    }

    pub fn of(day: NaiveDate) -> Month {
        Month {
            year: day.year(),
            month: day.month(),
        }
    }

    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, 1).unwrap_or_default()
    }

    pub fn next(self) -> Month {
        if self.month == 12 {
            Month {
                year: self.year + 1,
                month: 1,
            }
        } else {
            Month {
                year: self.year,
                month: self.month + 1,
            }
        }
    }

    pub fn previous(self) -> Month {
        if self.month == 1 {
            Month {
                year: self.year - 1,
                month: 12,
            }
        } else {
            Month {
                year: self.year,
                month: self.month - 1,
            }
        }
    }

    pub fn last_day(self) -> NaiveDate {
        self.next().first_day().pred_opt().unwrap_or_default()
    }

    /// The month as instants: local midnight of its first day to that of the next.
    pub fn period(self, tz: Tz) -> Period {
        Period {
            start: local_midnight(self.first_day(), tz),
            end: local_midnight(self.next().first_day(), tz),
        }
    }

    pub fn label(self) -> String {
        format!("{}-{:02}", self.year, self.month)
    }
}

pub(crate) fn local_midnight(day: NaiveDate, tz: Tz) -> DateTime<Utc> {
    tz.from_local_datetime(&day.and_hms_opt(0, 0, 0).unwrap_or_default())
        .earliest()
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_default()
}

pub(crate) fn leaders_only(user: &StaffUser) -> Result<(), ServiceError> {
    if matches!(user.role, Role::Leader | Role::Admin) {
        Ok(())
    } else {
        Err(ServiceError::Forbidden { key: "deny.role" })
    }
}

/// Whether `user` may see `case` in a report: not a report about their own department.
pub(crate) fn visible_to(user: &StaffUser, case: &CaseRecord) -> bool {
    user.department.is_none() || case.concerned_department != user.department
}

fn open_states() -> Vec<String> {
    CaseState::ALL
        .iter()
        .filter(|s| !s.is_terminal())
        .map(|s| s.as_str().to_string())
        .collect()
}

#[derive(Debug, Clone)]
pub struct MonthlyReport {
    pub month: Month,
    pub review: Review,
    /// Oldest first: the month's label, received, answered.
    pub trend: Vec<(String, u32, u32)>,
    /// Reception days in the month: days, places offered, booked, attended.
    pub reception: (i64, i64, i64, i64),
    /// Cases marked as major or urgent matters in the month.
    pub major_matters: i64,
}

/// The review of `month` as of `now`.
/// The month's review of every department (leaders and administrators).
pub async fn month_review(app: &App, user: &StaffUser, month: Month) -> Result<MonthlyReport, ServiceError> {
    leaders_only(user)?;
    let user = user.clone();
    app.read_replica(move |conn, rules, now| {
        let codes: Vec<String> = rules.catalog.departments.iter().map(|d| d.code.clone()).collect();
        monthly(conn, &codes, &user, month, rules.tz, now)
    })
    .await
}

pub fn monthly(
    conn: &mut DbConn,
    departments: &[String],
    user: &StaffUser,
    month: Month,
    tz: Tz,
    now: DateTime<Utc>,
) -> Result<MonthlyReport, ServiceError> {
    leaders_only(user)?;
    monthly_of(conn, departments, &leader_scope(user), month, tz, now)
}

/// What a leader's review leaves out: reports about their own department.
fn leader_scope(user: &StaffUser) -> Scope {
    Scope {
        not_concerning: user.department.clone(),
        without_categories: Vec::new(),
    }
}

/// What the public figures leave out: reports about officials.
fn public_scope(catalog: &crate::domain::catalog::Catalog) -> Scope {
    Scope {
        not_concerning: None,
        without_categories: catalog
            .categories
            .iter()
            .filter(|c| c.supervisor.is_some())
            .map(|c| c.code.clone())
            .collect(),
    }
}

/// How many months back the public figures reach (this month included).
pub const PUBLIC_MONTHS: u32 = 12;

/// The first and the last month the public figures show (the last is this month).
pub fn public_months(app: &App) -> (Month, Month) {
    let this = Month::of(crate::domain::deadline::local_date(app.now(), app.tz));
    let mut earliest = this;
    for _ in 1..PUBLIC_MONTHS {
        earliest = earliest.previous();
    }
    (earliest, this)
}

/// Each department's figures of `month` for the public (`/figures`): the review's
/// definitions, without reports about officials; this month and the eleven before.
pub async fn public_figures(app: &App, month: Month) -> Result<MonthlyReport, ServiceError> {
    let (earliest, this) = public_months(app);
    if month > this || month < earliest {
        return Err(ServiceError::Invalid(
            crate::domain::field_error::FieldErrors::single(
                "month",
                crate::domain::field_error::FieldError::new("err.figures_month")
                    .with("months", PUBLIC_MONTHS),
            ),
        ));
    }
    app.read_replica(move |conn, rules, now| {
        let codes: Vec<String> = rules.catalog.departments.iter().map(|d| d.code.clone()).collect();
        monthly_of(conn, &codes, &public_scope(rules.catalog), month, rules.tz, now)
    })
    .await
}

fn trend_months(month: Month) -> Vec<Month> {
    let mut months = vec![month];
    for _ in 1..TREND_MONTHS {
        let earliest = months[0].previous();
        months.insert(0, earliest);
    }
    months
}

/// The review of `month` within `scope`, from the kept figures.
fn monthly_of(
    conn: &mut DbConn,
    departments: &[String],
    scope: &Scope,
    month: Month,
    tz: Tz,
    now: DateTime<Utc>,
) -> Result<MonthlyReport, ServiceError> {
    let months = trend_months(month);
    let period = month.period(tz);
    let periods: Vec<Period> = months.iter().map(|m| m.period(tz)).collect();
    let counts = super::figures::trend(conn, scope, &periods, tz)?;
    Ok(MonthlyReport {
        month,
        review: super::figures::review(conn, departments, scope, period, tz, now)?,
        trend: labelled(&months, counts),
        reception: crate::db::reception::reception_totals(conn, month.first_day(), month.last_day())?,
        major_matters: crate::db::figures::major_matters(
            conn,
            period.start.naive_utc(),
            period.end.naive_utc(),
        )?,
    })
}

fn labelled(months: &[Month], counts: Vec<(u32, u32)>) -> Vec<(String, u32, u32)> {
    months
        .iter()
        .zip(counts)
        .map(|(m, (received, answered))| (m.label(), received, answered))
        .collect()
}

/// The review of `month` within `scope` counted afresh from the cases and their
/// timelines: the definition the kept figures must match (`huiying figures check`).
pub fn recount(
    conn: &mut DbConn,
    departments: &[String],
    scope: &Scope,
    month: Month,
    tz: Tz,
    now: DateTime<Utc>,
) -> Result<MonthlyReport, ServiceError> {
    let months = trend_months(month);
    let since = months[0].period(tz).start;
    let period = month.period(tz);
    let keeps = |c: &CaseRecord| {
        let about_own = scope.not_concerning.is_some() && c.concerned_department == scope.not_concerning;
        !about_own && !scope.without_categories.contains(&c.category_code)
    };
    let cases: Vec<CaseRecord> =
        cases_for_review(conn, since.naive_utc(), period.end.naive_utc(), open_states())?
            .into_iter()
            .filter(|c| keeps(c))
            .collect();
    let ids: Vec<i64> = cases.iter().map(|c| c.id).collect();
    let events = parse_events(events_of_cases(conn, &ids)?);
    let facts: Vec<CaseFacts> = cases
        .iter()
        .map(|c| facts_of(c, events.get(&c.id).map(Vec::as_slice).unwrap_or_default()))
        .collect();
    let periods: Vec<Period> = months.iter().map(|m| m.period(tz)).collect();
    Ok(MonthlyReport {
        month,
        review: review(&facts, departments, period, now),
        trend: labelled(&months, trend(&facts, &periods)),
        reception: crate::db::reception::reception_totals(conn, month.first_day(), month.last_day())?,
        major_matters: crate::db::cases::count_events(
            conn,
            "marked_major",
            period.start.naive_utc(),
            period.end.naive_utc(),
        )?,
    })
}

/// The scopes a check compares: everyone's and the public's, and with `leaders` each
/// department's leader's.
pub fn scopes(catalog: &crate::domain::catalog::Catalog, leaders: bool) -> Vec<(String, Scope)> {
    let mut scopes = vec![
        ("all".to_string(), Scope::default()),
        ("public".to_string(), public_scope(catalog)),
    ];
    if leaders {
        for d in &catalog.departments {
            let scope = Scope {
                not_concerning: Some(d.code.clone()),
                without_categories: Vec::new(),
            };
            scopes.push((format!("leader of {}", d.code), scope));
        }
    }
    scopes
}

/// Compares the kept figures of `month` with a recount from the timelines in each of
/// `scopes`; names each part that differs (none: they agree).
pub fn check(
    conn: &mut DbConn,
    catalog: &crate::domain::catalog::Catalog,
    scopes: &[(String, Scope)],
    month: Month,
    tz: Tz,
    now: DateTime<Utc>,
) -> Result<Vec<String>, ServiceError> {
    let codes: Vec<String> = catalog.departments.iter().map(|d| d.code.clone()).collect();
    let mut differences = Vec::new();
    for (name, scope) in scopes {
        let kept = monthly_of(conn, &codes, scope, month, tz, now)?;
        let counted = recount(conn, &codes, scope, month, tz, now)?;
        for (kept, counted) in kept.review.departments.iter().zip(&counted.review.departments) {
            if kept != counted {
                differences.push(format!(
                    "{name} {}: kept {kept:?}, counted {counted:?}",
                    counted.department
                ));
            }
        }
        if kept.review.departments.len() != counted.review.departments.len() {
            differences.push(format!("{name}: the departments differ"));
        }
        let parts = [
            (
                "total",
                format!("{:?}", kept.review.total),
                format!("{:?}", counted.review.total),
            ),
            (
                "top categories",
                format!("{:?}", kept.review.top_categories),
                format!("{:?}", counted.review.top_categories),
            ),
            (
                "top areas",
                format!("{:?}", kept.review.top_areas),
                format!("{:?}", counted.review.top_areas),
            ),
            (
                "trend",
                format!("{:?}", kept.trend),
                format!("{:?}", counted.trend),
            ),
            (
                "major matters",
                kept.major_matters.to_string(),
                counted.major_matters.to_string(),
            ),
        ];
        for (part, kept, counted) in parts {
            if kept != counted {
                differences.push(format!("{name} {part}: kept {kept}, counted {counted}"));
            }
        }
    }
    Ok(differences)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_parse_and_step_across_years() {
        let m = Month::parse("2026-12").unwrap();
        assert_eq!(m.next(), Month { year: 2027, month: 1 });
        assert_eq!(
            m.previous(),
            Month {
                year: 2026,
                month: 11
            }
        );
        assert_eq!(Month::parse("2027-01").unwrap().previous(), m);
        assert_eq!(m.last_day(), NaiveDate::from_ymd_opt(2026, 12, 31).unwrap());
        assert_eq!(Month::parse("2026-13"), None);
        assert_eq!(Month::parse("26-1"), Some(Month { year: 26, month: 1 }));
        assert_eq!(Month::parse("november"), None);
        assert_eq!(m.label(), "2026-12");
    }

    #[test]
    fn a_month_runs_from_local_midnight_to_local_midnight() {
        let p = Month::parse("2026-11").unwrap().period(chrono_tz::Asia::Shanghai);
        assert_eq!(p.start.to_rfc3339(), "2026-10-31T16:00:00+00:00");
        assert_eq!(p.end.to_rfc3339(), "2026-11-30T16:00:00+00:00");
    }
}
