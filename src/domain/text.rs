//! Free-text rules shared by every field residents and staff type: trimmed, counted in
//! characters (not bytes), no control characters or invisible direction overrides.

use super::field_error::FieldError;

/// Whether line breaks are allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lines {
    Single,
    Multi,
}

/// Characters that can hide or reorder text when displayed (Trojan-source style) and
/// control characters other than line breaks and tabs in multi-line text.
fn forbidden(c: char, lines: Lines) -> bool {
    match c {
        '\n' | '\t' => lines == Lines::Single,
        '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}' | '\u{FFFE}' => true,
        _ => c.is_control(),
    }
}

/// Normalises and checks one text field; `min == 0` makes it optional (empty is fine).
pub fn clean(raw: &str, min: usize, max: usize, lines: Lines) -> Result<String, FieldError> {
    let normalized = raw.replace("\r\n", "\n").replace('\r', "\n");
    let trimmed = normalized.trim();
    if trimmed.is_empty() {
        return if min == 0 {
            Ok(String::new())
        } else {
            Err(FieldError::new("err.required"))
        };
    }
    if let Some(bad) = trimmed.chars().find(|&c| forbidden(c, lines)) {
        return Err(FieldError::new("err.forbidden_char").with("code", format!("U+{:04X}", bad as u32)));
    }
    let count = trimmed.chars().count();
    if count < min {
        return Err(FieldError::new("err.too_short").with("min", min));
    }
    if count > max {
        return Err(FieldError::new("err.too_long")
            .with("max", max)
            .with("count", count));
    }
    Ok(trimmed.to_string())
}

/// Declares a text newtype whose constructor enforces its limits.
macro_rules! bounded_text {
    ($(#[$doc:meta])* $name:ident, $min:expr, $max:expr, $lines:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            pub const MIN_CHARS: u64 = $min;
            pub const MAX_CHARS: u64 = $max;

            pub fn parse(raw: &str) -> Result<Self, $crate::domain::field_error::FieldError> {
                $crate::domain::text::clean(raw, $min, $max, $lines).map(Self)
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }

            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}
pub(crate) use bounded_text;

/// Text fit for the public: e-mail addresses and long runs of digits (phone, ID and bank
/// numbers) become `***`. Used on what a resident consented to publish.
pub fn redact(text: &str) -> String {
    const MASK: &str = "***";
    let mut out = String::with_capacity(text.len());
    for (i, word) in text.split(' ').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        if word.contains('@') && word.chars().filter(|c| *c == '@').count() == 1 && word.len() > 2 {
            out.push_str(MASK);
            continue;
        }
        let mut digits = String::new();
        let flush = |digits: &mut String, out: &mut String| {
            if digits.chars().filter(|c| c.is_ascii_digit()).count() >= 7 {
                out.push_str(MASK);
            } else {
                out.push_str(digits);
            }
            digits.clear();
        };
        for c in word.chars() {
            // A number may be written with dashes inside it (138-0013-8000), or end in X (ID).
            let part_of_number =
                c.is_ascii_digit() || (!digits.is_empty() && (c == '-' || c == 'X' || c == 'x'));
            if part_of_number {
                digits.push(c);
            } else {
                flush(&mut digits, &mut out);
                out.push(c);
            }
        }
        flush(&mut digits, &mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_characters_not_bytes() {
        // Four Chinese characters are twelve bytes of UTF-8.
        assert_eq!(clean("路灯坏了", 4, 4, Lines::Single).as_deref(), Ok("路灯坏了"));
        let err = clean("路灯坏了吗", 1, 4, Lines::Single).unwrap_err();
        assert_eq!(err.key, "err.too_long");
        assert_eq!(
            err.params,
            vec![("max", "4".to_string()), ("count", "5".to_string())]
        );
        assert_eq!(
            clean("路灯", 3, 10, Lines::Single).unwrap_err().key,
            "err.too_short"
        );
    }

    #[test]
    fn trims_and_requires() {
        assert_eq!(clean("  x  ", 1, 5, Lines::Single).as_deref(), Ok("x"));
        assert_eq!(
            clean(" \n\t ", 1, 5, Lines::Multi).unwrap_err().key,
            "err.required"
        );
        assert_eq!(clean("", 0, 5, Lines::Single).as_deref(), Ok(""));
    }

    #[test]
    fn rejects_hidden_and_control_characters() {
        for bad in ["a\u{202E}b", "a\u{0007}b", "a\u{2066}b", "a\nb", "a\u{FEFF}b"] {
            assert_eq!(
                clean(bad, 1, 50, Lines::Single).unwrap_err().key,
                "err.forbidden_char",
                "{bad:?}"
            );
        }
        assert_eq!(
            clean("第一行\r\n第二行\r第三行", 1, 50, Lines::Multi).as_deref(),
            Ok("第一行\n第二行\n第三行")
        );
        assert!(clean("emoji 👨‍👩‍👧 ok", 1, 50, Lines::Single).is_ok());
    }

    #[test]
    fn html_is_just_text() {
        let html = "<script>alert(1)</script>";
        assert_eq!(clean(html, 1, 50, Lines::Single).as_deref(), Ok(html));
    }

    #[test]
    fn redaction_hides_addresses_and_long_numbers_and_keeps_the_rest() {
        assert_eq!(redact("东门路18号噪音扰民"), "东门路18号噪音扰民");
        assert_eq!(redact("请联系13800138000张先生"), "请联系***张先生");
        assert_eq!(redact("电话 138-0013-8000 或 a.b@example.cn"), "电话 *** 或 ***");
        assert_eq!(redact("身份证11010519491231002X"), "身份证***");
        assert_eq!(redact("2026年11月的工单"), "2026年11月的工单");
        assert_eq!(redact("Call 5551234 now"), "Call *** now");
    }
}
