//! The routing decision. A rule names a category (or any) and an area (or anywhere) and
//! the department that handles it. Precedence, most specific first:
//!
//! 1. a rule for this category, at the case's area, then each area above it, then anywhere;
//! 2. the same walk for rules that apply to any category;
//! 3. no rule: the intake office, which places it by hand.
//!
//! Competence by subject beats competence by place: a wage complaint from a village goes
//! to the labour bureau even where the village has a catch-all rule.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoutingRule {
    pub id: i32,
    pub category_code: Option<String>,
    pub area_code: Option<String>,
    pub department_code: String,
}

/// What placed a case, recorded on its timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "by", rename_all = "snake_case")]
pub enum RouteReason {
    Rule {
        rule_id: i32,
        category: Option<String>,
        area: Option<String>,
    },
    NoRule,
    /// A report about an official, sent to the body that supervises officials.
    Supervisor,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoutingDecision {
    pub department_code: String,
    pub reason: RouteReason,
}

impl RoutingDecision {
    pub fn rule_id(&self) -> Option<i32> {
        match self.reason {
            RouteReason::Rule { rule_id, .. } => Some(rule_id),
            RouteReason::NoRule | RouteReason::Supervisor => None,
        }
    }
}

/// Rules indexed by their scope for a handful of hash lookups per decision.
#[derive(Debug, Clone, Default)]
pub struct RoutingTable {
    by_scope: HashMap<(Option<String>, Option<String>), RoutingRule>,
}

impl RoutingTable {
    pub fn new(rules: Vec<RoutingRule>) -> Self {
        let mut by_scope = HashMap::with_capacity(rules.len());
        for rule in rules {
            let scope = (rule.category_code.clone(), rule.area_code.clone());
            // Duplicate scopes cannot come from the database (unique index); if a caller
            // passes them anyway, the lowest id wins so the decision stays deterministic.
            by_scope
                .entry(scope)
                .and_modify(|existing: &mut RoutingRule| {
                    if rule.id < existing.id {
                        *existing = rule.clone();
                    }
                })
                .or_insert(rule);
        }
        RoutingTable { by_scope }
    }

    /// The rules in force, oldest first; new ones (stand-in ids below zero) last.
    pub fn rules(&self) -> impl Iterator<Item = &RoutingRule> {
        let mut rules: Vec<&RoutingRule> = self.by_scope.values().collect();
        rules.sort_by_key(|r| (r.id <= 0, r.id.abs()));
        rules.into_iter()
    }

    /// The rule of exactly this scope, if any.
    pub fn rule_for(&self, category: Option<&str>, area: Option<&str>) -> Option<&RoutingRule> {
        self.by_scope
            .get(&(category.map(str::to_string), area.map(str::to_string)))
    }

    pub fn len(&self) -> usize {
        self.by_scope.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_scope.is_empty()
    }

    /// Decides where a case of `category` in the area whose path to the root is
    /// `area_path` (most specific first) goes.
    pub fn route(&self, category: &str, area_path: &[&str], intake_code: &str) -> RoutingDecision {
        for cat in [Some(category), None] {
            let areas = area_path.iter().map(|a| Some(*a)).chain([None]);
            for area in areas {
                let key = (cat.map(str::to_string), area.map(str::to_string));
                if let Some(rule) = self.by_scope.get(&key) {
                    return RoutingDecision {
                        department_code: rule.department_code.clone(),
                        reason: RouteReason::Rule {
                            rule_id: rule.id,
                            category: rule.category_code.clone(),
                            area: rule.area_code.clone(),
                        },
                    };
                }
            }
        }
        RoutingDecision {
            department_code: intake_code.to_string(),
            reason: RouteReason::NoRule,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PATH: [&str; 3] = ["village", "town", "city"];

    fn rule(id: i32, category: Option<&str>, area: Option<&str>, dept: &str) -> RoutingRule {
        RoutingRule {
            id,
            category_code: category.map(Into::into),
            area_code: area.map(Into::into),
            department_code: dept.into(),
        }
    }

    fn route(rules: Vec<RoutingRule>) -> (String, Option<i32>) {
        let d = RoutingTable::new(rules).route("noise", &PATH, "intake");
        let id = d.rule_id();
        (d.department_code, id)
    }

    #[test]
    fn no_rule_goes_to_the_intake_office() {
        let d = RoutingTable::new(vec![]).route("noise", &PATH, "intake");
        assert_eq!(d.department_code, "intake");
        assert_eq!(d.reason, RouteReason::NoRule);
    }

    #[test]
    fn rules_for_other_categories_or_areas_do_not_apply() {
        let rules = vec![
            rule(1, Some("roads"), None, "transport"),
            rule(2, Some("noise"), Some("other-town"), "elsewhere"),
            rule(3, None, Some("other-village"), "elsewhere"),
        ];
        assert_eq!(route(rules), ("intake".into(), None));
    }

    #[test]
    fn deeper_area_wins_within_the_category() {
        let rules = vec![
            rule(1, Some("noise"), None, "anywhere"),
            rule(2, Some("noise"), Some("city"), "city"),
            rule(3, Some("noise"), Some("town"), "town"),
            rule(4, Some("noise"), Some("village"), "village"),
        ];
        assert_eq!(route(rules.clone()), ("village".into(), Some(4)));
        assert_eq!(route(rules[..3].to_vec()), ("town".into(), Some(3)));
        assert_eq!(route(rules[..2].to_vec()), ("city".into(), Some(2)));
        assert_eq!(route(rules[..1].to_vec()), ("anywhere".into(), Some(1)));
    }

    #[test]
    fn a_category_rule_anywhere_beats_a_catch_all_in_the_village() {
        let rules = vec![
            rule(1, None, Some("village"), "village-catch-all"),
            rule(2, Some("noise"), None, "environment"),
        ];
        assert_eq!(route(rules), ("environment".into(), Some(2)));
    }

    #[test]
    fn catch_all_rules_walk_up_the_tree_too() {
        let rules = vec![
            rule(1, None, None, "everything"),
            rule(2, None, Some("town"), "town-office"),
        ];
        assert_eq!(route(rules.clone()), ("town-office".into(), Some(2)));
        assert_eq!(route(rules[..1].to_vec()), ("everything".into(), Some(1)));
    }

    #[test]
    fn the_reason_names_the_rule_scope() {
        let d = RoutingTable::new(vec![rule(9, Some("noise"), Some("town"), "env")])
            .route("noise", &PATH, "intake");
        assert_eq!(
            d.reason,
            RouteReason::Rule {
                rule_id: 9,
                category: Some("noise".into()),
                area: Some("town".into())
            }
        );
    }

    #[test]
    fn duplicate_scopes_resolve_to_the_lowest_id() {
        let rules = vec![
            rule(5, Some("noise"), Some("town"), "later"),
            rule(2, Some("noise"), Some("town"), "earlier"),
        ];
        assert_eq!(route(rules), ("earlier".into(), Some(2)));
    }

    /// Every combination of the eight possible scopes (4 areas incl. "anywhere" × specific
    /// or any category): the winner is always the applicable rule with the highest
    /// (category specificity, area depth).
    #[test]
    fn precedence_holds_for_every_subset_of_scopes() {
        type Scope<'a> = (Option<&'a str>, Option<&'a str>, (u8, u8));
        let scopes: Vec<Scope> = {
            let mut s = Vec::new();
            for (cat, cat_rank) in [(Some("noise"), 1u8), (None, 0u8)] {
                for (area, depth) in [
                    (Some("village"), 3u8),
                    (Some("town"), 2),
                    (Some("city"), 1),
                    (None, 0),
                ] {
                    s.push((cat, area, (cat_rank, depth)));
                }
            }
            s
        };
        for mask in 0u32..(1 << scopes.len()) {
            let chosen: Vec<_> = scopes
                .iter()
                .enumerate()
                .filter(|(i, _)| mask & (1 << i) != 0)
                .collect();
            let rules = chosen
                .iter()
                .map(|(i, (c, a, _))| rule(*i as i32 + 1, *c, *a, &format!("d{i}")))
                .collect();
            let expected = chosen
                .iter()
                .max_by_key(|(_, (_, _, rank))| *rank)
                .map(|(i, _)| (format!("d{i}"), Some(*i as i32 + 1)))
                .unwrap_or(("intake".into(), None));
            assert_eq!(route(rules), expected, "mask {mask:#b}");
        }
    }
}
