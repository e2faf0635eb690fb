//! The resident's own actions from the private page: evaluate, ask for a review or a
//! re-review, withdraw; and booking (or cancelling) a place at a reception day.

use actix_session::Session;
use actix_web::{HttpRequest, HttpResponse, post, web};
use serde::Deserialize;

use super::{Problem, proof_of, proof_query, render_resident};
use crate::domain::workflow::{Action, ActionInput, ActionKind};
use crate::service::caller::Caller;
use crate::service::{reception, workflow};
use crate::web::App;
use crate::web::error::{AppError, Localize, PageError};
use crate::web::forms::{Posted, Refused, csrf_field, shown_in_form};
use crate::web::pages::{PageCtx, encode, see_other};
use crate::web::query::parse_number;

#[derive(Deserialize)]
pub struct ResidentActionForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    token: String,
    #[serde(flatten)]
    input: ActionInput,
}
csrf_field!(ResidentActionForm);

fn bad_token() -> AppError {
    AppError::Forbidden {
        key: "error.bad_token",
    }
}

#[post("/cases/{number}/act/{action:.+}")]
pub async fn resident_act(
    req: HttpRequest,
    session: Session,
    state: web::Data<App>,
    path: web::Path<(String, String)>,
    posted: Posted<ResidentActionForm>,
) -> Result<HttpResponse, PageError> {
    let page = PageCtx::new(&req, &session);
    let locale = page.locale();
    let (raw_number, name) = path.into_inner();
    let number = parse_number(&raw_number).page(locale)?;
    let kind = ActionKind::parse(&name)
        .filter(|k| {
            matches!(
                k,
                ActionKind::Evaluate
                    | ActionKind::RequestReview
                    | ActionKind::RequestReReview
                    | ActionKind::Withdraw
            )
        })
        .ok_or_else(AppError::not_found)
        .page(locale)?;
    // The private link or the account proves who is acting.
    let proof = proof_of(&state, Some(&posted.form.token), &session)
        .ok_or_else(bad_token)
        .page(locale)?;
    let result: Result<_, Refused> = async {
        posted.fresh()?;
        let action = Action::parse(kind, &posted.form.input)?;
        let caller = Caller::Resident(proof.clone());
        Ok(workflow::resident_acts(&state, &caller, number.clone(), action).await?)
    }
    .await;
    let refused = match result {
        Ok(_) => {
            return Ok(see_other(&format!(
                "/cases/{number}?{}done={}",
                proof_query(&proof),
                encode(kind.as_str())
            )));
        }
        Err(refused) => refused,
    };
    // Not allowed in this state (or any more) is said next to the form too.
    let shown = shown_in_form(page.tr, refused).page(locale)?;
    // Show the page again with the problem next to the form and what was typed kept.
    let Posted { form, .. } = posted;
    let problem = Problem::Action(kind, Box::new(form.input), shown.errors);
    render_resident(&state, page, number, proof, form.token, problem, shown.status).await
}

#[derive(Deserialize)]
pub struct BookingForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    token: String,
    #[serde(default)]
    day: i32,
}
csrf_field!(BookingForm);

/// Books (or, with `day` 0, cancels) the case's place at a reception day.
#[post("/cases/{number}/booking")]
pub async fn book_or_cancel(
    req: HttpRequest,
    session: Session,
    state: web::Data<App>,
    path: web::Path<String>,
    posted: Posted<BookingForm>,
) -> Result<HttpResponse, PageError> {
    let page = PageCtx::new(&req, &session);
    let locale = page.locale();
    let number = parse_number(&path).page(locale)?;
    let proof = proof_of(&state, Some(&posted.form.token), &session)
        .ok_or_else(bad_token)
        .page(locale)?;
    let caller = Caller::Resident(proof.clone());
    let result: Result<&str, Refused> = async {
        posted.fresh()?;
        Ok(match posted.form.day {
            0 => reception::cancel_booking(&state, &caller, number.clone())
                .await
                .map(|_| "cancelled")?,
            day => reception::book_day(&state, &caller, number.clone(), day)
                .await
                .map(|_| "booked")?,
        })
    }
    .await;
    let refused = match result {
        Ok(what) => {
            return Ok(see_other(&format!(
                "/cases/{number}?{}done={what}#reception",
                proof_query(&proof)
            )));
        }
        Err(refused) => refused,
    };
    // A day that is gone is said next to the booking form.
    let shown = shown_in_form(page.tr, refused).page(locale)?;
    let problem = Problem::Booking(shown.message());
    render_resident(
        &state,
        page,
        number,
        proof,
        posted.form.token,
        problem,
        shown.status,
    )
    .await
}
