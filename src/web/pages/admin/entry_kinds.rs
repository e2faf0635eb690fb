//! The six kinds of catalogue entry the administrators' pages edit, and each one's
//! fields (named as in the catalogue file).

use serde_json::Value;

use crate::domain::catalog::Catalog;
use crate::domain::catalog_file::{LiaisonEntry, export};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Departments,
    Areas,
    Groups,
    Categories,
    Channels,
    Liaisons,
}

/// How a field is typed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Input {
    Text,
    Long,
    Check,
    /// Codes separated by commas or spaces (a category's channels).
    Codes,
}

impl Kind {
    pub fn parse(path: &str) -> Option<Kind> {
        Some(match path {
            "departments" => Kind::Departments,
            "areas" => Kind::Areas,
            "groups" => Kind::Groups,
            "categories" => Kind::Categories,
            "channels" => Kind::Channels,
            "liaisons" => Kind::Liaisons,
            _ => return None,
        })
    }

    pub fn path(self) -> &'static str {
        match self {
            Kind::Departments => "departments",
            Kind::Areas => "areas",
            Kind::Groups => "groups",
            Kind::Categories => "categories",
            Kind::Channels => "channels",
            Kind::Liaisons => "liaisons",
        }
    }

    /// The form's fields, in order (named as in the catalogue file).
    pub fn fields(self) -> &'static [(&'static str, Input)] {
        use Input::*;
        match self {
            Kind::Departments => &[
                ("code", Text),
                ("zh", Text),
                ("en", Text),
                ("email", Text),
                ("leader", Text),
                ("reviewer", Text),
                ("address", Text),
                ("phone", Text),
                ("hours", Text),
                ("intake", Check),
                ("active", Check),
            ],
            Kind::Areas => &[
                ("code", Text),
                ("parent", Text),
                ("zh", Text),
                ("en", Text),
                ("active", Check),
            ],
            Kind::Groups => &[("code", Text), ("zh", Text), ("en", Text), ("active", Check)],
            Kind::Categories => &[
                ("code", Text),
                ("group", Text),
                ("zh", Text),
                ("en", Text),
                ("channels", Codes),
                ("supervisor", Text),
                ("urgent", Check),
                ("active", Check),
            ],
            Kind::Channels => &[
                ("code", Text),
                ("zh", Text),
                ("en", Text),
                ("description_zh", Long),
                ("description_en", Long),
                ("reach_zh", Text),
                ("reach_en", Text),
                ("active", Check),
            ],
            Kind::Liaisons => &[
                ("area", Text),
                ("name", Text),
                ("title", Text),
                ("office", Text),
                ("phone", Text),
                ("hours", Text),
                ("duties", Long),
                ("active", Check),
            ],
        }
    }

    /// Every entry of this kind as (key, label, in use, its fields as JSON).
    pub fn rows(self, catalog: &Catalog) -> Vec<(String, String, bool, Value)> {
        let file = export(catalog);
        let json = |v: &dyn erased::Json| v.json();
        match self {
            Kind::Departments => file
                .department
                .iter()
                .map(|e| (e.code.clone(), e.zh.clone(), e.active, json(e)))
                .collect(),
            Kind::Areas => file
                .area
                .iter()
                .map(|e| (e.code.clone(), e.zh.clone(), e.active, json(e)))
                .collect(),
            Kind::Groups => file
                .group
                .iter()
                .map(|e| (e.code.clone(), e.zh.clone(), e.active, json(e)))
                .collect(),
            Kind::Categories => file
                .category
                .iter()
                .map(|e| (e.code.clone(), e.zh.clone(), e.active, json(e)))
                .collect(),
            Kind::Channels => file
                .channel
                .iter()
                .map(|e| (e.code.clone(), e.zh.clone(), e.active, json(e)))
                .collect(),
            Kind::Liaisons => catalog
                .liaisons
                .iter()
                .map(|l| {
                    let label = format!("{} · {} ({})", l.name, l.title, l.area_code);
                    (l.id.to_string(), label, l.active, json(&LiaisonEntry::from(l)))
                })
                .collect(),
        }
    }
}

mod erased {
    /// Any entry as JSON, without naming its type.
    pub trait Json {
        fn json(&self) -> serde_json::Value;
    }
    impl<T: serde::Serialize> Json for T {
        fn json(&self) -> serde_json::Value {
            serde_json::to_value(self).unwrap_or_default()
        }
    }
}
