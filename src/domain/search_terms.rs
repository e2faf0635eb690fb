//! The terms the board's search index keeps for a text, and the terms a query needs.
//!
//! Chinese has no spaces, and a word is most often two characters (垃圾, 噪音, 物业), so a
//! run of Han characters is cut into every pair of neighbours (垃圾清运 → 垃圾, 圾清, 清运):
//! a query of two or more characters then finds every text holding all of its pairs, and
//! the text itself is checked for the query as written. A trigram index cannot serve a
//! two-character query at all (measured in `tools/board_search_experiment.py`). Other
//! scripts split on anything that is not a letter or digit, lowercased.

use std::collections::BTreeSet;

/// Characters written without spaces between words: Han (CJK ideographs, their
/// extensions and compatibility forms), kana and hangul.
fn is_unspaced(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30FF      // hiragana, katakana
        | 0x3400..=0x4DBF    // CJK extension A
        | 0x4E00..=0x9FFF    // CJK unified ideographs
        | 0xAC00..=0xD7AF    // hangul syllables
        | 0xF900..=0xFAFF    // CJK compatibility ideographs
        | 0x20000..=0x3134F  // CJK extensions B–G
    )
}

/// The longest term kept: a word longer than this is cut (nobody searches for it whole).
const MAX_TERM_CHARS: usize = 32;

/// The runs of a text: each is all unspaced characters or all letters and digits.
fn runs(text: &str) -> Vec<(bool, String)> {
    let mut runs: Vec<(bool, String)> = Vec::new();
    for c in text.chars().flat_map(char::to_lowercase) {
        let unspaced = is_unspaced(c);
        if !unspaced && !c.is_alphanumeric() {
            runs.push((false, String::new()));
            continue;
        }
        match runs.last_mut() {
            Some((kind, run)) if *kind == unspaced && !run.is_empty() => run.push(c),
            _ => runs.push((unspaced, c.to_string())),
        }
    }
    runs.retain(|(_, run)| !run.is_empty());
    runs
}

fn pairs(run: &str, into: &mut BTreeSet<String>) {
    let chars: Vec<char> = run.chars().collect();
    for pair in chars.windows(2) {
        into.insert(pair.iter().collect());
    }
}

/// Every term of `text`, for the index.
pub fn of_text(text: &str) -> BTreeSet<String> {
    let mut terms = BTreeSet::new();
    for (unspaced, run) in runs(text) {
        if unspaced {
            if run.chars().count() == 1 {
                terms.insert(run);
            } else {
                pairs(&run, &mut terms);
            }
        } else {
            terms.insert(run.chars().take(MAX_TERM_CHARS).collect());
        }
    }
    terms
}

/// The terms a text must hold to contain `query`; empty when the index cannot help (a
/// query of one Chinese character matches more than its own term: 垃 in 垃圾 is stored
/// only as the pair). Latin words are whole: `garbage` finds `Garbage!`, `garb` does not.
pub fn of_query(query: &str) -> BTreeSet<String> {
    let mut terms = BTreeSet::new();
    for (unspaced, run) in runs(query) {
        if unspaced {
            if run.chars().count() == 1 {
                return BTreeSet::new();
            }
            pairs(&run, &mut terms);
        } else {
            terms.insert(run.chars().take(MAX_TERM_CHARS).collect());
        }
    }
    terms
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(items: &[&str]) -> BTreeSet<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn chinese_is_cut_into_neighbouring_pairs() {
        assert_eq!(of_text("垃圾清运"), set(&["垃圾", "圾清", "清运"]));
        assert_eq!(of_query("垃圾"), set(&["垃圾"]));
        assert!(of_query("清运").is_subset(&of_text("小区垃圾清运不及时")));
    }

    #[test]
    fn punctuation_and_scripts_split_runs() {
        let terms = of_text("东门路18号，Noise at NIGHT！噪音");
        assert!(terms.contains("东门") && terms.contains("门路"));
        assert!(terms.contains("18") && terms.contains("noise") && terms.contains("night"));
        assert!(terms.contains("噪音"));
        // No pair across a break: 号 and N are not neighbours, nor 路 and 1.
        assert!(!terms.iter().any(|t| t.contains('号') && t.chars().count() == 2));
    }

    #[test]
    fn a_lone_character_is_its_own_term_but_no_query_can_rely_on_it() {
        assert!(of_text("锅，好用").contains("锅"));
        assert!(of_query("锅").is_empty());
        assert!(
            of_query("锅 垃圾").is_empty(),
            "one word the index cannot serve: none can be relied on"
        );
    }

    #[test]
    fn latin_words_are_lowercased_and_whole() {
        assert_eq!(of_query("Garbage"), set(&["garbage"]));
        assert!(of_text("GARBAGE truck").contains("garbage"));
        assert!(!of_text("garbage").contains("garb"));
    }

    #[test]
    fn long_words_are_cut_and_empty_input_has_no_terms() {
        let long = "a".repeat(100);
        assert_eq!(
            of_text(&long).iter().next().map(|t| t.len()),
            Some(MAX_TERM_CHARS)
        );
        assert!(of_text("").is_empty());
        assert!(of_query("，。！ ").is_empty());
    }

    #[test]
    fn every_query_term_of_a_substring_is_a_term_of_the_text() {
        // The index never loses a match: for any substring made of whole runs on the
        // query side, its terms are among the text's.
        let text = "东门社区旁的工地每天夜里十一点以后仍在施工，严重影响居民休息";
        let chars: Vec<char> = text.chars().collect();
        let all = of_text(text);
        for start in 0..chars.len() {
            for end in start + 2..=chars.len().min(start + 8) {
                let piece: String = chars[start..end].iter().collect();
                if piece.contains('，') {
                    continue;
                }
                assert!(of_query(&piece).is_subset(&all), "{piece}");
            }
        }
    }
}
