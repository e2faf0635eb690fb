//! The catalogue as one file (TOML, the demo city's format): what `catalog export` writes,
//! `catalog import` reads, and the admin API takes entry by entry. Merging a file into
//! the catalogue in force creates and updates but never deletes; what the file leaves out
//! is reported, and retired only when asked.
//!
//! ```toml
//! [[department]]   # code, zh, en, email?, intake?, reviewer?, leader?, address?, phone?, hours?, active?
//! [[area]]         # code, parent?, zh, en, active?   (level follows from the tree)
//! [[channel]]      # code, zh, en, description_zh, description_en, reach_zh?, reach_en?, active?
//! [[group]]        # code, zh, en, active?
//! [[category]]     # code, group, zh, en, urgent?, channels?, supervisor?, active?
//! [[rule]]         # category?, area?, department   (no category: any; no area: city-wide)
//! [[liaison]]      # area, name, title, office, phone, hours?, duties?, active?
//! ```

mod convert;

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use toml::Spanned;

use super::catalog::{
    Area, Catalog, CatalogError, Category, CategoryGroup, Department, LawfulChannel, Liaison,
};
use super::routing::RoutingRule;

fn yes() -> bool {
    true
}

fn is_true(b: &bool) -> bool {
    *b
}

fn is_false(b: &bool) -> bool {
    !*b
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DepartmentEntry {
    pub code: String,
    #[serde(alias = "name_zh")]
    pub zh: String,
    #[serde(alias = "name_en")]
    pub en: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub intake: bool,
    /// The body that hears reviews of its answers (default: the intake office).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reviewer: Option<String>,
    /// The supervising leader's username.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub leader: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hours: Option<String>,
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub active: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AreaEntry {
    pub code: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    #[serde(alias = "name_zh")]
    pub zh: String,
    #[serde(alias = "name_en")]
    pub en: String,
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub active: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChannelEntry {
    pub code: String,
    #[serde(alias = "name_zh")]
    pub zh: String,
    #[serde(alias = "name_en")]
    pub en: String,
    /// What it handles.
    pub description_zh: String,
    pub description_en: String,
    /// How to reach it.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reach_zh: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reach_en: String,
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub active: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GroupEntry {
    pub code: String,
    #[serde(alias = "name_zh")]
    pub zh: String,
    #[serde(alias = "name_en")]
    pub en: String,
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub active: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CategoryEntry {
    pub code: String,
    pub group: String,
    #[serde(alias = "name_zh")]
    pub zh: String,
    #[serde(alias = "name_en")]
    pub en: String,
    #[serde(default, skip_serializing_if = "is_false")]
    pub urgent: bool,
    /// Lawful channels for matters of this kind, by code.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub channels: Vec<String>,
    /// For reports about officials: the supervisory body (a department code).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supervisor: Option<String>,
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub active: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleEntry {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub area: Option<String>,
    pub department: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LiaisonEntry {
    pub area: String,
    pub name: String,
    pub title: String,
    pub office: String,
    /// An office phone: what is printed on the card and shown in the directory.
    pub phone: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub hours: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub duties: String,
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub active: bool,
}

/// Whether a code can be one: 1 to 40 letters, digits, `-` or `_` (official division
/// codes are 12 digits; the demo's are `LJ-BS-XH`).
pub fn is_code(code: &str) -> bool {
    (1..=40).contains(&code.len())
        && code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// The first thing wrong with an entry's own fields: (field, what is wrong).
pub trait Checked {
    fn problem(&self) -> Option<(&'static str, &'static str)>;
}

fn name_problem(field: &'static str, text: &str, max: usize) -> Option<(&'static str, &'static str)> {
    let chars = text.trim().chars().count();
    if chars == 0 {
        Some((field, "is required"))
    } else if chars > max {
        Some((field, "is too long"))
    } else {
        None
    }
}

fn code_problem(code: &str) -> Option<(&'static str, &'static str)> {
    (!is_code(code)).then_some(("code", "must be 1 to 40 letters, digits, - or _"))
}

impl Checked for DepartmentEntry {
    fn problem(&self) -> Option<(&'static str, &'static str)> {
        code_problem(&self.code)
            .or_else(|| name_problem("zh", &self.zh, 100))
            .or_else(|| name_problem("en", &self.en, 200))
            .or_else(|| {
                self.email
                    .as_deref()
                    .filter(|e| !e.is_empty() && !e.contains('@'))
                    .map(|_| ("email", "is not an email address"))
            })
    }
}

impl Checked for AreaEntry {
    fn problem(&self) -> Option<(&'static str, &'static str)> {
        code_problem(&self.code)
            .or_else(|| name_problem("zh", &self.zh, 100))
            .or_else(|| name_problem("en", &self.en, 200))
    }
}

impl Checked for ChannelEntry {
    fn problem(&self) -> Option<(&'static str, &'static str)> {
        code_problem(&self.code)
            .or_else(|| name_problem("zh", &self.zh, 100))
            .or_else(|| name_problem("en", &self.en, 200))
            .or_else(|| name_problem("description_zh", &self.description_zh, 1000))
            .or_else(|| name_problem("description_en", &self.description_en, 2000))
    }
}

impl Checked for GroupEntry {
    fn problem(&self) -> Option<(&'static str, &'static str)> {
        code_problem(&self.code)
            .or_else(|| name_problem("zh", &self.zh, 100))
            .or_else(|| name_problem("en", &self.en, 200))
    }
}

impl Checked for CategoryEntry {
    fn problem(&self) -> Option<(&'static str, &'static str)> {
        code_problem(&self.code)
            .or_else(|| name_problem("zh", &self.zh, 100))
            .or_else(|| name_problem("en", &self.en, 200))
    }
}

impl Checked for RuleEntry {
    fn problem(&self) -> Option<(&'static str, &'static str)> {
        name_problem("department", &self.department, 40)
    }
}

impl Checked for LiaisonEntry {
    fn problem(&self) -> Option<(&'static str, &'static str)> {
        name_problem("name", &self.name, 50)
            .or_else(|| name_problem("title", &self.title, 100))
            .or_else(|| name_problem("office", &self.office, 100))
            .or_else(|| name_problem("phone", &self.phone, 40))
            .or_else(|| (self.duties.chars().count() > 500).then_some(("duties", "is too long")))
            .or_else(|| (self.hours.chars().count() > 100).then_some(("hours", "is too long")))
    }
}

/// A whole catalogue, as written by an export.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogFile {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub department: Vec<DepartmentEntry>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub area: Vec<AreaEntry>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub channel: Vec<ChannelEntry>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub group: Vec<GroupEntry>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub category: Vec<CategoryEntry>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rule: Vec<RuleEntry>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub liaison: Vec<LiaisonEntry>,
}

/// A file as read, each entry with where it stands (for messages by line).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct SpannedFile {
    #[serde(default)]
    department: Vec<Spanned<DepartmentEntry>>,
    #[serde(default)]
    area: Vec<Spanned<AreaEntry>>,
    #[serde(default)]
    channel: Vec<Spanned<ChannelEntry>>,
    #[serde(default)]
    group: Vec<Spanned<GroupEntry>>,
    #[serde(default)]
    category: Vec<Spanned<CategoryEntry>>,
    #[serde(default)]
    rule: Vec<Spanned<RuleEntry>>,
    #[serde(default)]
    liaison: Vec<Spanned<LiaisonEntry>>,
}

/// Why a file (or one entry) is refused; `line` is 1-based where known.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{message}", line.map(|l| format!("line {l}: ")).unwrap_or_default())]
pub struct FileError {
    pub line: Option<usize>,
    pub message: String,
}

impl FileError {
    pub fn new(line: Option<usize>, message: impl Into<String>) -> Self {
        FileError {
            line,
            message: message.into(),
        }
    }
}

/// A read file: its entries and the line each one starts on.
#[derive(Debug, Clone, Default)]
pub struct ParsedFile {
    pub file: CatalogFile,
    lines: HashMap<(&'static str, String), usize>,
}

impl ParsedFile {
    /// An entry given without a file (the API): no lines to report.
    pub fn of(file: CatalogFile) -> Self {
        ParsedFile {
            file,
            lines: HashMap::new(),
        }
    }

    /// Entries read from elsewhere (a CSV), with the row each came from.
    pub fn with_lines(
        file: CatalogFile,
        lines: impl IntoIterator<Item = ((&'static str, String), usize)>,
    ) -> Self {
        ParsedFile {
            file,
            lines: lines.into_iter().collect(),
        }
    }

    fn line(&self, what: &'static str, code: &str) -> Option<usize> {
        self.lines.get(&(what, code.to_string())).copied()
    }
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

/// The key a rule is known by in messages and the history: `category/area`, `*` for any.
pub fn rule_key(category: Option<&str>, area: Option<&str>) -> String {
    format!("{}/{}", category.unwrap_or("*"), area.unwrap_or("*"))
}

fn liaison_key(area: &str, name: &str) -> String {
    format!("{area}/{name}")
}

/// Reads a catalogue file; a syntax error or an unknown field is refused with its line.
pub fn parse(text: &str) -> Result<ParsedFile, FileError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let spanned: SpannedFile = toml::from_str(text).map_err(|e| {
        let line = e.span().map(|s| line_of(text, s.start));
        FileError::new(line, e.message().to_string())
    })?;
    let mut lines = HashMap::new();
    let mut file = CatalogFile::default();
    macro_rules! take {
        ($field:ident, $what:literal, $key:expr) => {
            for entry in spanned.$field {
                let line = line_of(text, entry.span().start);
                let entry = entry.into_inner();
                #[allow(clippy::redundant_closure_call)]
                let key: String = ($key)(&entry);
                if let Some((field, problem)) = entry.problem() {
                    return Err(FileError::new(
                        Some(line),
                        format!("{} {key}: {field} {problem}", $what),
                    ));
                }
                if lines.insert(($what, key.clone()), line).is_some() {
                    return Err(FileError::new(
                        Some(line),
                        format!("{} {key} appears twice", $what),
                    ));
                }
                file.$field.push(entry);
            }
        };
    }
    take!(department, "department", |e: &DepartmentEntry| e.code.clone());
    take!(area, "area", |e: &AreaEntry| e.code.clone());
    take!(channel, "channel", |e: &ChannelEntry| e.code.clone());
    take!(group, "group", |e: &GroupEntry| e.code.clone());
    take!(category, "category", |e: &CategoryEntry| e.code.clone());
    take!(rule, "rule", |e: &RuleEntry| rule_key(
        e.category.as_deref(),
        e.area.as_deref()
    ));
    take!(liaison, "liaison", |e: &LiaisonEntry| liaison_key(
        &e.area, &e.name
    ));
    Ok(ParsedFile { file, lines })
}

/// The catalogue in force as a file, retired entries included (marked `active = false`).
pub fn export(catalog: &Catalog) -> CatalogFile {
    CatalogFile {
        department: catalog.departments.iter().map(DepartmentEntry::from).collect(),
        area: catalog.areas.iter().map(AreaEntry::from).collect(),
        channel: catalog.channels.iter().map(ChannelEntry::from).collect(),
        group: catalog.groups.iter().map(GroupEntry::from).collect(),
        category: catalog.categories.iter().map(CategoryEntry::from).collect(),
        rule: catalog.routing().rules().map(RuleEntry::from).collect(),
        liaison: catalog.liaisons.iter().map(LiaisonEntry::from).collect(),
    }
}

const HEADER: &str = "# Huiying catalogue: departments, areas, lawful channels, category groups, categories,
# routing rules and liaison cards. Codes are permanent; `active = false` marks a retired
# entry. Apply with `huiying catalog import FILE [--dry-run] [--retire-missing]`.
";

/// The file's text, with a short header that says how to apply it.
pub fn to_toml(file: &CatalogFile) -> Result<String, FileError> {
    let body = toml::to_string(file).map_err(|e| FileError::new(None, e.to_string()))?;
    Ok(format!("{HEADER}\n{body}"))
}

/// What a merge made of the file.
#[derive(Debug, Clone)]
pub struct Merged {
    pub catalog: Catalog,
    /// Entries in force that the file does not mention (`entity`, key).
    pub missing: Vec<(&'static str, String)>,
}

/// Applies `parsed` onto `current`: entries are matched by code (rules by scope, liaisons
/// by area and name), created or updated; none is deleted. What the file leaves out is
/// listed, and retired when `retire_missing`. The result is checked as a whole: a broken
/// reference is refused with the line of the entry that makes it.
pub fn merge(current: &Catalog, parsed: &ParsedFile, retire_missing: bool) -> Result<Merged, FileError> {
    let file = &parsed.file;
    let mut missing = Vec::new();

    fn upsert<T: Clone>(list: &mut Vec<T>, code_of: impl Fn(&T) -> String, new: impl IntoIterator<Item = T>) {
        for item in new {
            match list.iter().position(|x| code_of(x) == code_of(&item)) {
                Some(i) => list[i] = item,
                None => list.push(item),
            }
        }
    }
    /// Lists the active entries the file does not mention, retiring them when asked.
    fn unmentioned<T>(
        list: &mut [T],
        code_of: impl Fn(&T) -> String,
        active: impl Fn(&mut T) -> &mut bool,
        mentioned: &[String],
        (what, retire): (&'static str, bool),
        missing: &mut Vec<(&'static str, String)>,
    ) {
        for item in list.iter_mut() {
            let code = code_of(item);
            let flag = active(item);
            if *flag && !mentioned.contains(&code) {
                missing.push((what, code));
                if retire {
                    *flag = false;
                }
            }
        }
    }

    let mut departments = current.departments.clone();
    upsert(
        &mut departments,
        |d| d.code.clone(),
        file.department.iter().map(Department::from),
    );
    let codes: Vec<String> = file.department.iter().map(|d| d.code.clone()).collect();
    unmentioned(
        &mut departments,
        |x| x.code.clone(),
        |x| &mut x.active,
        &codes,
        ("department", retire_missing),
        &mut missing,
    );

    let mut areas = current.areas.clone();
    upsert(&mut areas, |a| a.code.clone(), file.area.iter().map(Area::from));
    let codes: Vec<String> = file.area.iter().map(|a| a.code.clone()).collect();
    unmentioned(
        &mut areas,
        |x| x.code.clone(),
        |x| &mut x.active,
        &codes,
        ("area", retire_missing),
        &mut missing,
    );
    let areas = with_levels(areas).map_err(|code| {
        FileError::new(
            parsed.line("area", &code),
            format!(
                "area {code}: its parent does not exist, forms a cycle, or is more than three levels deep"
            ),
        )
    })?;

    let mut channels = current.channels.clone();
    upsert(
        &mut channels,
        |c| c.code.clone(),
        file.channel.iter().map(LawfulChannel::from),
    );
    let codes: Vec<String> = file.channel.iter().map(|c| c.code.clone()).collect();
    unmentioned(
        &mut channels,
        |x| x.code.clone(),
        |x| &mut x.active,
        &codes,
        ("channel", retire_missing),
        &mut missing,
    );

    let mut groups = current.groups.clone();
    upsert(
        &mut groups,
        |g| g.code.clone(),
        file.group.iter().map(CategoryGroup::from),
    );
    let codes: Vec<String> = file.group.iter().map(|g| g.code.clone()).collect();
    unmentioned(
        &mut groups,
        |x| x.code.clone(),
        |x| &mut x.active,
        &codes,
        ("group", retire_missing),
        &mut missing,
    );

    let mut categories = current.categories.clone();
    upsert(
        &mut categories,
        |c| c.code.clone(),
        file.category.iter().map(Category::from),
    );
    let codes: Vec<String> = file.category.iter().map(|c| c.code.clone()).collect();
    unmentioned(
        &mut categories,
        |x| x.code.clone(),
        |x| &mut x.active,
        &codes,
        ("category", retire_missing),
        &mut missing,
    );

    // Rules: the file's scope keeps the id of the rule in force for it; new ones get
    // stand-in ids below zero until the database gives them theirs.
    let mut rules: Vec<RoutingRule> = current.routing().rules().cloned().collect();
    let mut next_new = -1;
    for r in &file.rule {
        match rules
            .iter_mut()
            .find(|x| x.category_code == r.category && x.area_code == r.area)
        {
            Some(existing) => existing.department_code = r.department.clone(),
            None => {
                rules.push(RoutingRule {
                    id: next_new,
                    category_code: r.category.clone(),
                    area_code: r.area.clone(),
                    department_code: r.department.clone(),
                });
                next_new -= 1;
            }
        }
    }
    let mentioned: Vec<String> = file
        .rule
        .iter()
        .map(|r| rule_key(r.category.as_deref(), r.area.as_deref()))
        .collect();
    for r in current.routing().rules() {
        let key = rule_key(r.category_code.as_deref(), r.area_code.as_deref());
        if !mentioned.contains(&key) {
            missing.push(("rule", key));
        }
    }
    if retire_missing {
        rules.retain(|r| mentioned.contains(&rule_key(r.category_code.as_deref(), r.area_code.as_deref())));
    }

    let mut liaisons = current.liaisons.clone();
    for l in &file.liaison {
        let new = Liaison::from(l);
        match liaisons
            .iter_mut()
            .find(|x| x.area_code == l.area && x.name == l.name)
        {
            Some(existing) => {
                *existing = Liaison {
                    id: existing.id,
                    ..new
                }
            }
            None => liaisons.push(new),
        }
    }
    let keys: Vec<String> = file
        .liaison
        .iter()
        .map(|l| liaison_key(&l.area, &l.name))
        .collect();
    for l in liaisons.iter_mut() {
        if l.active && !keys.contains(&liaison_key(&l.area_code, &l.name)) {
            missing.push(("liaison", liaison_key(&l.area_code, &l.name)));
            if retire_missing {
                l.active = false;
            }
        }
    }

    let catalog = Catalog::new(departments, areas, groups, categories, channels, rules)
        .and_then(|c| c.with_liaisons(liaisons))
        .map_err(|e| refused(parsed, e))?;
    Ok(Merged { catalog, missing })
}

/// A refusal with the line of the entry it is about.
fn refused(parsed: &ParsedFile, error: CatalogError) -> FileError {
    let line = match &error {
        CatalogError::TwoIntakes(_, code) => parsed.line("department", code),
        CatalogError::BrokenAreaTree(code) => parsed.line("area", code),
        CatalogError::UnknownSupervisor(code) => parsed.line("category", code),
        CatalogError::UnknownReference { what, code, .. } => parsed.line(what, code),
    };
    FileError::new(line, error.to_string())
}

/// Sets each area's level from the tree (a root is 1); the code of the first area whose
/// parent is missing, that sits in a cycle or lies deeper than three levels otherwise.
pub fn with_levels(mut areas: Vec<Area>) -> Result<Vec<Area>, String> {
    let parents: HashMap<String, Option<String>> = areas
        .iter()
        .map(|a| (a.code.clone(), a.parent_code.clone()))
        .collect();
    for area in &mut areas {
        let mut level = 1;
        let mut at = area.parent_code.clone();
        while let Some(parent) = at {
            level += 1;
            if level > 3 {
                return Err(area.code.clone());
            }
            at = parents.get(&parent).ok_or_else(|| area.code.clone())?.clone();
        }
        area.level = level;
    }
    Ok(areas)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::catalog::fixture;

    const SMALL: &str = r#"
[[department]]
code = "intake"
zh = "信访局"
en = "Petitions Office"
intake = true

[[department]]
code = "roads"
zh = "交通局"
en = "Roads"

[[area]]
code = "330100000000"
zh = "县"
en = "County"

[[area]]
code = "330101000000"
parent = "330100000000"
zh = "镇"
en = "Town"

[[group]]
code = "g"
zh = "城建"
en = "Building"

[[category]]
code = "potholes"
group = "g"
zh = "道路坑洼"
en = "Potholes"

[[rule]]
category = "potholes"
department = "roads"
"#;

    fn empty() -> Catalog {
        Catalog::new(
            vec![fixture::dept("intake", true)],
            vec![],
            vec![],
            vec![],
            vec![],
            vec![],
        )
        .expect("catalog")
    }

    #[test]
    fn a_file_merges_into_an_empty_catalogue_with_levels_from_the_tree() {
        let parsed = parse(SMALL).expect("parses");
        let merged = merge(&empty(), &parsed, false).expect("merges");
        let c = merged.catalog;
        assert_eq!(c.departments.len(), 2);
        assert_eq!(c.area("330101000000").map(|a| a.level), Some(2));
        assert_eq!(c.intake().names.zh, "信访局");
        let d = c.route_case("potholes", &["330101000000", "330100000000"], None);
        assert_eq!(d.department_code, "roads");
        assert!(merged.missing.is_empty(), "{:?}", merged.missing);
    }

    #[test]
    fn an_export_reads_back_as_the_same_catalogue() {
        let c = merge(&empty(), &parse(SMALL).unwrap(), false).unwrap().catalog;
        let text = to_toml(&export(&c)).unwrap();
        let again = merge(&c, &parse(&text).unwrap(), false).unwrap();
        assert!(again.missing.is_empty());
        assert_eq!(export(&again.catalog), export(&c));
    }

    #[test]
    fn a_broken_reference_is_refused_with_its_line() {
        let text = SMALL.replace("department = \"roads\"", "department = \"nobody\"");
        let err = merge(&empty(), &parse(&text).unwrap(), false).unwrap_err();
        assert_eq!(
            err.line,
            Some(text.find("[[rule]]").map(|o| line_of(&text, o)).unwrap())
        );
        assert!(err.message.contains("nobody"), "{err}");

        let text = SMALL.replace("parent = \"330100000000\"", "parent = \"999\"");
        let err = merge(&empty(), &parse(&text).unwrap(), false).unwrap_err();
        assert!(err.message.contains("330101000000"), "{err}");
        assert!(err.line.is_some());
    }

    #[test]
    fn duplicates_syntax_errors_and_unknown_fields_are_refused_with_their_line() {
        let twice = format!("{SMALL}\n[[group]]\ncode = \"g\"\nzh = \"x\"\nen = \"x\"\n");
        let err = parse(&twice).unwrap_err();
        assert!(err.message.contains("twice") && err.line.is_some(), "{err}");
        let err =
            parse("[[department]]\ncode = \"a\"\nzh = \"甲\"\nen = \"A\"\ncolour = \"red\"\n").unwrap_err();
        assert!(err.message.contains("colour"), "{err}");
        assert!(parse("[[area]\n").unwrap_err().line == Some(1));
    }

    #[test]
    fn what_a_file_leaves_out_is_reported_and_retired_only_when_asked() {
        let c = merge(&empty(), &parse(SMALL).unwrap(), false).unwrap().catalog;
        let less = SMALL.replace("[[rule]]\ncategory = \"potholes\"\ndepartment = \"roads\"\n", "");
        let kept = merge(&c, &parse(&less).unwrap(), false).unwrap();
        assert_eq!(kept.missing, vec![("rule", "potholes/*".to_string())]);
        assert_eq!(kept.catalog.routing().len(), 1);
        let retired = merge(&c, &parse(&less).unwrap(), true).unwrap();
        assert_eq!(retired.catalog.routing().len(), 0);
    }

    #[test]
    fn levels_follow_the_tree_and_stop_at_three() {
        let area = |code: &str, parent: Option<&str>| fixture::area(code, parent, 0);
        let areas = with_levels(vec![area("v", Some("t")), area("t", Some("c")), area("c", None)]).unwrap();
        assert_eq!(areas.iter().map(|a| a.level).collect::<Vec<_>>(), [3, 2, 1]);
        assert_eq!(
            with_levels(vec![
                area("x", Some("v")),
                area("v", Some("t")),
                area("t", Some("c")),
                area("c", None)
            ]),
            Err("x".into())
        );
        assert_eq!(
            with_levels(vec![area("a", Some("b")), area("b", Some("a"))]),
            Err("a".into())
        );
    }
}
