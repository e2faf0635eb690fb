//! Reference data held in memory: departments, the area tree, categories and their lawful
//! channels, routing rules. Loaded from the database at start-up; read on every filing.

use std::collections::HashMap;

use super::locale::Names;
use super::routing::{RouteReason, RoutingDecision, RoutingRule, RoutingTable};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Department {
    pub code: String,
    pub names: Names,
    /// Where the department's notifications go.
    pub email: Option<String>,
    /// The intake office (信访办): receives what no rule places.
    pub is_intake: bool,
    /// The body that hears review requests (复查) against this department's answers;
    /// `None` means the intake office.
    pub reviewer: Option<String>,
    /// The leader (username) who supervises the department and hears its escalations.
    pub leader: Option<String>,
    /// How the public reaches it: the contact page shows the intake office's.
    pub contact: Contact,
    /// Retired departments keep their cases' history but are offered nowhere.
    pub active: bool,
}

/// A department's address, telephone and opening hours, as the public reads them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Contact {
    pub address: Option<String>,
    pub phone: Option<String>,
    pub hours: Option<String>,
}

/// City (1) → town or street (2) → village or community (3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Area {
    pub code: String,
    pub parent_code: Option<String>,
    pub level: i32,
    pub names: Names,
    pub active: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CategoryGroup {
    pub code: String,
    pub names: Names,
    pub active: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Category {
    pub code: String,
    pub group_code: String,
    pub names: Names,
    /// Safety hazards and the like: the form shows emergency numbers first.
    pub urgent: bool,
    /// Lawful channels for matters of this kind outside the petition procedure.
    pub channel_codes: Vec<String>,
    /// Set for reports about officials (检举控告): the supervisory body that alone
    /// handles them, whatever the routing rules say.
    pub supervisor: Option<String>,
    pub active: bool,
}

/// A lawful channel (court, arbitration, 12315 …) for what the petition procedure does
/// not handle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LawfulChannel {
    pub code: String,
    pub names: Names,
    /// What it handles.
    pub descriptions: Names,
    /// How to reach it: address, telephone, website.
    pub reach: Names,
    pub active: bool,
}

/// A liaison card (联系卡): who answers for an area, as they agreed to be published.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Liaison {
    pub id: i32,
    pub area_code: String,
    pub name: String,
    /// Their position, e.g. 镇党委委员.
    pub title: String,
    /// Department or office.
    pub office: String,
    /// An office phone: never a private one (the form says so).
    pub phone: String,
    pub hours: String,
    pub duties: String,
    pub active: bool,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CatalogError {
    #[error("two departments are marked as the intake office: {0} and {1}")]
    TwoIntakes(String, String),
    #[error("area {0} names a parent that does not exist or forms a cycle")]
    BrokenAreaTree(String),
    #[error("category {0} names a supervisory body that is not a department")]
    UnknownSupervisor(String),
    #[error("{what} {code} names {field} {target}, which does not exist")]
    UnknownReference {
        what: &'static str,
        code: String,
        field: &'static str,
        target: String,
    },
}

/// All reference data, with lookups by code. Lists keep their display order.
#[derive(Debug, Clone)]
pub struct Catalog {
    pub departments: Vec<Department>,
    pub areas: Vec<Area>,
    pub groups: Vec<CategoryGroup>,
    pub categories: Vec<Category>,
    pub channels: Vec<LawfulChannel>,
    /// Liaison cards, by area.
    pub liaisons: Vec<Liaison>,
    routing: RoutingTable,
    department_index: HashMap<String, usize>,
    area_index: HashMap<String, usize>,
    category_index: HashMap<String, usize>,
    /// None until a county has entered its intake office: nothing can be filed then.
    intake: Option<usize>,
}

/// Stands in for the intake office of a catalogue that has none yet (a county still
/// setting up): it is never stored, and [`Catalog::is_set_up`] keeps filings out.
static UNSET_INTAKE: std::sync::LazyLock<Department> = std::sync::LazyLock::new(|| Department {
    code: String::new(),
    names: Names::new("信访部门（尚未设置）", "Petitions office (not set up yet)"),
    email: None,
    is_intake: true,
    reviewer: None,
    leader: None,
    contact: Contact::default(),
    active: false,
});

impl Catalog {
    pub fn new(
        departments: Vec<Department>,
        areas: Vec<Area>,
        groups: Vec<CategoryGroup>,
        categories: Vec<Category>,
        channels: Vec<LawfulChannel>,
        rules: Vec<RoutingRule>,
    ) -> Result<Self, CatalogError> {
        let index = |codes: Vec<&String>| -> HashMap<String, usize> {
            codes
                .into_iter()
                .enumerate()
                .map(|(i, c)| (c.clone(), i))
                .collect()
        };
        let department_index = index(departments.iter().map(|d| &d.code).collect());
        let area_index = index(areas.iter().map(|a| &a.code).collect());
        let category_index = index(categories.iter().map(|c| &c.code).collect());
        let mut intakes = departments.iter().enumerate().filter(|(_, d)| d.is_intake);
        let intake = intakes.next().map(|(i, _)| i);
        if let (Some(first), Some((_, second))) = (intake, intakes.next()) {
            return Err(CatalogError::TwoIntakes(
                departments[first].code.clone(),
                second.code.clone(),
            ));
        }
        let catalog = Catalog {
            departments,
            areas,
            groups,
            categories,
            channels,
            liaisons: Vec::new(),
            routing: RoutingTable::new(rules),
            department_index,
            area_index,
            category_index,
            intake,
        };
        for area in &catalog.areas {
            if catalog.area_path(&area.code).is_none() {
                return Err(CatalogError::BrokenAreaTree(area.code.clone()));
            }
        }
        if let Some(category) = catalog.categories.iter().find(|c| {
            c.supervisor
                .as_deref()
                .is_some_and(|s| catalog.department(s).is_none())
        }) {
            return Err(CatalogError::UnknownSupervisor(category.code.clone()));
        }
        catalog.check_references()?;
        Ok(catalog)
    }

    /// Every code one entry names exists.
    fn check_references(&self) -> Result<(), CatalogError> {
        let missing = |what, code: &str, field, target: &str| CatalogError::UnknownReference {
            what,
            code: code.to_string(),
            field,
            target: target.to_string(),
        };
        for d in &self.departments {
            if let Some(r) = d.reviewer.as_deref().filter(|r| self.department(r).is_none()) {
                return Err(missing("department", &d.code, "reviewer", r));
            }
        }
        for c in &self.categories {
            if self.group(&c.group_code).is_none() {
                return Err(missing("category", &c.code, "group", &c.group_code));
            }
            if let Some(ch) = c.channel_codes.iter().find(|ch| self.channel(ch).is_none()) {
                return Err(missing("category", &c.code, "channel", ch));
            }
        }
        for r in self.routing.rules() {
            let scope = format!(
                "{}/{}",
                r.category_code.as_deref().unwrap_or("*"),
                r.area_code.as_deref().unwrap_or("*")
            );
            if let Some(c) = r.category_code.as_deref().filter(|c| self.category(c).is_none()) {
                return Err(missing("rule", &scope, "category", c));
            }
            if let Some(a) = r.area_code.as_deref().filter(|a| self.area(a).is_none()) {
                return Err(missing("rule", &scope, "area", a));
            }
            if self.department(&r.department_code).is_none() {
                return Err(missing("rule", &scope, "department", &r.department_code));
            }
        }
        Ok(())
    }

    /// The same catalogue with its liaison cards.
    pub fn with_liaisons(mut self, liaisons: Vec<Liaison>) -> Result<Self, CatalogError> {
        if let Some(l) = liaisons.iter().find(|l| self.area(&l.area_code).is_none()) {
            return Err(CatalogError::UnknownReference {
                what: "liaison",
                code: l.name.clone(),
                field: "area",
                target: l.area_code.clone(),
            });
        }
        self.liaisons = liaisons;
        Ok(self)
    }

    /// Whether anything can be filed yet: a category, an area and an intake office that
    /// are in use.
    pub fn is_set_up(&self) -> bool {
        self.categories.iter().any(|c| c.active)
            && self.areas.iter().any(|a| a.active)
            && self.intake().active
    }

    /// The liaisons of an area, then of each area above it, nearest first.
    pub fn liaisons_for(&self, area: &str) -> Vec<(&Area, Vec<&Liaison>)> {
        self.area_path(area)
            .unwrap_or_default()
            .into_iter()
            .filter_map(|code| self.area(code))
            .map(|a| {
                let cards = self
                    .liaisons
                    .iter()
                    .filter(|l| l.active && l.area_code == a.code)
                    .collect();
                (a, cards)
            })
            .collect()
    }

    pub fn department(&self, code: &str) -> Option<&Department> {
        self.department_index.get(code).map(|&i| &self.departments[i])
    }

    pub fn area(&self, code: &str) -> Option<&Area> {
        self.area_index.get(code).map(|&i| &self.areas[i])
    }

    pub fn category(&self, code: &str) -> Option<&Category> {
        self.category_index.get(code).map(|&i| &self.categories[i])
    }

    pub fn channel(&self, code: &str) -> Option<&LawfulChannel> {
        self.channels.iter().find(|c| c.code == code)
    }

    pub fn group(&self, code: &str) -> Option<&CategoryGroup> {
        self.groups.iter().find(|g| g.code == code)
    }

    /// The intake office, or a stand-in while there is none (see [`Catalog::is_set_up`]).
    /// The categories of reports about officials: never public, never on the board or in
    /// a liaison's view or ledger.
    pub fn report_categories(&self) -> Vec<String> {
        self.categories
            .iter()
            .filter(|c| c.supervisor.is_some())
            .map(|c| c.code.clone())
            .collect()
    }

    pub fn intake(&self) -> &Department {
        match self.intake {
            Some(i) => &self.departments[i],
            None => &UNSET_INTAKE,
        }
    }

    /// Where a new case goes. A report about an official goes to the category's
    /// supervisory body, or to the intake office when that body is the one concerned;
    /// everything else follows the routing rules.
    pub fn route_case(&self, category: &str, area_path: &[&str], concerned: Option<&str>) -> RoutingDecision {
        let intake = &self.intake().code;
        match self.category(category).and_then(|c| c.supervisor.as_deref()) {
            Some(supervisor) if Some(supervisor) != concerned && self.department(supervisor).is_some() => {
                RoutingDecision {
                    department_code: supervisor.to_string(),
                    reason: RouteReason::Supervisor,
                }
            }
            Some(_) => RoutingDecision {
                department_code: intake.clone(),
                reason: RouteReason::Supervisor,
            },
            None => self.routing.route(category, area_path, intake),
        }
    }

    /// Where a case of `category` in `area` would go and why: the decision and the area
    /// codes routing walked (from the area up to the rule's area, or to the root).
    pub fn explain(&self, category: &str, area: &str) -> Option<(RoutingDecision, Vec<String>)> {
        let path = self.area_path(area)?;
        self.category(category)?;
        let decision = self.route_case(category, &path, None);
        let stop = match &decision.reason {
            RouteReason::Rule { area: Some(at), .. } => path.iter().position(|p| p == at),
            _ => None,
        };
        let walked = path
            .iter()
            .take(stop.map_or(path.len(), |i| i + 1))
            .map(|c| c.to_string())
            .collect();
        Some((decision, walked))
    }

    /// The (category, area) pairs in use that no rule covers: they go to the intake
    /// office by hand. Reports about officials go to their body and are never listed.
    pub fn uncovered(&self) -> Vec<(&Category, &Area)> {
        let intake = &self.intake().code;
        let mut out = Vec::new();
        for c in self
            .categories
            .iter()
            .filter(|c| c.active && c.supervisor.is_none())
        {
            for a in self.areas.iter().filter(|a| a.active) {
                let path = self.area_path(&a.code).unwrap_or_default();
                if self.routing.route(&c.code, &path, intake).reason == RouteReason::NoRule {
                    out.push((c, a));
                }
            }
        }
        out
    }

    /// Where a review of `department`'s answer goes.
    pub fn reviewer_of(&self, department: &str) -> &str {
        self.department(department)
            .and_then(|d| d.reviewer.as_deref())
            .filter(|r| self.department(r).is_some() && *r != department)
            .unwrap_or(&self.intake().code)
    }

    pub fn routing(&self) -> &RoutingTable {
        &self.routing
    }

    /// The codes from `code` up to the root (most specific first), or `None` when the
    /// area is unknown or the tree is broken.
    pub fn area_path(&self, code: &str) -> Option<Vec<&str>> {
        let mut path = Vec::new();
        let mut current = self.area(code)?;
        loop {
            path.push(current.code.as_str());
            match &current.parent_code {
                None => return Some(path),
                Some(parent) => {
                    if path.len() > self.areas.len() {
                        return None;
                    }
                    current = self.area(parent)?;
                }
            }
        }
    }

    /// The codes of `root` and every area under it (a town with its villages).
    pub fn subtree(&self, root: &str) -> Vec<String> {
        self.areas
            .iter()
            .filter(|a| self.area_path(&a.code).is_some_and(|path| path.contains(&root)))
            .map(|a| a.code.clone())
            .collect()
    }

    /// Areas grouped for a form: each level-2 area with its children, after the roots.
    pub fn area_children(&self, parent: &str) -> impl Iterator<Item = &Area> {
        self.areas
            .iter()
            .filter(move |a| a.parent_code.as_deref() == Some(parent))
    }

    pub fn categories_in<'a>(&'a self, group: &'a str) -> impl Iterator<Item = &'a Category> {
        self.categories.iter().filter(move |c| c.group_code == group)
    }

    /// What a form offers: entries in use, not the retired.
    pub fn offered_categories_in<'a>(&'a self, group: &'a str) -> impl Iterator<Item = &'a Category> {
        self.categories_in(group).filter(|c| c.active)
    }
}

#[cfg(test)]
pub(crate) mod fixture {
    //! A small catalogue for unit tests.
    use super::*;

    pub fn dept(code: &str, intake: bool) -> Department {
        Department {
            code: code.into(),
            names: Names::new(code, code),
            email: None,
            is_intake: intake,
            reviewer: None,
            leader: None,
            contact: Contact::default(),
            active: true,
        }
    }

    pub fn area(code: &str, parent: Option<&str>, level: i32) -> Area {
        Area {
            code: code.into(),
            parent_code: parent.map(Into::into),
            level,
            names: Names::new(code, code),
            active: true,
        }
    }

    pub fn category(code: &str) -> Category {
        Category {
            code: code.into(),
            group_code: "g".into(),
            names: Names::new(code, code),
            urgent: false,
            channel_codes: vec![],
            supervisor: None,
            active: true,
        }
    }

    pub fn catalog(rules: Vec<RoutingRule>) -> Catalog {
        Catalog::new(
            vec![
                dept("intake", true),
                dept("env", false),
                dept("town", false),
                dept("village", false),
            ],
            vec![
                area("city", None, 1),
                area("town", Some("city"), 2),
                area("village", Some("town"), 3),
                area("other-town", Some("city"), 2),
            ],
            vec![CategoryGroup {
                code: "g".into(),
                names: Names::new("g", "g"),
                active: true,
            }],
            vec![
                category("noise"),
                category("roads"),
                Category {
                    supervisor: Some("env".into()),
                    ..category("report")
                },
            ],
            vec![],
            rules,
        )
        .expect("valid fixture")
    }
}

#[cfg(test)]
mod tests {
    use super::fixture::*;
    use super::*;

    #[test]
    fn area_path_walks_up_to_the_root() {
        let c = catalog(vec![]);
        assert_eq!(c.area_path("village"), Some(vec!["village", "town", "city"]));
        assert_eq!(c.area_path("city"), Some(vec!["city"]));
        assert_eq!(c.area_path("nowhere"), None);
    }

    #[test]
    fn nothing_is_filed_without_an_intake_office_and_there_is_only_one() {
        let c = Catalog::new(
            vec![dept("env", false)],
            vec![area("c", None, 1)],
            vec![],
            vec![category("noise")],
            vec![],
            vec![],
        );
        // The category names group g, which this catalogue lacks.
        assert!(c.is_err());
        let c = Catalog::new(
            vec![dept("env", false)],
            vec![area("c", None, 1)],
            vec![],
            vec![],
            vec![],
            vec![],
        )
        .unwrap();
        assert!(!c.is_set_up());
        assert!(!c.intake().active && c.intake().code.is_empty());
        let full = catalog(vec![]);
        assert!(full.is_set_up());
        let two = Catalog::new(
            vec![dept("a", true), dept("b", true)],
            vec![],
            vec![],
            vec![],
            vec![],
            vec![],
        );
        assert_eq!(two.err(), Some(CatalogError::TwoIntakes("a".into(), "b".into())));
    }

    #[test]
    fn a_report_about_an_official_goes_to_the_supervisor_whatever_the_rules() {
        let everything_to_town = vec![RoutingRule {
            id: 1,
            category_code: None,
            area_code: Some("town".into()),
            department_code: "town".into(),
        }];
        let c = catalog(everything_to_town);
        let path = ["village", "town", "city"];
        let report = c.route_case("report", &path, Some("town"));
        assert_eq!(report.department_code, "env");
        assert_eq!(report.reason, RouteReason::Supervisor);
        assert_eq!(c.route_case("report", &path, None).department_code, "env");
        // When the supervisor itself is concerned, the intake office places it.
        let about_env = c.route_case("report", &path, Some("env"));
        assert_eq!(about_env.department_code, "intake");
        assert_eq!(about_env.reason, RouteReason::Supervisor);
        // Other categories follow the rules, whatever is said to be concerned.
        assert_eq!(c.route_case("noise", &path, Some("town")).department_code, "town");
    }

    #[test]
    fn a_supervisor_must_be_a_department() {
        let err = Catalog::new(
            vec![dept("intake", true)],
            vec![],
            vec![],
            vec![Category {
                supervisor: Some("nobody".into()),
                ..category("report")
            }],
            vec![],
            vec![],
        );
        assert_eq!(err.err(), Some(CatalogError::UnknownSupervisor("report".into())));
    }

    #[test]
    fn explain_names_the_rule_and_the_areas_walked() {
        let c = catalog(vec![RoutingRule {
            id: 7,
            category_code: Some("noise".into()),
            area_code: Some("town".into()),
            department_code: "env".into(),
        }]);
        let (decision, walked) = c.explain("noise", "village").unwrap();
        assert_eq!(decision.department_code, "env");
        assert_eq!(walked, ["village", "town"]);
        let (decision, walked) = c.explain("roads", "village").unwrap();
        assert_eq!(decision.reason, RouteReason::NoRule);
        assert_eq!(walked, ["village", "town", "city"]);
        assert!(c.explain("roads", "nowhere").is_none());
        assert!(c.explain("nothing", "village").is_none());
        let uncovered: Vec<(&str, &str)> = c
            .uncovered()
            .iter()
            .map(|(c, a)| (c.code.as_str(), a.code.as_str()))
            .collect();
        assert!(uncovered.contains(&("roads", "village")));
        assert!(!uncovered.contains(&("noise", "village")) && uncovered.contains(&("noise", "other-town")));
        assert!(!uncovered.iter().any(|(c, _)| *c == "report"));
    }

    #[test]
    fn cycles_in_the_area_tree_are_refused() {
        let err = Catalog::new(
            vec![dept("intake", true)],
            vec![area("a", Some("b"), 2), area("b", Some("a"), 2)],
            vec![],
            vec![],
            vec![],
            vec![],
        );
        assert!(matches!(err, Err(CatalogError::BrokenAreaTree(_))));
    }
}
