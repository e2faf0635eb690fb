//! Suggesting a category and a department from what the resident wrote, learned from
//! the deployment's own routed history. Pure: training takes examples, suggesting takes
//! text; where the examples come from and where the model is kept is the service's job.

pub mod features;
pub mod hint;
pub mod label;
pub mod linear;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub use features::Vectorizer;
pub use linear::{Head, Training};

use features::{Sparse, Term};

/// Below this many routed cases the model would guess: it suggests nothing instead.
pub const DEFAULT_MIN_CASES: usize = 200;
/// A label with fewer examples is left out (it is never suggested until it has them).
pub const MIN_PER_LABEL: usize = 3;
const MIN_DF: u32 = 2;
const MAX_TERMS: usize = 60_000;

/// One routed case as the trainer sees it: its text and the labels staff settled on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Example {
    pub text: String,
    pub category: String,
    pub department: String,
}

/// A text classifier over one label set.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Classifier {
    pub vectorizer: Vectorizer,
    pub head: Head,
}

/// Labels ranked for one text, best first.
pub type Ranking = Vec<(String, f32)>;

impl Classifier {
    /// Trains on (text, label) pairs; None when fewer than two labels have enough examples.
    pub fn train(examples: &[(&str, &str)], t: Training) -> Option<Classifier> {
        let docs: Vec<Vec<(Term, u32)>> = examples.iter().map(|(text, _)| features::terms(text)).collect();
        let docs: Vec<&[(Term, u32)]> = docs.iter().map(Vec::as_slice).collect();
        let labels: Vec<&str> = examples.iter().map(|(_, l)| *l).collect();
        Classifier::train_on(&docs, &labels, t)
    }

    /// Trains on texts already split into terms, one label each. The temperature is
    /// fitted on every fifth example held back, then the model is trained again on all.
    pub fn train_on(docs: &[&[(Term, u32)]], labels_of: &[&str], t: Training) -> Option<Classifier> {
        let labels = labels_with_support(labels_of.iter().copied());
        if labels.len() < 2 {
            return None;
        }
        let label_of = |i: usize| labels.binary_search_by(|l| l.as_str().cmp(labels_of[i])).ok();
        let kept: Vec<usize> = (0..docs.len()).filter(|&i| label_of(i).is_some()).collect();
        let (held, fit): (Vec<usize>, Vec<usize>) = kept.iter().partition(|&&i| i % 5 == 4);
        let ys = |idx: &[usize]| -> Vec<usize> { idx.iter().filter_map(|&i| label_of(i)).collect() };

        let probe_vec = Vectorizer::fit(&pick(docs, &fit), MIN_DF, MAX_TERMS);
        let probe_x: Vec<Sparse> = fit.iter().map(|&i| probe_vec.vector(docs[i])).collect();
        let mut probe = Head::train(&probe_x, &ys(&fit), labels.clone(), probe_vec.len(), t);
        let held_x: Vec<Sparse> = held.iter().map(|&i| probe_vec.vector(docs[i])).collect();
        probe.calibrate(&held_x, &ys(&held));

        let vectorizer = Vectorizer::fit(&pick(docs, &kept), MIN_DF, MAX_TERMS);
        let xs: Vec<Sparse> = kept.iter().map(|&i| vectorizer.vector(docs[i])).collect();
        let mut head = Head::train(&xs, &ys(&kept), labels, vectorizer.len(), t);
        head.temperature = probe.temperature;
        Some(Classifier { vectorizer, head })
    }

    /// Every label with its probability, best first; empty when no term is known.
    pub fn rank(&self, text: &str) -> Ranking {
        self.rank_vector(&self.vectorizer.vector(&features::terms(text)))
    }

    fn rank_vector(&self, x: &Sparse) -> Ranking {
        if x.is_empty() {
            return Vec::new();
        }
        let mut r: Ranking = self
            .head
            .labels
            .iter()
            .cloned()
            .zip(self.head.probabilities(x))
            .collect();
        r.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        r
    }

    /// The terms of the text that weighed most for `label`, as a reader would see them.
    pub fn terms_for(&self, x: &Sparse, label: &str, n: usize) -> Vec<String> {
        let Some(l) = self.head.labels.iter().position(|x| x == label) else {
            return Vec::new();
        };
        let mut out: Vec<String> = Vec::new();
        for (f, _) in self.head.weighing(x, l) {
            let term = &self.vectorizer.terms[f as usize];
            let shown = features::shown(term).to_string();
            if features::explains(term)
                && !out
                    .iter()
                    .any(|o| o.contains(&shown) || shown.contains(o.as_str()))
            {
                out.push(shown);
            }
            if out.len() == n {
                break;
            }
        }
        out
    }
}

fn pick<T: Clone>(all: &[T], idx: &[usize]) -> Vec<T> {
    idx.iter().map(|&i| all[i].clone()).collect()
}

/// The labels with at least MIN_PER_LABEL examples, sorted.
fn labels_with_support<'a>(labels: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut n: BTreeMap<&str, usize> = BTreeMap::new();
    for l in labels {
        *n.entry(l).or_default() += 1;
    }
    n.into_iter()
        .filter(|(_, c)| *c >= MIN_PER_LABEL)
        .map(|(l, _)| l.to_string())
        .collect()
}

/// How a model did on the history held back from it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Figures {
    pub trained_on: usize,
    pub held_back: usize,
    pub category_top1: f32,
    pub category_top3: f32,
    pub department_top1: f32,
    pub department_top3: f32,
    /// Held-back cases by (actual category, suggested category).
    pub confusion: Vec<(String, String, usize)>,
}

/// What the trainer refuses to learn from.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotEnough {
    #[error("{have} routed cases, at least {need} needed")]
    Cases { have: usize, need: usize },
    #[error("fewer than two categories or departments have {MIN_PER_LABEL} cases each")]
    Labels,
}

/// The deployment's model: one vocabulary, a category head and a department head.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Model {
    pub category: Classifier,
    pub department: Classifier,
    pub figures: Figures,
}

/// One scored label.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Scored {
    pub code: String,
    pub score: f32,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Suggestion {
    pub categories: Vec<Scored>,
    pub departments: Vec<Scored>,
    /// The terms that weighed most for the first category.
    pub terms: Vec<String>,
}

impl Suggestion {
    pub fn is_empty(&self) -> bool {
        self.categories.is_empty() && self.departments.is_empty()
    }

    pub fn top_category(&self) -> Option<&Scored> {
        self.categories.first()
    }

    pub fn top_department(&self) -> Option<&Scored> {
        self.departments.first()
    }
}

/// How many labels a suggestion offers.
const OFFERED: usize = 3;
const EXPLAINED: usize = 5;

impl Model {
    /// Learns from routed history: every fifth case is held back to measure the model,
    /// then it learns from all of them.
    pub fn train(examples: &[Example], min_cases: usize, t: Training) -> Result<Model, NotEnough> {
        if examples.len() < min_cases.max(2) {
            return Err(NotEnough::Cases {
                have: examples.len(),
                need: min_cases.max(2),
            });
        }
        // Segmenting is most of the cost: once per text, for all four trainings.
        let docs: Vec<Vec<(Term, u32)>> = examples.iter().map(|e| features::terms(&e.text)).collect();
        let docs: Vec<&[(Term, u32)]> = docs.iter().map(Vec::as_slice).collect();
        let categories: Vec<&str> = examples.iter().map(|e| e.category.as_str()).collect();
        let departments: Vec<&str> = examples.iter().map(|e| e.department.as_str()).collect();
        let (fit, held): (Vec<usize>, Vec<usize>) = (0..examples.len()).partition(|i| i % 5 != 2);
        let on =
            |labels: &[&str], idx: &[usize]| Classifier::train_on(&pick(&docs, idx), &pick(labels, idx), t);
        let figures = match (on(&categories, &fit), on(&departments, &fit)) {
            (Some(c), Some(d)) => measure(&c, &d, examples, &docs, &held, fit.len()),
            _ => return Err(NotEnough::Labels),
        };
        let category = Classifier::train_on(&docs, &categories, t).ok_or(NotEnough::Labels)?;
        let department = Classifier::train_on(&docs, &departments, t).ok_or(NotEnough::Labels)?;
        Ok(Model {
            category,
            department,
            figures,
        })
    }

    pub fn suggest(&self, text: &str) -> Suggestion {
        let terms = features::terms(text);
        let cx = self.category.vectorizer.vector(&terms);
        let dx = self.department.vectorizer.vector(&terms);
        let scored = |r: Ranking| -> Vec<Scored> {
            r.into_iter()
                .take(OFFERED)
                .map(|(code, score)| Scored { code, score })
                .collect()
        };
        let categories = scored(self.category.rank_vector(&cx));
        let explained = categories
            .first()
            .map(|c| self.category.terms_for(&cx, &c.code, EXPLAINED))
            .unwrap_or_default();
        Suggestion {
            categories,
            departments: scored(self.department.rank_vector(&dx)),
            terms: explained,
        }
    }
}

fn measure(
    c: &Classifier,
    d: &Classifier,
    examples: &[Example],
    docs: &[&[(Term, u32)]],
    held: &[usize],
    trained_on: usize,
) -> Figures {
    let mut f = Figures {
        trained_on,
        held_back: held.len(),
        ..Figures::default()
    };
    let mut confusion: BTreeMap<(String, String), usize> = BTreeMap::new();
    for &i in held {
        let e = &examples[i];
        let rc = c.rank_vector(&c.vectorizer.vector(docs[i]));
        let rd = d.rank_vector(&d.vectorizer.vector(docs[i]));
        let hit = |r: &Ranking, label: &str, n: usize| r.iter().take(n).any(|(l, _)| l == label);
        f.category_top1 += hit(&rc, &e.category, 1) as u8 as f32;
        f.category_top3 += hit(&rc, &e.category, 3) as u8 as f32;
        f.department_top1 += hit(&rd, &e.department, 1) as u8 as f32;
        f.department_top3 += hit(&rd, &e.department, 3) as u8 as f32;
        let predicted = rc.first().map(|(l, _)| l.clone()).unwrap_or_default();
        *confusion.entry((e.category.clone(), predicted)).or_default() += 1;
    }
    let n = held.len().max(1) as f32;
    f.category_top1 /= n;
    f.category_top3 /= n;
    f.department_top1 /= n;
    f.department_top3 /= n;
    f.confusion = confusion.into_iter().map(|((a, p), n)| (a, p, n)).collect();
    f
}

#[cfg(test)]
mod tests;
