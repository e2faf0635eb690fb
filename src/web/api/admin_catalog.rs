//! The catalogue's JSON API for administrators (`/api/v1/admin/…`, admin bearer token):
//! departments, areas, groups, categories, channels (list, create, change), routing rules
//! (list, set, retire), liaison cards, the history, bulk moves and the whole file.

use actix_web::{HttpResponse, delete, get, post, put, web};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::domain::catalog_file::{
    AreaEntry, CategoryEntry, ChannelEntry, DepartmentEntry, GroupEntry, LiaisonEntry, RuleEntry, export,
};
use crate::service::catalogue::{self, Applied, Edit, Entry, Move};
use crate::web::App;
use crate::web::auth::ApiStaff;
use crate::web::error::{ApiError, AppError, Localize};
use crate::web::locale::Lang;

/// What an edit did, as the API answers it.
pub fn applied_json(applied: &Applied) -> Value {
    json!({
        "version": applied.version,
        "changes": applied.changes.iter().map(|c| json!({
            "entity": c.entity.as_str(),
            "code": c.code,
            "action": c.action.as_str(),
        })).collect::<Vec<_>>(),
        "missing": applied.missing.iter().map(|(what, code)| json!({"entity": what, "code": code})).collect::<Vec<_>>(),
    })
}

fn permanent_code() -> AppError {
    AppError::Invalid(crate::domain::field_error::FieldErrors::single(
        "code",
        crate::domain::field_error::FieldError::new("err.catalog_code_permanent"),
    ))
}

/// The five kinds of entry with a code share their routes: list, create, change.
macro_rules! entries {
    ($list:ident, $create:ident, $update:ident, $path:literal, $item:literal, $entry:ty, $variant:ident, $field:ident) => {
        #[get($path)]
        pub async fn $list(
            state: web::Data<App>,
            Lang(locale): Lang,
            ApiStaff(user): ApiStaff,
        ) -> Result<HttpResponse, ApiError> {
            let catalog = catalogue::in_force(&state, &user).api(locale)?;
            Ok(HttpResponse::Ok().json(export(&catalog).$field))
        }

        #[post($path)]
        pub async fn $create(
            state: web::Data<App>,
            Lang(locale): Lang,
            ApiStaff(user): ApiStaff,
            body: web::Json<$entry>,
        ) -> Result<HttpResponse, ApiError> {
            let entry = body.into_inner();
            let applied = catalogue::edit(&state, &user, Edit::Create(Entry::$variant(entry.clone())))
                .await
                .api(locale)?;
            Ok(HttpResponse::Created().json(json!({"entry": entry, "applied": applied_json(&applied)})))
        }

        #[put($item)]
        pub async fn $update(
            state: web::Data<App>,
            Lang(locale): Lang,
            ApiStaff(user): ApiStaff,
            path: web::Path<String>,
            body: web::Json<$entry>,
        ) -> Result<HttpResponse, ApiError> {
            let entry = body.into_inner();
            if entry.code != path.into_inner() {
                return Err(permanent_code()).api(locale);
            }
            let applied = catalogue::edit(&state, &user, Edit::Update(Entry::$variant(entry.clone())))
                .await
                .api(locale)?;
            Ok(HttpResponse::Ok().json(json!({"entry": entry, "applied": applied_json(&applied)})))
        }
    };
}

entries!(
    list_departments,
    create_department,
    update_department,
    "/admin/departments",
    "/admin/departments/{code}",
    DepartmentEntry,
    Department,
    department
);
entries!(
    list_areas,
    create_area,
    update_area,
    "/admin/areas",
    "/admin/areas/{code}",
    AreaEntry,
    Area,
    area
);
entries!(
    list_groups,
    create_group,
    update_group,
    "/admin/groups",
    "/admin/groups/{code}",
    GroupEntry,
    Group,
    group
);
entries!(
    list_categories,
    create_category,
    update_category,
    "/admin/categories",
    "/admin/categories/{code}",
    CategoryEntry,
    Category,
    category
);
entries!(
    list_channels,
    create_channel,
    update_channel,
    "/admin/channels",
    "/admin/channels/{code}",
    ChannelEntry,
    Channel,
    channel
);

#[get("/admin/rules")]
pub async fn list_rules(
    state: web::Data<App>,
    Lang(locale): Lang,
    ApiStaff(user): ApiStaff,
) -> Result<HttpResponse, ApiError> {
    let catalog = catalogue::in_force(&state, &user).api(locale)?;
    let rules: Vec<Value> = catalog
        .routing()
        .rules()
        .map(|r| json!({"id": r.id, "category": r.category_code, "area": r.area_code, "department": r.department_code}))
        .collect();
    Ok(HttpResponse::Ok().json(rules))
}

#[post("/admin/rules")]
pub async fn set_rule(
    state: web::Data<App>,
    Lang(locale): Lang,
    ApiStaff(user): ApiStaff,
    body: web::Json<RuleEntry>,
) -> Result<HttpResponse, ApiError> {
    let rule = body.into_inner();
    let applied = catalogue::edit(&state, &user, Edit::SetRule(rule.clone()))
        .await
        .api(locale)?;
    Ok(HttpResponse::Created().json(json!({"rule": rule, "applied": applied_json(&applied)})))
}

/// The scope of a rule to retire: `{category?, area?}` as a JSON body or the query.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scope {
    #[serde(default)]
    category: Option<String>,
    #[serde(default)]
    area: Option<String>,
}

#[delete("/admin/rules")]
pub async fn retire_rule(
    state: web::Data<App>,
    Lang(locale): Lang,
    ApiStaff(user): ApiStaff,
    query: web::Query<Scope>,
    body: Option<web::Json<Scope>>,
) -> Result<HttpResponse, ApiError> {
    let scope = body.map(web::Json::into_inner).unwrap_or(query.into_inner());
    let none_if_empty = |v: Option<String>| v.filter(|s| !s.is_empty());
    let edit = Edit::RetireRule {
        category: none_if_empty(scope.category),
        area: none_if_empty(scope.area),
    };
    let applied = catalogue::edit(&state, &user, edit).await.api(locale)?;
    Ok(HttpResponse::Ok().json(applied_json(&applied)))
}

#[get("/admin/liaisons")]
pub async fn list_liaisons(
    state: web::Data<App>,
    Lang(locale): Lang,
    ApiStaff(user): ApiStaff,
) -> Result<HttpResponse, ApiError> {
    let catalog = catalogue::in_force(&state, &user).api(locale)?;
    let cards: Vec<Value> = catalog
        .liaisons
        .iter()
        .map(|l| {
            let mut card = json!(LiaisonEntry::from(l));
            card["id"] = json!(l.id);
            card["active"] = json!(l.active);
            card
        })
        .collect();
    Ok(HttpResponse::Ok().json(cards))
}

#[post("/admin/liaisons")]
pub async fn create_liaison(
    state: web::Data<App>,
    Lang(locale): Lang,
    ApiStaff(user): ApiStaff,
    body: web::Json<LiaisonEntry>,
) -> Result<HttpResponse, ApiError> {
    let entry = body.into_inner();
    let applied = catalogue::edit(&state, &user, Edit::Liaison { id: None, entry })
        .await
        .api(locale)?;
    Ok(HttpResponse::Created().json(applied_json(&applied)))
}

#[put("/admin/liaisons/{id}")]
pub async fn update_liaison(
    state: web::Data<App>,
    Lang(locale): Lang,
    ApiStaff(user): ApiStaff,
    path: web::Path<i32>,
    body: web::Json<LiaisonEntry>,
) -> Result<HttpResponse, ApiError> {
    let edit = Edit::Liaison {
        id: Some(path.into_inner()),
        entry: body.into_inner(),
    };
    let applied = catalogue::edit(&state, &user, edit).await.api(locale)?;
    Ok(HttpResponse::Ok().json(applied_json(&applied)))
}

#[derive(Debug, Deserialize)]
pub struct HistoryQuery {
    #[serde(default)]
    before: Option<i32>,
    #[serde(default)]
    limit: Option<i64>,
}

#[get("/admin/history")]
pub async fn history(
    state: web::Data<App>,
    Lang(locale): Lang,
    ApiStaff(user): ApiStaff,
    query: web::Query<HistoryQuery>,
) -> Result<HttpResponse, ApiError> {
    let rows = catalogue::history(&state, &user, query.limit.unwrap_or(100), query.before)
        .await
        .api(locale)?;
    let parse = |t: &Option<String>| t.as_deref().and_then(|t| serde_json::from_str::<Value>(t).ok());
    let body: Vec<Value> = rows
        .iter()
        .map(|r| {
            json!({
                "id": r.id,
                "at": crate::format::rfc3339(r.at.and_utc()),
                "actor": r.actor,
                "entity": r.entity,
                "code": r.code,
                "action": r.action,
                "before": parse(&r.before),
                "after": parse(&r.after),
            })
        })
        .collect();
    Ok(HttpResponse::Ok().json(body))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MoveBody {
    from: String,
    to: String,
    #[serde(default)]
    area: Option<String>,
    #[serde(default)]
    category: Option<String>,
    reason: String,
}

/// All open cases of one department (optionally in an area or of a category) to another.
#[post("/admin/moves")]
pub async fn move_cases(
    state: web::Data<App>,
    Lang(locale): Lang,
    ApiStaff(user): ApiStaff,
    body: web::Json<MoveBody>,
) -> Result<HttpResponse, ApiError> {
    let b = body.into_inner();
    let order = Move {
        from: b.from,
        to: b.to,
        area: b.area.filter(|a| !a.is_empty()),
        category: b.category.filter(|c| !c.is_empty()),
        reason: b.reason,
    };
    let moved = catalogue::move_open_cases(&state, &user, order)
        .await
        .api(locale)?;
    Ok(HttpResponse::Ok().json(json!({ "moved": moved })))
}

/// The whole catalogue as the file `huiying catalog export` writes.
#[get("/admin/catalog")]
pub async fn export_file(
    state: web::Data<App>,
    Lang(locale): Lang,
    ApiStaff(user): ApiStaff,
) -> Result<HttpResponse, ApiError> {
    let catalog = catalogue::in_force(&state, &user).api(locale)?;
    let text = crate::domain::catalog_file::to_toml(&export(&catalog))
        .map_err(AppError::internal)
        .api(locale)?;
    Ok(HttpResponse::Ok()
        .content_type("application/toml; charset=utf-8")
        .body(text))
}

#[derive(Debug, Deserialize)]
pub struct ImportQuery {
    #[serde(default)]
    dry_run: bool,
    #[serde(default)]
    retire_missing: bool,
}

/// Applies a catalogue file (the body, TOML), atomically; `?dry_run=true` says what would
/// change and changes nothing.
#[post("/admin/catalog")]
pub async fn import_file(
    state: web::Data<App>,
    Lang(locale): Lang,
    ApiStaff(user): ApiStaff,
    query: web::Query<ImportQuery>,
    body: String,
) -> Result<HttpResponse, ApiError> {
    let parsed = crate::domain::catalog_file::parse(&body)
        .map_err(|e| {
            AppError::Invalid(crate::domain::field_error::FieldErrors::single(
                "catalog",
                crate::domain::field_error::FieldError::new("err.catalog").with("message", e),
            ))
        })
        .api(locale)?;
    let edit = Edit::File {
        parsed,
        retire_missing: query.retire_missing,
    };
    let applied = if query.dry_run {
        catalogue::preview(&state, &user, edit).await
    } else {
        catalogue::edit(&state, &user, edit).await
    }
    .api(locale)?;
    Ok(HttpResponse::Ok().json(applied_json(&applied)))
}
