//! The monthly review and the case register (台账), for leaders and administrators.

use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;

use super::ServiceError;
use super::auth::StaffUser;
use super::figures::{Scope, facts_of, parse_events};
use crate::app::App;
use crate::db::DbConn;
use crate::db::cases::{CaseRecord, cases_filed_between, cases_for_review, events_of_cases};
use crate::domain::case::{CaseState, Outcome, Rating, Role};
use crate::domain::field_error::{FieldError, FieldErrors};
use crate::domain::metrics::{CaseFacts, Period, Review, review, trend};

/// How many months the trend chart shows, ending with the month reviewed.
pub const TREND_MONTHS: u32 = 12;
/// The register covers at most this many days at once.
pub const REGISTER_MAX_DAYS: i64 = 366;

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

fn leaders_only(user: &StaffUser) -> Result<(), ServiceError> {
    if matches!(user.role, Role::Leader | Role::Admin) {
        Ok(())
    } else {
        Err(ServiceError::Forbidden { key: "deny.role" })
    }
}

/// Whether `user` may see `case` in a report: not a report about their own department.
fn visible_to(user: &StaffUser, case: &CaseRecord) -> bool {
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
    app.read(move |conn, rules, now| {
        let codes: Vec<String> = rules.catalog.departments.iter().map(|d| d.code.clone()).collect();
        monthly(conn, &codes, &user, month, rules.tz, now)
    })
    .await
}

/// The register of cases filed from `from` to `to` (leaders and administrators).
pub async fn register_of(
    app: &App,
    user: &StaffUser,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<RegisterRow>, ServiceError> {
    leaders_only(user)?;
    let user = user.clone();
    app.read(move |conn, rules, now| register(conn, &user, from, to, rules.tz, now))
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
    app.read(move |conn, rules, now| {
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

/// One line of the case register.
#[derive(Debug, Clone)]
pub struct RegisterRow {
    pub tracking_number: String,
    pub submitted_at: DateTime<Utc>,
    pub channel: String,
    pub category: String,
    pub area: String,
    pub department: String,
    pub title: String,
    pub state: String,
    pub confidential: bool,
    pub acceptance_due_at: Option<DateTime<Utc>>,
    pub accepted_at: Option<DateTime<Utc>>,
    pub answer_due_at: Option<DateTime<Utc>>,
    pub answered_at: Option<DateTime<Utc>>,
    pub outcome: Option<Outcome>,
    pub rating: Option<Rating>,
    pub ended_at: Option<DateTime<Utc>>,
    /// Answered late, or open past its deadline now.
    pub overdue: bool,
    pub supports: i64,
}

/// Parses a register's date range (local dates, both inclusive).
pub fn register_range(from: &str, to: &str) -> Result<(NaiveDate, NaiveDate), ServiceError> {
    let mut errors = FieldErrors::new();
    let from = errors.check(
        "from",
        NaiveDate::parse_from_str(from.trim(), "%Y-%m-%d").map_err(|_| FieldError::new("err.date")),
    );
    let to = errors.check(
        "to",
        NaiveDate::parse_from_str(to.trim(), "%Y-%m-%d").map_err(|_| FieldError::new("err.date")),
    );
    match (from, to) {
        (Some(from), Some(to)) if to < from => errors.add("to", FieldError::new("err.date_order")),
        (Some(from), Some(to)) if (to - from).num_days() >= REGISTER_MAX_DAYS => errors.add(
            "to",
            FieldError::new("err.range_too_long").with("days", REGISTER_MAX_DAYS),
        ),
        (Some(from), Some(to)) => return Ok((from, to)),
        _ => {}
    }
    Err(ServiceError::Invalid(errors))
}

/// The cases filed between two local dates (inclusive), one row each. No resident's
/// identity appears in it, whoever exports it.
pub fn register(
    conn: &mut DbConn,
    user: &StaffUser,
    from: NaiveDate,
    to: NaiveDate,
    tz: Tz,
    now: DateTime<Utc>,
) -> Result<Vec<RegisterRow>, ServiceError> {
    leaders_only(user)?;
    let until = local_midnight(to.succ_opt().unwrap_or(to), tz);
    let cases: Vec<CaseRecord> =
        cases_filed_between(conn, local_midnight(from, tz).naive_utc(), until.naive_utc())?
            .into_iter()
            .filter(|c| visible_to(user, c))
            .collect();
    let ids: Vec<i64> = cases.iter().map(|c| c.id).collect();
    let events = parse_events(events_of_cases(conn, &ids)?);
    let supports = crate::db::residents::support_counts(conn, &ids)?;
    Ok(cases
        .into_iter()
        .map(|case| {
            let facts = facts_of(&case, events.get(&case.id).map(Vec::as_slice).unwrap_or_default());
            let late_answer = matches!((facts.answered_at, facts.answer_due_at), (Some(a), Some(d)) if a > d);
            let overdue_now = facts.open_due_at.is_some_and(|d| d < now);
            RegisterRow {
                supports: supports.get(&case.id).copied().unwrap_or(0),
                tracking_number: case.tracking_number,
                submitted_at: facts.submitted_at,
                channel: case.channel,
                category: case.category_code,
                area: case.area_code,
                department: case.department_code,
                title: case.title,
                state: case.state,
                confidential: case.confidential,
                acceptance_due_at: facts.acceptance_due_at,
                accepted_at: facts.accepted_at,
                answer_due_at: facts.answer_due_at.or(case.answer_due_at.map(|d| d.and_utc())),
                answered_at: facts.answered_at,
                outcome: facts.outcome,
                rating: facts.rated.map(|(_, r)| r),
                ended_at: facts.ended_at,
                overdue: late_answer || overdue_now,
            }
        })
        .collect())
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

    #[test]
    fn register_ranges_are_checked() {
        assert!(register_range("2026-11-01", "2026-11-30").is_ok());
        assert!(matches!(
            register_range("2026-11-30", "2026-11-01"),
            Err(ServiceError::Invalid(_))
        ));
        assert!(matches!(
            register_range("2025-01-01", "2026-11-30"),
            Err(ServiceError::Invalid(_))
        ));
        assert!(matches!(
            register_range("yesterday", "2026-11-30"),
            Err(ServiceError::Invalid(_))
        ));
    }
}
