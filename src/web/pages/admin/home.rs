//! `/admin`: where an administrator lands, with the state of each thing they run.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, web};
use askama::Template;

use crate::service::caller::Caller;
use crate::web::App;
use crate::web::auth::SignedIn;
use crate::web::error::{Localize, PageError};
use crate::web::pages::{PageCtx, html};

/// One area of administration: where it is, what it is for, how it stands.
pub struct Area {
    pub href: &'static str,
    pub title: String,
    pub what: String,
    pub state: String,
}

#[derive(Template)]
#[template(path = "admin_home.html")]
struct HomePage {
    page: PageCtx,
    areas: Vec<Area>,
}

#[get("/admin")]
pub async fn home(
    req: HttpRequest,
    session: Session,
    state: web::Data<App>,
    SignedIn(user): SignedIn,
) -> Result<HttpResponse, PageError> {
    let page = PageCtx::staff(&req, &session, &user);
    let locale = page.locale();
    let o = crate::service::admin_overview::overview(&state, &Caller::Staff(user))
        .await
        .page(locale)?;
    let tr = page.tr;
    let area = |href, key: &str, state: String| Area {
        href,
        title: tr.t(&format!("admin_home.{key}")).to_string(),
        what: tr.t(&format!("admin_home.{key}_what")).to_string(),
        state,
    };
    let routing = match (o.routing.version, o.routing.on) {
        (None, _) => tr.f(
            "admin_home.routing_none",
            &[("min", &o.routing.min_cases.to_string())],
        ),
        (Some(v), true) => tr.f("admin_home.routing_on", &[("version", &v.to_string())]),
        (Some(v), false) => tr.f("admin_home.routing_off", &[("version", &v.to_string())]),
    };
    let catalog = state.catalog();
    let catalogue_state = tr.f(
        "admin_home.catalog_state",
        &[
            (
                "departments",
                &catalog
                    .departments
                    .iter()
                    .filter(|d| d.active)
                    .count()
                    .to_string(),
            ),
            (
                "areas",
                &catalog.areas.iter().filter(|a| a.active).count().to_string(),
            ),
            (
                "categories",
                &catalog.categories.iter().filter(|c| c.active).count().to_string(),
            ),
        ],
    );
    let areas = vec![
        area("/admin/catalog", "catalog", catalogue_state),
        area(
            "/admin/users",
            "accounts",
            tr.f(
                "admin_home.accounts_state",
                &[
                    ("active", &o.active_accounts.to_string()),
                    ("all", &o.accounts.to_string()),
                ],
            ),
        ),
        area("/admin/deadlines", "deadlines", String::new()),
        area("/admin/calendar", "calendar", String::new()),
        area(
            "/admin/mail",
            "mail",
            tr.f(
                "admin_home.mail_state",
                &[
                    ("waiting", &o.mail.waiting.to_string()),
                    ("due", &o.mail.due.to_string()),
                ],
            ),
        ),
        area("/admin/routing", "routing", routing),
    ];
    Ok(html(StatusCode::OK, HomePage { page, areas }.render()))
}
