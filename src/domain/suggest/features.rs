//! From text to a sparse vector: Chinese words (jieba), character unigrams and bigrams,
//! English words. Two blocks, each TF-IDF weighted (sublinear tf) and normalised on its
//! own, so neither drowns the other: characters carry what the segmenter misses
//! (place names, typos), words carry meaning the characters split.

use std::collections::HashMap;
use std::sync::OnceLock;

use jieba_rs::Jieba;
use serde::{Deserialize, Serialize};

/// A term as the vocabulary stores it: a one-letter block tag, a colon, the text.
pub type Term = String;

const CHAR: &str = "c:";
const WORD: &str = "w:";

fn jieba() -> &'static Jieba {
    static JIEBA: OnceLock<Jieba> = OnceLock::new();
    JIEBA.get_or_init(Jieba::new)
}

/// Loads the segmenter's dictionary now rather than on the first suggestion.
pub fn warm_up() {
    jieba();
}

/// The terms of a text with their counts, in the order first seen.
pub fn terms(text: &str) -> Vec<(Term, u32)> {
    let text = text.to_lowercase();
    let mut counts: HashMap<Term, u32> = HashMap::new();
    let mut order: Vec<Term> = Vec::new();
    let mut add = |term: Term| {
        let n = counts.entry(term.clone()).or_insert(0);
        if *n == 0 {
            order.push(term);
        }
        *n += 1;
    };
    let chars: Vec<char> = text.chars().filter(|c| !c.is_whitespace()).collect();
    for (i, c) in chars.iter().enumerate() {
        if !c.is_alphanumeric() {
            continue;
        }
        add(format!("{CHAR}{c}"));
        if let Some(next) = chars.get(i + 1).filter(|n| n.is_alphanumeric()) {
            add(format!("{CHAR}{c}{next}"));
        }
    }
    for token in jieba().cut(&text, true) {
        let word = token.word;
        if word.chars().any(char::is_alphanumeric) && !word.chars().all(|c| c.is_ascii_digit()) {
            add(format!("{WORD}{word}"));
        }
    }
    order
        .into_iter()
        .map(|t| {
            let n = counts[&t];
            (t, n)
        })
        .collect()
}

/// What a person reads for a term: the text without its tag.
pub fn shown(term: &str) -> &str {
    term.get(2..).unwrap_or(term)
}

/// Single characters rarely explain anything to a reader; words and bigrams do.
pub fn explains(term: &str) -> bool {
    term.starts_with(WORD) || shown(term).chars().count() > 1
}

/// The vocabulary learned from the training texts, with inverse document frequencies.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct Vectorizer {
    pub terms: Vec<Term>,
    pub idf: Vec<f32>,
    #[serde(skip)]
    index: HashMap<Term, u32>,
}

/// A sparse vector: (feature index, value), indices ascending.
pub type Sparse = Vec<(u32, f32)>;

impl Vectorizer {
    /// Keeps terms seen in at least `min_df` texts, the most frequent `max_terms` of them.
    pub fn fit<D: AsRef<[(Term, u32)]>>(docs: &[D], min_df: u32, max_terms: usize) -> Vectorizer {
        let mut df: HashMap<&str, u32> = HashMap::new();
        for doc in docs {
            for (t, _) in doc.as_ref() {
                *df.entry(t.as_str()).or_insert(0) += 1;
            }
        }
        let mut kept: Vec<(&str, u32)> = df.into_iter().filter(|(_, n)| *n >= min_df).collect();
        kept.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        kept.truncate(max_terms);
        kept.sort_by(|a, b| a.0.cmp(b.0));
        let n = docs.len() as f32;
        let mut v = Vectorizer {
            terms: kept.iter().map(|(t, _)| t.to_string()).collect(),
            idf: kept
                .iter()
                .map(|(_, d)| ((1.0 + n) / (1.0 + *d as f32)).ln() + 1.0)
                .collect(),
            index: HashMap::new(),
        };
        v.reindex();
        v
    }

    /// Rebuilds the term index after deserialising.
    pub fn reindex(&mut self) {
        self.index = self
            .terms
            .iter()
            .enumerate()
            .map(|(i, t)| (t.clone(), i as u32))
            .collect();
    }

    pub fn len(&self) -> usize {
        self.terms.len()
    }

    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    pub fn vector(&self, terms: &[(Term, u32)]) -> Sparse {
        let mut chars: Sparse = Vec::with_capacity(terms.len());
        let mut words: Sparse = Vec::new();
        for (t, n) in terms {
            if let Some(&i) = self.index.get(t) {
                let value = (1.0 + (*n as f32).ln()) * self.idf[i as usize];
                if t.starts_with(WORD) {
                    words.push((i, value));
                } else {
                    chars.push((i, value));
                }
            }
        }
        normalise(&mut chars);
        normalise(&mut words);
        chars.append(&mut words);
        chars.sort_unstable_by_key(|(i, _)| *i);
        chars
    }
}

fn normalise(v: &mut Sparse) {
    let norm = v.iter().map(|(_, x)| x * x).sum::<f32>().sqrt();
    if norm > 0.0 {
        for (_, x) in v.iter_mut() {
            *x /= norm;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_text_gives_characters_bigrams_and_words() {
        let t: Vec<String> = terms("小区的路灯坏了").into_iter().map(|(t, _)| t).collect();
        assert!(t.contains(&"c:路".to_string()));
        assert!(t.contains(&"c:路灯".to_string()));
        assert!(t.contains(&"w:路灯".to_string()));
    }

    #[test]
    fn english_is_lowercased_and_punctuation_dropped() {
        let t: Vec<String> = terms("Pothole, on Main St!")
            .into_iter()
            .map(|(t, _)| t)
            .collect();
        assert!(t.contains(&"w:pothole".to_string()));
        assert!(!t.iter().any(|t| t.contains(',') || t.contains('!')));
    }

    #[test]
    fn counts_repeat_terms_and_numbers_are_not_words() {
        let t = terms("噪音 噪音 2024");
        assert!(t.contains(&("w:噪音".to_string(), 2)));
        assert!(!t.iter().any(|(t, _)| t == "w:2024"));
    }

    #[test]
    fn vectors_have_unit_blocks() {
        let docs = vec![terms("路灯不亮"), terms("噪音扰民")];
        let v = Vectorizer::fit(&docs, 1, 1000);
        let x = v.vector(&terms("路灯噪音"));
        let total: f32 = x.iter().map(|(_, x)| x * x).sum();
        assert!((total - 2.0).abs() < 1e-4, "{total}");
        assert!(x.windows(2).all(|w| w[0].0 < w[1].0));
        assert!(v.vector(&terms("全新的词")).iter().all(|(_, x)| x.is_finite()));
    }

    #[test]
    fn empty_text_is_an_empty_vector() {
        let v = Vectorizer::fit(&[terms("路灯")], 1, 10);
        assert!(v.vector(&terms("")).is_empty());
        assert!(v.vector(&terms("   ，。")).is_empty());
    }
}
