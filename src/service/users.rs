//! Accounts, managed by administrators (pages) or operators (`huiying user add`).

use chrono::{DateTime, Utc};

use super::ServiceError;
use super::auth::{NewPassword, StaffUser};
use crate::app::App;
use crate::db::DbConn;
use crate::db::users::{
    NewUserRow, UserChanges, UserRecord, find_by_username, insert_user, list_users, set_password, update_user,
};
use crate::domain::case::Role;
use crate::domain::catalog::Catalog;
use crate::domain::field_error::{FieldError, FieldErrors};
use crate::domain::locale::Locale;
use crate::domain::new_case::{Email, PersonName};

/// An account as typed in a form or on the command line.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct AccountInput {
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub department: String,
    pub email: String,
    pub locale: String,
    /// A liaison's areas (area codes).
    pub areas: Vec<String>,
}

/// An account that passed every check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub department: Option<String>,
    pub email: Option<String>,
    pub locale: Locale,
    /// The areas a liaison works in (none for other roles).
    pub areas: Vec<String>,
}

impl Account {
    pub fn parse(input: &AccountInput, catalog: &Catalog) -> Result<Account, FieldErrors> {
        let mut errors = FieldErrors::new();
        let username = input.username.trim().to_lowercase();
        let username_ok = (3..=32).contains(&username.chars().count())
            && username
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c));
        if !username_ok {
            errors.add("username", FieldError::new("err.username"));
        }
        let display_name = errors.check("display_name", PersonName::parse(&input.display_name));
        let role = Role::parse(input.role.trim());
        if role.is_none() {
            errors.add("role", FieldError::new("err.role"));
        }
        let department = match (role, input.department.trim()) {
            (Some(Role::Staff | Role::Head), "") => {
                errors.add("department", FieldError::new("err.department_required"));
                None
            }
            (Some(Role::Staff | Role::Head), code) if catalog.department(code).is_none() => {
                errors.add("department", FieldError::new("err.department"));
                None
            }
            (Some(Role::Staff | Role::Head), code) => Some(code.to_string()),
            // The intake office's accounts belong to it.
            (Some(Role::Intake), _) => Some(catalog.intake().code.clone()),
            // A liaison may belong to an office that routing rules name.
            (Some(Role::Liaison), "") => None,
            (Some(Role::Liaison), code) if catalog.department(code).is_none() => {
                errors.add("department", FieldError::new("err.department"));
                None
            }
            (Some(Role::Liaison), code) => Some(code.to_string()),
            _ => None,
        };
        let mut areas: Vec<String> = input
            .areas
            .iter()
            .map(|a| a.trim().to_string())
            .filter(|a| !a.is_empty())
            .collect();
        areas.sort();
        areas.dedup();
        if role == Some(Role::Liaison) && areas.is_empty() {
            errors.add("areas", FieldError::new("err.areas_required"));
        }
        if areas
            .iter()
            .any(|a| catalog.area(a).is_none_or(|area| !area.active))
        {
            errors.add("areas", FieldError::new("err.unknown_area"));
        }
        if role != Some(Role::Liaison) {
            areas.clear();
        }
        let email = match input.email.trim() {
            "" => None,
            raw => errors
                .check("email", Email::parse(raw))
                .map(|e| e.as_str().to_string()),
        };
        match (display_name, role) {
            (Some(display_name), Some(role)) if errors.is_empty() => Ok(Account {
                username,
                display_name: display_name.into_string(),
                role,
                department,
                email,
                locale: Locale::from_tag(&input.locale).unwrap_or_default(),
                areas,
            }),
            _ => Err(errors),
        }
    }
}

fn require_admin(actor: Option<&StaffUser>) -> Result<(), ServiceError> {
    match actor {
        // The command line runs as the operator of the machine.
        None => Ok(()),
        Some(user) if user.role == Role::Admin => Ok(()),
        Some(_) => Err(ServiceError::Forbidden { key: "deny.role" }),
    }
}

/// An account as administrators see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountView {
    pub id: i32,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub department: Option<String>,
    pub email: Option<String>,
    pub locale: Locale,
    pub active: bool,
    /// A liaison's areas (read by [`get`], not in the list).
    pub areas: Vec<String>,
}

impl AccountView {
    fn of(record: UserRecord) -> Result<AccountView, ServiceError> {
        Ok(AccountView {
            role: Role::parse(&record.role).ok_or_else(|| {
                ServiceError::Internal(format!("user {} has role {:?}", record.id, record.role))
            })?,
            locale: Locale::from_tag(&record.locale).unwrap_or_default(),
            id: record.id,
            username: record.username,
            display_name: record.display_name,
            department: record.department_code,
            email: record.email,
            active: record.active,
            areas: Vec::new(),
        })
    }

    /// The account as its form shows it.
    pub fn input(&self) -> AccountInput {
        AccountInput {
            username: self.username.clone(),
            display_name: self.display_name.clone(),
            role: self.role.as_str().into(),
            department: self.department.clone().unwrap_or_default(),
            email: self.email.clone().unwrap_or_default(),
            locale: self.locale.as_str().into(),
            areas: self.areas.clone(),
        }
    }
}

/// Every account, by username (administrators).
pub async fn list(app: &App, actor: &StaffUser) -> Result<Vec<AccountView>, ServiceError> {
    require_admin(Some(actor))?;
    app.read(|conn, _, _| list_users(conn)?.into_iter().map(AccountView::of).collect())
        .await
}

/// One account (administrators).
pub async fn get(app: &App, actor: &StaffUser, id: i32) -> Result<AccountView, ServiceError> {
    require_admin(Some(actor))?;
    let (record, areas) = app
        .read(move |conn, _, _| {
            let record = crate::db::users::find_by_id(conn, id)?;
            Ok::<_, ServiceError>((record, crate::db::users::areas_of(conn, id)?))
        })
        .await?;
    let view = AccountView::of(record.ok_or(ServiceError::NotFound)?)?;
    Ok(AccountView { areas, ..view })
}

/// Creates an account with its first password (administrators); returns its id.
pub async fn create(
    app: &App,
    actor: &StaffUser,
    account: Account,
    password: NewPassword,
) -> Result<i32, ServiceError> {
    require_admin(Some(actor))?;
    let hash = super::auth::hash_password(&app.passwords, password).await?;
    let actor = actor.clone();
    app.write(move |conn, _, now| create_account(conn, Some(&actor), &account, &hash, now))
        .await
}

/// Changes an account and, when a new password is given, sets it (ending the account's
/// sessions and tokens); both or neither.
pub async fn update(
    app: &App,
    actor: &StaffUser,
    id: i32,
    account: Account,
    active: bool,
    password: Option<NewPassword>,
) -> Result<(), ServiceError> {
    require_admin(Some(actor))?;
    let hash = match password {
        Some(p) => Some(super::auth::hash_password(&app.passwords, p).await?),
        None => None,
    };
    let actor = actor.clone();
    app.write(move |conn, _, _| {
        update_account(conn, &actor, id, &account, active)?;
        match hash {
            Some(hash) => reset_password(conn, &actor, id, &hash),
            None => Ok(()),
        }
    })
    .await
}

/// Creates an account; `password_hash` comes from [`NewPassword::hash`]. `actor` is the
/// administrator, or `None` for the command line. Call inside a write transaction.
pub fn create_account(
    conn: &mut DbConn,
    actor: Option<&StaffUser>,
    account: &Account,
    password_hash: &str,
    now: DateTime<Utc>,
) -> Result<i32, ServiceError> {
    require_admin(actor)?;
    if find_by_username(conn, &account.username)?.is_some() {
        return Err(ServiceError::Invalid(FieldErrors::single(
            "username",
            FieldError::new("err.username_taken"),
        )));
    }
    let id = insert_user(
        conn,
        &NewUserRow {
            username: &account.username,
            display_name: &account.display_name,
            password_hash,
            role: account.role.as_str(),
            department_code: account.department.as_deref(),
            email: account.email.as_deref(),
            locale: account.locale.as_str(),
            active: true,
            credentials_version: 1,
            created_at: now.naive_utc(),
        },
    )?;
    crate::db::users::set_areas(conn, id, &account.areas)?;
    tracing::info!(user = id, role = %account.role, "account created");
    Ok(id)
}

/// Changes an account's name, role, department, address, language and whether it may sign in.
pub fn update_account(
    conn: &mut DbConn,
    actor: &StaffUser,
    id: i32,
    account: &Account,
    active: bool,
) -> Result<(), ServiceError> {
    require_admin(Some(actor))?;
    if actor.id == id && (!active || account.role != Role::Admin) {
        // An administrator cannot lock themselves out.
        return Err(ServiceError::Conflict {
            key: "deny.self_lockout",
        });
    }
    let changed = update_user(
        conn,
        id,
        &UserChanges {
            display_name: &account.display_name,
            role: account.role.as_str(),
            department_code: account.department.as_deref(),
            email: account.email.as_deref(),
            locale: account.locale.as_str(),
            active,
        },
    )?;
    if !changed {
        return Err(ServiceError::NotFound);
    }
    crate::db::users::set_areas(conn, id, &account.areas)?;
    if !active {
        // A deactivated account is signed out everywhere at once.
        let ended = super::sessions::close_all(conn, super::sessions::Holder::Staff(id), chrono::Utc::now())?;
        tracing::info!(user = id, sessions = ended, "account deactivated");
    }
    Ok(())
}

/// Sets a new password chosen by an administrator (ends the user's sessions and tokens).
pub fn reset_password(
    conn: &mut DbConn,
    actor: &StaffUser,
    id: i32,
    password_hash: &str,
) -> Result<(), ServiceError> {
    require_admin(Some(actor))?;
    if set_password(conn, id, password_hash)? {
        Ok(())
    } else {
        Err(ServiceError::NotFound)
    }
}

pub fn accounts(conn: &mut DbConn, actor: &StaffUser) -> Result<Vec<UserRecord>, ServiceError> {
    require_admin(Some(actor))?;
    Ok(list_users(conn)?)
}

/// Parses a new password, as a field error on `field`.
pub fn new_password(field: &str, raw: &str) -> Result<NewPassword, ServiceError> {
    NewPassword::parse(raw).map_err(|e| ServiceError::Invalid(FieldErrors::single(field, e)))
}
