//! The two languages every page and email exists in.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub enum Locale {
    /// Simplified Chinese, the first language of our users.
    #[default]
    #[serde(rename = "zh-CN")]
    ZhCn,
    #[serde(rename = "en")]
    En,
}

impl Locale {
    pub const ALL: [Locale; 2] = [Locale::ZhCn, Locale::En];

    pub fn as_str(self) -> &'static str {
        match self {
            Locale::ZhCn => "zh-CN",
            Locale::En => "en",
        }
    }

    /// Parses a language tag leniently: `zh`, `zh-CN`, `zh-Hans-CN`, `en-GB`, `EN` …
    pub fn from_tag(tag: &str) -> Option<Locale> {
        let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "zh" => Some(Locale::ZhCn),
            "en" => Some(Locale::En),
            _ => None,
        }
    }

    /// Picks the supported language the browser prefers most (by q-value, then order),
    /// or `None` when it names neither.
    pub fn from_accept_language(header: &str) -> Option<Locale> {
        let mut best: Option<(f32, usize, Locale)> = None;
        for (index, item) in header.split(',').enumerate() {
            let mut parts = item.split(';');
            let Some(locale) = parts.next().and_then(Locale::from_tag) else {
                continue;
            };
            let quality = parts
                .filter_map(|p| p.trim().strip_prefix("q="))
                .find_map(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            if quality <= 0.0 {
                continue;
            }
            let better = match best {
                None => true,
                Some((q, i, _)) => quality > q || (quality == q && index < i),
            };
            if better {
                best = Some((quality, index, locale));
            }
        }
        best.map(|(_, _, locale)| locale)
    }
}

/// A name in both languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Names {
    pub zh: String,
    pub en: String,
}

impl Names {
    pub fn new(zh: impl Into<String>, en: impl Into<String>) -> Self {
        Names {
            zh: zh.into(),
            en: en.into(),
        }
    }

    pub fn get(&self, locale: Locale) -> &str {
        match locale {
            Locale::ZhCn => &self.zh,
            Locale::En => &self.en,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_parsed_leniently() {
        assert_eq!(Locale::from_tag("zh-Hans-CN"), Some(Locale::ZhCn));
        assert_eq!(Locale::from_tag("zh_TW"), Some(Locale::ZhCn));
        assert_eq!(Locale::from_tag("EN-gb"), Some(Locale::En));
        assert_eq!(Locale::from_tag("fr"), None);
        assert_eq!(Locale::from_tag(""), None);
    }

    #[test]
    fn accept_language_honours_quality_then_order() {
        assert_eq!(
            Locale::from_accept_language("en-US,en;q=0.9,zh-CN;q=0.8"),
            Some(Locale::En)
        );
        assert_eq!(
            Locale::from_accept_language("fr;q=1, zh;q=0.5, en;q=0.4"),
            Some(Locale::ZhCn)
        );
        assert_eq!(
            Locale::from_accept_language("en;q=0.5, zh;q=0.9"),
            Some(Locale::ZhCn)
        );
        assert_eq!(Locale::from_accept_language("zh, en"), Some(Locale::ZhCn));
        assert_eq!(Locale::from_accept_language("en;q=0, de"), None);
        assert_eq!(Locale::from_accept_language(""), None);
        assert_eq!(Locale::from_accept_language(";;,,q=1"), None);
    }
}
