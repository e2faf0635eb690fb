//! The OpenAPI 3.1 document of `/api/v1`. Nothing in it is written twice: [`super::routes`]
//! mounts each handler through `utoipa_actix_web`, which takes the handler's path,
//! parameters, body and answers from its `#[utoipa::path]` and the types it names, and a
//! handler without one does not compile. This module adds what no handler knows: the
//! title, the authentication schemes and the errors every operation may answer.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use actix_web::{HttpResponse, get};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, Http, HttpAuthScheme, SecurityScheme};
use utoipa::openapi::{
    ComponentsBuilder, ContentBuilder, InfoBuilder, OpenApi, OpenApiBuilder, Ref, RefOr, Response,
    ResponseBuilder, Tag,
};
use utoipa_actix_web::OpenApiFactory;

use crate::domain::workflow::ActionKind;
use crate::web::error::ErrorBody;

/// A staff member's token from `POST /auth/login`.
pub const STAFF: &str = "staff_token";
/// A case's private token (the resident's link), as a bearer token or `?token=`.
pub const CASE: &str = "case_token";
/// A signed-in resident's session cookie (from `POST /account/session`).
pub const SESSION: &str = "resident_session";

/// The document, built once from the routes as they are mounted.
pub fn document() -> &'static OpenApi {
    static DOCUMENT: OnceLock<OpenApi> = OnceLock::new();
    DOCUMENT.get_or_init(build)
}

fn build() -> OpenApi {
    let scope = utoipa_actix_web::scope("/api/v1").configure(super::routes);
    let mut schemas = Vec::new();
    scope.schemas(&mut schemas);
    let mut components = ComponentsBuilder::new()
        .schemas_from_iter(schemas)
        .schema("ErrorBody", <ErrorBody as utoipa::PartialSchema>::schema())
        .security_scheme(
            STAFF,
            SecurityScheme::Http(
                Http::builder()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("A staff token from `POST /api/v1/auth/login`."))
                    .build(),
            ),
        )
        .security_scheme(
            CASE,
            SecurityScheme::Http(
                Http::builder()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "The case's private token from the filing answer (`access_token`); \
                         also accepted as `?token=`.",
                    ))
                    .build(),
            ),
        )
        .security_scheme(
            SESSION,
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                "huiying_session",
                "A signed-in resident's session (`POST /api/v1/account/session`). Writes with \
                 it alone must be JSON or carry the `x-csrf-token` header.",
            ))),
        )
        .build();
    // utoipa_actix_web registers the schemas the handlers name; a path parameter's type
    // and the error body's parts are registered here.
    let mut parts = vec![(
        "ActionKind".to_string(),
        <ActionKind as utoipa::PartialSchema>::schema(),
    )];
    <ErrorBody as utoipa::ToSchema>::schemas(&mut parts);
    components.schemas.extend(parts);
    any_of("CaseView", &mut components);
    let mut paths = scope.paths();
    for item in paths.paths.values_mut() {
        describe_answers(item);
    }
    let mut tags: Vec<Tag> = Vec::new();
    for (name, about) in TAGS {
        let mut tag = Tag::new(*name);
        tag.description = Some((*about).to_string());
        tags.push(tag);
    }
    OpenApiBuilder::new()
        .info(
            InfoBuilder::new()
                .title("Huiying 回应 API")
                .version(env!("CARGO_PKG_VERSION"))
                .description(Some(
                    "Everything the portal's pages do, as JSON. Answers are in the language of \
                     `Accept-Language` or `?locale=` (zh-CN or en); times are RFC 3339 in UTC; \
                     every error has the body `ErrorBody`. Open311 GeoReport v2 is served \
                     beside it at `/open311/v2`.",
                ))
                .build(),
        )
        .paths(paths)
        .components(Some(components))
        .tags(Some(tags))
        .build()
}

/// A view by reader is an untagged enum, and the resident's view has every field the
/// public one has: a body may fit more than one shape, so "any of" holds, not "one of".
fn any_of(name: &str, components: &mut utoipa::openapi::Components) {
    use utoipa::openapi::schema::{AnyOf, Schema};
    if let Some(RefOr::T(Schema::OneOf(one))) = components.schemas.get(name) {
        let mut any = AnyOf::new();
        any.items = one.items.clone();
        any.description = one.description.clone();
        components
            .schemas
            .insert(name.to_string(), RefOr::T(Schema::AnyOf(any)));
    }
}

/// OpenAPI requires every answer to have a description; the handlers' successes are
/// described by their schemas, so they get the status's reason phrase.
fn describe_answers(item: &mut utoipa::openapi::PathItem) {
    let operations = [
        &mut item.get,
        &mut item.post,
        &mut item.put,
        &mut item.delete,
        &mut item.patch,
    ];
    for operation in operations.into_iter().flatten() {
        for (status, answer) in operation.responses.responses.iter_mut() {
            if let RefOr::T(answer) = answer
                && answer.description.is_empty()
            {
                answer.description = status
                    .parse::<u16>()
                    .ok()
                    .and_then(|code| actix_web::http::StatusCode::from_u16(code).ok())
                    .and_then(|code| code.canonical_reason())
                    .unwrap_or("Done.")
                    .to_string();
            }
        }
    }
}

const TAGS: &[(&str, &str)] = &[
    (
        "catalogue",
        "Categories, areas, departments, the directory: public reference data.",
    ),
    ("public", "The public board and each department's figures."),
    ("cases", "Filing a complaint and reading it back."),
    (
        "residents",
        "The resident's account, support (\"me too\") and the links mailed to them.",
    ),
    ("staff", "Signing in, the queue, and every action on a case."),
    (
        "leaders",
        "Reception days, bookings, personal charge and the monthly review.",
    ),
    (
        "liaisons",
        "Village liaisons: visits and the cases they file (mediation and major matters are actions on a case).",
    ),
    ("admin", "The catalogue, edited by administrators."),
    ("meta", "This document."),
];

/// The errors any operation may answer, each with [`ErrorBody`]. Which ones a given
/// operation can cause is in its description; the shape is the same for all.
pub struct Errors;

impl utoipa::IntoResponses for Errors {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        [
            (
                "400",
                "The request could not be read (malformed JSON, query or path).",
            ),
            ("401", "No valid token or session where one is needed."),
            ("403", "Signed in, but not allowed to do this."),
            (
                "404",
                "No such case, entry or route (or one the caller may not know of).",
            ),
            (
                "409",
                "The case has moved on: the action does not fit its state any more.",
            ),
            ("413", "The body or an upload is too large."),
            ("415", "The body's type is not the one this operation reads."),
            (
                "422",
                "Fields failed validation: `error.fields` names each with its message.",
            ),
            (
                "429",
                "Too many attempts from this client: `Retry-After` says when to try again.",
            ),
            ("500", "Something broke on our side; nothing was half done."),
            (
                "503",
                "At capacity for a moment: `Retry-After` says when to try again.",
            ),
        ]
        .into_iter()
        .map(|(status, description)| {
            let response = ResponseBuilder::new()
                .description(description)
                .content(
                    "application/json",
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("ErrorBody")))
                        .build(),
                )
                .build();
            (status.to_string(), RefOr::T(response))
        })
        .collect()
    }
}

/// This document.
#[utoipa::path(tag = "meta", responses((status = 200, description = "The OpenAPI 3.1 document.", content_type = "application/json")))]
#[get("/openapi.json")]
pub async fn openapi_json() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("Cache-Control", "public, max-age=300"))
        .json(document())
}
