//! What changed between two catalogues, entry by entry: what the database writes and the
//! history shows (who, when, before and after).

use serde_json::Value;

use super::catalog::Catalog;
use super::catalog_file::{
    AreaEntry, CategoryEntry, ChannelEntry, DepartmentEntry, GroupEntry, LiaisonEntry, RuleEntry, rule_key,
};

/// The kinds of entry, in the order the database writes them (what others refer to first).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Entity {
    Department,
    Group,
    Channel,
    Area,
    Category,
    Rule,
    Liaison,
}

impl Entity {
    pub fn as_str(self) -> &'static str {
        match self {
            Entity::Department => "department",
            Entity::Group => "group",
            Entity::Channel => "channel",
            Entity::Area => "area",
            Entity::Category => "category",
            Entity::Rule => "rule",
            Entity::Liaison => "liaison",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Create,
    Update,
    /// No longer offered (kept for history).
    Retire,
    /// Back in use.
    Restore,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Update => "update",
            Action::Retire => "retire",
            Action::Restore => "restore",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub entity: Entity,
    /// The code (`category/area` for a rule, `area/name` for a liaison).
    pub code: String,
    pub action: Action,
    pub before: Option<Value>,
    pub after: Option<Value>,
    /// The rule's or liaison's id in the database, when it has one.
    pub id: Option<i32>,
}

fn json<T: serde::Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

fn action(before: Option<bool>, after: bool) -> Action {
    match (before, after) {
        (None, _) => Action::Create,
        (Some(true), false) => Action::Retire,
        (Some(false), true) => Action::Restore,
        (Some(_), _) => Action::Update,
    }
}

/// Every entry that differs, in the order they can be written.
pub fn diff(old: &Catalog, new: &Catalog) -> Vec<Change> {
    let mut changes = Vec::new();
    macro_rules! compare {
        ($entity:expr, $list:ident, $entry:ty, $code:expr) => {
            for item in &new.$list {
                let after = <$entry>::from(item);
                let code: String = ($code)(&after);
                let before = old
                    .$list
                    .iter()
                    .map(<$entry>::from)
                    .find(|b| ($code)(b) == code);
                if before.as_ref() == Some(&after) {
                    continue;
                }
                changes.push(Change {
                    entity: $entity,
                    action: action(before.as_ref().map(|b| b.active), after.active),
                    code,
                    before: before.as_ref().map(json),
                    after: Some(json(&after)),
                    id: None,
                });
            }
        };
    }
    compare!(
        Entity::Department,
        departments,
        DepartmentEntry,
        |e: &DepartmentEntry| e.code.clone()
    );
    compare!(Entity::Group, groups, GroupEntry, |e: &GroupEntry| e.code.clone());
    compare!(Entity::Channel, channels, ChannelEntry, |e: &ChannelEntry| e
        .code
        .clone());
    compare!(Entity::Area, areas, AreaEntry, |e: &AreaEntry| e.code.clone());
    compare!(
        Entity::Category,
        categories,
        CategoryEntry,
        |e: &CategoryEntry| e.code.clone()
    );

    for rule in new.routing().rules() {
        let after = RuleEntry::from(rule);
        let before = old
            .routing()
            .rule_for(rule.category_code.as_deref(), rule.area_code.as_deref());
        if before.is_some_and(|b| b.department_code == rule.department_code) {
            continue;
        }
        changes.push(Change {
            entity: Entity::Rule,
            code: rule_key(rule.category_code.as_deref(), rule.area_code.as_deref()),
            action: if before.is_some() {
                Action::Update
            } else {
                Action::Create
            },
            before: before.map(|b| json(&RuleEntry::from(b))),
            after: Some(json(&after)),
            id: before.map(|b| b.id),
        });
    }
    for rule in old.routing().rules() {
        if new
            .routing()
            .rule_for(rule.category_code.as_deref(), rule.area_code.as_deref())
            .is_none()
        {
            changes.push(Change {
                entity: Entity::Rule,
                code: rule_key(rule.category_code.as_deref(), rule.area_code.as_deref()),
                action: Action::Retire,
                before: Some(json(&RuleEntry::from(rule))),
                after: None,
                id: Some(rule.id),
            });
        }
    }

    for l in &new.liaisons {
        let after = LiaisonEntry::from(l);
        let before = old
            .liaisons
            .iter()
            .find(|b| l.id > 0 && b.id == l.id)
            .map(LiaisonEntry::from);
        if before.as_ref() == Some(&after) {
            continue;
        }
        changes.push(Change {
            entity: Entity::Liaison,
            code: format!("{}/{}", l.area_code, l.name),
            action: action(before.as_ref().map(|b| b.active), after.active),
            before: before.as_ref().map(json),
            after: Some(json(&after)),
            id: (l.id > 0).then_some(l.id),
        });
    }
    changes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::catalog::fixture;
    use crate::domain::routing::RoutingRule;

    fn rule(id: i32, category: &str, dept: &str) -> RoutingRule {
        RoutingRule {
            id,
            category_code: Some(category.into()),
            area_code: None,
            department_code: dept.into(),
        }
    }

    #[test]
    fn the_same_catalogue_has_no_changes() {
        let c = fixture::catalog(vec![rule(1, "noise", "env")]);
        assert!(diff(&c, &c).is_empty());
    }

    #[test]
    fn created_updated_retired_and_restored_entries_are_told_apart() {
        let old = fixture::catalog(vec![rule(1, "noise", "env"), rule(2, "roads", "town")]);
        let mut departments = old.departments.clone();
        departments[1].names.zh = "生态环境局".into();
        departments[2].active = false;
        departments.push(fixture::dept("new", false));
        let new = crate::domain::catalog::Catalog::new(
            departments,
            old.areas.clone(),
            old.groups.clone(),
            old.categories.clone(),
            old.channels.clone(),
            vec![rule(1, "noise", "village"), rule(-1, "report", "env")],
        )
        .unwrap();
        let got: Vec<(Entity, String, Action, Option<i32>)> = diff(&old, &new)
            .into_iter()
            .map(|c| (c.entity, c.code, c.action, c.id))
            .collect();
        assert_eq!(
            got,
            vec![
                (Entity::Department, "env".into(), Action::Update, None),
                (Entity::Department, "town".into(), Action::Retire, None),
                (Entity::Department, "new".into(), Action::Create, None),
                (Entity::Rule, "noise/*".into(), Action::Update, Some(1)),
                (Entity::Rule, "report/*".into(), Action::Create, None),
                (Entity::Rule, "roads/*".into(), Action::Retire, Some(2)),
            ]
        );
        let back = diff(&new, &old);
        assert!(
            back.iter()
                .any(|c| c.code == "town" && c.action == Action::Restore)
        );
    }
}
