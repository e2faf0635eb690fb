//! `/board`: the cases residents agreed to publish, with their answers, filtered and
//! searched; and its Atom feed for the same filter (`/board.atom`).

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, web};
use askama::Template;

use super::file::{Opt, OptGroup};
use super::file_choices::{area_groups, category_groups};
use super::{PageCtx, encode, html};
use crate::domain::case::CaseState;
use crate::service::board::{BoardItem, BoardQuery, page as board_page};
use crate::web::App;
use crate::web::error::{Localize, PageError};

#[derive(Template)]
#[template(path = "board.html")]
struct BoardView {
    page: PageCtx,
    query: BoardQuery,
    categories: Vec<OptGroup>,
    areas: Vec<OptGroup>,
    states: Vec<Opt>,
    departments: Vec<Opt>,
    items: Vec<BoardItem>,
    /// The next (older) page's address.
    older: Option<String>,
    /// This filter's feed.
    feed: String,
    tz: chrono_tz::Tz,
}

impl BoardView {
    fn date(&self, at: &chrono::DateTime<chrono::Utc>) -> String {
        crate::format::date(self.page.locale(), *at, self.tz)
    }
}

/// The filter as a query string (without `before`).
fn filter_query(q: &BoardQuery) -> String {
    [
        ("category", &q.category),
        ("area", &q.area),
        ("state", &q.state),
        ("department", &q.department),
        ("q", &q.q),
    ]
    .into_iter()
    .filter(|(_, v)| !v.trim().is_empty())
    .map(|(k, v)| format!("{k}={}", encode(v.trim())))
    .collect::<Vec<_>>()
    .join("&")
}

#[get("/board")]
pub async fn board(
    req: HttpRequest,
    session: Session,
    state: web::Data<App>,
    query: web::Query<BoardQuery>,
) -> Result<HttpResponse, PageError> {
    let page = PageCtx::new(&req, &session);
    let locale = page.locale();
    let query = query.into_inner();
    let found = board_page(&state, &query, locale).await.page(locale)?;
    let catalog = state.catalog();
    let filter = filter_query(&query);
    let states = CaseState::ALL
        .iter()
        .filter(|s| !matches!(s, CaseState::Unconfirmed | CaseState::Submitted))
        .map(|s| Opt {
            code: s.as_str().to_string(),
            name: page.t(&format!("state.{}", s.as_str())).to_string(),
            selected: s.as_str() == query.state,
        })
        .collect();
    let departments = catalog
        .departments
        .iter()
        .filter(|d| d.active)
        .map(|d| Opt {
            code: d.code.clone(),
            name: d.names.get(locale).to_string(),
            selected: d.code == query.department,
        })
        .collect();
    let view = BoardView {
        categories: category_groups(&catalog, locale, &query.category),
        areas: area_groups(&catalog, locale, &query.area, page.t("file.area_whole")),
        states,
        departments,
        items: found.items,
        older: found.next_before.map(|b| {
            format!(
                "/board?{filter}{}before={b}",
                if filter.is_empty() { "" } else { "&" }
            )
        }),
        feed: format!("/board.atom{}{filter}", if filter.is_empty() { "" } else { "?" }),
        query,
        tz: state.tz,
        page,
    };
    Ok(html(StatusCode::OK, view.render()))
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The same filter's newest cases as an Atom feed.
#[get("/board.atom")]
pub async fn feed(
    req: HttpRequest,
    session: Session,
    state: web::Data<App>,
    query: web::Query<BoardQuery>,
) -> Result<HttpResponse, PageError> {
    let page = PageCtx::new(&req, &session);
    let locale = page.locale();
    let mut query = query.into_inner();
    query.before = None;
    let found = board_page(&state, &query, locale).await.page(locale)?;
    let base = state.settings.public_url();
    let filter = filter_query(&query);
    let updated = found
        .items
        .iter()
        .map(|i| i.updated_at)
        .max()
        .unwrap_or_else(|| state.now());
    let mut xml = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\
         <title>{}</title><id>{base}/board?{}</id><updated>{}</updated>\
         <link rel=\"self\" href=\"{base}/board.atom?{}\"/><link rel=\"alternate\" href=\"{base}/board?{}\"/>",
        escape(page.t("board.title")),
        escape(&filter),
        crate::format::rfc3339(updated),
        escape(&filter),
        escape(&filter),
    );
    for item in &found.items {
        let link = format!("{base}/cases/{}", item.tracking_number);
        let mut content = format!(
            "{} · {} · {}\n{}",
            item.category, item.area, item.state_name, item.summary
        );
        if let Some(a) = &item.answer {
            content.push_str(&format!("\n\n{}：{}\n{}", a.outcome, a.text, a.legal_basis));
        }
        xml.push_str(&format!(
            "<entry><title>{}</title><id>{link}</id><link href=\"{link}\"/><updated>{}</updated>\
             <published>{}</published><author><name>{}</name></author><content type=\"text\">{}</content></entry>",
            escape(&item.title),
            crate::format::rfc3339(item.updated_at),
            crate::format::rfc3339(item.submitted_at),
            escape(&item.department),
            escape(&content),
        ));
    }
    xml.push_str("</feed>");
    Ok(HttpResponse::Ok()
        .content_type("application/atom+xml; charset=utf-8")
        .body(xml))
}
