//! Reference data: load the whole catalogue, insert new entries.

use diesel::prelude::*;

use super::conn::{DbConn, DbError};
use super::schema::{
    areas, categories, category_channels, category_groups, channels, departments, routing_rules,
};
use crate::domain::catalog::{
    Area, Catalog, CatalogError, Category, CategoryGroup, Department, LawfulChannel,
};
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
        )>(conn)?
        .into_iter()
        .map(
            |(code, zh, en, email, is_intake, reviewer, leader, (address, phone, hours))| Department {
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
        ))
        .load::<(String, Option<String>, i32, String, String)>(conn)?
        .into_iter()
        .map(|(code, parent_code, level, zh, en)| Area {
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
        ))
        .load::<(String, String, String)>(conn)?
        .into_iter()
        .map(|(code, zh, en)| CategoryGroup {
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
        ))
        .load::<(String, String, String, String, bool, Option<String>)>(conn)?
        .into_iter()
        .map(|(code, group_code, zh, en, urgent, supervisor)| {
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
        ))
        .load::<(String, String, String, String, String)>(conn)?
        .into_iter()
        .map(|(code, zh, en, dzh, den)| LawfulChannel {
            code,
            names: Names::new(zh, en),
            descriptions: Names::new(dzh, den),
        })
        .collect();
    let rules = routing_rules::table
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
    Ok(Catalog::new(depts, area_rows, groups, cats, chans, rules)?)
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
    Ok(added)
}
