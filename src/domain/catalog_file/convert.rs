//! Each entry of the catalogue file to the domain's type and back.

use super::{AreaEntry, CategoryEntry, ChannelEntry, DepartmentEntry, GroupEntry, LiaisonEntry, RuleEntry};
use crate::domain::catalog::{Area, Category, CategoryGroup, Contact, Department, LawfulChannel, Liaison};
use crate::domain::locale::Names;
use crate::domain::routing::RoutingRule;

impl From<&Department> for DepartmentEntry {
    fn from(d: &Department) -> Self {
        DepartmentEntry {
            code: d.code.clone(),
            zh: d.names.zh.clone(),
            en: d.names.en.clone(),
            email: d.email.clone(),
            intake: d.is_intake,
            reviewer: d.reviewer.clone(),
            leader: d.leader.clone(),
            address: d.contact.address.clone(),
            phone: d.contact.phone.clone(),
            hours: d.contact.hours.clone(),
            active: d.active,
        }
    }
}

impl From<&DepartmentEntry> for Department {
    fn from(d: &DepartmentEntry) -> Self {
        let some = |v: &Option<String>| v.clone().filter(|s| !s.trim().is_empty());
        Department {
            code: d.code.clone(),
            names: Names::new(&d.zh, &d.en),
            email: some(&d.email),
            is_intake: d.intake,
            reviewer: some(&d.reviewer),
            leader: some(&d.leader),
            contact: Contact {
                address: some(&d.address),
                phone: some(&d.phone),
                hours: some(&d.hours),
            },
            active: d.active,
        }
    }
}

impl From<&Area> for AreaEntry {
    fn from(a: &Area) -> Self {
        AreaEntry {
            code: a.code.clone(),
            parent: a.parent_code.clone(),
            zh: a.names.zh.clone(),
            en: a.names.en.clone(),
            active: a.active,
        }
    }
}

impl From<&AreaEntry> for Area {
    fn from(a: &AreaEntry) -> Self {
        Area {
            code: a.code.clone(),
            parent_code: a.parent.clone().filter(|p| !p.is_empty()),
            level: 0,
            names: Names::new(&a.zh, &a.en),
            active: a.active,
        }
    }
}

impl From<&LawfulChannel> for ChannelEntry {
    fn from(c: &LawfulChannel) -> Self {
        ChannelEntry {
            code: c.code.clone(),
            zh: c.names.zh.clone(),
            en: c.names.en.clone(),
            description_zh: c.descriptions.zh.clone(),
            description_en: c.descriptions.en.clone(),
            reach_zh: c.reach.zh.clone(),
            reach_en: c.reach.en.clone(),
            active: c.active,
        }
    }
}

impl From<&ChannelEntry> for LawfulChannel {
    fn from(c: &ChannelEntry) -> Self {
        LawfulChannel {
            code: c.code.clone(),
            names: Names::new(&c.zh, &c.en),
            descriptions: Names::new(&c.description_zh, &c.description_en),
            reach: Names::new(&c.reach_zh, &c.reach_en),
            active: c.active,
        }
    }
}

impl From<&CategoryGroup> for GroupEntry {
    fn from(g: &CategoryGroup) -> Self {
        GroupEntry {
            code: g.code.clone(),
            zh: g.names.zh.clone(),
            en: g.names.en.clone(),
            active: g.active,
        }
    }
}

impl From<&GroupEntry> for CategoryGroup {
    fn from(g: &GroupEntry) -> Self {
        CategoryGroup {
            code: g.code.clone(),
            names: Names::new(&g.zh, &g.en),
            active: g.active,
        }
    }
}

impl From<&Category> for CategoryEntry {
    fn from(c: &Category) -> Self {
        CategoryEntry {
            code: c.code.clone(),
            group: c.group_code.clone(),
            zh: c.names.zh.clone(),
            en: c.names.en.clone(),
            urgent: c.urgent,
            channels: c.channel_codes.clone(),
            supervisor: c.supervisor.clone(),
            active: c.active,
        }
    }
}

impl From<&CategoryEntry> for Category {
    fn from(c: &CategoryEntry) -> Self {
        Category {
            code: c.code.clone(),
            group_code: c.group.clone(),
            names: Names::new(&c.zh, &c.en),
            urgent: c.urgent,
            channel_codes: c.channels.clone(),
            supervisor: c.supervisor.clone().filter(|s| !s.is_empty()),
            active: c.active,
        }
    }
}

impl From<&RoutingRule> for RuleEntry {
    fn from(r: &RoutingRule) -> Self {
        RuleEntry {
            category: r.category_code.clone(),
            area: r.area_code.clone(),
            department: r.department_code.clone(),
        }
    }
}

impl From<&Liaison> for LiaisonEntry {
    fn from(l: &Liaison) -> Self {
        LiaisonEntry {
            area: l.area_code.clone(),
            name: l.name.clone(),
            title: l.title.clone(),
            office: l.office.clone(),
            phone: l.phone.clone(),
            hours: l.hours.clone(),
            duties: l.duties.clone(),
            active: l.active,
        }
    }
}

impl From<&LiaisonEntry> for Liaison {
    fn from(l: &LiaisonEntry) -> Self {
        Liaison {
            id: 0,
            area_code: l.area.clone(),
            name: l.name.clone(),
            title: l.title.clone(),
            office: l.office.clone(),
            phone: l.phone.clone(),
            hours: l.hours.clone(),
            duties: l.duties.clone(),
            active: l.active,
        }
    }
}
