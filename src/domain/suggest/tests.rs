use super::*;

/// A separable invented history: each topic has its own words, mixed with shared filler.
pub(crate) fn toy_history(n_per_topic: usize) -> Vec<Example> {
    let topics = [
        (
            "roads",
            "transport",
            &["路面", "坑洼", "公交", "红绿灯", "堵车"][..],
        ),
        (
            "noise",
            "environment",
            &["噪音", "扰民", "施工", "夜间", "工地"][..],
        ),
        ("wages", "labour", &["工资", "拖欠", "社保", "老板", "加班"][..]),
    ];
    let filler = ["希望", "尽快", "处理", "我们", "小区", "附近", "反映", "问题"];
    let mut out = Vec::new();
    for i in 0..n_per_topic {
        for (t, (category, department, words)) in topics.iter().enumerate() {
            let text = format!(
                "{}{}{}，{}{}{}",
                filler[(i + t) % filler.len()],
                words[i % words.len()],
                words[(i + 2) % words.len()],
                filler[(i * 3 + t) % filler.len()],
                words[(i + 1) % words.len()],
                filler[(i * 7 + 1) % filler.len()],
            );
            out.push(Example {
                text,
                category: category.to_string(),
                department: department.to_string(),
            });
        }
    }
    out
}

#[test]
fn learns_a_separable_set() {
    let model = Model::train(&toy_history(20), 30, Training::default()).expect("enough");
    let s = model.suggest("工地夜间施工噪音太大");
    assert_eq!(s.top_category().map(|c| c.code.as_str()), Some("noise"));
    assert_eq!(s.top_department().map(|c| c.code.as_str()), Some("environment"));
    assert!(s.categories[0].score > 0.5, "{s:?}");
    assert!(
        s.terms.iter().any(|t| t == "噪音" || t == "施工"),
        "{:?}",
        s.terms
    );
    let s = model.suggest("老板拖欠工资三个月");
    assert_eq!(s.top_category().map(|c| c.code.as_str()), Some("wages"));
    assert!(model.figures.category_top1 > 0.9, "{:?}", model.figures);
    assert_eq!(model.figures.trained_on + model.figures.held_back, 60);
}

#[test]
fn scores_are_probabilities_best_first() {
    let model = Model::train(&toy_history(20), 30, Training::default()).expect("enough");
    let s = model.suggest("公交车站附近路面坑洼");
    assert!(s.categories.windows(2).all(|w| w[0].score >= w[1].score));
    assert!(s.categories.iter().all(|c| (0.0..=1.0).contains(&c.score)));
    assert!(s.categories.len() <= 3);
}

#[test]
fn too_little_history_suggests_nothing() {
    assert_eq!(
        Model::train(&toy_history(5), 200, Training::default()).unwrap_err(),
        NotEnough::Cases { have: 15, need: 200 }
    );
    let one_label: Vec<Example> = toy_history(20)
        .into_iter()
        .filter(|e| e.category == "noise")
        .collect();
    assert_eq!(
        Model::train(&one_label, 10, Training::default()).unwrap_err(),
        NotEnough::Labels
    );
}

#[test]
fn unknown_or_empty_text_gets_no_suggestion() {
    let model = Model::train(&toy_history(20), 30, Training::default()).expect("enough");
    assert!(model.suggest("").is_empty());
    assert!(model.suggest("！？。").is_empty());
    assert!(model.suggest("xyzzy").is_empty());
}

#[test]
fn rare_labels_are_left_out() {
    let mut h = toy_history(20);
    h.push(Example {
        text: "路灯不亮".into(),
        category: "lights".into(),
        department: "transport".into(),
    });
    let model = Model::train(&h, 30, Training::default()).expect("enough");
    assert!(!model.category.head.labels.contains(&"lights".to_string()));
}

#[test]
fn english_text_is_learned_too() {
    let mut h = Vec::new();
    for i in 0..15 {
        h.push(Example {
            text: format!("pothole on street {i} needs repair"),
            category: "roads".into(),
            department: "dot".into(),
        });
        h.push(Example {
            text: format!("loud music party noise at night {i}"),
            category: "noise".into(),
            department: "police".into(),
        });
    }
    let model = Model::train(&h, 20, Training::default()).expect("enough");
    assert_eq!(
        model
            .suggest("a deep pothole")
            .top_department()
            .map(|d| d.code.as_str()),
        Some("dot")
    );
}

#[test]
fn the_model_survives_storage() {
    let model = Model::train(&toy_history(20), 30, Training::default()).expect("enough");
    let json = serde_json::to_string(&model).expect("serialise");
    let mut back: Model = serde_json::from_str(&json).expect("deserialise");
    back.category.vectorizer.reindex();
    back.department.vectorizer.reindex();
    assert_eq!(back.suggest("噪音扰民"), model.suggest("噪音扰民"));
}
