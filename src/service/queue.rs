//! Queues: the cases a department holds, filtered, soonest deadline first, a page at a time.

use chrono::{DateTime, Duration, Utc};

use super::ServiceError;
use super::auth::StaffUser;
use crate::db::DbConn;
use crate::db::cases::{QueueQuery, QueueRow, queue as query_queue, state_counts};
use crate::domain::case::{CaseState, Role};
use crate::domain::catalog::Catalog;

/// "Due soon" means within this many days.
pub const DUE_SOON_DAYS: i64 = 3;
pub const PAGE_SIZE: u32 = 50;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DueFilter {
    Overdue,
    Soon,
}

impl DueFilter {
    pub fn parse(text: &str) -> Option<DueFilter> {
        match text {
            "overdue" => Some(DueFilter::Overdue),
            "soon" => Some(DueFilter::Soon),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct QueueFilter {
    /// A department to look at (intake office and leaders may choose; staff see their own).
    pub department: Option<String>,
    pub state: Option<CaseState>,
    pub category: Option<String>,
    /// How cases came in (the intake office finds what it recorded).
    pub channel: Option<crate::domain::case::Channel>,
    /// An area and everything under it.
    pub area: Option<String>,
    pub due: Option<DueFilter>,
    pub cursor: Option<String>,
    pub limit: Option<u32>,
}

#[derive(Debug, Clone)]
pub struct QueuePage {
    /// The department shown, or `None` for all (leaders).
    pub department: Option<String>,
    pub rows: Vec<QueueLine>,
    /// The cursor of the next page, if there is one.
    pub next: Option<String>,
    pub counts: Vec<(CaseState, i64)>,
    /// The major matters of the queue, shown above it on its first page.
    pub major: Vec<QueueLine>,
}

/// A case as a queue lists it (nothing of who filed it).
#[derive(Debug, Clone)]
pub struct QueueLine {
    pub tracking_number: String,
    pub state: String,
    pub category_code: String,
    pub area_code: String,
    pub department_code: String,
    pub title: String,
    pub submitted_at: DateTime<Utc>,
    pub due_at: Option<DateTime<Utc>>,
    pub confidential: bool,
    pub objection_from: Option<String>,
    pub extension_state: Option<String>,
    /// At the intake office: where the routing model says the text belongs.
    pub suggested: Option<crate::domain::suggest::hint::Hint>,
}

impl From<QueueRow> for QueueLine {
    fn from(r: QueueRow) -> Self {
        QueueLine {
            tracking_number: r.tracking_number,
            state: r.state,
            category_code: r.category_code,
            area_code: r.area_code,
            department_code: r.department_code,
            title: r.title,
            submitted_at: r.submitted_at.and_utc(),
            due_at: r.due_at.map(|d| d.and_utc()),
            confidential: r.confidential,
            objection_from: r.objection_from,
            extension_state: r.extension_state,
            suggested: None,
        }
    }
}

/// The queue this member of staff may see, filtered and a page at a time.
pub async fn for_staff(
    app: &crate::app::App,
    user: &StaffUser,
    filter: QueueFilter,
) -> Result<QueuePage, ServiceError> {
    let asking = user.clone();
    let mut page = app
        .read(move |conn, rules, now| queue(conn, rules.catalog, &asking, &filter, now))
        .await?;
    let intake = app.catalog().intake().code.clone();
    if crate::domain::permissions::records_on_behalf(user.role, user.department.as_deref(), &intake) {
        super::suggest::triage(app, &intake, &mut page.rows).await?;
    }
    Ok(page)
}

enum Cursor {
    Due(chrono::NaiveDateTime, i64),
    Id(i64),
}

fn parse_cursor(text: &str) -> Option<Cursor> {
    if let Some(rest) = text.strip_prefix('d') {
        let (micros, id) = rest.split_once('.')?;
        let at = DateTime::<Utc>::from_timestamp_micros(micros.parse().ok()?)?;
        Some(Cursor::Due(at.naive_utc(), id.parse().ok()?))
    } else {
        text.strip_prefix('i')?.parse().ok().map(Cursor::Id)
    }
}

fn invalid(field: &str, key: &'static str) -> ServiceError {
    ServiceError::Invalid(crate::domain::field_error::FieldErrors::single(
        field,
        crate::domain::field_error::FieldError::new(key),
    ))
}

/// Asks the intake office's or a leader's queue for every department.
pub const ALL_DEPARTMENTS: &str = "all";

/// The department whose queue `user` sees for `wanted` (`None`: every department).
/// Whether `user` may see every department's queue at once (and so choose among them).
pub fn sees_all_departments(user: &StaffUser) -> bool {
    matches!(user.role, Role::Intake | Role::Leader)
}

fn department_for(
    user: &StaffUser,
    wanted: Option<&str>,
    catalog: &Catalog,
) -> Result<Option<String>, ServiceError> {
    if wanted == Some(ALL_DEPARTMENTS) {
        return if sees_all_departments(user) {
            Ok(None)
        } else {
            Err(ServiceError::Forbidden {
                key: "deny.not_your_case",
            })
        };
    }
    if let Some(code) = wanted
        && catalog.department(code).is_none()
    {
        return Err(invalid("department", "err.department"));
    }
    match user.role {
        Role::Staff | Role::Head | Role::Liaison => {
            let own = user
                .department
                .clone()
                .ok_or(ServiceError::Forbidden { key: "deny.role" })?;
            match wanted {
                Some(code) if code != own => Err(ServiceError::Forbidden {
                    key: "deny.not_your_case",
                }),
                _ => Ok(Some(own)),
            }
        }
        Role::Intake => Ok(Some(wanted.unwrap_or(&catalog.intake().code).to_string())),
        Role::Leader => Ok(wanted.map(str::to_string)),
        Role::Admin => Err(ServiceError::Forbidden { key: "deny.role" }),
    }
}

pub fn queue(
    conn: &mut DbConn,
    catalog: &Catalog,
    user: &StaffUser,
    filter: &QueueFilter,
    now: DateTime<Utc>,
) -> Result<QueuePage, ServiceError> {
    let department = department_for(user, filter.department.as_deref(), catalog)?;
    if let Some(category) = &filter.category
        && catalog.category(category).is_none()
    {
        return Err(invalid("category", "err.unknown_category"));
    }
    let areas = match &filter.area {
        Some(area) if catalog.area(area).is_none() => return Err(invalid("area", "err.unknown_area")),
        Some(area) => Some(catalog.subtree(area)),
        None => None,
    };
    let open = filter.state.is_none_or(|s| !s.is_terminal());
    let states: Vec<String> = match (filter.state, filter.due) {
        (Some(state), _) => vec![state.as_str().to_string()],
        // Deadlines are the department's only in the states where it must act.
        (None, _) => CaseState::ALL
            .iter()
            .filter(|s| s.awaits_department())
            .map(|s| s.as_str().to_string())
            .collect(),
    };
    let (due_from, due_until) = match filter.due {
        Some(DueFilter::Overdue) => (None, Some(now.naive_utc())),
        Some(DueFilter::Soon) => (
            Some(now.naive_utc()),
            Some((now + Duration::days(DUE_SOON_DAYS)).naive_utc()),
        ),
        None => (None, None),
    };
    let cursor = match filter.cursor.as_deref().filter(|c| !c.is_empty()) {
        Some(text) => Some(parse_cursor(text).ok_or_else(|| invalid("cursor", "err.invalid"))?),
        None => None,
    };
    let limit = filter.limit.unwrap_or(PAGE_SIZE).clamp(1, 200);
    let mut rows = query_queue(
        conn,
        &QueueQuery {
            department: department.clone(),
            states,
            category: filter.category.clone(),
            channel: filter.channel.map(|c| c.as_str().to_string()),
            areas,
            due_from,
            due_until,
            open,
            after_due: match cursor {
                Some(Cursor::Due(at, id)) => Some((at, id)),
                _ => None,
            },
            after_id: match cursor {
                Some(Cursor::Id(id)) => Some(id),
                _ => None,
            },
            limit: i64::from(limit) + 1,
            hidden_from: user.department.clone(),
        },
    )?;
    let next = if rows.len() > limit as usize {
        rows.truncate(limit as usize);
        rows.last().map(|last| match (open, last.due_at) {
            (true, Some(due)) => format!("d{}.{}", due.and_utc().timestamp_micros(), last.id),
            _ => format!("i{}", last.id),
        })
    } else {
        None
    };
    let major = match cursor {
        None => crate::db::cases::major_matters(conn, department.as_deref(), user.department.as_deref())?
            .into_iter()
            .map(QueueLine::from)
            .collect(),
        Some(_) => Vec::new(),
    };
    let counts = state_counts(conn, department.as_deref())?
        .into_iter()
        .filter_map(|(state, n)| CaseState::parse(&state).map(|s| (s, n)))
        .collect();
    Ok(QueuePage {
        department,
        rows: rows.into_iter().map(QueueLine::from).collect(),
        major,
        next,
        counts,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        let at = DateTime::<Utc>::from_timestamp_micros(1_780_000_000_123_456).expect("valid");
        match parse_cursor(&format!("d{}.{}", at.timestamp_micros(), 42)) {
            Some(Cursor::Due(t, 42)) => assert_eq!(t, at.naive_utc()),
            _ => panic!("due cursor"),
        }
        assert!(matches!(parse_cursor("i7"), Some(Cursor::Id(7))));
        for bad in ["", "x", "d", "d1", "d1.x", "ix", "d99999999999999999999.1"] {
            assert!(parse_cursor(bad).is_none(), "{bad}");
        }
    }
}
