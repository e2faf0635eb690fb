//! The catalogue's entries on administrators' pages: departments, areas, category groups,
//! categories, lawful channels and liaison cards, each listed with a form to add one and
//! a form to change one (retiring is unticking "in use"). One page shape for all six;
//! the fields of each kind are data.

use std::collections::{BTreeMap, HashMap};

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use askama::Template;
use serde::Deserialize;
use serde_json::{Map, Value};

use super::SavedQuery;
use super::entry_kinds::{Input, Kind};
use crate::domain::catalog::Catalog;
use crate::service::catalogue::{self, Edit, Entry};
use crate::web::App;
use crate::web::auth::SignedIn;
use crate::web::error::{Localize, PageError};
use crate::web::forms::{Posted, Refused, shown};
use crate::web::pages::{PageCtx, html, see_other};

pub struct Field {
    pub name: &'static str,
    pub input: Input,
    pub value: String,
    pub checked: bool,
    pub error: Option<String>,
}

/// A form as posted: its token and its fields by name (a hidden `active=false` before the
/// checkbox makes an unticked box say so).
#[derive(Deserialize)]
pub struct EntryForm {
    #[serde(default)]
    csrf: String,
    #[serde(flatten)]
    fields: HashMap<String, String>,
}
crate::web::forms::csrf_field!(EntryForm);

/// The posted fields as the entry's JSON: ticks as booleans, code lists as arrays, empty
/// optional fields left out.
fn to_json(kind: Kind, posted: &HashMap<String, String>) -> Value {
    let mut object = Map::new();
    for (name, input) in kind.fields() {
        let raw = posted.get(*name).map(|v| v.trim()).unwrap_or("");
        let value = match input {
            Input::Check => Value::Bool(raw == "true"),
            Input::Codes => Value::Array(
                raw.split([',', ' ', '，', '、'])
                    .filter(|c| !c.is_empty())
                    .map(|c| Value::String(c.to_string()))
                    .collect(),
            ),
            Input::Text | Input::Long if raw.is_empty() => continue,
            Input::Text | Input::Long => Value::String(raw.to_string()),
        };
        object.insert((*name).to_string(), value);
    }
    Value::Object(object)
}

/// The edit the form asks for, or why it cannot be read.
fn edit_of(
    kind: Kind,
    key: Option<&str>,
    posted: &HashMap<String, String>,
) -> Result<Edit, serde_json::Error> {
    let mut json = to_json(kind, posted);
    if let (Some(key), Some(object)) = (key, json.as_object_mut())
        && kind != Kind::Liaisons
    {
        // Codes are permanent: the one in the address is the one changed.
        object.insert("code".into(), Value::String(key.to_string()));
    }
    let entry = match kind {
        Kind::Departments => Entry::Department(serde_json::from_value(json)?),
        Kind::Areas => Entry::Area(serde_json::from_value(json)?),
        Kind::Groups => Entry::Group(serde_json::from_value(json)?),
        Kind::Categories => Entry::Category(serde_json::from_value(json)?),
        Kind::Channels => Entry::Channel(serde_json::from_value(json)?),
        Kind::Liaisons => {
            return Ok(Edit::Liaison {
                id: key.and_then(|k| k.parse().ok()),
                entry: serde_json::from_value(json)?,
            });
        }
    };
    Ok(if key.is_some() {
        Edit::Update(entry)
    } else {
        Edit::Create(entry)
    })
}

pub struct Row {
    pub key: String,
    pub label: String,
    pub active: bool,
}

#[derive(Template)]
#[template(path = "admin_entries.html")]
struct EntriesPage {
    page: PageCtx,
    kind: &'static str,
    rows: Vec<Row>,
    /// The entry being changed, or none for "add one".
    editing: Option<String>,
    fields: Vec<Field>,
    errors: BTreeMap<String, String>,
    saved: bool,
}

impl EntriesPage {
    fn title(&self) -> &'static str {
        self.page.t(&format!("catalog_admin.{}", self.kind))
    }

    fn label(&self, field: &str) -> String {
        self.page.t(&format!("catalog_admin.field_{field}")).to_string()
    }
}

fn fields_of(kind: Kind, values: &Value, errors: &BTreeMap<String, String>) -> Vec<Field> {
    kind.fields()
        .iter()
        .map(|(name, input)| {
            let value = values.get(*name);
            Field {
                name,
                input: *input,
                value: match value {
                    Some(Value::String(s)) => s.clone(),
                    Some(Value::Array(codes)) => codes
                        .iter()
                        .filter_map(Value::as_str)
                        .collect::<Vec<_>>()
                        .join(", "),
                    _ => String::new(),
                },
                // A new entry is in use unless unticked; others only where set.
                checked: match value {
                    Some(Value::Bool(b)) => *b,
                    _ => *name == "active",
                },
                error: errors.get(*name).cloned(),
            }
        })
        .collect()
}

#[allow(clippy::too_many_arguments)]
fn render(
    page: PageCtx,
    catalog: &Catalog,
    kind: Kind,
    editing: Option<String>,
    values: Value,
    errors: BTreeMap<String, String>,
    saved: bool,
    status: StatusCode,
) -> HttpResponse {
    let rows = kind
        .rows(catalog)
        .into_iter()
        .map(|(key, label, active, _)| Row { key, label, active })
        .collect();
    let view = EntriesPage {
        fields: fields_of(kind, &values, &errors),
        kind: kind.path(),
        rows,
        editing,
        errors,
        saved,
        page,
    };
    html(status, view.render())
}

#[derive(Deserialize)]
pub struct EditQuery {
    edit: Option<String>,
    saved: Option<String>,
}

#[get("/admin/catalog/{kind}")]
pub async fn list(
    req: HttpRequest,
    session: Session,
    state: web::Data<App>,
    SignedIn(user): SignedIn,
    path: web::Path<String>,
    query: web::Query<EditQuery>,
) -> Result<HttpResponse, PageError> {
    let page = PageCtx::staff(&req, &session, &user);
    let kind = Kind::parse(&path)
        .ok_or_else(crate::web::error::AppError::not_found)
        .page(page.locale())?;
    let catalog = catalogue::in_force(&state, &user).page(page.locale())?;
    let editing = query.edit.clone().filter(|e| !e.is_empty());
    let values = match &editing {
        Some(key) => kind
            .rows(&catalog)
            .into_iter()
            .find(|(k, ..)| k == key)
            .map(|(.., json)| json)
            .ok_or_else(crate::web::error::AppError::not_found)
            .page(page.locale())?,
        None => Value::Null,
    };
    let saved = SavedQuery {
        saved: query.saved.clone(),
    }
    .saved();
    Ok(render(
        page,
        &catalog,
        kind,
        editing,
        values,
        BTreeMap::new(),
        saved,
        StatusCode::OK,
    ))
}

/// Adds an entry (`key` empty) or changes the entry `key`.
#[post("/admin/catalog/{kind}")]
pub async fn save(
    req: HttpRequest,
    session: Session,
    state: web::Data<App>,
    SignedIn(user): SignedIn,
    path: web::Path<String>,
    query: web::Query<EditQuery>,
    posted: Posted<EntryForm>,
) -> Result<HttpResponse, PageError> {
    let page = PageCtx::staff(&req, &session, &user);
    let locale = page.locale();
    let kind = Kind::parse(&path)
        .ok_or_else(crate::web::error::AppError::not_found)
        .page(locale)?;
    let editing = query.edit.clone().filter(|e| !e.is_empty());
    let fields = posted.form.fields.clone();
    let result: Result<(), Refused> = async {
        posted.fresh()?;
        let edit = edit_of(kind, editing.as_deref(), &fields).map_err(|e| {
            crate::domain::field_error::FieldErrors::single(
                "form",
                crate::domain::field_error::FieldError::new("err.catalog").with("message", e),
            )
        })?;
        catalogue::edit(&state, &user, edit).await?;
        Ok(())
    }
    .await;
    match result {
        Ok(()) => Ok(see_other(&format!("/admin/catalog/{}?saved=1", kind.path()))),
        Err(refused) => {
            let shown = shown(page.tr, refused).page(locale)?;
            let catalog = state.catalog();
            let values = to_json(kind, &fields);
            let mut errors = shown.errors;
            if let Some(message) = errors.remove("catalog") {
                errors.insert("form".into(), message);
            }
            Ok(render(
                page,
                &catalog,
                kind,
                editing,
                values,
                errors,
                false,
                shown.status,
            ))
        }
    }
}
