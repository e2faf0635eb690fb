//! One-vs-rest linear SVM (squared hinge, L2), trained by dual coordinate descent (Hsieh
//! et al. 2008, the method of liblinear): exact, no learning rate to tune, and a few
//! passes over the data suffice. Scores become probabilities by a softmax whose
//! temperature is fitted on held-back texts (the least log-loss), so they read as
//! confidence rather than as raw margins.

use serde::{Deserialize, Serialize};

use super::features::Sparse;

/// Labels and their weights over a vectorizer's features (plus a bias each).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Head {
    pub labels: Vec<String>,
    /// Feature-major: the weights of feature f are `weights[f * labels.len()..][..labels.len()]`.
    #[serde(with = "quantised")]
    pub weights: Vec<f32>,
    pub bias: Vec<f32>,
    pub temperature: f32,
}

/// Settings of the trainer; the defaults measured best on the evaluation sets.
#[derive(Debug, Clone, Copy)]
pub struct Training {
    pub c: f32,
    pub max_passes: usize,
    pub tolerance: f32,
}

impl Default for Training {
    fn default() -> Self {
        Training {
            c: 1.0,
            max_passes: 30,
            tolerance: 0.1,
        }
    }
}

impl Head {
    /// Trains one binary classifier per distinct label.
    pub fn train(xs: &[Sparse], ys: &[usize], labels: Vec<String>, features: usize, t: Training) -> Head {
        let k = labels.len();
        let mut weights = vec![0.0f32; features * k];
        let mut bias = vec![0.0f32; k];
        let d = 0.5 / t.c;
        let q: Vec<f32> = xs
            .iter()
            .map(|x| x.iter().map(|(_, v)| v * v).sum::<f32>() + 1.0 + d)
            .collect();
        for label in 0..k {
            let mut w = vec![0.0f32; features];
            let mut b = 0.0f32;
            let mut alpha = vec![0.0f32; xs.len()];
            let mut order: Vec<usize> = (0..xs.len()).collect();
            let mut seed = 0x9e37_79b9_7f4a_7c15u64 ^ label as u64;
            for _ in 0..t.max_passes {
                shuffle(&mut order, &mut seed);
                let (mut max_pg, mut min_pg) = (f32::NEG_INFINITY, f32::INFINITY);
                for &i in &order {
                    let y = if ys[i] == label { 1.0 } else { -1.0 };
                    let margin = xs[i].iter().map(|(f, v)| w[*f as usize] * v).sum::<f32>() + b;
                    let g = y * margin - 1.0 + d * alpha[i];
                    let pg = if alpha[i] == 0.0 { g.min(0.0) } else { g };
                    max_pg = max_pg.max(pg);
                    min_pg = min_pg.min(pg);
                    if pg.abs() > 1e-12 {
                        let old = alpha[i];
                        alpha[i] = (old - g / q[i]).max(0.0);
                        let step = (alpha[i] - old) * y;
                        for (f, v) in &xs[i] {
                            w[*f as usize] += step * v;
                        }
                        b += step;
                    }
                }
                if max_pg - min_pg < t.tolerance {
                    break;
                }
            }
            for (f, wf) in w.into_iter().enumerate() {
                weights[f * k + label] = wf;
            }
            bias[label] = b;
        }
        Head {
            labels,
            weights,
            bias,
            temperature: 1.0,
        }
    }

    /// The raw margin of every label.
    pub fn margins(&self, x: &Sparse) -> Vec<f32> {
        let k = self.labels.len();
        let mut m = self.bias.clone();
        for (f, v) in x {
            let row = &self.weights[*f as usize * k..][..k];
            for (acc, w) in m.iter_mut().zip(row) {
                *acc += w * v;
            }
        }
        m
    }

    /// Probabilities over the labels, summing to one.
    pub fn probabilities(&self, x: &Sparse) -> Vec<f32> {
        softmax(&self.margins(x), self.temperature)
    }

    /// The features that pushed `label` up the most, with their contribution.
    pub fn weighing(&self, x: &Sparse, label: usize) -> Vec<(u32, f32)> {
        let k = self.labels.len();
        let mut c: Vec<(u32, f32)> = x
            .iter()
            .map(|(f, v)| (*f, self.weights[*f as usize * k + label] * v))
            .filter(|(_, c)| *c > 0.0)
            .collect();
        c.sort_by(|a, b| b.1.total_cmp(&a.1));
        c
    }

    /// Chooses the softmax temperature that best predicts the held-back labels.
    pub fn calibrate(&mut self, xs: &[Sparse], ys: &[usize]) {
        if xs.is_empty() {
            return;
        }
        let margins: Vec<Vec<f32>> = xs.iter().map(|x| self.margins(x)).collect();
        let loss = |t: f32| -> f32 {
            margins
                .iter()
                .zip(ys)
                .map(|(m, &y)| -softmax(m, t)[y].max(1e-9).ln())
                .sum()
        };
        // The loss is unimodal in the temperature: a coarse grid on a log scale is enough.
        let mut best = (self.temperature, loss(self.temperature));
        for step in 0..=40 {
            let t = 0.02 * 1.15f32.powi(step);
            let l = loss(t);
            if l < best.1 {
                best = (t, l);
            }
        }
        self.temperature = best.0;
    }
}

fn softmax(m: &[f32], temperature: f32) -> Vec<f32> {
    let t = temperature.max(1e-3);
    let max = m.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let e: Vec<f32> = m.iter().map(|v| ((v - max) / t).exp()).collect();
    let sum: f32 = e.iter().sum();
    e.into_iter().map(|v| v / sum).collect()
}

/// A small deterministic shuffle (xorshift): training is reproducible run to run.
fn shuffle(v: &mut [usize], seed: &mut u64) {
    for i in (1..v.len()).rev() {
        *seed ^= *seed << 13;
        *seed ^= *seed >> 7;
        *seed ^= *seed << 17;
        let j = (*seed % (i as u64 + 1)) as usize;
        v.swap(i, j);
    }
}

/// Weights stored as one byte each (a shared scale, then signed steps of it) in base64:
/// a model of 60,000 terms and 15 labels is under a megabyte, and the rounding costs no
/// measurable accuracy (`huiying routing eval` scores the stored form).
mod quantised {
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &[f32], s: S) -> Result<S::Ok, S::Error> {
        let max = v.iter().fold(0f32, |m, x| m.max(x.abs()));
        let scale = if max > 0.0 { max / 127.0 } else { 1.0 };
        let mut bytes = scale.to_le_bytes().to_vec();
        bytes.extend(
            v.iter()
                .map(|x| (x / scale).round().clamp(-127.0, 127.0) as i8 as u8),
        );
        s.serialize_str(&STANDARD.encode(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<f32>, D::Error> {
        let text = String::deserialize(d)?;
        let bytes = STANDARD.decode(text).map_err(serde::de::Error::custom)?;
        let Some((head, steps)) = bytes.split_first_chunk::<4>() else {
            return Err(serde::de::Error::custom("weights without their scale"));
        };
        let scale = f32::from_le_bytes(*head);
        Ok(steps.iter().map(|b| *b as i8 as f32 * scale).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn x(pairs: &[(u32, f32)]) -> Sparse {
        pairs.to_vec()
    }

    #[test]
    fn separates_a_toy_set() {
        let xs = vec![
            x(&[(0, 1.0)]),
            x(&[(0, 0.9), (2, 0.1)]),
            x(&[(1, 1.0)]),
            x(&[(1, 0.8), (2, 0.2)]),
        ];
        let ys = vec![0, 0, 1, 1];
        let mut h = Head::train(&xs, &ys, vec!["a".into(), "b".into()], 3, Training::default());
        h.calibrate(&xs, &ys);
        let p = h.probabilities(&x(&[(0, 1.0)]));
        assert!(p[0] > p[1]);
        assert!((p.iter().sum::<f32>() - 1.0).abs() < 1e-5);
        assert_eq!(h.weighing(&x(&[(0, 1.0), (1, 0.1)]), 0)[0].0, 0);
    }

    #[test]
    fn weights_survive_storage_to_within_a_step() {
        let h = Head {
            labels: vec!["a".into()],
            weights: vec![1.27, -0.25, 0.0, -1.27, 0.004],
            bias: vec![0.5],
            temperature: 0.3,
        };
        let json = serde_json::to_string(&h).expect("serialise");
        let back: Head = serde_json::from_str(&json).expect("deserialise");
        for (a, b) in back.weights.iter().zip(&h.weights) {
            assert!((a - b).abs() <= 0.005 + 1e-6, "{a} vs {b}");
        }
        assert_eq!(back.weights.len(), 5);
        let zero = Head {
            weights: vec![0.0; 3],
            ..h
        };
        let back: Head =
            serde_json::from_str(&serde_json::to_string(&zero).expect("serialise")).expect("deserialise");
        assert_eq!(back.weights, vec![0.0; 3]);
    }

    #[test]
    fn softmax_is_stable_for_large_margins() {
        let p = softmax(&[1000.0, 0.0], 0.01);
        assert!(p.iter().all(|v| v.is_finite()));
        assert!(p[0] > 0.99);
    }
}
