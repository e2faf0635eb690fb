//! The pages a government site has besides its forms: how filing works and what happens
//! next, the privacy notice, how to reach the intake office, the accessibility statement.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, web};
use askama::Template;

use super::{PageCtx, html};
use crate::web::App;

/// One section of a page: its heading and paragraphs (message keys, filled in).
pub struct Section {
    pub heading: String,
    pub paragraphs: Vec<String>,
}

#[derive(Template)]
#[template(path = "about.html")]
struct AboutPage {
    page: PageCtx,
    id: &'static str,
    title: String,
    lead: String,
    sections: Vec<Section>,
    /// The intake office's contact card, on the contact page.
    contact: Option<ContactCard>,
}

pub struct ContactCard {
    pub name: String,
    pub address: Option<String>,
    pub phone: Option<String>,
    pub hours: Option<String>,
    pub email: Option<String>,
}

/// The sections of page `id`: `about.{id}_{n}_h` and `about.{id}_{n}_p{m}`, as many as
/// the page has.
fn sections(page: &PageCtx, id: &str, shape: &[usize], params: &[(&str, &str)]) -> Vec<Section> {
    shape
        .iter()
        .enumerate()
        .map(|(n, &paragraphs)| Section {
            heading: page.t(&format!("about.{id}_{}_h", n + 1)).to_string(),
            paragraphs: (1..=paragraphs)
                .map(|m| page.tr.f(&format!("about.{id}_{}_p{m}", n + 1), params))
                .collect(),
        })
        .collect()
}

fn render(
    page: PageCtx,
    id: &'static str,
    shape: &[usize],
    params: &[(&str, &str)],
    card: Option<ContactCard>,
) -> HttpResponse {
    let view = AboutPage {
        title: page.t(&format!("about.{id}_title")).to_string(),
        lead: page.tr.f(&format!("about.{id}_lead"), params),
        sections: sections(&page, id, shape, params),
        id,
        contact: card,
        page,
    };
    html(StatusCode::OK, view.render())
}

#[get("/help")]
pub async fn help(req: HttpRequest, session: Session) -> HttpResponse {
    render(PageCtx::new(&req, &session), "help", &[2, 3, 2, 2, 2], &[], None)
}

#[get("/privacy")]
pub async fn privacy(req: HttpRequest, session: Session, state: web::Data<App>) -> HttpResponse {
    let years = state.settings.retain_identity_years.to_string();
    render(
        PageCtx::new(&req, &session),
        "privacy",
        &[2, 2, 3, 2],
        &[("years", &years)],
        None,
    )
}

#[get("/contact")]
pub async fn contact(req: HttpRequest, session: Session, state: web::Data<App>) -> HttpResponse {
    let page = PageCtx::new(&req, &session);
    let catalog = state.catalog();
    let office = catalog.intake();
    let card = ContactCard {
        name: office.names.get(page.locale()).to_string(),
        address: office.contact.address.clone(),
        phone: office.contact.phone.clone(),
        hours: office.contact.hours.clone(),
        email: None,
    };
    render(page, "contact", &[2], &[], Some(card))
}

#[get("/accessibility")]
pub async fn accessibility(req: HttpRequest, session: Session) -> HttpResponse {
    render(
        PageCtx::new(&req, &session),
        "accessibility",
        &[3, 2, 1],
        &[],
        None,
    )
}
