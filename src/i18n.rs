//! Message catalogues (`locales/zh-CN.toml`, `locales/en.toml`), compiled into the binary.
//! Keys are dotted paths; `{name}` in a message is replaced by a parameter.

use std::collections::HashMap;
use std::sync::OnceLock;

pub use crate::domain::locale::Locale;

const ZH_CN: &str = include_str!("../locales/zh-CN.toml");
const EN: &str = include_str!("../locales/en.toml");

type Messages = HashMap<String, &'static str>;

fn flatten(prefix: &str, table: &toml::Table, out: &mut Messages) {
    for (key, value) in table {
        let path = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        match value {
            toml::Value::Table(inner) => flatten(&path, inner, out),
            toml::Value::String(s) => {
                // Leaked once per message at first use: the catalogues live for the process.
                out.insert(path, Box::leak(s.clone().into_boxed_str()));
            }
            other => {
                tracing::error!(key = %path, value = %other, "message catalogue value is not a string");
            }
        }
    }
}

fn parse(source: &str, name: &str) -> Messages {
    let mut out = Messages::new();
    match source.parse::<toml::Table>() {
        Ok(table) => flatten("", &table, &mut out),
        Err(e) => tracing::error!(catalogue = name, error = %e, "message catalogue does not parse"),
    }
    out
}

fn catalogue(locale: Locale) -> &'static Messages {
    static ZH: OnceLock<Messages> = OnceLock::new();
    static EN_MESSAGES: OnceLock<Messages> = OnceLock::new();
    match locale {
        Locale::ZhCn => ZH.get_or_init(|| parse(ZH_CN, "zh-CN")),
        Locale::En => EN_MESSAGES.get_or_init(|| parse(EN, "en")),
    }
}

/// The message for `key`, or the key itself (and an error in the log) when missing.
pub fn t(locale: Locale, key: &str) -> &'static str {
    match catalogue(locale).get(key) {
        Some(message) => message,
        None => {
            tracing::error!(locale = locale.as_str(), key, "missing message");
            Box::leak(key.to_string().into_boxed_str())
        }
    }
}

/// The message for `key` with `{name}` placeholders filled in.
pub fn tf(locale: Locale, key: &str, params: &[(&str, &str)]) -> String {
    let mut message = t(locale, key).to_string();
    for (name, value) in params {
        message = message.replace(&format!("{{{name}}}"), value);
    }
    message
}

/// A field error as a sentence, its parameters filled in.
pub fn field_error(locale: Locale, error: &crate::domain::field_error::FieldError) -> String {
    let params: Vec<(&str, &str)> = error.params.iter().map(|(k, v)| (*k, v.as_str())).collect();
    tf(locale, error.key, &params)
}

/// A translator bound to one locale, handed to templates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tr(pub Locale);

impl Tr {
    pub fn t(&self, key: &str) -> &'static str {
        t(self.0, key)
    }

    pub fn f(&self, key: &str, params: &[(&str, &str)]) -> String {
        tf(self.0, key, params)
    }

    pub fn locale(&self) -> Locale {
        self.0
    }

    pub fn lang(&self) -> &'static str {
        self.0.as_str()
    }

    /// Items as a list in running text: 甲、乙、丙 / a, b, c.
    pub fn list<S: AsRef<str>>(&self, items: &[S]) -> String {
        let separator = if self.0 == Locale::En { ", " } else { "、" };
        items
            .iter()
            .map(AsRef::as_ref)
            .collect::<Vec<_>>()
            .join(separator)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn keys(locale: Locale) -> BTreeSet<&'static String> {
        catalogue(locale).keys().collect()
    }

    #[test]
    fn lists_are_joined_as_each_language_writes_them() {
        assert_eq!(Tr(Locale::ZhCn).list(&["噪音", "施工"]), "噪音、施工");
        assert_eq!(Tr(Locale::En).list(&["noise", "works"]), "noise, works");
        assert_eq!(Tr(Locale::En).list::<&str>(&[]), "");
    }

    #[test]
    fn both_catalogues_have_the_same_keys() {
        let zh = keys(Locale::ZhCn);
        let en = keys(Locale::En);
        assert!(zh.len() > 50, "catalogue parsed");
        let only_zh: Vec<_> = zh.difference(&en).collect();
        let only_en: Vec<_> = en.difference(&zh).collect();
        assert!(
            only_zh.is_empty() && only_en.is_empty(),
            "zh only: {only_zh:?}; en only: {only_en:?}"
        );
    }

    #[test]
    fn no_message_is_empty_and_chinese_is_chinese() {
        for (key, message) in catalogue(Locale::ZhCn) {
            assert!(!message.trim().is_empty(), "{key} is empty");
        }
        assert!(t(Locale::ZhCn, "site.name").contains("回应"));
    }

    /// Every `t("…")`, `f("…"` and `"err.…"` key written in the templates and sources exists.
    #[test]
    fn every_key_used_in_code_and_templates_exists() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = Vec::new();
        for dir in ["templates", "src"] {
            collect(&root.join(dir), &mut files);
        }
        let zh = catalogue(Locale::ZhCn);
        let mut missing = BTreeSet::new();
        for file in files {
            let text = std::fs::read_to_string(&file).expect("readable");
            for key in used_keys(&text) {
                if !zh.contains_key(&key) {
                    missing.insert(format!("{key} ({})", file.display()));
                }
            }
        }
        assert!(missing.is_empty(), "missing messages: {missing:#?}");
    }

    fn collect(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("dir").flatten() {
            let path = entry.path();
            if path.is_dir() {
                collect(&path, out);
            } else if matches!(
                path.extension().and_then(|e| e.to_str()),
                Some("rs" | "html" | "txt")
            ) {
                out.push(path);
            }
        }
    }

    /// Keys look like `word.word…` inside `t("…")`, `f("…"` or any string literal that
    /// starts with a known message namespace.
    fn used_keys(text: &str) -> Vec<String> {
        let mut keys = Vec::new();
        for marker in ["t(\"", "f(\"", "f1(\"", "key: \"", "FieldError::new(\""] {
            let mut rest = text;
            while let Some(start) = rest.find(marker) {
                rest = &rest[start + marker.len()..];
                if let Some(end) = rest.find('"') {
                    let key = &rest[..end];
                    if key.contains('.')
                        && !key.contains(' ')
                        && !key.contains('{')
                        && key
                            .chars()
                            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
                    {
                        keys.push(key.to_string());
                    }
                }
            }
        }
        keys
    }

    /// Keys built from enum values at run time exist for every value.
    #[test]
    fn every_enum_value_has_its_messages() {
        use crate::domain::case::{ActorKind, CaseState, Channel, Outcome, Rating, Role};
        use crate::domain::workflow::{ActionKind, Extension};
        let zh = catalogue(Locale::ZhCn);
        let mut keys: Vec<String> = Vec::new();
        keys.extend(CaseState::ALL.iter().map(|v| format!("state.{}", v.as_str())));
        keys.extend(Channel::ALL.iter().map(|v| format!("channel.{}", v.as_str())));
        keys.extend(Role::ALL.iter().map(|v| format!("role.{}", v.as_str())));
        keys.extend(Outcome::ALL.iter().map(|v| format!("outcome.{}", v.as_str())));
        keys.extend(Rating::ALL.iter().map(|v| format!("rating.{}", v.as_str())));
        keys.extend(ActorKind::ALL.iter().map(|v| format!("actor.{}", v.as_str())));
        keys.extend(Extension::ALL.iter().map(|v| format!("extension.{}", v.as_str())));
        keys.extend(
            ActionKind::ALL
                .iter()
                .map(|v| format!("action.{}", v.as_str().replace(['/', '-'], "_"))),
        );
        let missing: Vec<_> = keys.iter().filter(|k| !zh.contains_key(*k)).collect();
        assert!(missing.is_empty(), "{missing:?}");
    }

    #[test]
    fn placeholders_are_filled() {
        assert_eq!(
            tf(Locale::En, "err.too_long", &[("max", "80"), ("count", "81")]),
            "At most 80 characters (now 81)."
        );
    }
}
