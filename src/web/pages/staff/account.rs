//! A member of staff changes their own password.

use std::collections::BTreeMap;

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use askama::Template;
use serde::Deserialize;

use crate::service::ServiceError;
use crate::service::auth::{StaffUser, change_password as change_own_password};
use crate::web::App;
use crate::web::auth::{SignedIn, remember};
use crate::web::error::{Localize, PageError, field_messages};
use crate::web::forms::{Posted, csrf_field};
use crate::web::pages::{PageCtx, html};

#[derive(Template)]
#[template(path = "staff_password.html")]
struct PasswordPage {
    page: PageCtx,
    errors: BTreeMap<String, String>,
    done: bool,
}

#[get("/staff/password")]
pub async fn password_form(req: HttpRequest, session: Session, SignedIn(user): SignedIn) -> HttpResponse {
    let view = PasswordPage {
        page: PageCtx::staff(&req, &session, &user),
        errors: BTreeMap::new(),
        done: false,
    };
    html(StatusCode::OK, view.render())
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    repeat_password: String,
}
csrf_field!(PasswordForm);

#[post("/staff/password")]
pub async fn change_password(
    req: HttpRequest,
    session: Session,
    state: web::Data<App>,
    SignedIn(user): SignedIn,
    posted: Posted<PasswordForm>,
) -> Result<HttpResponse, PageError> {
    let (form, fresh) = posted.into_parts();
    let page = PageCtx::staff(&req, &session, &user);
    let locale = page.locale();
    let mut view = PasswordPage {
        errors: BTreeMap::new(),
        done: false,
        page,
    };
    if !fresh {
        view.errors.insert("form".into(), view.page.t("err.csrf").into());
    } else if form.new_password != form.repeat_password {
        view.errors.insert(
            "repeat_password".into(),
            view.page.t("err.password_mismatch").into(),
        );
    } else {
        match change_own_password(&state, &user, &form.current_password, &form.new_password).await {
            Ok(()) => {
                // Every earlier session ended; this one continues under the new credentials.
                let fresh = StaffUser {
                    credentials_version: user.credentials_version + 1,
                    ..user
                };
                remember(&state, &session, &fresh).await.page(locale)?;
                view.page.csrf = crate::web::csrf::token(&session);
                view.done = true;
                return Ok(html(StatusCode::OK, view.render()));
            }
            Err(ServiceError::Invalid(errors)) => view.errors = field_messages(view.page.tr, &errors),
            Err(e) => return Err(e).page(locale),
        }
    }
    Ok(html(StatusCode::UNPROCESSABLE_ENTITY, view.render()))
}
