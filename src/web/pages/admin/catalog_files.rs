//! Uploading a whole catalogue file (TOML) or the official area codes (CSV) from the
//! administrators' pages, with a dry run that says what would change. A multipart body
//! carries its CSRF token among its fields, so it is checked here, not by `Posted`.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, post, web};
use askama::Template;

use super::catalog::show_refused;
use crate::service::catalogue::{self, Applied, Edit};
use crate::web::App;
use crate::web::auth::SignedIn;
use crate::web::csrf;
use crate::web::error::{AppError, Localize, PageError};
use crate::web::forms::Refused;
use crate::web::pages::{PageCtx, html};
use crate::web::upload;

#[derive(Template)]
#[template(path = "admin_import.html")]
struct ImportPage {
    page: PageCtx,
    dry_run: bool,
    lines: Vec<String>,
    missing: Vec<String>,
}

/// What the upload held: its text and whether only a dry run was asked.
async fn received(
    req: &HttpRequest,
    session: &Session,
    state: &App,
    body: web::Payload,
) -> Result<(String, bool, bool), AppError> {
    upload::check_declared_length(req)?;
    let _slot = upload::take_slot(state)?;
    let received = upload::receive(req, body, &state.settings.data_dir).await?;
    if !csrf::verify(session, received.fields.get("csrf").map_or("", String::as_str)) {
        return Err(AppError::Forbidden { key: "err.csrf" });
    }
    let file = received.files.first().ok_or(AppError::Invalid(
        crate::domain::field_error::FieldErrors::single(
            "file",
            crate::domain::field_error::FieldError::new("err.required"),
        ),
    ))?;
    let text = tokio::fs::read_to_string(&file.path).await.map_err(|_| {
        AppError::Invalid(crate::domain::field_error::FieldErrors::single(
            "file",
            crate::domain::field_error::FieldError::new("err.catalog")
                .with("message", "the file is not UTF-8 text"),
        ))
    })?;
    let flag = |name: &str| received.fields.get(name).is_some_and(|v| v == "true");
    Ok((text, flag("dry_run"), flag("retire_missing")))
}

fn invalid(message: impl ToString) -> AppError {
    AppError::Invalid(crate::domain::field_error::FieldErrors::single(
        "catalog",
        crate::domain::field_error::FieldError::new("err.catalog").with("message", message),
    ))
}

fn result_page(
    page: PageCtx,
    applied: &Applied,
    dry_run: bool,
    shown: impl Fn(&str) -> bool,
) -> HttpResponse {
    let view = ImportPage {
        lines: applied
            .changes
            .iter()
            .map(|c| format!("{} {} {}", c.action.as_str(), c.entity.as_str(), c.code))
            .collect(),
        missing: applied
            .missing
            .iter()
            .filter(|(e, _)| shown(e))
            .map(|(e, c)| format!("{e} {c}"))
            .collect(),
        dry_run,
        page,
    };
    html(StatusCode::OK, view.render())
}

async fn apply(
    state: &App,
    user: &crate::service::auth::StaffUser,
    edit: Edit,
    dry_run: bool,
) -> Result<Applied, Refused> {
    Ok(if dry_run {
        catalogue::preview(state, user, edit).await?
    } else {
        catalogue::edit(state, user, edit).await?
    })
}

/// A catalogue file, as `huiying catalog import` takes it.
#[post("/admin/catalog/import")]
pub async fn import_catalog(
    req: HttpRequest,
    session: Session,
    state: web::Data<App>,
    SignedIn(user): SignedIn,
    body: web::Payload,
) -> Result<HttpResponse, PageError> {
    let page = PageCtx::staff(&req, &session, &user);
    catalogue::in_force(&state, &user).page(page.locale())?;
    let outcome: Result<_, Refused> = async {
        let (text, dry_run, retire_missing) =
            received(&req, &session, &state, body).await.map_err(as_refusal)?;
        let parsed = crate::domain::catalog_file::parse(&text).map_err(|e| as_refusal(invalid(e)))?;
        let edit = Edit::File {
            parsed,
            retire_missing,
        };
        Ok((apply(&state, &user, edit, dry_run).await?, dry_run))
    }
    .await;
    match outcome {
        Ok((applied, dry_run)) => Ok(result_page(page, &applied, dry_run, |_| true)),
        Err(refused) => show_refused(&state, page, &user, refused).await,
    }
}

/// The official area codes (CSV: code,name,parent_code), as `huiying areas import --csv`.
#[post("/admin/catalog/areas/import")]
pub async fn import_areas(
    req: HttpRequest,
    session: Session,
    state: web::Data<App>,
    SignedIn(user): SignedIn,
    body: web::Payload,
) -> Result<HttpResponse, PageError> {
    let page = PageCtx::staff(&req, &session, &user);
    let catalog = catalogue::in_force(&state, &user).page(page.locale())?;
    let outcome: Result<_, Refused> = async {
        let (text, dry_run, _) = received(&req, &session, &state, body).await.map_err(as_refusal)?;
        let parsed = crate::domain::area_csv::parse(&text, &catalog).map_err(|e| as_refusal(invalid(e)))?;
        let edit = Edit::File {
            parsed,
            retire_missing: false,
        };
        Ok((apply(&state, &user, edit, dry_run).await?, dry_run))
    }
    .await;
    match outcome {
        Ok((applied, dry_run)) => Ok(result_page(page, &applied, dry_run, |e| e == "area")),
        Err(refused) => show_refused(&state, page, &user, refused).await,
    }
}

/// An upload's problem as a refusal of the form; failures stay failures.
fn as_refusal(error: AppError) -> Refused {
    match error {
        AppError::Invalid(errors) => Refused::Service(crate::service::ServiceError::Invalid(errors)),
        AppError::Forbidden { .. } => Refused::Stale,
        other => Refused::Service(crate::service::ServiceError::Internal(other.to_string())),
    }
}
