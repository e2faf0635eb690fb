//! Open311 GeoReport v2 at `/open311/v2/…`, in XML and JSON by the path's suffix:
//! discovery, services, a service's definition, requests and one request. Names are in
//! the language of `locale=` or `Accept-Language`; errors are the spec's `{code,
//! description}` list.

use std::collections::HashMap;

use actix_web::{HttpResponse, Scope, get, web};
use serde_json::Value;

use super::App;
use super::locale::Lang;
use crate::domain::locale::Locale;
use crate::domain::open311::{Format, errors, render};
use crate::service::ServiceError;
use crate::service::open311::{self, Query, Refusal};

pub fn scope() -> Scope {
    web::scope("/open311/v2")
        .service(discovery)
        .service(services)
        .service(definition)
        .service(requests)
        .service(post_request)
        .service(request)
        .service(token)
        .service(updates)
        .default_service(web::to(|| async {
            answer(Format::Json, "errors", Err(not_found("no such endpoint")))
        }))
}

type Params = web::Query<HashMap<String, String>>;

fn not_found(what: &str) -> Refusal {
    Refusal {
        status: 404,
        description: what.to_string(),
    }
}

fn answer(format: Format, root: &str, result: Result<Value, Refusal>) -> HttpResponse {
    let (status, root, body) = match result {
        Ok(value) => (200, root, value),
        Err(r) => (r.status, "errors", errors(r.status, &r.description)),
    };
    let status =
        actix_web::http::StatusCode::from_u16(status).unwrap_or(actix_web::http::StatusCode::BAD_REQUEST);
    HttpResponse::build(status)
        .content_type(format.content_type())
        .body(render(format, root, &body))
}

/// What an unknown suffix gets: a 404, in JSON.
fn unknown_format() -> HttpResponse {
    answer(
        Format::Json,
        "errors",
        Err(not_found("formats are .xml and .json")),
    )
}

/// `locale=` overrides the Accept-Language header.
fn locale_of(params: &Params, Lang(from_header): Lang) -> Locale {
    params
        .get("locale")
        .and_then(|l| Locale::from_tag(l))
        .unwrap_or(from_header)
}

fn jurisdiction(state: &App, params: &Params) -> Result<(), Refusal> {
    open311::check_jurisdiction(state, params.get("jurisdiction_id").map(String::as_str))
}

fn service_refusal(e: ServiceError) -> Refusal {
    match e {
        ServiceError::NotFound => not_found("service_request_id not found"),
        ServiceError::Invalid(_) => Refusal {
            status: 400,
            description: "invalid parameters".into(),
        },
        other => {
            tracing::error!(error = %other, "open311 request failed");
            Refusal {
                status: 500,
                description: "the request could not be answered".into(),
            }
        }
    }
}

#[get("/discovery.{format}")]
pub async fn discovery(state: web::Data<App>, path: web::Path<String>) -> HttpResponse {
    match Format::parse(&path) {
        Some(format) => answer(format, "discovery", Ok(open311::discovery(&state))),
        None => unknown_format(),
    }
}

#[get("/services.{format}")]
pub async fn services(
    state: web::Data<App>,
    path: web::Path<String>,
    params: Params,
    lang: Lang,
) -> HttpResponse {
    let Some(format) = Format::parse(&path) else {
        return unknown_format();
    };
    let locale = locale_of(&params, lang);
    let result = jurisdiction(&state, &params).map(|()| open311::services(&state.catalog(), locale));
    answer(format, "services", result)
}

#[get("/services/{code}.{format}")]
pub async fn definition(
    state: web::Data<App>,
    path: web::Path<(String, String)>,
    params: Params,
    lang: Lang,
) -> HttpResponse {
    let (code, suffix) = path.into_inner();
    let Some(format) = Format::parse(&suffix) else {
        return unknown_format();
    };
    let locale = locale_of(&params, lang);
    let result =
        jurisdiction(&state, &params).and_then(|()| open311::definition(&state.catalog(), &code, locale));
    answer(format, "service_definition", result)
}

#[get("/requests.{format}")]
pub async fn requests(
    state: web::Data<App>,
    path: web::Path<String>,
    params: Params,
    lang: Lang,
) -> HttpResponse {
    let Some(format) = Format::parse(&path) else {
        return unknown_format();
    };
    let locale = locale_of(&params, lang);
    let get = |name: &str| params.get(name).map(String::as_str);
    let query = jurisdiction(&state, &params).and_then(|()| {
        Query::parse(
            get("service_request_id"),
            get("service_code"),
            get("start_date"),
            get("end_date"),
            get("status"),
            get("page"),
            get("page_size"),
        )
        .and_then(|q| q.span(state.now()).map(|_| q))
    });
    let result = match query {
        Ok(query) => open311::list(&state, query, locale)
            .await
            .map_err(service_refusal),
        Err(r) => Err(r),
    };
    answer(format, "service_requests", result)
}

#[get("/requests/{id}.{format}")]
pub async fn request(
    state: web::Data<App>,
    path: web::Path<(String, String)>,
    params: Params,
    lang: Lang,
) -> HttpResponse {
    let (id, suffix) = path.into_inner();
    let Some(format) = Format::parse(&suffix) else {
        return unknown_format();
    };
    let locale = locale_of(&params, lang);
    let result = match jurisdiction(&state, &params) {
        Ok(()) => open311::one(&state, &id, locale).await.map_err(service_refusal),
        Err(r) => Err(r),
    };
    answer(format, "service_requests", result)
}

/// The body's pairs: form-urlencoded as the spec says, or a JSON object (its `attribute`
/// object's fields as `attribute[code]`).
fn pairs_of(content_type: &str, body: &[u8]) -> Result<Vec<(String, String)>, Refusal> {
    let bad = |what: &str| Refusal {
        status: 400,
        description: format!("the body is not {what}"),
    };
    if content_type.starts_with("application/json") {
        let value: Value = serde_json::from_slice(body).map_err(|_| bad("JSON"))?;
        let object = value.as_object().ok_or_else(|| bad("a JSON object"))?;
        let text = |v: &Value| match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let mut pairs = Vec::new();
        for (name, v) in object {
            match (name.as_str(), v) {
                ("attribute", Value::Object(attributes)) => {
                    for (code, v) in attributes {
                        pairs.push((format!("attribute[{code}]"), text(v)));
                    }
                }
                _ => pairs.push((name.clone(), text(v))),
            }
        }
        Ok(pairs)
    } else {
        serde_urlencoded::from_bytes::<Vec<(String, String)>>(body).map_err(|_| bad("form-urlencoded"))
    }
}

#[actix_web::post("/requests.{format}")]
pub async fn post_request(
    state: web::Data<App>,
    req: actix_web::HttpRequest,
    path: web::Path<String>,
    params: Params,
    lang: Lang,
    body: web::Bytes,
) -> HttpResponse {
    let Some(format) = Format::parse(&path) else {
        return unknown_format();
    };
    let locale = locale_of(&params, lang);
    let content_type = req
        .headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let result = match pairs_of(&content_type, &body) {
        Ok(pairs) => {
            // `api_key` and `jurisdiction_id` may come in the query string too.
            let from_query = params.iter().map(|(k, v)| (k.as_str(), v.clone()));
            let filing = open311::Filing::from_pairs(
                from_query.chain(pairs.iter().map(|(k, v)| (k.as_str(), v.clone()))),
            );
            open311::file(&state, filing, locale).await
        }
        Err(r) => Err(r),
    };
    answer(format, "service_requests", result)
}

/// Every filing answers with its id at once, so a token is the request's id.
#[get("/tokens/{token}.{format}")]
pub async fn token(
    state: web::Data<App>,
    path: web::Path<(String, String)>,
    params: Params,
    lang: Lang,
) -> HttpResponse {
    let (token, suffix) = path.into_inner();
    let Some(format) = Format::parse(&suffix) else {
        return unknown_format();
    };
    let locale = locale_of(&params, lang);
    let result = match open311::one(&state, &token, locale).await {
        Ok(_) => Ok(serde_json::json!([{ "service_request_id": token, "token": token }])),
        Err(e) => Err(service_refusal(e)),
    };
    answer(format, "service_requests", result)
}

/// The mySociety extension FixMyStreet-style clients follow requests by.
#[get("/servicerequestupdates.{format}")]
pub async fn updates(
    state: web::Data<App>,
    path: web::Path<String>,
    params: Params,
    lang: Lang,
) -> HttpResponse {
    let Some(format) = Format::parse(&path) else {
        return unknown_format();
    };
    let locale = locale_of(&params, lang);
    let get = |name: &str| params.get(name).map(String::as_str);
    let result = match jurisdiction(&state, &params) {
        Ok(()) => open311::updates(&state, get("start_date"), get("end_date"), locale).await,
        Err(r) => Err(r),
    };
    answer(format, "service_request_updates", result)
}
