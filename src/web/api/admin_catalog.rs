//! The catalogue's JSON API for administrators (`/api/v1/admin/…`, admin bearer token):
//! departments, areas, groups, categories, channels (list, create, change), routing rules
//! (list, set, retire), liaison cards, the history, bulk moves and the whole file.

use actix_web::{HttpResponse, delete, get, post, put, web};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use super::doc::Errors;

use crate::domain::catalog_file::{
    AreaEntry, CategoryEntry, ChannelEntry, DepartmentEntry, GroupEntry, LiaisonEntry, RuleEntry, export,
};
use crate::service::catalogue::{self, Applied, Edit, Entry, Move};
use crate::web::App;
use crate::web::auth::ApiStaff;
use crate::web::error::{ApiError, AppError, Localize};
use crate::web::locale::Lang;

/// What an edit did (or, for a dry run, would do).
#[derive(Serialize, ToSchema)]
pub struct AppliedView {
    /// The catalogue's version after the edit.
    pub version: i64,
    pub changes: Vec<ChangeView>,
    /// Entries a file left out (retired with `retire_missing`, otherwise kept).
    pub missing: Vec<Missing>,
}

#[derive(Serialize, ToSchema)]
pub struct ChangeView {
    /// `department`, `area`, `group`, `category`, `channel`, `rule` or `liaison`.
    pub entity: &'static str,
    pub code: String,
    /// `created`, `changed`, `retired` or `restored`.
    pub action: &'static str,
}

#[derive(Serialize, ToSchema)]
pub struct Missing {
    pub entity: String,
    pub code: String,
}

impl AppliedView {
    pub fn of(applied: &Applied) -> AppliedView {
        AppliedView {
            version: applied.version,
            changes: applied
                .changes
                .iter()
                .map(|c| ChangeView {
                    entity: c.entity.as_str(),
                    code: c.code.clone(),
                    action: c.action.as_str(),
                })
                .collect(),
            missing: applied
                .missing
                .iter()
                .map(|(entity, code)| Missing {
                    entity: entity.to_string(),
                    code: code.clone(),
                })
                .collect(),
        }
    }
}

/// An entry as saved, and what saving it did.
#[derive(Serialize, ToSchema)]
pub struct Saved<E> {
    pub entry: E,
    pub applied: AppliedView,
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
        /// Every entry of this kind, retired ones included.
        #[utoipa::path(tag = "admin", responses((status = 200, body = [$entry]), Errors), security(("staff_token" = [])))]
        #[get($path)]
        pub async fn $list(
            state: web::Data<App>,
            Lang(locale): Lang,
            ApiStaff(user): ApiStaff,
        ) -> Result<HttpResponse, ApiError> {
            let catalog = catalogue::in_force(&state, &user).api(locale)?;
            Ok(HttpResponse::Ok().json(export(&catalog).$field))
        }

        /// Adds an entry (its code is permanent).
        #[utoipa::path(tag = "admin", request_body = $entry, responses((status = 201, body = Saved<$entry>), Errors), security(("staff_token" = [])))]
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
            Ok(HttpResponse::Created().json(Saved { entry, applied: AppliedView::of(&applied) }))
        }

        /// Changes an entry; `active: false` retires it (what it routed moves up).
        #[utoipa::path(tag = "admin", request_body = $entry, responses((status = 200, body = Saved<$entry>), Errors), security(("staff_token" = [])))]
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
            Ok(HttpResponse::Ok().json(Saved { entry, applied: AppliedView::of(&applied) }))
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

#[derive(Serialize, ToSchema)]
pub struct RuleView {
    pub id: i32,
    /// Absent: any category.
    pub category: Option<String>,
    /// Absent: anywhere.
    pub area: Option<String>,
    pub department: String,
}

/// The routing rules in force.
#[utoipa::path(tag = "admin", responses((status = 200, body = [RuleView]), Errors), security(("staff_token" = [])))]
#[get("/admin/rules")]
pub async fn list_rules(
    state: web::Data<App>,
    Lang(locale): Lang,
    ApiStaff(user): ApiStaff,
) -> Result<HttpResponse, ApiError> {
    let catalog = catalogue::in_force(&state, &user).api(locale)?;
    let rules: Vec<RuleView> = catalog
        .routing()
        .rules()
        .map(|r| RuleView {
            id: r.id,
            category: r.category_code.clone(),
            area: r.area_code.clone(),
            department: r.department_code.clone(),
        })
        .collect();
    Ok(HttpResponse::Ok().json(rules))
}

#[derive(Serialize, ToSchema)]
pub struct RuleSaved {
    pub rule: RuleEntry,
    pub applied: AppliedView,
}

/// Sets the department for a category in an area (replacing the rule of that scope).
#[utoipa::path(tag = "admin", request_body = RuleEntry, responses((status = 201, body = RuleSaved), Errors), security(("staff_token" = [])))]
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
    Ok(HttpResponse::Created().json(RuleSaved {
        rule,
        applied: AppliedView::of(&applied),
    }))
}

/// The scope of a rule to retire: `{category?, area?}` as a JSON body or the query.
#[derive(Debug, Default, Deserialize, ToSchema, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct Scope {
    /// The rule's category (none: the rule for any category).
    #[serde(default)]
    category: Option<String>,
    /// The rule's area (none: the rule for anywhere).
    #[serde(default)]
    area: Option<String>,
}

/// Retires the rule of a scope: its cases then route by the next broader rule.
#[utoipa::path(
    tag = "admin",
    params(Scope),
    request_body(content = Option<Scope>, content_type = "application/json"),
    responses((status = 200, body = AppliedView), Errors),
    security(("staff_token" = []))
)]
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
    Ok(HttpResponse::Ok().json(AppliedView::of(&applied)))
}

/// A liaison card with its id.
#[derive(Serialize, ToSchema)]
pub struct LiaisonCard {
    pub id: i32,
    #[serde(flatten)]
    pub card: LiaisonEntry,
}

/// Every liaison card, retired ones included.
#[utoipa::path(tag = "admin", responses((status = 200, body = [LiaisonCard]), Errors), security(("staff_token" = [])))]
#[get("/admin/liaisons")]
pub async fn list_liaisons(
    state: web::Data<App>,
    Lang(locale): Lang,
    ApiStaff(user): ApiStaff,
) -> Result<HttpResponse, ApiError> {
    let catalog = catalogue::in_force(&state, &user).api(locale)?;
    let cards: Vec<LiaisonCard> = catalog
        .liaisons
        .iter()
        .map(|l| LiaisonCard {
            id: l.id,
            card: LiaisonEntry::from(l),
        })
        .collect();
    Ok(HttpResponse::Ok().json(cards))
}

/// Adds a liaison card (published in the directory).
#[utoipa::path(tag = "admin", request_body = LiaisonEntry, responses((status = 201, body = AppliedView), Errors), security(("staff_token" = [])))]
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
    Ok(HttpResponse::Created().json(AppliedView::of(&applied)))
}

/// Changes a liaison card; `active: false` takes it out of the directory.
#[utoipa::path(tag = "admin", request_body = LiaisonEntry, responses((status = 200, body = AppliedView), Errors), security(("staff_token" = [])))]
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
    Ok(HttpResponse::Ok().json(AppliedView::of(&applied)))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HistoryQuery {
    /// Changes older than this id.
    #[serde(default)]
    before: Option<i32>,
    /// At most this many (100 by default).
    #[serde(default)]
    limit: Option<i64>,
}

/// One change to the catalogue: who, when, and the entry before and after.
#[derive(Serialize, ToSchema)]
pub struct HistoryEntry {
    pub id: i32,
    pub at: String,
    pub actor: String,
    pub entity: String,
    pub code: String,
    pub action: String,
    #[schema(value_type = Option<Object>)]
    pub before: Option<Value>,
    #[schema(value_type = Option<Object>)]
    pub after: Option<Value>,
}

/// The catalogue's history, newest first.
#[utoipa::path(tag = "admin", params(HistoryQuery), responses((status = 200, body = [HistoryEntry]), Errors), security(("staff_token" = [])))]
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
    let body: Vec<HistoryEntry> = rows
        .iter()
        .map(|r| HistoryEntry {
            id: r.id,
            at: crate::format::rfc3339(r.at.and_utc()),
            actor: r.actor.clone(),
            entity: r.entity.clone(),
            code: r.code.clone(),
            action: r.action.clone(),
            before: parse(&r.before),
            after: parse(&r.after),
        })
        .collect();
    Ok(HttpResponse::Ok().json(body))
}

#[derive(Debug, Deserialize, ToSchema)]
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

#[derive(Serialize, ToSchema)]
pub struct Moved {
    /// How many open cases moved.
    pub moved: usize,
}

/// All open cases of one department (optionally in an area or of a category) to another,
/// each with an event on its timeline.
#[utoipa::path(tag = "admin", request_body = MoveBody, responses((status = 200, body = Moved), Errors), security(("staff_token" = [])))]
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
    Ok(HttpResponse::Ok().json(Moved { moved }))
}

/// The whole catalogue as the file `huiying catalog export` writes.
#[utoipa::path(
    tag = "admin",
    responses((status = 200, description = "The catalogue file.", body = String, content_type = "application/toml"), Errors),
    security(("staff_token" = []))
)]
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

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// Say what would change, change nothing.
    #[serde(default)]
    dry_run: bool,
    /// Retire the entries the file leaves out.
    #[serde(default)]
    retire_missing: bool,
}

/// Applies a catalogue file (the body, TOML), atomically; `?dry_run=true` says what would
/// change and changes nothing.
#[utoipa::path(
    tag = "admin",
    params(ImportQuery),
    request_body(content = String, content_type = "application/toml", description = "A catalogue file."),
    responses((status = 200, body = AppliedView), Errors),
    security(("staff_token" = []))
)]
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
    Ok(HttpResponse::Ok().json(AppliedView::of(&applied)))
}
