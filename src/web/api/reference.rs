//! `/api`: the OpenAPI document as a page, for people — every operation by tag with its
//! parameters, body, answers and who may call it, then every schema field by field.
//! Rendered on the server from [`super::doc::document`]; nothing is loaded from elsewhere.

use std::sync::OnceLock;

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use askama::Template;
use serde_json::Value;

use crate::web::pages::{PageCtx, html};

/// A type as the page writes it, linked to its schema where it has one.
#[derive(Debug, Clone, Default)]
pub struct Kind {
    pub text: String,
    pub schema: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Parameter {
    pub name: String,
    pub place: String,
    pub required: bool,
    pub kind: Kind,
    pub description: String,
}

#[derive(Debug, Clone)]
pub struct Answer {
    pub status: String,
    pub description: String,
    pub kind: Option<Kind>,
    pub content_type: String,
}

#[derive(Debug, Clone)]
pub struct Operation {
    pub method: String,
    pub path: String,
    pub anchor: String,
    pub summary: String,
    pub security: Vec<String>,
    pub parameters: Vec<Parameter>,
    pub body: Option<Answer>,
    pub answers: Vec<Answer>,
    pub errors: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct Group {
    pub name: String,
    pub about: String,
    pub operations: Vec<Operation>,
}

#[derive(Debug, Clone)]
pub struct Field {
    pub name: String,
    pub kind: Kind,
    pub required: bool,
    pub description: String,
}

#[derive(Debug, Clone)]
pub struct SchemaView {
    pub name: String,
    pub description: String,
    /// What it is when it is not a plain object: an enum's values, "any of …".
    pub shape: String,
    pub parts: Vec<Kind>,
    pub fields: Vec<Field>,
}

#[derive(Debug)]
pub struct Reference {
    pub version: String,
    pub about: String,
    pub groups: Vec<Group>,
    pub schemas: Vec<SchemaView>,
}

fn text(value: &Value) -> String {
    value.as_str().unwrap_or_default().to_string()
}

fn schema_name(reference: &Value) -> Option<String> {
    reference
        .as_str()
        .map(|r| r.trim_start_matches("#/components/schemas/").to_string())
}

/// `string`, `integer | null`, `[Attachment]`, `Filed`, `map of integer` …
fn kind_of(schema: &Value) -> Kind {
    if let Some(name) = schema_name(&schema["$ref"]) {
        return Kind {
            text: name.clone(),
            schema: Some(name),
        };
    }
    for combinator in ["oneOf", "anyOf"] {
        if let Some(parts) = schema[combinator].as_array() {
            let kinds: Vec<Kind> = parts.iter().map(kind_of).collect();
            let schema = kinds.iter().find_map(|k| k.schema.clone());
            return Kind {
                text: kinds.into_iter().map(|k| k.text).collect::<Vec<_>>().join(" | "),
                schema,
            };
        }
    }
    let names: Vec<String> = match &schema["type"] {
        Value::String(name) => vec![name.clone()],
        Value::Array(names) => names.iter().map(text).collect(),
        _ => vec!["any".to_string()],
    };
    let mut link = None;
    let names: Vec<String> = names
        .into_iter()
        .map(|name| match name.as_str() {
            "array" => {
                let item = kind_of(&schema["items"]);
                link = item.schema.clone();
                format!("[{}]", item.text)
            }
            "object" if schema["additionalProperties"].is_object() => {
                let value = kind_of(&schema["additionalProperties"]);
                link = value.schema.clone();
                format!("map of {}", value.text)
            }
            _ => match schema["format"].as_str() {
                Some(format) if name != "null" => format!("{name} ({format})"),
                _ => name,
            },
        })
        .collect();
    let mut text = names.join(" | ");
    if let Some(values) = schema["enum"].as_array() {
        let values: Vec<String> = values.iter().map(|v| v.to_string()).collect();
        text = format!("{text}: {}", values.join(", "));
    }
    Kind { text, schema: link }
}

fn answer_of(status: &str, answer: &Value) -> Answer {
    let (content_type, kind) = answer["content"]
        .as_object()
        .and_then(|c| c.iter().next())
        .map(|(t, c)| (t.clone(), (!c["schema"].is_null()).then(|| kind_of(&c["schema"]))))
        .unwrap_or_default();
    Answer {
        status: status.to_string(),
        description: text(&answer["description"]),
        kind,
        content_type,
    }
}

fn operation_of(path: &str, method: &str, op: &Value) -> Operation {
    let mut answers = Vec::new();
    let mut errors = Vec::new();
    for (status, answer) in op["responses"].as_object().into_iter().flatten() {
        if status.starts_with('2') {
            answers.push(answer_of(status, answer));
        } else {
            errors.push(status.clone());
        }
    }
    let security = match op["security"].as_array() {
        None => vec![],
        Some(ways) => ways
            .iter()
            .map(|way| match way.as_object().and_then(|w| w.keys().next()) {
                Some(name) => name.clone(),
                None => "anyone".to_string(),
            })
            .collect(),
    };
    let parameters = op["parameters"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| Parameter {
            name: text(&p["name"]),
            place: text(&p["in"]),
            required: p["required"].as_bool().unwrap_or(false),
            kind: kind_of(&p["schema"]),
            description: text(&p["description"]),
        })
        .collect();
    let body = op["requestBody"]
        .is_object()
        .then(|| answer_of("", &op["requestBody"]));
    let method = method.to_uppercase();
    Operation {
        anchor: format!("{method}{}", path.replace(['/', '{', '}'], "-")),
        method,
        path: path.to_string(),
        summary: text(&op["summary"]),
        security,
        parameters,
        body,
        answers,
        errors,
    }
}

fn schema_of(name: &str, schema: &Value) -> SchemaView {
    let mut fields = Vec::new();
    let mut parts = Vec::new();
    let mut shape = String::new();
    let objects: Vec<&Value> = match schema["allOf"].as_array() {
        Some(all) => {
            for part in all.iter().filter(|p| p["$ref"].is_string()) {
                parts.push(kind_of(part));
            }
            if !parts.is_empty() {
                shape = "all of".to_string();
            }
            all.iter().filter(|p| !p["$ref"].is_string()).collect()
        }
        None => vec![schema],
    };
    for combinator in ["oneOf", "anyOf"] {
        if let Some(any) = schema[combinator].as_array() {
            shape = if combinator == "oneOf" { "one of" } else { "any of" }.to_string();
            parts = any.iter().map(kind_of).collect();
        }
    }
    for object in objects {
        let required: Vec<&str> = object["required"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        for (field, property) in object["properties"].as_object().into_iter().flatten() {
            fields.push(Field {
                name: field.clone(),
                kind: kind_of(property),
                required: required.contains(&field.as_str()),
                description: text(&property["description"]),
            });
        }
    }
    if fields.is_empty() && parts.is_empty() {
        shape = kind_of(schema).text;
    }
    SchemaView {
        name: name.to_string(),
        description: text(&schema["description"]),
        shape,
        parts,
        fields,
    }
}

/// The page's content, read once from the document.
pub fn reference() -> &'static Reference {
    static REFERENCE: OnceLock<Reference> = OnceLock::new();
    REFERENCE.get_or_init(|| {
        let doc = serde_json::to_value(super::doc::document()).unwrap_or_default();
        let mut groups: Vec<Group> = doc["tags"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|t| Group {
                name: text(&t["name"]),
                about: text(&t["description"]),
                operations: Vec::new(),
            })
            .collect();
        for (path, item) in doc["paths"].as_object().into_iter().flatten() {
            for (method, op) in item.as_object().into_iter().flatten() {
                let tag = op["tags"][0].as_str().unwrap_or_default();
                if let Some(group) = groups.iter_mut().find(|g| g.name == tag) {
                    group.operations.push(operation_of(path, method, op));
                }
            }
        }
        Reference {
            version: text(&doc["info"]["version"]),
            about: text(&doc["info"]["description"]),
            groups,
            schemas: doc["components"]["schemas"]
                .as_object()
                .into_iter()
                .flatten()
                .map(|(name, schema)| schema_of(name, schema))
                .collect(),
        }
    })
}

#[derive(Template)]
#[template(path = "api.html")]
struct ReferencePage {
    page: PageCtx,
    doc: &'static Reference,
}

/// `GET /api`.
pub async fn page(req: HttpRequest, session: Session) -> HttpResponse {
    let mut page = PageCtx::new(&req, &session);
    page.wide = true;
    html(
        StatusCode::OK,
        ReferencePage {
            page,
            doc: reference(),
        }
        .render(),
    )
}
