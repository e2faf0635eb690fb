//! Deadline policies and the holiday calendar as the deployment keeps them: loaded at
//! start-up (the calendar seeded from the official schedules this build ships), edited by
//! administrators, imported from a file.

use super::ServiceError;
use super::auth::StaffUser;
use crate::app::App;
use crate::db::DbConn;
use crate::db::deadlines::{
    calendar_is_empty, delete_calendar_year, delete_policy, load_calendar, load_policies,
    save_calendar_years, save_policy,
};
use crate::domain::calendar::{Calendar, official};
use crate::domain::case::Role;
use crate::domain::catalog::Catalog;
use crate::domain::field_error::{FieldError, FieldErrors};
use crate::domain::workflow::{Policies, Policy};

fn admin(user: Option<&StaffUser>) -> Result<(), ServiceError> {
    match user {
        None => Ok(()),
        Some(u) if u.role == Role::Admin => Ok(()),
        Some(_) => Err(ServiceError::Forbidden { key: "deny.role" }),
    }
}

/// Fills an empty calendar with the shipped schedules. Call inside a write transaction.
pub fn seed_calendar(conn: &mut DbConn) -> Result<bool, ServiceError> {
    if calendar_is_empty(conn)? {
        save_calendar_years(conn, &official())?;
        return Ok(true);
    }
    Ok(false)
}

/// The policies and calendar in force.
pub fn load(conn: &mut DbConn) -> Result<(Policies, Calendar), ServiceError> {
    let policies = Policies {
        by_category: load_policies(conn)?.into_iter().collect(),
        ..Policies::default()
    };
    let calendar = load_calendar(conn).map_err(|e| ServiceError::Internal(e.to_string()))?;
    Ok((policies, calendar))
}

/// A policy as typed in the admin form.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct PolicyInput {
    pub acceptance_days: String,
    pub answer_days: String,
    pub max_extension_days: String,
    pub review_window_days: String,
    pub review_answer_days: String,
    pub working_days: Option<String>,
}

impl PolicyInput {
    pub fn of(p: &Policy) -> PolicyInput {
        PolicyInput {
            acceptance_days: p.acceptance_days.to_string(),
            answer_days: p.answer_days.to_string(),
            max_extension_days: p.max_extension_days.to_string(),
            review_window_days: p.review_window_days.to_string(),
            review_answer_days: p.review_answer_days.to_string(),
            working_days: p.working_days.then(|| "on".into()),
        }
    }

    pub fn parse(&self) -> Result<Policy, FieldErrors> {
        let mut errors = FieldErrors::new();
        let mut days = |field: &str, raw: &str, min: u32| -> u32 {
            match raw.trim().parse::<u32>() {
                Ok(n) if (min..=365).contains(&n) => n,
                _ => {
                    errors.add(
                        field,
                        FieldError::new("err.range").with("min", min).with("max", 365),
                    );
                    0
                }
            }
        };
        let policy = Policy {
            acceptance_days: days("acceptance_days", &self.acceptance_days, 1),
            answer_days: days("answer_days", &self.answer_days, 1),
            max_extension_days: days("max_extension_days", &self.max_extension_days, 0),
            review_window_days: days("review_window_days", &self.review_window_days, 1),
            review_answer_days: days("review_answer_days", &self.review_answer_days, 1),
            working_days: self.working_days.is_some(),
        };
        if errors.is_empty() {
            Ok(policy)
        } else {
            Err(errors)
        }
    }
}

/// The rules in force, as administrators review them.
pub struct InForce {
    pub catalog: std::sync::Arc<Catalog>,
    pub policies: std::sync::Arc<Policies>,
    pub calendar: std::sync::Arc<Calendar>,
}

pub fn in_force(app: &App, user: &StaffUser) -> Result<InForce, ServiceError> {
    admin(Some(user))?;
    Ok(InForce {
        catalog: app.catalog(),
        policies: app.policies(),
        calendar: app.calendar(),
    })
}

/// Reloads the deadline policies and the calendar into this instance (others reload
/// within a minute, in their background loop).
pub async fn reload(app: &App) -> Result<(), ServiceError> {
    let (policies, calendar) = app.read(|conn, _, _| load(conn)).await?;
    app.replace_policies(policies);
    app.replace_calendar(calendar);
    Ok(())
}

/// Gives a category its own policy, or (`None`) takes it back to the defaults
/// (administrators); in force at once.
pub async fn change_policy(
    app: &App,
    user: &StaffUser,
    category: &str,
    policy: Option<Policy>,
) -> Result<(), ServiceError> {
    let (user, category) = (user.clone(), category.to_string());
    app.write(move |conn, rules, _| set_policy(conn, rules.catalog, Some(&user), &category, policy.as_ref()))
        .await?;
    reload(app).await
}

/// Imports a holiday calendar (administrators); in force at once. Returns its years.
pub async fn import(app: &App, user: &StaffUser, text: &str) -> Result<Vec<i32>, ServiceError> {
    let (user, text) = (user.clone(), text.to_string());
    let years = app
        .write(move |conn, _, _| import_calendar(conn, Some(&user), &text))
        .await?;
    reload(app).await?;
    Ok(years)
}

/// Gives a category its own policy (`None`: back to the defaults).
pub fn set_policy(
    conn: &mut DbConn,
    catalog: &Catalog,
    user: Option<&StaffUser>,
    category: &str,
    policy: Option<&Policy>,
) -> Result<(), ServiceError> {
    admin(user)?;
    if catalog.category(category).is_none() {
        return Err(ServiceError::NotFound);
    }
    match policy {
        Some(p) => save_policy(conn, category, p)?,
        None => delete_policy(conn, category)?,
    }
    tracing::info!(category, "deadline policy changed");
    Ok(())
}

/// Replaces the years a calendar file has with what it says; returns them.
pub fn import_calendar(
    conn: &mut DbConn,
    user: Option<&StaffUser>,
    text: &str,
) -> Result<Vec<i32>, ServiceError> {
    admin(user)?;
    let calendar = Calendar::from_toml(text).map_err(|e| {
        ServiceError::Invalid(FieldErrors::single(
            "calendar",
            FieldError::new("err.calendar").with("detail", e.to_string()),
        ))
    })?;
    let years: Vec<i32> = calendar.years().collect();
    if years.is_empty() {
        return Err(ServiceError::Invalid(FieldErrors::single(
            "calendar",
            FieldError::new("err.calendar_empty"),
        )));
    }
    save_calendar_years(conn, &calendar)?;
    tracing::info!(?years, "holiday calendar imported");
    Ok(years)
}

pub fn remove_calendar_year(conn: &mut DbConn, user: &StaffUser, year: i32) -> Result<(), ServiceError> {
    admin(Some(user))?;
    delete_calendar_year(conn, year)?;
    Ok(())
}
