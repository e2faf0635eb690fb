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
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CategoryGroup {
    pub code: String,
    pub names: Names,
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
}

/// A lawful channel (court, arbitration, 12315 …) for what the petition procedure does
/// not handle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LawfulChannel {
    pub code: String,
    pub names: Names,
    pub descriptions: Names,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CatalogError {
    #[error("there is no intake office: exactly one department must be the intake office")]
    NoIntake,
    #[error("area {0} names a parent that does not exist or forms a cycle")]
    BrokenAreaTree(String),
    #[error("category {0} names a supervisory body that is not a department")]
    UnknownSupervisor(String),
}

/// All reference data, with lookups by code. Lists keep their display order.
#[derive(Debug, Clone)]
pub struct Catalog {
    pub departments: Vec<Department>,
    pub areas: Vec<Area>,
    pub groups: Vec<CategoryGroup>,
    pub categories: Vec<Category>,
    pub channels: Vec<LawfulChannel>,
    routing: RoutingTable,
    department_index: HashMap<String, usize>,
    area_index: HashMap<String, usize>,
    category_index: HashMap<String, usize>,
    intake: usize,
}

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
        let intake = departments
            .iter()
            .position(|d| d.is_intake)
            .ok_or(CatalogError::NoIntake)?;
        let catalog = Catalog {
            departments,
            areas,
            groups,
            categories,
            channels,
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
        Ok(catalog)
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

    pub fn intake(&self) -> &Department {
        &self.departments[self.intake]
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

    /// Areas grouped for a form: each level-2 area with its children, after the roots.
    pub fn area_children(&self, parent: &str) -> impl Iterator<Item = &Area> {
        self.areas
            .iter()
            .filter(move |a| a.parent_code.as_deref() == Some(parent))
    }

    pub fn categories_in<'a>(&'a self, group: &'a str) -> impl Iterator<Item = &'a Category> {
        self.categories.iter().filter(move |c| c.group_code == group)
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
        }
    }

    pub fn area(code: &str, parent: Option<&str>, level: i32) -> Area {
        Area {
            code: code.into(),
            parent_code: parent.map(Into::into),
            level,
            names: Names::new(code, code),
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
    fn a_catalog_needs_an_intake_office() {
        let err = Catalog::new(vec![dept("env", false)], vec![], vec![], vec![], vec![], vec![]);
        assert_eq!(err.err(), Some(CatalogError::NoIntake));
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
