//! The front page: what Huiying is, file or track, emergencies first.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, web};
use askama::Template;

use super::{PageCtx, html};
use crate::web::App;

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    page: PageCtx,
    urgent: Vec<String>,
}

#[get("/")]
pub async fn index(req: HttpRequest, session: Session, state: web::Data<App>) -> HttpResponse {
    let page = PageCtx::new(&req, &session);
    let catalog = state.catalog();
    let urgent = catalog
        .categories
        .iter()
        .filter(|c| c.urgent)
        .map(|c| c.names.get(page.locale()).to_string())
        .collect();
    html(StatusCode::OK, HomePage { page, urgent }.render())
}
