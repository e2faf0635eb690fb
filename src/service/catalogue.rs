//! The catalogue, managed: administrators create and change departments, areas, groups,
//! categories, lawful channels, routing rules and liaison cards (pages, API, a file).
//! Every edit becomes a new whole catalogue, checked as one, written as the entries that
//! differ, recorded in the history and put in force on every instance.

use std::sync::atomic::Ordering;
use std::time::Duration;

use super::ServiceError;
use super::auth::StaffUser;
use crate::app::App;
use crate::db::DbConn;
use crate::domain::catalog::Catalog;
use crate::domain::catalog_diff::{Action, Change, Entity, diff};
use crate::domain::catalog_file::{
    AreaEntry, CatalogFile, CategoryEntry, ChannelEntry, DepartmentEntry, FileError, GroupEntry,
    LiaisonEntry, ParsedFile, RuleEntry, merge,
};
use crate::domain::field_error::{FieldError, FieldErrors};
use crate::domain::permissions::Duty;
use crate::domain::routing::RoutingRule;

/// One entry with a code, as the API and the pages give it.
#[derive(Debug, Clone)]
pub enum Entry {
    Department(DepartmentEntry),
    Area(AreaEntry),
    Group(GroupEntry),
    Category(CategoryEntry),
    Channel(ChannelEntry),
}

impl Entry {
    pub fn code(&self) -> &str {
        match self {
            Entry::Department(e) => &e.code,
            Entry::Area(e) => &e.code,
            Entry::Group(e) => &e.code,
            Entry::Category(e) => &e.code,
            Entry::Channel(e) => &e.code,
        }
    }

    fn problem(&self) -> Option<(&'static str, &'static str)> {
        use crate::domain::catalog_file::Checked;
        match self {
            Entry::Department(e) => e.problem(),
            Entry::Area(e) => e.problem(),
            Entry::Group(e) => e.problem(),
            Entry::Category(e) => e.problem(),
            Entry::Channel(e) => e.problem(),
        }
    }

    fn exists_in(&self, catalog: &Catalog) -> bool {
        let code = self.code();
        match self {
            Entry::Department(_) => catalog.department(code).is_some(),
            Entry::Area(_) => catalog.area(code).is_some(),
            Entry::Group(_) => catalog.group(code).is_some(),
            Entry::Category(_) => catalog.category(code).is_some(),
            Entry::Channel(_) => catalog.channel(code).is_some(),
        }
    }

    fn into_file(self) -> CatalogFile {
        let mut file = CatalogFile::default();
        match self {
            Entry::Department(e) => file.department.push(e),
            Entry::Area(e) => file.area.push(e),
            Entry::Group(e) => file.group.push(e),
            Entry::Category(e) => file.category.push(e),
            Entry::Channel(e) => file.channel.push(e),
        }
        file
    }
}

/// What an administrator asks for.
#[derive(Debug, Clone)]
pub enum Edit {
    /// A new entry: its code must not be taken (codes are permanent).
    Create(Entry),
    /// A change to an existing entry (to retire it: `active = false`).
    Update(Entry),
    /// Sets the rule for a scope (replacing the department of one already there).
    SetRule(RuleEntry),
    /// Retires the rule of a scope: it no longer routes, cases it routed keep it.
    RetireRule {
        category: Option<String>,
        area: Option<String>,
    },
    /// A new liaison card (`id: None`) or a change to one.
    Liaison { id: Option<i32>, entry: LiaisonEntry },
    /// A whole file: creates and updates, never deletes; what it leaves out is listed
    /// and retired only with `retire_missing`.
    File {
        parsed: ParsedFile,
        retire_missing: bool,
    },
}

/// Entries in force that a file does not mention: (entity, code).
pub type Missing = Vec<(&'static str, String)>;

/// What an edit did (or, dry, would do).
#[derive(Debug, Clone)]
pub struct Applied {
    pub changes: Vec<Change>,
    /// Entries in force the file does not mention.
    pub missing: Missing,
    pub version: i64,
}

/// A refusal that names what is wrong, for an edit or a file.
fn refused(key: &'static str, message: impl ToString) -> ServiceError {
    let mut errors = FieldErrors::new();
    errors.add("catalog", FieldError::new(key).with("message", message));
    ServiceError::Invalid(errors)
}

fn file_refused(e: FileError) -> ServiceError {
    refused("err.catalog", e)
}

/// The catalogue after `edit`, checked as a whole (no I/O).
pub fn edited(current: &Catalog, edit: Edit) -> Result<(Catalog, Missing), ServiceError> {
    use crate::domain::catalog_file::Checked;
    let problem = match &edit {
        Edit::Create(entry) | Edit::Update(entry) => entry.problem(),
        Edit::Liaison { entry, .. } => entry.problem(),
        _ => None,
    };
    if let Some((field, problem)) = problem {
        let mut errors = FieldErrors::new();
        errors.add(
            field,
            FieldError::new("err.catalog").with("message", format!("{field} {problem}")),
        );
        return Err(ServiceError::Invalid(errors));
    }
    match edit {
        Edit::Create(entry) if entry.exists_in(current) => Err(ServiceError::Conflict {
            key: "catalog.code_taken",
        }),
        Edit::Update(entry) if !entry.exists_in(current) => Err(ServiceError::NotFound),
        Edit::Create(entry) | Edit::Update(entry) => {
            if let Entry::Area(a) = &entry
                && a.parent.as_deref() == Some(a.code.as_str())
            {
                return Err(refused("err.catalog", "an area cannot be its own parent"));
            }
            let merged = merge(current, &ParsedFile::of(entry.into_file()), false).map_err(file_refused)?;
            Ok((merged.catalog, Vec::new()))
        }
        Edit::SetRule(rule) => {
            if let Some(scope) = [&rule.category, &rule.area]
                .into_iter()
                .flatten()
                .find(|code| code.is_empty())
            {
                return Err(refused(
                    "err.catalog",
                    format!("an empty code {scope:?}: leave it out for any"),
                ));
            }
            let file = CatalogFile {
                rule: vec![rule],
                ..CatalogFile::default()
            };
            let merged = merge(current, &ParsedFile::of(file), false).map_err(file_refused)?;
            Ok((merged.catalog, Vec::new()))
        }
        Edit::RetireRule { category, area } => {
            if current
                .routing()
                .rule_for(category.as_deref(), area.as_deref())
                .is_none()
            {
                return Err(ServiceError::NotFound);
            }
            let rules: Vec<RoutingRule> = current
                .routing()
                .rules()
                .filter(|r| !(r.category_code == category && r.area_code == area))
                .cloned()
                .collect();
            Ok((rebuilt(current, rules)?, Vec::new()))
        }
        Edit::Liaison { id, entry } => {
            let mut liaisons = current.liaisons.clone();
            let mut card = crate::domain::catalog::Liaison::from(&entry);
            match id {
                Some(id) => {
                    let at = liaisons
                        .iter_mut()
                        .find(|l| l.id == id)
                        .ok_or(ServiceError::NotFound)?;
                    card.id = id;
                    *at = card;
                }
                None => liaisons.push(card),
            }
            let catalog = rebuilt(current, current.routing().rules().cloned().collect())?
                .with_liaisons(liaisons)
                .map_err(|e| refused("err.catalog", e))?;
            Ok((catalog, Vec::new()))
        }
        Edit::File {
            parsed,
            retire_missing,
        } => {
            let merged = merge(current, &parsed, retire_missing).map_err(file_refused)?;
            Ok((merged.catalog, merged.missing))
        }
    }
}

/// The same catalogue with other rules.
fn rebuilt(current: &Catalog, rules: Vec<RoutingRule>) -> Result<Catalog, ServiceError> {
    Catalog::new(
        current.departments.clone(),
        current.areas.clone(),
        current.groups.clone(),
        current.categories.clone(),
        current.channels.clone(),
        rules,
    )
    .and_then(|c| c.with_liaisons(current.liaisons.clone()))
    .map_err(|e| refused("err.catalog", e))
}

/// What the database must confirm before a change: a department retired has no open
/// cases and no rule in force sends cases to it; the intake office stays in use.
fn check_retirements(conn: &mut DbConn, new: &Catalog, changes: &[Change]) -> Result<(), ServiceError> {
    for change in changes
        .iter()
        .filter(|c| c.entity == Entity::Department && c.action == Action::Retire)
    {
        if new.intake().code == change.code {
            return Err(refused("err.catalog_intake", &change.code));
        }
        let open = crate::db::cases::count_open_in(conn, &change.code)?;
        if open > 0 {
            let mut errors = FieldErrors::new();
            errors.add(
                "catalog",
                FieldError::new("err.catalog_open_cases")
                    .with("department", &change.code)
                    .with("count", open),
            );
            return Err(ServiceError::Invalid(errors));
        }
        if let Some(rule) = new.routing().rules().find(|r| r.department_code == change.code) {
            let scope = crate::domain::catalog_file::rule_key(
                rule.category_code.as_deref(),
                rule.area_code.as_deref(),
            );
            return Err(refused("err.catalog_rule_to_retired", scope));
        }
    }
    if let Some(d) = new.departments.iter().find(|d| d.is_intake && !d.active) {
        return Err(refused("err.catalog_intake", &d.code));
    }
    Ok(())
}

/// Applies `edit` inside the caller's transaction, as `actor` (a username, or
/// `command line`): loads the catalogue fresh, checks, writes, records. With `dry_run`
/// nothing is written.
pub fn edit_in(
    conn: &mut DbConn,
    edit: Edit,
    actor: &str,
    now: chrono::DateTime<chrono::Utc>,
    dry_run: bool,
) -> Result<(Catalog, Applied), ServiceError> {
    let current = crate::db::catalog::load(conn).map_err(|e| ServiceError::Internal(e.to_string()))?;
    let (new, missing) = edited(&current, edit)?;
    let changes = diff(&current, &new);
    // Once there is an intake office, the portal keeps one: without it nothing is filed.
    if current.intake().active && !new.intake().active {
        return Err(refused("err.catalog_intake", &current.intake().code));
    }
    check_retirements(conn, &new, &changes)?;
    if !dry_run {
        crate::db::catalog::apply(conn, &new, &changes, actor, now.naive_utc())?;
    }
    let version = crate::db::catalog::version(conn)?;
    // Written rules get their ids from the database: read back what is now in force.
    let in_force = if dry_run || changes.is_empty() {
        new
    } else {
        crate::db::catalog::load(conn).map_err(|e| ServiceError::Internal(e.to_string()))?
    };
    Ok((
        in_force,
        Applied {
            changes,
            missing,
            version,
        },
    ))
}

/// An administrator's edit, put in force on this instance at once and on the others
/// within `catalog_recheck_ms`.
pub async fn edit(app: &App, actor: &StaffUser, edit: Edit) -> Result<Applied, ServiceError> {
    super::require(actor, Duty::Administer)?;
    let who = actor.username.clone();
    let (catalog, applied) = app
        .write(move |conn, _, now| edit_in(conn, edit, &who, now, false))
        .await?;
    app.replace_catalog(catalog);
    app.catalog_watch
        .version
        .store(applied.version, Ordering::Relaxed);
    Ok(applied)
}

/// What `edit` would change, without changing anything.
pub async fn preview(app: &App, actor: &StaffUser, edit: Edit) -> Result<Applied, ServiceError> {
    super::require(actor, Duty::Administer)?;
    let who = actor.username.clone();
    let (_, applied) = app
        .read(move |conn, _, now| edit_in(conn, edit, &who, now, true))
        .await?;
    Ok(applied)
}

/// The catalogue in force, retired entries included (administrators).
pub fn in_force(app: &App, actor: &StaffUser) -> Result<std::sync::Arc<Catalog>, ServiceError> {
    super::require(actor, Duty::Administer)?;
    Ok(app.catalog())
}

/// The newest changes first (administrators).
pub async fn history(
    app: &App,
    actor: &StaffUser,
    limit: i64,
    before: Option<i32>,
) -> Result<Vec<crate::db::catalog::ChangeRow>, ServiceError> {
    super::require(actor, Duty::Administer)?;
    app.read(move |conn, _, _| Ok(crate::db::catalog::history(conn, limit.clamp(1, 500), before)?))
        .await
}

/// Loads the catalogue again when another instance changed it: asks the database for the
/// version at most every `catalog_recheck_ms`, and reads the catalogue only when it moved.
pub async fn refresh(app: &App) -> Result<(), ServiceError> {
    let every = Duration::from_millis(app.settings.catalog_recheck_ms);
    if !app.catalog_watch.due(every) {
        return Ok(());
    }
    let held = app.catalog_watch.version.load(Ordering::Relaxed);
    let fresh = app
        .read(move |conn, _, _| {
            let version = crate::db::catalog::version(conn)?;
            if version == held {
                return Ok::<_, ServiceError>(None);
            }
            let catalog =
                crate::db::catalog::load(conn).map_err(|e| ServiceError::Internal(e.to_string()))?;
            Ok(Some((version, catalog)))
        })
        .await?;
    if let Some((version, catalog)) = fresh {
        tracing::info!(version, "catalogue changed: loaded again");
        app.replace_catalog(catalog);
        app.catalog_watch.version.store(version, Ordering::Relaxed);
    }
    Ok(())
}

/// A bulk move: which open cases, where to, why.
#[derive(Debug, Clone)]
pub struct Move {
    pub from: String,
    pub to: String,
    pub area: Option<String>,
    pub category: Option<String>,
    pub reason: String,
}

/// Moves all open cases of a department (optionally only in an area, with its villages,
/// or of a category) to another, each with a transfer event on its timeline, as one
/// transaction. Returns how many moved.
pub async fn move_open_cases(app: &App, actor: &StaffUser, order: Move) -> Result<usize, ServiceError> {
    super::require(actor, Duty::Administer)?;
    let catalog = app.catalog();
    let mut errors = FieldErrors::new();
    if catalog.department(&order.from).is_none() {
        errors.add("from", FieldError::new("err.unknown_department"));
    }
    match catalog.department(&order.to) {
        Some(d) if d.active && d.code != order.from => {}
        _ => errors.add("to", FieldError::new("err.unknown_department")),
    }
    if order.reason.trim().chars().count() < 2 {
        errors.add("reason", FieldError::new("err.required"));
    }
    if order.area.as_deref().is_some_and(|a| catalog.area(a).is_none()) {
        errors.add("area", FieldError::new("err.unknown_area"));
    }
    if order
        .category
        .as_deref()
        .is_some_and(|c| catalog.category(c).is_none())
    {
        errors.add("category", FieldError::new("err.unknown_category"));
    }
    if !errors.is_empty() {
        return Err(ServiceError::Invalid(errors));
    }
    let actor = actor.clone();
    app.write(move |conn, rules, now| super::workflow::move_all(conn, rules, &actor, &order, now))
        .await
}

/// Where a case of `category` in `area` would go (the published responsibility).
pub fn explain(
    catalog: &Catalog,
    category: &str,
    area: &str,
) -> Result<(crate::domain::routing::RoutingDecision, Vec<String>), ServiceError> {
    let mut errors = FieldErrors::new();
    if catalog.category(category).is_none() {
        errors.add("category", FieldError::new("err.unknown_category"));
    }
    if catalog.area(area).is_none() {
        errors.add("area", FieldError::new("err.unknown_area"));
    }
    if !errors.is_empty() {
        return Err(ServiceError::Invalid(errors));
    }
    catalog.explain(category, area).ok_or(ServiceError::NotFound)
}
