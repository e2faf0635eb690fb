//! Adding the signed mediation agreement to a case, by whoever may mediate it, once the
//! agreement is recorded.

use actix_session::Session;
use actix_web::{HttpRequest, HttpResponse, post, web};
use askama::Template;

use crate::service::attachments;
use crate::service::caller::Caller;
use crate::web::App;
use crate::web::auth::SignedIn;
use crate::web::csrf;
use crate::web::error::{AppError, Localize, PageError};
use crate::web::pages::{PageCtx, html, see_other};
use crate::web::query::parse_number;
use crate::web::upload;

use super::case::{Extras, case_view};

#[post("/staff/cases/{number}/agreement")]
pub async fn add_agreement(
    req: HttpRequest,
    session: Session,
    state: web::Data<App>,
    SignedIn(user): SignedIn,
    path: web::Path<String>,
    body: web::Payload,
) -> Result<HttpResponse, PageError> {
    let page = PageCtx::staff(&req, &session, &user);
    let locale = page.locale();
    let number = parse_number(&path).page(locale)?;
    let caller = Caller::Staff(user.clone());
    let outcome: Result<_, AppError> = async {
        let admission = attachments::admit(&state, &caller, number.clone()).await?;
        upload::check_declared_length(&req)?;
        let _slot = upload::take_slot(&state)?;
        let received = upload::receive(&req, body, &state.settings.data_dir).await?;
        if !csrf::verify(&session, received.fields.get("csrf").map_or("", String::as_str)) {
            return Err(AppError::Forbidden { key: "err.csrf" });
        }
        Ok(attachments::add(&state, admission, received.files).await?)
    }
    .await;
    match outcome {
        Ok(_) => Ok(see_other(&format!(
            "/staff/cases/{number}?done=agreement#attachments"
        ))),
        Err(error @ (AppError::Internal(_) | AppError::NotFound { .. })) => Err(error).page(locale),
        Err(error) => {
            let message = error.form_message(page.tr);
            let status = error.status();
            let case = crate::service::workflow::case_for_staff(&state, &user, number)
                .await
                .page(locale)?;
            let view = case_view(
                page,
                &state,
                case,
                Extras {
                    upload_error: Some(message),
                    ..Extras::default()
                },
            );
            Ok(html(status, view.render()))
        }
    }
}
