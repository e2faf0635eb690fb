//! The OpenAPI document as a contract: every route the API mounts is in it, every
//! reference in it resolves, and the answers the other tests receive validate against the
//! schemas it gives (the helpers that send API requests check each answer through
//! [`check`]). The validator reads the part of JSON Schema 2020-12 that the document
//! uses, strictly: an answer with a missing required field, a wrong type or a value
//! outside an enum fails the test that received it.

use std::sync::OnceLock;

use serde_json::{Map, Value};

use crate::helpers::{Backend, spawn_app};

fn document() -> &'static Value {
    static DOCUMENT: OnceLock<Value> = OnceLock::new();
    DOCUMENT.get_or_init(|| serde_json::to_value(huiying::web::api::doc::document()).unwrap())
}

/// The documented path template a concrete path falls under: literal segments must be
/// equal, `{parameter}` takes any one; the template with most literal segments wins, as
/// the router's own order puts `/cases/similar` before `/cases/{tracking_number}`.
fn template_of(path: &str) -> Option<&'static str> {
    let path = path.split('?').next().unwrap_or(path);
    let segments: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    let paths = document()["paths"].as_object()?;
    paths
        .keys()
        .filter_map(|template| {
            let parts: Vec<&str> = template.split('/').collect();
            // An action's name may have a slash (`review/accept`): the last parameter
            // `{action}` takes the rest of the path, as the route's `{action:.+}` does.
            let tail = parts.last() == Some(&"{action}") && segments.len() > parts.len();
            if parts.len() != segments.len() && !tail {
                return None;
            }
            let mut literal = 0;
            for (part, segment) in parts.iter().zip(&segments) {
                if part.starts_with('{') {
                    continue;
                }
                if part != segment {
                    return None;
                }
                literal += 1;
            }
            Some((literal, template.as_str()))
        })
        .max_by_key(|(literal, _)| *literal)
        .map(|(_, template)| template)
}

/// Checks one answer of the API against the document: the route and the status must be
/// documented, and a JSON body must validate against the schema given for it.
pub fn check(method: &str, path: &str, status: u16, body: &Value) {
    if !path.starts_with("/api/v1/") {
        return;
    }
    let Some(template) = template_of(path) else {
        // A route that does not exist is a 404 in the error format.
        assert_eq!(
            status, 404,
            "{method} {path}: no such path in the OpenAPI document"
        );
        let error = serde_json::json!({"$ref": "#/components/schemas/ErrorBody"});
        if let Err(problem) = validate(&error, body, "$") {
            panic!("{method} {path}: the 404 is not an ErrorBody: {problem}");
        }
        return;
    };
    let operation = &document()["paths"][template][method.to_ascii_lowercase()];
    assert!(operation.is_object(), "{method} {template} is not documented");
    let answers = &operation["responses"];
    let answer = answers
        .get(status.to_string())
        .or_else(|| answers.get(format!("{}XX", status / 100)))
        .or_else(|| answers.get("default"))
        .unwrap_or_else(|| panic!("{method} {template} answered {status}, which its document does not list"));
    let Some(schema) = answer.pointer("/content/application~1json/schema") else {
        return;
    };
    if let Err(problem) = validate(schema, body, "$") {
        panic!("{method} {path} answered {status} outside its schema: {problem}\nbody: {body:#}");
    }
}

fn resolve(schema: &Value) -> &Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(reference) => {
            let name = reference.trim_start_matches("#/components/schemas/");
            let target = &document()["components"]["schemas"][name];
            assert!(target.is_object(), "unresolved reference {reference}");
            resolve(target)
        }
        None => schema,
    }
}

fn type_matches(name: &str, value: &Value) -> bool {
    match name {
        "null" => value.is_null(),
        "boolean" => value.is_boolean(),
        "integer" => value.is_i64() || value.is_u64(),
        "number" => value.is_number(),
        "string" => value.is_string(),
        "array" => value.is_array(),
        "object" => value.is_object(),
        _ => false,
    }
}

fn validate(schema: &Value, value: &Value, at: &str) -> Result<(), String> {
    let schema = resolve(schema);
    if let Some(all) = schema.get("allOf").and_then(Value::as_array) {
        for part in all {
            validate(part, value, at)?;
        }
    }
    if let Some(any) = schema.get("anyOf").and_then(Value::as_array)
        && !any.iter().any(|part| validate(part, value, at).is_ok())
    {
        return Err(format!("{at}: matches none of anyOf"));
    }
    if let Some(one) = schema.get("oneOf").and_then(Value::as_array) {
        let matching = one
            .iter()
            .filter(|part| validate(part, value, at).is_ok())
            .count();
        if matching != 1 {
            return Err(format!("{at}: matches {matching} of oneOf, not exactly one"));
        }
    }
    if let Some(kind) = schema.get("type") {
        let ok = match kind {
            Value::String(name) => type_matches(name, value),
            Value::Array(names) => names
                .iter()
                .filter_map(Value::as_str)
                .any(|n| type_matches(n, value)),
            _ => true,
        };
        if !ok {
            return Err(format!("{at}: {value} is not of type {kind}"));
        }
    }
    if let Some(allowed) = schema.get("enum").and_then(Value::as_array)
        && !allowed.contains(value)
    {
        return Err(format!(
            "{at}: {value} is not one of {}",
            Value::Array(allowed.clone())
        ));
    }
    if let (Some(object), true) = (
        value.as_object(),
        schema.get("properties").is_some() || schema.get("required").is_some(),
    ) {
        validate_object(schema, object, at)?;
    } else if let (Some(object), Some(extra)) = (value.as_object(), schema.get("additionalProperties")) {
        validate_extra(extra, object, &Map::new(), at)?;
    }
    if let (Some(items), Some(schema)) = (value.as_array(), schema.get("items")) {
        for (i, item) in items.iter().enumerate() {
            validate(schema, item, &format!("{at}[{i}]"))?;
        }
    }
    Ok(())
}

fn validate_object(schema: &Value, object: &Map<String, Value>, at: &str) -> Result<(), String> {
    for name in schema
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let name = name.as_str().unwrap_or_default();
        if !object.contains_key(name) {
            return Err(format!("{at}: required field `{name}` is missing"));
        }
    }
    let empty = Map::new();
    let properties = schema
        .get("properties")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    for (name, property) in properties {
        if let Some(value) = object.get(name) {
            validate(property, value, &format!("{at}.{name}"))?;
        }
    }
    if let Some(extra) = schema.get("additionalProperties") {
        validate_extra(extra, object, properties, at)?;
    }
    Ok(())
}

fn validate_extra(
    extra: &Value,
    object: &Map<String, Value>,
    known: &Map<String, Value>,
    at: &str,
) -> Result<(), String> {
    for (name, value) in object.iter().filter(|(name, _)| !known.contains_key(*name)) {
        match extra {
            Value::Bool(false) => return Err(format!("{at}: field `{name}` is not in the schema")),
            Value::Object(_) => validate(extra, value, &format!("{at}.{name}"))?,
            _ => {}
        }
    }
    Ok(())
}

/// The routes as the handlers declare them (`#[get("/…")]` and the like, in
/// `src/web/api/`), each as (method, path under `/api/v1`, with `{name:regex}` as `{name}`).
fn declared_routes() -> Vec<(String, String)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/web/api");
    let mut routes = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let macro_paths: Vec<(String, String)> =
            text.lines().filter_map(|line| macro_path(line.trim())).collect();
        for (method, route) in macro_paths {
            if route.starts_with('$') {
                // A macro's routes: its invocations name them.
                continue;
            }
            routes.push((method, route));
        }
        // The entries! macro: `"/admin/departments", "/admin/departments/{code}"` per kind.
        if text.contains("macro_rules! entries") {
            let quoted: Vec<&str> = text
                .lines()
                .map(str::trim)
                .filter(|l| l.starts_with("\"/admin/"))
                .map(|l| l.trim_end_matches(',').trim_matches('"'))
                .collect();
            for pair in quoted.chunks(2) {
                routes.push(("get".into(), pair[0].to_string()));
                routes.push(("post".into(), pair[0].to_string()));
                routes.push(("put".into(), pair[1].to_string()));
            }
        }
    }
    routes
        .into_iter()
        .map(|(method, route)| (method, format!("/api/v1{}", without_patterns(&route))))
        .collect()
}

fn macro_path(line: &str) -> Option<(String, String)> {
    for method in ["get", "post", "put", "delete", "patch"] {
        if let Some(rest) = line.strip_prefix(&format!("#[{method}(")) {
            let route = rest.trim_end_matches(")]").trim_matches('"');
            return Some((method.to_string(), route.to_string()));
        }
    }
    None
}

fn without_patterns(route: &str) -> String {
    route
        .split('/')
        .map(|segment| match segment.split_once(':') {
            Some((name, _)) if segment.starts_with('{') => format!("{name}}}"),
            _ => segment.to_string(),
        })
        .collect::<Vec<_>>()
        .join("/")
}

#[test]
fn every_route_the_api_mounts_is_documented_and_nothing_else() {
    let declared = declared_routes();
    assert!(
        declared.len() > 60,
        "found only {} routes: the scan is broken",
        declared.len()
    );
    let paths = document()["paths"].as_object().unwrap();
    for (method, route) in &declared {
        assert!(
            paths.get(route).and_then(|item| item.get(method)).is_some(),
            "{method} {route} is mounted but not in the OpenAPI document"
        );
    }
    let documented: usize = paths
        .values()
        .map(|item| {
            item.as_object()
                .unwrap()
                .keys()
                .filter(|k| *k != "parameters")
                .count()
        })
        .sum();
    assert_eq!(
        documented,
        declared.len(),
        "the document has operations no handler declares"
    );
}

#[test]
fn the_document_is_complete_openapi_3_1() {
    let doc = document();
    assert_eq!(doc["openapi"], "3.1.0");
    assert!(doc["info"]["title"].as_str().unwrap().contains("Huiying"));
    for scheme in ["staff_token", "case_token", "resident_session"] {
        assert!(
            doc["components"]["securitySchemes"][scheme].is_object(),
            "{scheme}"
        );
    }
    // Every reference resolves, and every answer is described, with errors in our shape.
    let text = doc.to_string();
    for piece in text.split("\"$ref\":\"#/components/schemas/").skip(1) {
        let name = piece.split('"').next().unwrap();
        assert!(
            doc["components"]["schemas"][name].is_object(),
            "{name} is referenced, not defined"
        );
    }
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            assert!(
                operation["tags"].as_array().is_some_and(|t| !t.is_empty()),
                "{method} {path} has no tag"
            );
            let answers = operation["responses"].as_object().unwrap();
            assert!(
                answers.keys().any(|s| s.starts_with('2')),
                "{method} {path}: no success"
            );
            // The document itself cannot fail; everything else answers errors as one shape.
            let errors: &[&str] = if path.ends_with("/openapi.json") {
                &[]
            } else {
                &["400", "401", "403", "404", "422", "429", "500", "503"]
            };
            for status in errors {
                assert_eq!(
                    answers[*status]["content"]["application/json"]["schema"]["$ref"],
                    "#/components/schemas/ErrorBody",
                    "{method} {path} {status}"
                );
            }
            for (status, answer) in answers {
                assert!(
                    answer["description"].as_str().is_some_and(|d| !d.is_empty()),
                    "{method} {path} {status} has no description"
                );
            }
        }
    }
}

#[test]
fn the_validator_refuses_what_breaks_a_schema() {
    // A filing's answer with the department missing, and one with an unknown state.
    let mut body = serde_json::json!({
        "tracking_number": "2026-000001",
        "access_token": "t",
        "state": "routed",
        "department": {"code": "env", "name": "生态环境局"},
        "acceptance_due_at": "2026-12-04T09:00:00Z",
    });
    let schema = &document()["paths"]["/api/v1/cases"]["post"]["responses"]["201"]["content"]["application/json"]
        ["schema"];
    assert!(validate(schema, &body, "$").is_ok());
    body["state"] = "lost".into();
    assert!(validate(schema, &body, "$").unwrap_err().contains("not one of"));
    body["state"] = "routed".into();
    body.as_object_mut().unwrap().remove("department");
    assert!(validate(schema, &body, "$").unwrap_err().contains("department"));
    assert_eq!(
        template_of("/api/v1/cases/similar"),
        Some("/api/v1/cases/similar")
    );
    assert_eq!(
        template_of("/api/v1/cases/2026-000001/accept?x=1"),
        Some("/api/v1/cases/{tracking_number}/{action}")
    );
}

/// The document and the page hold nothing from the database: one backend is enough.
#[actix_web::test]
async fn the_document_is_served_and_the_api_page_reads_it() {
    let app = spawn_app(Backend::Sqlite).await;
    let (status, served) = app.get_json("/api/v1/openapi.json").await;
    assert_eq!(status, 200);
    assert_eq!(&served, document());
    for (lang, heading) in [("zh-CN", "接口文档"), ("en", "API reference")] {
        let page = app.browser(lang).get(app.url("/api")).send().await.unwrap();
        assert_eq!(page.status(), 200);
        let html = page.text().await.unwrap();
        assert!(html.contains(heading), "{lang}");
        // Every operation is on the page, with its schemas spelled out.
        for (path, item) in served["paths"].as_object().unwrap() {
            for method in item.as_object().unwrap().keys() {
                let line = format!("{} {}", method.to_uppercase(), path);
                assert!(html.contains(&line), "{lang}: {line} is not on the page");
            }
        }
        assert!(html.contains("id=\"schema-CaseInput\""), "{lang}");
        assert!(html.contains("tracking_number"), "{lang}");
        assert!(
            !html.contains("cdn"),
            "{lang}: the page loads nothing from elsewhere"
        );
    }
}
