//! The form's two long lists: categories by group, areas by town (city, towns and their
//! villages), each a grouped `<select>` that needs no JavaScript.

use super::file::{Opt, OptGroup};
use crate::domain::catalog::Catalog;
use crate::domain::locale::Locale;

pub(super) fn category_groups(catalog: &Catalog, locale: Locale, selected: &str) -> Vec<OptGroup> {
    catalog
        .groups
        .iter()
        .filter(|g| g.active)
        .map(|g| OptGroup {
            label: g.names.get(locale).to_string(),
            options: catalog
                .offered_categories_in(&g.code)
                .map(|c| Opt {
                    code: c.code.clone(),
                    name: c.names.get(locale).to_string(),
                    selected: c.code == selected,
                })
                .collect(),
        })
        .filter(|g| !g.options.is_empty())
        .collect()
}

/// One group per town or street: the town itself, then its villages and communities.
/// A plain `<select>` with groups needs no JavaScript and reads well on phones.
pub(super) fn area_groups(catalog: &Catalog, locale: Locale, selected: &str, whole: &str) -> Vec<OptGroup> {
    let opt = |a: &crate::domain::catalog::Area, name: String| Opt {
        code: a.code.clone(),
        name,
        selected: a.code == selected,
    };
    let mut groups = Vec::new();
    for city in catalog
        .areas
        .iter()
        .filter(|a| a.active && a.parent_code.is_none())
    {
        let city_name = city.names.get(locale);
        groups.push(OptGroup {
            label: city_name.to_string(),
            options: vec![opt(city, format!("{city_name}{whole}"))],
        });
        for town in catalog.area_children(&city.code).filter(|a| a.active) {
            let town_name = town.names.get(locale);
            let mut options = vec![opt(town, format!("{town_name}{whole}"))];
            options.extend(
                catalog
                    .area_children(&town.code)
                    .filter(|a| a.active)
                    .map(|v| opt(v, format!("{town_name} › {}", v.names.get(locale)))),
            );
            groups.push(OptGroup {
                label: format!("{city_name} › {town_name}"),
                options,
            });
        }
    }
    groups
}
