//! Showing a case, its files and (on request, recorded) who filed it; taking an action.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use askama::Template;
use serde::Deserialize;

use crate::domain::tracking::TrackingNumber;
use crate::domain::workflow::{Action, ActionInput, ActionKind};
use crate::service::ServiceError;
use crate::service::auth::StaffUser;
use crate::service::caller::Caller;
use crate::service::templates::{self, AnswerTemplate};
use crate::service::workflow;
use crate::service::workflow::StaffCase;
use crate::web::App;
use crate::web::auth::SignedIn;
use crate::web::error::{AppError, Localize, PageError};
use crate::web::forms::{Posted, Refused, csrf_field, shown_in_form};
use crate::web::pages::{PageCtx, encode, html};
use crate::web::query::parse_number;

use super::CsrfForm;
use super::case::*;
use crate::web::pages::see_other;

async fn load_case(state: &App, user: StaffUser, number: TrackingNumber) -> Result<StaffCase, ServiceError> {
    workflow::case_for_staff(state, &user, number).await
}

#[derive(Deserialize)]
pub struct DoneQuery {
    done: Option<String>,
    /// Set after a leader took the case into charge.
    taken: Option<String>,
    template: Option<i32>,
}

/// The templates for this case's category, and the one chosen (if any).
async fn templates_of(
    state: &App,
    user: &StaffUser,
    category: &str,
    chosen: Option<i32>,
) -> Result<(Vec<AnswerTemplate>, Option<AnswerTemplate>), ServiceError> {
    let list = templates::usable_for(state, user, Some(category.to_string())).await?;
    let chosen = chosen.and_then(|id| list.iter().find(|t| t.id == id).cloned());
    Ok((list, chosen))
}

#[get("/staff/cases/{number}")]
pub async fn case_page(
    req: HttpRequest,
    session: Session,
    state: web::Data<App>,
    SignedIn(user): SignedIn,
    path: web::Path<String>,
    query: web::Query<DoneQuery>,
) -> Result<HttpResponse, PageError> {
    let page = PageCtx::staff(&req, &session, &user);
    let locale = page.locale();
    let number = parse_number(&path).page(locale)?;
    let case = load_case(&state, user.clone(), number).await.page(locale)?;
    let (templates, chosen) = templates_of(&state, &user, &case.case.category_code, query.template)
        .await
        .page(locale)?;
    let view = case_view(
        page,
        &state,
        case,
        Extras {
            done: query
                .done
                .clone()
                .or(query.taken.as_ref().map(|_| "taken".to_string())),
            templates: &templates,
            chosen: chosen.as_ref(),
            ..Extras::default()
        },
    );
    Ok(html(StatusCode::OK, view.render()))
}

/// A file the resident added, for staff who may see the case (the read is recorded).
#[get("/staff/cases/{number}/attachments/{id}")]
pub async fn attachment(
    req: HttpRequest,
    session: Session,
    state: web::Data<App>,
    SignedIn(user): SignedIn,
    path: web::Path<(String, i64)>,
) -> Result<HttpResponse, PageError> {
    let locale = PageCtx::staff(&req, &session, &user).locale();
    let (raw, id) = path.into_inner();
    let number = parse_number(&raw).page(locale)?;
    let caller = crate::service::caller::Caller::Staff(user);
    let file = crate::service::attachments::fetch(&state, &caller, number, id)
        .await
        .page(locale)?;
    crate::web::upload::serve(file).await.page(locale)
}

#[post("/staff/cases/{number}/identity")]
pub async fn show_identity(
    req: HttpRequest,
    session: Session,
    state: web::Data<App>,
    SignedIn(user): SignedIn,
    path: web::Path<String>,
    posted: Posted<CsrfForm>,
) -> Result<HttpResponse, PageError> {
    let page = PageCtx::staff(&req, &session, &user);
    let locale = page.locale();
    if !posted.is_fresh() {
        return Err(AppError::Forbidden { key: "err.csrf" }).page(locale);
    }
    let number = parse_number(&path).page(locale)?;
    let revealed = workflow::identity(&state, &user, number.clone())
        .await
        .page(locale)?;
    let case = load_case(&state, user.clone(), number).await.page(locale)?;
    let (templates, _) = templates_of(&state, &user, &case.case.category_code, None)
        .await
        .page(locale)?;
    let view = case_view(
        page,
        &state,
        case,
        Extras {
            identity: Some(revealed),
            templates: &templates,
            ..Extras::default()
        },
    );
    Ok(html(StatusCode::OK, view.render()))
}

#[derive(Deserialize)]
pub struct ActionFormBody {
    #[serde(default)]
    csrf: String,
    #[serde(flatten)]
    input: ActionInput,
}
csrf_field!(ActionFormBody);

#[post("/staff/cases/{number}/act/{action:.+}")]
pub async fn act_on_case(
    req: HttpRequest,
    session: Session,
    state: web::Data<App>,
    SignedIn(user): SignedIn,
    path: web::Path<(String, String)>,
    posted: Posted<ActionFormBody>,
) -> Result<HttpResponse, PageError> {
    let page = PageCtx::staff(&req, &session, &user);
    let locale = page.locale();
    let (raw_number, name) = path.into_inner();
    let number = parse_number(&raw_number).page(locale)?;
    let kind = ActionKind::parse(&name)
        .ok_or_else(AppError::not_found)
        .page(locale)?;
    let result: Result<_, Refused> = async {
        posted.fresh()?;
        let action = Action::parse(kind, &posted.form.input)?;
        let caller = Caller::Staff(user.clone());
        Ok(workflow::act_as(&state, &caller, number.clone(), action).await?)
    }
    .await;
    let refused = match result {
        // Sent elsewhere: the case is no longer theirs to open, so say where it went.
        Ok(acted) if acted.handed_on => {
            return Ok(see_other(&format!(
                "/staff?handed={}&to={}&by={}",
                number,
                encode(&acted.status.department),
                encode(kind.as_str())
            )));
        }
        Ok(_) => {
            return Ok(see_other(&format!(
                "/staff/cases/{}?done={}",
                number,
                encode(kind.as_str())
            )));
        }
        Err(refused) => refused,
    };
    // Not allowed now, or not by this role: said next to the action's form.
    let shown = shown_in_form(page.tr, refused).page(locale)?;
    let status = shown.status;
    let failed = Some(Failed {
        kind,
        values: posted.form.input.clone(),
        errors: shown.errors,
    });
    let case = load_case(&state, user.clone(), number).await.page(locale)?;
    let (templates, _) = templates_of(&state, &user, &case.case.category_code, None)
        .await
        .page(locale)?;
    let view = case_view(
        page,
        &state,
        case,
        Extras {
            failed,
            templates: &templates,
            ..Extras::default()
        },
    );
    Ok(html(status, view.render()))
}
