//! Reference data: load the whole catalogue, insert new entries.

use diesel::prelude::*;

use super::conn::{DbConn, DbError};
use super::schema::{
    areas, catalog_changes, catalog_state, categories, category_channels, category_groups, channels,
    departments, liaisons, routing_rules,
};
use crate::domain::catalog::{
    Area, Catalog, CatalogError, Category, CategoryGroup, Department, LawfulChannel, Liaison,
};
use crate::domain::catalog_diff::{Action, Change, Entity};
use crate::domain::locale::Names;
use crate::domain::routing::RoutingRule;

#[derive(Debug, thiserror::Error)]
pub enum LoadCatalogError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("the reference data is inconsistent: {0}")]
    Invalid(#[from] CatalogError),
}

impl From<diesel::result::Error> for LoadCatalogError {
    fn from(e: diesel::result::Error) -> Self {
        LoadCatalogError::Db(e.into())
    }
}

/// Reads every reference table into a [`Catalog`].
pub fn load(conn: &mut DbConn) -> Result<Catalog, LoadCatalogError> {
    let depts = departments::table
        .order((departments::position, departments::id))
        .select((
            departments::code,
            departments::name_zh,
            departments::name_en,
            departments::email,
            departments::is_intake,
            departments::reviewer_code,
            departments::leader_username,
            (departments::address, departments::phone, departments::hours),
            departments::active,
        ))
        .load::<(
            String,
            String,
            String,
            Option<String>,
            bool,
            Option<String>,
            Option<String>,
            (Option<String>, Option<String>, Option<String>),
            bool,
        )>(conn)?
        .into_iter()
        .map(
            |(code, zh, en, email, is_intake, reviewer, leader, (address, phone, hours), active)| {
                Department {
                    active,
                    code,
                    names: Names::new(zh, en),
                    email,
                    is_intake,
                    reviewer,
                    leader,
                    contact: crate::domain::catalog::Contact {
                        address,
                        phone,
                        hours,
                    },
                }
            },
        )
        .collect();
    let area_rows = areas::table
        .order((areas::level, areas::position, areas::id))
        .select((
            areas::code,
            areas::parent_code,
            areas::level,
            areas::name_zh,
            areas::name_en,
            areas::active,
        ))
        .load::<(String, Option<String>, i32, String, String, bool)>(conn)?
        .into_iter()
        .map(|(code, parent_code, level, zh, en, active)| Area {
            active,
            code,
            parent_code,
            level,
            names: Names::new(zh, en),
        })
        .collect();
    let groups = category_groups::table
        .order((category_groups::position, category_groups::id))
        .select((
            category_groups::code,
            category_groups::name_zh,
            category_groups::name_en,
            category_groups::active,
        ))
        .load::<(String, String, String, bool)>(conn)?
        .into_iter()
        .map(|(code, zh, en, active)| CategoryGroup {
            active,
            code,
            names: Names::new(zh, en),
        })
        .collect();
    let links = category_channels::table
        .order((category_channels::category_code, category_channels::position))
        .select((category_channels::category_code, category_channels::channel_code))
        .load::<(String, String)>(conn)?;
    let cats = categories::table
        .order((categories::position, categories::id))
        .select((
            categories::code,
            categories::group_code,
            categories::name_zh,
            categories::name_en,
            categories::urgent,
            categories::supervisor_code,
            categories::active,
        ))
        .load::<(String, String, String, String, bool, Option<String>, bool)>(conn)?
        .into_iter()
        .map(|(code, group_code, zh, en, urgent, supervisor, active)| {
            let channel_codes = links
                .iter()
                .filter(|(c, _)| *c == code)
                .map(|(_, ch)| ch.clone())
                .collect();
            Category {
                code,
                group_code,
                names: Names::new(zh, en),
                urgent,
                channel_codes,
                supervisor,
                active,
            }
        })
        .collect();
    let chans = channels::table
        .order((channels::position, channels::id))
        .select((
            channels::code,
            channels::name_zh,
            channels::name_en,
            channels::description_zh,
            channels::description_en,
            channels::reach_zh,
            channels::reach_en,
            channels::active,
        ))
        .load::<(String, String, String, String, String, String, String, bool)>(conn)?
        .into_iter()
        .map(|(code, zh, en, dzh, den, rzh, ren, active)| LawfulChannel {
            code,
            names: Names::new(zh, en),
            descriptions: Names::new(dzh, den),
            reach: Names::new(rzh, ren),
            active,
        })
        .collect();
    let rules = routing_rules::table
        .filter(routing_rules::active.eq(true))
        .select((
            routing_rules::id,
            routing_rules::category_code,
            routing_rules::area_code,
            routing_rules::department_code,
        ))
        .load::<(i32, Option<String>, Option<String>, String)>(conn)?
        .into_iter()
        .map(|(id, category_code, area_code, department_code)| RoutingRule {
            id,
            category_code,
            area_code,
            department_code,
        })
        .collect();
    let cards = liaisons::table
        .order((liaisons::area_code, liaisons::position, liaisons::id))
        .select((
            liaisons::id,
            liaisons::area_code,
            liaisons::name,
            liaisons::title,
            liaisons::office,
            liaisons::phone,
            liaisons::hours,
            liaisons::duties,
            liaisons::active,
        ))
        .load::<(i32, String, String, String, String, String, String, String, bool)>(conn)?
        .into_iter()
        .map(
            |(id, area_code, name, title, office, phone, hours, duties, active)| Liaison {
                id,
                area_code,
                name,
                title,
                office,
                phone,
                hours,
                duties,
                active,
            },
        )
        .collect();
    Ok(Catalog::new(depts, area_rows, groups, cats, chans, rules)?.with_liaisons(cards)?)
}

pub fn count_departments(conn: &mut DbConn) -> Result<i64, DbError> {
    Ok(departments::table.count().get_result(conn)?)
}

/// Reference data to insert; entries whose code already exists are skipped, so loading
/// the same data twice changes nothing.
#[derive(Debug, Default)]
pub struct NewReferenceData {
    pub departments: Vec<Department>,
    pub areas: Vec<Area>,
    pub groups: Vec<CategoryGroup>,
    pub channels: Vec<LawfulChannel>,
    pub categories: Vec<Category>,
    /// (category, area, department) scopes; ids are assigned by the database.
    pub rules: Vec<(Option<String>, Option<String>, String)>,
    /// Liaison cards, added when their area has none yet.
    pub liaisons: Vec<Liaison>,
}

/// Inserts what is missing; returns how many rows were added.
pub fn insert_missing(conn: &mut DbConn, data: &NewReferenceData) -> Result<usize, DbError> {
    let mut added = 0;
    let existing = |codes: Vec<String>| -> std::collections::HashSet<String> { codes.into_iter().collect() };

    let have = existing(departments::table.select(departments::code).load(conn)?);
    for (i, d) in data
        .departments
        .iter()
        .enumerate()
        .filter(|(_, d)| !have.contains(&d.code))
    {
        added += diesel::insert_into(departments::table)
            .values((
                departments::code.eq(&d.code),
                departments::name_zh.eq(&d.names.zh),
                departments::name_en.eq(&d.names.en),
                departments::email.eq(&d.email),
                departments::is_intake.eq(d.is_intake),
                departments::position.eq(i as i32),
            ))
            .execute(conn)?;
    }
    // Reviewers refer to departments, so they are set once all exist.
    for d in data.departments.iter().filter(|d| !have.contains(&d.code)) {
        diesel::update(departments::table.filter(departments::code.eq(&d.code)))
            .set((
                departments::reviewer_code.eq(&d.reviewer),
                departments::leader_username.eq(&d.leader),
                departments::address.eq(&d.contact.address),
                departments::phone.eq(&d.contact.phone),
                departments::hours.eq(&d.contact.hours),
            ))
            .execute(conn)?;
    }
    let have = existing(areas::table.select(areas::code).load(conn)?);
    for (i, a) in data
        .areas
        .iter()
        .enumerate()
        .filter(|(_, a)| !have.contains(&a.code))
    {
        added += diesel::insert_into(areas::table)
            .values((
                areas::code.eq(&a.code),
                areas::parent_code.eq(&a.parent_code),
                areas::level.eq(a.level),
                areas::name_zh.eq(&a.names.zh),
                areas::name_en.eq(&a.names.en),
                areas::position.eq(i as i32),
            ))
            .execute(conn)?;
    }
    let have = existing(category_groups::table.select(category_groups::code).load(conn)?);
    for (i, g) in data
        .groups
        .iter()
        .enumerate()
        .filter(|(_, g)| !have.contains(&g.code))
    {
        added += diesel::insert_into(category_groups::table)
            .values((
                category_groups::code.eq(&g.code),
                category_groups::name_zh.eq(&g.names.zh),
                category_groups::name_en.eq(&g.names.en),
                category_groups::position.eq(i as i32),
            ))
            .execute(conn)?;
    }
    let have = existing(channels::table.select(channels::code).load(conn)?);
    for (i, c) in data
        .channels
        .iter()
        .enumerate()
        .filter(|(_, c)| !have.contains(&c.code))
    {
        added += diesel::insert_into(channels::table)
            .values((
                channels::code.eq(&c.code),
                channels::name_zh.eq(&c.names.zh),
                channels::name_en.eq(&c.names.en),
                channels::description_zh.eq(&c.descriptions.zh),
                channels::description_en.eq(&c.descriptions.en),
                channels::position.eq(i as i32),
            ))
            .execute(conn)?;
    }
    let have = existing(categories::table.select(categories::code).load(conn)?);
    for (i, c) in data
        .categories
        .iter()
        .enumerate()
        .filter(|(_, c)| !have.contains(&c.code))
    {
        added += diesel::insert_into(categories::table)
            .values((
                categories::code.eq(&c.code),
                categories::group_code.eq(&c.group_code),
                categories::name_zh.eq(&c.names.zh),
                categories::name_en.eq(&c.names.en),
                categories::urgent.eq(c.urgent),
                categories::position.eq(i as i32),
                categories::supervisor_code.eq(&c.supervisor),
            ))
            .execute(conn)?;
        for (j, channel) in c.channel_codes.iter().enumerate() {
            added += diesel::insert_into(category_channels::table)
                .values((
                    category_channels::category_code.eq(&c.code),
                    category_channels::channel_code.eq(channel),
                    category_channels::position.eq(j as i32),
                ))
                .execute(conn)?;
        }
    }
    let have: std::collections::HashSet<(Option<String>, Option<String>)> = routing_rules::table
        .select((routing_rules::category_code, routing_rules::area_code))
        .load(conn)?
        .into_iter()
        .collect();
    for (category, area, department) in &data.rules {
        if have.contains(&(category.clone(), area.clone())) {
            continue;
        }
        added += diesel::insert_into(routing_rules::table)
            .values((
                routing_rules::category_code.eq(category),
                routing_rules::area_code.eq(area),
                routing_rules::department_code.eq(department),
            ))
            .execute(conn)?;
    }
    let carded: std::collections::HashSet<String> = liaisons::table
        .select(liaisons::area_code)
        .load::<String>(conn)?
        .into_iter()
        .collect();
    for (i, l) in data
        .liaisons
        .iter()
        .enumerate()
        .filter(|(_, l)| !carded.contains(&l.area_code))
    {
        added += diesel::insert_into(liaisons::table)
            .values((
                liaisons::area_code.eq(&l.area_code),
                liaisons::name.eq(&l.name),
                liaisons::title.eq(&l.title),
                liaisons::office.eq(&l.office),
                liaisons::phone.eq(&l.phone),
                liaisons::hours.eq(&l.hours),
                liaisons::duties.eq(&l.duties),
                liaisons::position.eq(i as i32),
            ))
            .execute(conn)?;
    }
    Ok(added)
}

/// The catalogue's version: bumped by every change, read cheaply by every instance.
pub fn version(conn: &mut DbConn) -> Result<i64, DbError> {
    Ok(catalog_state::table
        .select(catalog_state::version)
        .first(conn)
        .optional()?
        .unwrap_or(0))
}

/// Writes `changes` (from `diff(old, new)`), each from its entry in `new`, records each
/// in the history and bumps the version. Runs inside the caller's transaction.
pub fn apply(
    conn: &mut DbConn,
    new: &Catalog,
    changes: &[Change],
    actor: &str,
    now: chrono::NaiveDateTime,
) -> Result<(), DbError> {
    let mut ordered: Vec<&Change> = changes.iter().collect();
    // Parents before children, so each row's references exist when it is written.
    let level = |c: &Change| match c.entity {
        Entity::Area => new.area(&c.code).map(|a| a.level).unwrap_or(0),
        _ => 0,
    };
    ordered.sort_by_key(|c| (c.entity, level(c)));
    for change in &ordered {
        write_one(conn, new, change)?;
    }
    // Reviewers name departments: set once every department exists.
    for change in ordered.iter().filter(|c| c.entity == Entity::Department) {
        if let Some(d) = new.department(&change.code) {
            diesel::update(departments::table.filter(departments::code.eq(&d.code)))
                .set(departments::reviewer_code.eq(&d.reviewer))
                .execute(conn)?;
        }
    }
    for change in &ordered {
        let text = |v: &Option<serde_json::Value>| v.as_ref().map(|v| v.to_string());
        diesel::insert_into(catalog_changes::table)
            .values((
                catalog_changes::at.eq(now),
                catalog_changes::actor.eq(actor),
                catalog_changes::entity.eq(change.entity.as_str()),
                catalog_changes::code.eq(&change.code),
                catalog_changes::action.eq(change.action.as_str()),
                catalog_changes::before.eq(text(&change.before)),
                catalog_changes::after.eq(text(&change.after)),
            ))
            .execute(conn)?;
    }
    if !ordered.is_empty() {
        diesel::update(catalog_state::table)
            .set(catalog_state::version.eq(catalog_state::version + 1))
            .execute(conn)?;
    }
    Ok(())
}

fn position<T>(list: &[T], pred: impl Fn(&T) -> bool) -> i32 {
    list.iter().position(pred).unwrap_or(0) as i32
}

fn write_one(conn: &mut DbConn, new: &Catalog, change: &Change) -> Result<(), DbError> {
    let create = change.action == Action::Create;
    match change.entity {
        Entity::Department => {
            let Some(d) = new.department(&change.code) else {
                return Ok(());
            };
            let values = (
                departments::name_zh.eq(&d.names.zh),
                departments::name_en.eq(&d.names.en),
                departments::email.eq(&d.email),
                departments::is_intake.eq(d.is_intake),
                departments::leader_username.eq(&d.leader),
                departments::address.eq(&d.contact.address),
                departments::phone.eq(&d.contact.phone),
                departments::hours.eq(&d.contact.hours),
                departments::active.eq(d.active),
            );
            if create {
                diesel::insert_into(departments::table)
                    .values((
                        departments::code.eq(&d.code),
                        departments::position.eq(position(&new.departments, |x| x.code == d.code)),
                        values,
                    ))
                    .execute(conn)?;
            } else {
                diesel::update(departments::table.filter(departments::code.eq(&d.code)))
                    .set(values)
                    .execute(conn)?;
            }
        }
        Entity::Group => {
            let Some(g) = new.group(&change.code) else {
                return Ok(());
            };
            let values = (
                category_groups::name_zh.eq(&g.names.zh),
                category_groups::name_en.eq(&g.names.en),
                category_groups::active.eq(g.active),
            );
            if create {
                diesel::insert_into(category_groups::table)
                    .values((
                        category_groups::code.eq(&g.code),
                        category_groups::position.eq(position(&new.groups, |x| x.code == g.code)),
                        values,
                    ))
                    .execute(conn)?;
            } else {
                diesel::update(category_groups::table.filter(category_groups::code.eq(&g.code)))
                    .set(values)
                    .execute(conn)?;
            }
        }
        Entity::Channel => {
            let Some(c) = new.channel(&change.code) else {
                return Ok(());
            };
            let values = (
                channels::name_zh.eq(&c.names.zh),
                channels::name_en.eq(&c.names.en),
                channels::description_zh.eq(&c.descriptions.zh),
                channels::description_en.eq(&c.descriptions.en),
                channels::reach_zh.eq(&c.reach.zh),
                channels::reach_en.eq(&c.reach.en),
                channels::active.eq(c.active),
            );
            if create {
                diesel::insert_into(channels::table)
                    .values((
                        channels::code.eq(&c.code),
                        channels::position.eq(position(&new.channels, |x| x.code == c.code)),
                        values,
                    ))
                    .execute(conn)?;
            } else {
                diesel::update(channels::table.filter(channels::code.eq(&c.code)))
                    .set(values)
                    .execute(conn)?;
            }
        }
        Entity::Area => {
            let Some(a) = new.area(&change.code) else {
                return Ok(());
            };
            let values = (
                areas::parent_code.eq(&a.parent_code),
                areas::level.eq(a.level),
                areas::name_zh.eq(&a.names.zh),
                areas::name_en.eq(&a.names.en),
                areas::active.eq(a.active),
            );
            if create {
                diesel::insert_into(areas::table)
                    .values((
                        areas::code.eq(&a.code),
                        areas::position.eq(position(&new.areas, |x| x.code == a.code)),
                        values,
                    ))
                    .execute(conn)?;
            } else {
                diesel::update(areas::table.filter(areas::code.eq(&a.code)))
                    .set(values)
                    .execute(conn)?;
            }
        }
        Entity::Category => {
            let Some(c) = new.category(&change.code) else {
                return Ok(());
            };
            let values = (
                categories::group_code.eq(&c.group_code),
                categories::name_zh.eq(&c.names.zh),
                categories::name_en.eq(&c.names.en),
                categories::urgent.eq(c.urgent),
                categories::supervisor_code.eq(&c.supervisor),
                categories::active.eq(c.active),
            );
            if create {
                diesel::insert_into(categories::table)
                    .values((
                        categories::code.eq(&c.code),
                        categories::position.eq(position(&new.categories, |x| x.code == c.code)),
                        values,
                    ))
                    .execute(conn)?;
            } else {
                diesel::update(categories::table.filter(categories::code.eq(&c.code)))
                    .set(values)
                    .execute(conn)?;
            }
            diesel::delete(category_channels::table.filter(category_channels::category_code.eq(&c.code)))
                .execute(conn)?;
            for (i, channel) in c.channel_codes.iter().enumerate() {
                diesel::insert_into(category_channels::table)
                    .values((
                        category_channels::category_code.eq(&c.code),
                        category_channels::channel_code.eq(channel),
                        category_channels::position.eq(i as i32),
                    ))
                    .execute(conn)?;
            }
        }
        Entity::Rule => match (change.action, change.id) {
            (Action::Retire, Some(id)) => {
                diesel::update(routing_rules::table.filter(routing_rules::id.eq(id)))
                    .set(routing_rules::active.eq(false))
                    .execute(conn)?;
            }
            (_, Some(id)) => {
                let department = rule_department(change);
                diesel::update(routing_rules::table.filter(routing_rules::id.eq(id)))
                    .set(routing_rules::department_code.eq(department))
                    .execute(conn)?;
            }
            (_, None) => {
                let entry: crate::domain::catalog_file::RuleEntry = change
                    .after
                    .clone()
                    .and_then(|v| serde_json::from_value(v).ok())
                    .ok_or_else(|| DbError::Invalid("a new rule without its scope".into()))?;
                diesel::insert_into(routing_rules::table)
                    .values((
                        routing_rules::category_code.eq(&entry.category),
                        routing_rules::area_code.eq(&entry.area),
                        routing_rules::department_code.eq(&entry.department),
                    ))
                    .execute(conn)?;
            }
        },
        Entity::Liaison => {
            let entry: crate::domain::catalog_file::LiaisonEntry = change
                .after
                .clone()
                .and_then(|v| serde_json::from_value(v).ok())
                .ok_or_else(|| DbError::Invalid("a liaison without its card".into()))?;
            let values = (
                liaisons::area_code.eq(&entry.area),
                liaisons::name.eq(&entry.name),
                liaisons::title.eq(&entry.title),
                liaisons::office.eq(&entry.office),
                liaisons::phone.eq(&entry.phone),
                liaisons::hours.eq(&entry.hours),
                liaisons::duties.eq(&entry.duties),
                liaisons::active.eq(entry.active),
            );
            match change.id {
                Some(id) => {
                    diesel::update(liaisons::table.filter(liaisons::id.eq(id)))
                        .set(values)
                        .execute(conn)?;
                }
                None => {
                    diesel::insert_into(liaisons::table)
                        .values(values)
                        .execute(conn)?;
                }
            }
        }
    }
    Ok(())
}

fn rule_department(change: &Change) -> String {
    change
        .after
        .as_ref()
        .and_then(|v| v.get("department"))
        .and_then(|v| v.as_str())
        .unwrap_or_default()
        .to_string()
}

/// One line of the catalogue's history.
#[derive(Debug, Clone, Queryable)]
pub struct ChangeRow {
    pub id: i32,
    pub at: chrono::NaiveDateTime,
    pub actor: String,
    pub entity: String,
    pub code: String,
    pub action: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// The newest changes first, `limit` of them, older than `before` when given.
pub fn history(conn: &mut DbConn, limit: i64, before: Option<i32>) -> Result<Vec<ChangeRow>, DbError> {
    let mut query = catalog_changes::table
        .order(catalog_changes::id.desc())
        .limit(limit)
        .into_boxed();
    if let Some(before) = before {
        query = query.filter(catalog_changes::id.lt(before));
    }
    Ok(query.load(conn)?)
}
