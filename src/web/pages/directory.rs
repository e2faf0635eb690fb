//! `/directory`: pick a town or village and see who answers for it; its printable
//! liaison card with a QR code that opens the filing form with the village chosen; and
//! `/channels`, the lawful channels for what petitions do not handle.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, web};
use askama::Template;
use serde::Deserialize;

use super::file::OptGroup;
use super::file_choices::area_groups;
use super::{PageCtx, html};
use crate::service::directory::{DirectoryView, for_area, qr_svg};
use crate::web::App;
use crate::web::error::{Localize, PageError};

#[derive(Debug, Deserialize)]
pub struct AreaQuery {
    #[serde(default)]
    area: String,
}

#[derive(Template)]
#[template(path = "directory.html")]
struct DirectoryPage {
    page: PageCtx,
    areas: Vec<OptGroup>,
    found: Option<DirectoryView>,
    /// An area was asked for that does not exist (or is retired).
    unknown: bool,
}

#[get("/directory")]
pub async fn directory(
    req: HttpRequest,
    session: Session,
    state: web::Data<App>,
    query: web::Query<AreaQuery>,
) -> HttpResponse {
    let page = PageCtx::new(&req, &session);
    let catalog = state.catalog();
    let code = query.area.trim();
    let found = (!code.is_empty())
        .then(|| for_area(&catalog, code, page.locale()).ok())
        .flatten();
    let unknown = !code.is_empty() && found.is_none();
    let view = DirectoryPage {
        areas: area_groups(&catalog, page.locale(), code, page.t("file.area_whole")),
        found,
        unknown,
        page,
    };
    let status = if unknown {
        StatusCode::NOT_FOUND
    } else {
        StatusCode::OK
    };
    html(status, view.render())
}

#[derive(Template)]
#[template(path = "directory_card.html")]
struct CardPage {
    page: PageCtx,
    card: DirectoryView,
    /// The filing form with this area chosen, as printed under the QR code.
    file_link: String,
    qr: String,
    portal: String,
}

/// The printable liaison card of an area (A6 or A5, one page).
#[get("/directory/{area}/card")]
pub async fn card(
    req: HttpRequest,
    session: Session,
    state: web::Data<App>,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let page = PageCtx::new(&req, &session);
    let locale = page.locale();
    let catalog = state.catalog();
    let card = for_area(&catalog, &path.into_inner(), locale).page(locale)?;
    let portal = state.settings.public_url();
    let file_link = format!("{portal}/cases/new?area={}", super::encode(&card.area));
    let qr = qr_svg(&file_link).page(locale)?;
    let view = CardPage {
        page,
        card,
        file_link,
        qr,
        portal,
    };
    Ok(html(StatusCode::OK, view.render()))
}

#[derive(Template)]
#[template(path = "channels.html")]
struct ChannelsPage {
    page: PageCtx,
    channels: Vec<crate::service::directory::ChannelView>,
}

/// The lawful-channel catalogue: what each handles and how to reach it.
#[get("/channels")]
pub async fn channels(req: HttpRequest, session: Session, state: web::Data<App>) -> HttpResponse {
    let page = PageCtx::new(&req, &session);
    let channels = crate::service::directory::channels(&state.catalog(), page.locale());
    html(StatusCode::OK, ChannelsPage { page, channels }.render())
}
