//! Dates and names as the reader expects them.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::domain::catalog::Catalog;
use crate::domain::locale::Locale;
use crate::domain::routing::RouteReason;
use crate::domain::timeline::EventData;
use crate::i18n::Tr;

/// `2026年12月11日` or `11 Dec 2026`, in the deployment's time zone.
pub fn date(locale: Locale, at: DateTime<Utc>, tz: Tz) -> String {
    let local = at.with_timezone(&tz);
    match locale {
        Locale::ZhCn => local.format("%Y年%-m月%-d日").to_string(),
        Locale::En => local.format("%-d %b %Y").to_string(),
    }
}

/// Date and time to the minute.
pub fn date_time(locale: Locale, at: DateTime<Utc>, tz: Tz) -> String {
    let local = at.with_timezone(&tz);
    match locale {
        Locale::ZhCn => local.format("%Y年%-m月%-d日 %H:%M").to_string(),
        Locale::En => local.format("%-d %b %Y, %H:%M").to_string(),
    }
}

/// Machine-readable instant for `<time datetime>` and the API.
pub fn rfc3339(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

pub fn department_name(catalog: &Catalog, locale: Locale, code: &str) -> String {
    catalog
        .department(code)
        .map(|d| d.names.get(locale).to_string())
        .unwrap_or_else(|| code.to_string())
}

pub fn category_name(catalog: &Catalog, locale: Locale, code: &str) -> String {
    catalog
        .category(code)
        .map(|c| c.names.get(locale).to_string())
        .unwrap_or_else(|| code.to_string())
}

/// The area with its ancestors: `临江市 › 青山镇 › 石口村`.
pub fn area_path_name(catalog: &Catalog, locale: Locale, code: &str) -> String {
    match catalog.area_path(code) {
        Some(path) => path
            .iter()
            .rev()
            .filter_map(|c| catalog.area(c))
            .map(|a| a.names.get(locale))
            .collect::<Vec<_>>()
            .join(" › "),
        None => code.to_string(),
    }
}

pub fn state_name(tr: Tr, state: crate::domain::case::CaseState) -> &'static str {
    tr.t(&format!("state.{}", state.as_str()))
}

/// One sentence telling what a timeline event means, in the reader's language.
pub fn event_text(tr: Tr, catalog: &Catalog, kind: &str, data: Option<&EventData>) -> String {
    let locale = tr.locale();
    match data {
        Some(EventData::Received { channel }) => tr.f(
            "event.received",
            &[("channel", tr.t(&format!("channel.{}", channel.as_str())))],
        ),
        Some(EventData::Routed { department, reason }) => {
            let department = department_name(catalog, locale, department);
            match reason {
                RouteReason::Rule { category, area, .. } => {
                    let category = category
                        .as_deref()
                        .map(|c| category_name(catalog, locale, c))
                        .unwrap_or_else(|| tr.t("event.any_category").to_string());
                    let area = area
                        .as_deref()
                        .map(|a| area_path_name(catalog, locale, a))
                        .unwrap_or_else(|| tr.t("event.any_area").to_string());
                    tr.f(
                        "event.routed_rule",
                        &[
                            ("department", &department),
                            ("category", &category),
                            ("area", &area),
                        ],
                    )
                }
                RouteReason::NoRule => tr.f("event.routed_intake", &[("department", &department)]),
            }
        }
        None => tr.f("event.unknown", &[("kind", kind)]),
    }
}
