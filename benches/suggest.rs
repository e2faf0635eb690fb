//! How long one routing suggestion takes for a 500-character complaint.
//!
//! `cargo bench --bench suggest` trains on an invented history (or, with
//! `HUIYING_BENCH_CSV=path/to/labelled.csv`, on real labelled complaints with `text` and
//! `label` columns), then measures `Model::suggest` with criterion and prints the p50 and
//! p99 of 5,000 single calls beside it.

use std::hint::black_box;
use std::time::Instant;

use criterion::{Criterion, criterion_group, criterion_main};
use huiying::domain::suggest::{Example, Model, Training};

/// A few hundred invented words in seven topics, so the vocabulary is a realistic size.
fn invented_history() -> Vec<Example> {
    let syllables: Vec<char> = "路灯噪音施工工资社保学校医院物业电梯漏水垃圾污水公交站台红绿灯拖欠加班老板老师学生医生药品价格商场超市景区导游门票环境空气水质"
        .chars()
        .collect();
    let mut seed = 7u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let mut out = Vec::new();
    for i in 0..2_000 {
        let topic = i % 7;
        let mut text = String::new();
        while text.chars().count() < 400 {
            let a = syllables[(next() as usize % 10) + topic * 8 % (syllables.len() - 10)];
            let b = syllables[next() as usize % syllables.len()];
            text.push(a);
            text.push(b);
            if next() % 9 == 0 {
                text.push('，');
            }
        }
        out.push(Example {
            text,
            category: format!("c{topic}"),
            department: format!("d{}", topic % 5),
        });
    }
    out
}

fn history() -> Vec<Example> {
    let Ok(path) = std::env::var("HUIYING_BENCH_CSV") else {
        return invented_history();
    };
    let rows = huiying::routing_eval::read_labelled(std::path::Path::new(&path)).expect("readable CSV");
    rows.into_iter()
        .map(|(text, label)| Example {
            text,
            department: label.clone(),
            category: label,
        })
        .collect()
}

/// A 500-character complaint from the history's own words (not one it was trained on).
fn complaint(history: &[Example]) -> String {
    let mut text: String = history
        .iter()
        .rev()
        .flat_map(|e| e.text.chars().rev())
        .take(500)
        .collect();
    text.push('。');
    text.chars().take(500).collect()
}

fn bench(c: &mut Criterion) {
    let history = history();
    let model = Model::train(&history, 10, Training::default()).expect("enough history");
    let text = complaint(&history);
    assert_eq!(text.chars().count(), 500);
    huiying::domain::suggest::features::warm_up();

    c.bench_function("suggest 500 characters", |b| {
        b.iter(|| model.suggest(black_box(&text)))
    });

    let mut times: Vec<f64> = (0..5_000)
        .map(|_| {
            let started = Instant::now();
            black_box(model.suggest(black_box(&text)));
            started.elapsed().as_secs_f64() * 1e6
        })
        .collect();
    times.sort_by(f64::total_cmp);
    println!(
        "suggest 500 characters over 5000 calls: p50={:.0}us p99={:.0}us max={:.0}us (model: {} terms, {} categories)",
        times[times.len() / 2],
        times[times.len() * 99 / 100],
        times[times.len() - 1],
        model.category.vectorizer.len(),
        model.category.head.labels.len(),
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
