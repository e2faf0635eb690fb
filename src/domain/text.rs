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
        '\u{2028}' | '\u{2029}' => lines == Lines::Single,
        c if is_invisible_control(c) => true,
        _ => c.is_control(),
    }
}

/// Marks that reorder or hide text when it is shown (bidi embeddings, overrides, isolates
/// and marks; byte-order marks): a file named `photo\u{202E}gpj.exe` shows as
/// `photoexe.jpg`.
pub fn is_invisible_control(c: char) -> bool {
    matches!(
        c,
        '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}' | '\u{FFFE}'
    )
}

/// Normalises and checks one text field; `min == 0` makes it optional (empty is fine).
pub fn clean(raw: &str, min: usize, max: usize, lines: Lines) -> Result<String, FieldError> {
    let normalized = raw.replace("\r\n", "\n").replace('\r', "\n");
    // In text that may have lines, the Unicode line and paragraph separators are line breaks.
    let normalized = match lines {
        Lines::Multi => normalized.replace(['\u{2028}', '\u{2029}'], "\n"),
        Lines::Single => normalized,
    };
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
/// numbers) become `***`. Used on what a resident consented to publish. Digits count in
/// either width (１３８ as 138), a number may be broken up by spaces or dashes
/// (138 0013 8000, 138－0013－8000) and end in an ID's check letter X, and an address may
/// be written with a full-width ＠.
pub fn redact(text: &str) -> String {
    const MASK: &str = "***";
    const MIN_DIGITS: usize = 7;
    let chars: Vec<char> = text.chars().collect();
    let mut masked = vec![false; chars.len()];
    for (at, c) in chars.iter().enumerate() {
        if matches!(c, '@' | '＠') {
            let start = (0..at).rev().take_while(|&i| email_char(chars[i])).last();
            let end = (at + 1..chars.len()).take_while(|&i| email_char(chars[i])).last();
            if let (Some(start), Some(end)) = (start, end) {
                masked[start..=end].iter_mut().for_each(|m| *m = true);
            }
        }
    }
    let mut at = 0;
    while at < chars.len() {
        if !is_digit(chars[at]) {
            at += 1;
            continue;
        }
        let (start, mut end, mut digits) = (at, at, 0);
        while end < chars.len() {
            if is_digit(chars[end]) {
                digits += 1;
                end += 1;
            } else if is_number_separator(chars[end]) && chars.get(end + 1).is_some_and(|&c| is_digit(c)) {
                end += 1;
            } else {
                break;
            }
        }
        if digits >= MIN_DIGITS {
            if chars
                .get(end)
                .is_some_and(|c| matches!(c, 'X' | 'x' | 'Ｘ' | 'ｘ'))
            {
                end += 1;
            }
            masked[start..end].iter_mut().for_each(|m| *m = true);
        }
        at = end;
    }
    let mut out = String::with_capacity(text.len());
    for (i, c) in chars.iter().enumerate() {
        if !masked[i] {
            out.push(*c);
        } else if i == 0 || !masked[i - 1] {
            out.push_str(MASK);
        }
    }
    out
}

/// A digit in ASCII or full width.
fn is_digit(c: char) -> bool {
    c.is_ascii_digit() || ('０'..='９').contains(&c)
}

/// What people put between the groups of a phone or account number.
fn is_number_separator(c: char) -> bool {
    matches!(c, ' ' | '\u{3000}' | '-' | '－' | '‐' | '‑' | '–' | '—')
}

/// What an e-mail address is made of, in either width.
fn email_char(c: char) -> bool {
    c.is_ascii_alphanumeric()
        || matches!(c, '.' | '_' | '%' | '+' | '-' | '．' | '＿' | '－')
        || ('０'..='９').contains(&c)
        || ('Ａ'..='Ｚ').contains(&c)
        || ('ａ'..='ｚ').contains(&c)
}

/// Accepts a number from JSON (`"days": 10`) and text from a form (`days=10`) alike, as
/// text for the field's own parser; `null` is empty.
pub fn number_or_text<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    #[derive(serde::Deserialize)]
    #[serde(untagged)]
    enum NumberOrText {
        Number(i64),
        Text(String),
    }
    Ok(
        match <Option<NumberOrText> as serde::Deserialize>::deserialize(d)? {
            Some(NumberOrText::Number(n)) => n.to_string(),
            Some(NumberOrText::Text(t)) => t,
            None => String::new(),
        },
    )
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
        for bad in [
            "a\u{202E}b",
            "a\u{0007}b",
            "a\u{2066}b",
            "a\nb",
            "a\u{FEFF}b",
            "a\u{2028}b",
            "a\u{2029}b",
            "a\u{200F}b",
            "a\u{061C}b",
        ] {
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
        assert_eq!(
            clean("第一段\u{2029}第二段\u{2028}行", 1, 50, Lines::Multi).as_deref(),
            Ok("第一段\n第二段\n行")
        );
        assert_eq!(
            clean("a\u{202E}b", 1, 50, Lines::Multi).unwrap_err().key,
            "err.forbidden_char"
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

    #[test]
    fn redaction_sees_through_spaces_full_width_digits_and_a_full_width_at() {
        assert_eq!(redact("电话 138 0013 8000 谢谢"), "电话 *** 谢谢");
        assert_eq!(redact("电话１３８００１３８０００"), "电话***");
        assert_eq!(redact("手机１３８ ００１３ ８０００。"), "手机***。");
        assert_eq!(redact("号码138－0013－8000"), "号码***");
        assert_eq!(redact("身份证 110105 19491231 002X 已附"), "身份证 *** 已附");
        assert_eq!(redact("邮箱zhang.san＠example.cn谢谢"), "邮箱***谢谢");
        assert_eq!(redact("邮箱ｚｈａｎｇ＠ｅｘａｍｐｌｅ．ｃｎ"), "邮箱***");
        assert_eq!(redact("写信给a@b.cn或c@d.cn"), "写信给***或***");
        assert_eq!(redact("卡号 6222　0200　1234　5678"), "卡号 ***");
        // Short numbers and lone signs stay: house numbers, years, amounts, "@".
        assert_eq!(redact("东门路18号 3 栋 2 单元"), "东门路18号 3 栋 2 单元");
        assert_eq!(redact("2026年 11月 26日"), "2026年 11月 26日");
        assert_eq!(redact("@ 市政府"), "@ 市政府");
        assert_eq!(redact("共 12 户 30 人"), "共 12 户 30 人");
    }
}
