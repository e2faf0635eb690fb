//! Deadline policies and the holiday calendar.

use chrono::NaiveDate;
use diesel::prelude::*;

use super::conn::{DbConn, DbError};
use super::schema::{calendar_holidays, calendar_workdays, deadline_policies};
use crate::domain::calendar::{Calendar, CalendarError, Holiday};
use crate::domain::workflow::Policy;

type PolicyRow = (String, i32, i32, i32, i32, i32, bool);

fn to_policy(r: &PolicyRow) -> Policy {
    let days = |v: i32| v.max(0) as u32;
    Policy {
        acceptance_days: days(r.1),
        answer_days: days(r.2),
        max_extension_days: days(r.3),
        review_window_days: days(r.4),
        review_answer_days: days(r.5),
        working_days: r.6,
    }
}

pub fn load_policies(conn: &mut DbConn) -> Result<Vec<(String, Policy)>, DbError> {
    let rows: Vec<PolicyRow> = deadline_policies::table
        .select((
            deadline_policies::category_code,
            deadline_policies::acceptance_days,
            deadline_policies::answer_days,
            deadline_policies::max_extension_days,
            deadline_policies::review_window_days,
            deadline_policies::review_answer_days,
            deadline_policies::working_days,
        ))
        .load(conn)?;
    Ok(rows.iter().map(|r| (r.0.clone(), to_policy(r))).collect())
}

/// Sets a category's own policy (replacing any earlier one).
pub fn save_policy(conn: &mut DbConn, category: &str, p: &Policy) -> Result<(), DbError> {
    diesel::delete(deadline_policies::table.filter(deadline_policies::category_code.eq(category)))
        .execute(conn)?;
    diesel::insert_into(deadline_policies::table)
        .values((
            deadline_policies::category_code.eq(category),
            deadline_policies::acceptance_days.eq(p.acceptance_days as i32),
            deadline_policies::answer_days.eq(p.answer_days as i32),
            deadline_policies::max_extension_days.eq(p.max_extension_days as i32),
            deadline_policies::review_window_days.eq(p.review_window_days as i32),
            deadline_policies::review_answer_days.eq(p.review_answer_days as i32),
            deadline_policies::working_days.eq(p.working_days),
        ))
        .execute(conn)?;
    Ok(())
}

/// Returns a category to the defaults.
pub fn delete_policy(conn: &mut DbConn, category: &str) -> Result<(), DbError> {
    diesel::delete(deadline_policies::table.filter(deadline_policies::category_code.eq(category)))
        .execute(conn)?;
    Ok(())
}

#[derive(Debug, thiserror::Error)]
pub enum LoadCalendarError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("the stored calendar is inconsistent: {0}")]
    Invalid(#[from] CalendarError),
}

pub fn load_calendar(conn: &mut DbConn) -> Result<Calendar, LoadCalendarError> {
    let holidays: Vec<(i32, NaiveDate, NaiveDate, String)> = calendar_holidays::table
        .order((calendar_holidays::year, calendar_holidays::first_day))
        .select((
            calendar_holidays::year,
            calendar_holidays::first_day,
            calendar_holidays::last_day,
            calendar_holidays::name,
        ))
        .load(conn)
        .map_err(DbError::from)?;
    let workdays: Vec<(i32, NaiveDate)> = calendar_workdays::table
        .order(calendar_workdays::day)
        .select((calendar_workdays::year, calendar_workdays::day))
        .load(conn)
        .map_err(DbError::from)?;
    let mut years: Vec<i32> = holidays
        .iter()
        .map(|h| h.0)
        .chain(workdays.iter().map(|w| w.0))
        .collect();
    years.sort_unstable();
    years.dedup();
    let mut calendar = Calendar::default();
    for year in years {
        let rest = holidays
            .iter()
            .filter(|h| h.0 == year)
            .map(|(_, first, last, name)| Holiday {
                first: *first,
                last: *last,
                name: name.clone(),
            })
            .collect();
        let work = workdays.iter().filter(|w| w.0 == year).map(|w| w.1).collect();
        calendar.set_year(year, rest, work)?;
    }
    Ok(calendar)
}

/// Replaces what the database holds for each year `calendar` has.
pub fn save_calendar_years(conn: &mut DbConn, calendar: &Calendar) -> Result<usize, DbError> {
    let mut written = 0;
    for year in calendar.years().collect::<Vec<_>>() {
        diesel::delete(calendar_holidays::table.filter(calendar_holidays::year.eq(year))).execute(conn)?;
        diesel::delete(calendar_workdays::table.filter(calendar_workdays::year.eq(year))).execute(conn)?;
        for h in calendar.holidays(year) {
            diesel::insert_into(calendar_holidays::table)
                .values((
                    calendar_holidays::year.eq(year),
                    calendar_holidays::first_day.eq(h.first),
                    calendar_holidays::last_day.eq(h.last),
                    calendar_holidays::name.eq(&h.name),
                ))
                .execute(conn)?;
        }
        for day in calendar.makeup_days(year) {
            diesel::insert_into(calendar_workdays::table)
                .values((calendar_workdays::day.eq(day), calendar_workdays::year.eq(year)))
                .execute(conn)?;
        }
        written += 1;
    }
    Ok(written)
}

pub fn delete_calendar_year(conn: &mut DbConn, year: i32) -> Result<(), DbError> {
    diesel::delete(calendar_holidays::table.filter(calendar_holidays::year.eq(year))).execute(conn)?;
    diesel::delete(calendar_workdays::table.filter(calendar_workdays::year.eq(year))).execute(conn)?;
    Ok(())
}

pub fn calendar_is_empty(conn: &mut DbConn) -> Result<bool, DbError> {
    let holidays: i64 = calendar_holidays::table.count().get_result(conn)?;
    let workdays: i64 = calendar_workdays::table.count().get_result(conn)?;
    Ok(holidays == 0 && workdays == 0)
}
