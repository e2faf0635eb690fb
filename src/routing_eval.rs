//! `huiying routing eval`: how well the suggestion model routes labelled complaints it has
//! not seen. Reads CSV files with `text` and `label` columns, trains on one and scores on
//! the other (or K-fold on the first alone), and prints top-1, top-3 and the mean time of
//! one suggestion.

use std::path::Path;
use std::time::Instant;

use anyhow::{Context, bail};

use crate::domain::suggest::{Classifier, Training};

#[derive(Debug, Clone, PartialEq)]
pub struct Scores {
    pub top1: f64,
    pub top3: f64,
    pub n: usize,
    pub mean_us: f64,
    /// Size of the stored model (the last one, in cross-validation).
    pub stored_kb: usize,
}

impl std::fmt::Display for Scores {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "top1={:.3} top3={:.3} n={} mean_us={:.1}",
            self.top1, self.top3, self.n, self.mean_us
        )
    }
}

/// Rows of (text, label) from a CSV file whose header names both columns.
pub fn read_labelled(path: &Path) -> anyhow::Result<Vec<(String, String)>> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(bytes);
    let header = reader
        .headers()
        .with_context(|| format!("{}: no header", path.display()))?;
    let column = |name: &str| header.iter().position(|h| h.trim() == name);
    let (Some(text), Some(label)) = (column("text"), column("label")) else {
        bail!(
            "{}: the header must name the columns `text` and `label`",
            path.display()
        );
    };
    let mut rows = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let record = record.with_context(|| format!("{}: row {}", path.display(), i + 2))?;
        let (Some(t), Some(l)) = (record.get(text), record.get(label)) else {
            bail!("{}: row {} has too few columns", path.display(), i + 2);
        };
        if !t.trim().is_empty() && !l.trim().is_empty() {
            rows.push((t.to_string(), l.trim().to_string()));
        }
    }
    if rows.is_empty() {
        bail!("{}: no labelled rows", path.display());
    }
    Ok(rows)
}

/// Trains on `train` and scores every row of `test`.
pub fn score(train: &[(String, String)], test: &[(String, String)]) -> anyhow::Result<Scores> {
    let pairs: Vec<(&str, &str)> = train.iter().map(|(t, l)| (t.as_str(), l.as_str())).collect();
    let Some(trained) = Classifier::train(&pairs, Training::default()) else {
        bail!("the training set needs two labels with at least a few rows each");
    };
    // Score the model as it is stored, weights rounded and all.
    let stored = serde_json::to_string(&trained)?;
    let mut model: Classifier = serde_json::from_str(&stored)?;
    model.vectorizer.reindex();
    let (mut top1, mut top3, mut micros) = (0usize, 0usize, 0f64);
    for (text, label) in test {
        let started = Instant::now();
        let ranked = model.rank(text);
        micros += started.elapsed().as_secs_f64() * 1e6;
        top1 += ranked.first().is_some_and(|(l, _)| l == label) as usize;
        top3 += ranked.iter().take(3).any(|(l, _)| l == label) as usize;
    }
    let n = test.len().max(1) as f64;
    Ok(Scores {
        top1: top1 as f64 / n,
        top3: top3 as f64 / n,
        n: test.len(),
        mean_us: micros / n,
        stored_kb: stored.len() / 1024,
    })
}

/// K-fold cross-validation: rows are dealt to folds in turn after a fixed shuffle.
pub fn cross_validate(
    rows: &[(String, String)],
    folds: usize,
    mut each: impl FnMut(usize, &Scores),
) -> anyhow::Result<Scores> {
    if folds < 2 || folds > rows.len() {
        bail!(
            "--folds must be between 2 and the number of rows ({})",
            rows.len()
        );
    }
    let mut order: Vec<usize> = (0..rows.len()).collect();
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    for i in (1..order.len()).rev() {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        order.swap(i, (seed % (i as u64 + 1)) as usize);
    }
    let (mut top1, mut top3, mut micros, mut n, mut stored_kb) = (0f64, 0f64, 0f64, 0usize, 0usize);
    for k in 0..folds {
        // Position in the shuffled order decides the fold.
        let (test, train): (Vec<usize>, Vec<usize>) = (0..order.len()).partition(|pos| pos % folds == k);
        let pick = |positions: &[usize]| {
            positions
                .iter()
                .map(|&p| rows[order[p]].clone())
                .collect::<Vec<_>>()
        };
        let s = score(&pick(&train), &pick(&test))?;
        each(k + 1, &s);
        top1 += s.top1 * s.n as f64;
        top3 += s.top3 * s.n as f64;
        micros += s.mean_us * s.n as f64;
        n += s.n;
        stored_kb = s.stored_kb;
    }
    let total = n.max(1) as f64;
    Ok(Scores {
        top1: top1 / total,
        top3: top3 / total,
        n,
        mean_us: micros / total,
        stored_kb,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toy() -> Vec<(String, String)> {
        (0..12)
            .flat_map(|i| {
                [
                    (format!("路面坑洼 公交 {i}"), "交通".to_string()),
                    (format!("工地噪音 扰民 {i}"), "环境".to_string()),
                ]
            })
            .collect()
    }

    #[test]
    fn cross_validation_scores_a_separable_set() {
        let mut folds = 0;
        let s = cross_validate(&toy(), 3, |_, _| folds += 1).expect("scores");
        assert_eq!(folds, 3);
        assert_eq!(s.n, 24);
        assert_eq!(s.top1, 1.0);
        assert!(s.to_string().starts_with("top1=1.000 top3=1.000 n=24 mean_us="));
    }

    #[test]
    fn reads_csv_with_bom_quotes_and_other_columns() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("a.csv");
        std::fs::write(
            &path,
            "\u{feff}id,label,text\n1,交通,\"路面, 坑洼\n第二行\"\n2,,空标签\n",
        )
        .expect("write");
        let rows = read_labelled(&path).expect("rows");
        assert_eq!(rows, vec![("路面, 坑洼\n第二行".to_string(), "交通".to_string())]);
        std::fs::write(&path, "id,words\n1,x\n").expect("write");
        assert!(
            read_labelled(&path)
                .unwrap_err()
                .to_string()
                .contains("`text` and `label`")
        );
    }

    #[test]
    fn folds_out_of_range_are_refused() {
        assert!(cross_validate(&toy(), 1, |_, _| {}).is_err());
    }
}
