//! The public directory (联系卡): for a town or village, who answers for it (its liaisons,
//! then those of the areas above it), which department takes each kind of matter there
//! (the routing rules, as published), and the lawful channels for what petitions do not
//! handle. Only what the liaisons agreed to publish is held at all.

use super::ServiceError;
use crate::domain::catalog::Catalog;
use crate::domain::locale::Locale;

/// One liaison card as the public reads it.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct CardView {
    pub name: String,
    pub title: String,
    pub office: String,
    pub phone: String,
    pub hours: String,
    pub duties: String,
}

/// The liaisons of one area on the way up.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct AreaCards {
    pub area: String,
    pub name: String,
    pub liaisons: Vec<CardView>,
}

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Responsibility {
    pub category: String,
    pub category_name: String,
    pub department: String,
    pub department_name: String,
}

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct ChannelView {
    pub code: String,
    pub name: String,
    pub handles: String,
    pub reach: String,
}

/// Everything the directory shows for one area.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct DirectoryView {
    pub area: String,
    /// The area's full name, from the top (`桐溪县 › 城关镇 › 东门社区`).
    pub name: String,
    pub level: i32,
    pub liaisons: Vec<AreaCards>,
    pub departments: Vec<Responsibility>,
    pub channels: Vec<ChannelView>,
}

/// The directory for `area` (an area in use), in `locale`.
pub fn for_area(catalog: &Catalog, area: &str, locale: Locale) -> Result<DirectoryView, ServiceError> {
    let found = catalog
        .area(area)
        .filter(|a| a.active)
        .ok_or(ServiceError::NotFound)?;
    let path = catalog.area_path(area).ok_or(ServiceError::NotFound)?;
    let name = path
        .iter()
        .rev()
        .filter_map(|code| catalog.area(code))
        .map(|a| a.names.get(locale))
        .collect::<Vec<_>>()
        .join(" › ");
    let liaisons = catalog
        .liaisons_for(area)
        .into_iter()
        .filter(|(_, cards)| !cards.is_empty())
        .map(|(a, cards)| AreaCards {
            area: a.code.clone(),
            name: a.names.get(locale).to_string(),
            liaisons: cards
                .into_iter()
                .map(|l| CardView {
                    name: l.name.clone(),
                    title: l.title.clone(),
                    office: l.office.clone(),
                    phone: l.phone.clone(),
                    hours: l.hours.clone(),
                    duties: l.duties.clone(),
                })
                .collect(),
        })
        .collect();
    let departments = catalog
        .categories
        .iter()
        .filter(|c| c.active)
        .map(|c| {
            let decision = catalog.route_case(&c.code, &path, None);
            let department_name = catalog
                .department(&decision.department_code)
                .map(|d| d.names.get(locale).to_string())
                .unwrap_or_else(|| catalog.intake().names.get(locale).to_string());
            Responsibility {
                category: c.code.clone(),
                category_name: c.names.get(locale).to_string(),
                department: decision.department_code,
                department_name,
            }
        })
        .collect();
    Ok(DirectoryView {
        area: found.code.clone(),
        name,
        level: found.level,
        liaisons,
        departments,
        channels: channels(catalog, locale),
    })
}

/// The lawful channels in use, in `locale`.
pub fn channels(catalog: &Catalog, locale: Locale) -> Vec<ChannelView> {
    catalog
        .channels
        .iter()
        .filter(|c| c.active)
        .map(|c| ChannelView {
            code: c.code.clone(),
            name: c.names.get(locale).to_string(),
            handles: c.descriptions.get(locale).to_string(),
            reach: c.reach.get(locale).to_string(),
        })
        .collect()
}

/// The QR code of a link, as an SVG element to put in a page (no XML prologue).
pub fn qr_svg(link: &str) -> Result<String, ServiceError> {
    let code = qrcode::QrCode::new(link.as_bytes()).map_err(|e| ServiceError::Internal(e.to_string()))?;
    let svg = code
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(160, 160)
        .quiet_zone(true)
        .build();
    Ok(svg.find("<svg").map(|at| svg[at..].to_string()).unwrap_or(svg))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::catalog::{Liaison, fixture};
    use crate::domain::routing::RoutingRule;

    #[test]
    fn the_directory_lists_the_areas_liaisons_nearest_first_and_who_takes_what() {
        let card = |id, area: &str, name: &str| Liaison {
            id,
            area_code: area.into(),
            name: name.into(),
            title: "联络员".into(),
            office: "镇党政办".into(),
            phone: "0571-1234".into(),
            hours: String::new(),
            duties: String::new(),
            active: true,
        };
        let c = fixture::catalog(vec![RoutingRule {
            id: 1,
            category_code: Some("noise".into()),
            area_code: None,
            department_code: "env".into(),
        }])
        .with_liaisons(vec![card(1, "town", "镇干部"), card(2, "village", "村干部")])
        .unwrap();
        let view = for_area(&c, "village", Locale::ZhCn).unwrap();
        assert_eq!(view.name, "city › town › village");
        let names: Vec<&str> = view
            .liaisons
            .iter()
            .map(|a| a.liaisons[0].name.as_str())
            .collect();
        assert_eq!(names, ["村干部", "镇干部"]);
        let noise = view.departments.iter().find(|d| d.category == "noise").unwrap();
        assert_eq!(noise.department, "env");
        assert!(for_area(&c, "nowhere", Locale::ZhCn).is_err());
    }

    #[test]
    fn a_qr_code_is_inline_svg() {
        let svg = qr_svg("https://portal.example/cases/new?area=330122001001").unwrap();
        assert!(
            svg.starts_with("<svg") && svg.contains("<path"),
            "{}",
            &svg[..80.min(svg.len())]
        );
    }
}
