//! Charts as SVG made on the server: they need no JavaScript, scale to any width, and
//! print as crisply as the text around them. Every label is escaped.

use std::fmt::Write;

const WIDTH: f64 = 640.0;
const ROW: f64 = 26.0;
const LABEL_WIDTH: f64 = 190.0;
const VALUE_WIDTH: f64 = 70.0;
/// Colours that keep apart in greyscale print and for common colour blindness.
pub const BLUE: &str = "#1f5fa8";
pub const ORANGE: &str = "#d9822b";
pub const GREY: &str = "#9aa3ad";

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// One bar: its label, its value, and the text shown beside it.
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    pub label: String,
    pub value: f64,
    pub shown: String,
}

/// Horizontal bars scaled to `max` (at least the largest value), one row each.
pub fn bars(title: &str, bars: &[Bar], max: Option<f64>, colour: &str) -> String {
    let largest = bars.iter().map(|b| b.value).fold(0.0, f64::max);
    let max = max.unwrap_or(largest).max(largest).max(f64::EPSILON);
    let height = 34.0 + ROW * bars.len().max(1) as f64;
    let span = WIDTH - LABEL_WIDTH - VALUE_WIDTH;
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" role="img" aria-label="{t}" class="chart"><title>{t}</title>"#,
        t = escape(title)
    );
    if bars.is_empty() {
        let _ = write!(svg, r#"<text x="0" y="48" class="chart-empty">—</text>"#);
    }
    for (i, bar) in bars.iter().enumerate() {
        let y = 24.0 + ROW * i as f64;
        let w = (bar.value.max(0.0) / max * span).max(if bar.value > 0.0 { 1.0 } else { 0.0 });
        let _ = write!(
            svg,
            r#"<text x="{lx}" y="{ty}" text-anchor="end" class="chart-label">{label}</text><rect x="{LABEL_WIDTH}" y="{y}" width="{w:.1}" height="{h}" fill="{colour}"><title>{label}: {shown}</title></rect><text x="{vx:.1}" y="{ty}" class="chart-value">{shown}</text>"#,
            lx = LABEL_WIDTH - 8.0,
            ty = y + 14.0,
            h = ROW - 8.0,
            label = escape(&bar.label),
            shown = escape(&bar.shown),
            vx = LABEL_WIDTH + w + 6.0,
        );
    }
    svg.push_str("</svg>");
    svg
}

/// One line of a trend.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub name: String,
    pub values: Vec<u32>,
    pub colour: &'static str,
}

/// Lines over labelled periods (months), with a legend and the axis from zero.
pub fn lines(title: &str, labels: &[String], series: &[Series]) -> String {
    let (left, right, top, bottom) = (44.0, 16.0, 36.0, 40.0);
    let height = 260.0;
    let plot_w = WIDTH - left - right;
    let plot_h = height - top - bottom;
    let largest = series
        .iter()
        .flat_map(|s| s.values.iter().copied())
        .max()
        .unwrap_or(0)
        .max(1);
    let step = nice_step(largest);
    let top_value = largest.div_ceil(step) * step;
    let x = |i: usize| {
        if labels.len() <= 1 {
            left + plot_w / 2.0
        } else {
            left + plot_w * i as f64 / (labels.len() - 1) as f64
        }
    };
    let y = |v: u32| top + plot_h - plot_h * f64::from(v) / f64::from(top_value);
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" role="img" aria-label="{t}" class="chart"><title>{t}</title>"#,
        t = escape(title)
    );
    let mut tick = 0;
    while tick <= top_value {
        let ty = y(tick);
        let _ = write!(
            svg,
            r#"<line x1="{left}" x2="{x2}" y1="{ty:.1}" y2="{ty:.1}" class="chart-grid" stroke="{GREY}" stroke-width="0.5"/><text x="{tx}" y="{ly:.1}" text-anchor="end" class="chart-axis">{tick}</text>"#,
            x2 = left + plot_w,
            tx = left - 6.0,
            ly = ty + 4.0,
        );
        tick += step;
    }
    for (i, label) in labels.iter().enumerate() {
        let _ = write!(
            svg,
            r#"<text x="{:.1}" y="{}" text-anchor="middle" class="chart-axis">{}</text>"#,
            x(i),
            height - bottom + 18.0,
            escape(label.get(5..).unwrap_or(label))
        );
    }
    for (n, s) in series.iter().enumerate() {
        let points: Vec<String> = s
            .values
            .iter()
            .enumerate()
            .map(|(i, v)| format!("{:.1},{:.1}", x(i), y(*v)))
            .collect();
        let _ = write!(
            svg,
            r#"<polyline points="{}" fill="none" stroke="{}" stroke-width="2.5"{}/>"#,
            points.join(" "),
            s.colour,
            if n == 1 { r#" stroke-dasharray="6 4""# } else { "" }
        );
        for (i, v) in s.values.iter().enumerate() {
            let _ = write!(
                svg,
                r#"<circle cx="{:.1}" cy="{:.1}" r="3" fill="{}"><title>{} {}: {}</title></circle>"#,
                x(i),
                y(*v),
                s.colour,
                escape(labels.get(i).map(String::as_str).unwrap_or_default()),
                escape(&s.name),
                v
            );
        }
        let lx = left + 150.0 * n as f64;
        let _ = write!(
            svg,
            r#"<rect x="{lx}" y="8" width="14" height="14" fill="{}"/><text x="{}" y="20" class="chart-legend">{}</text>"#,
            s.colour,
            lx + 20.0,
            escape(&s.name)
        );
    }
    svg.push_str("</svg>");
    svg
}

/// A step of 1, 2 or 5 × 10ⁿ giving at most about five grid lines.
fn nice_step(largest: u32) -> u32 {
    let rough = (f64::from(largest) / 5.0).max(1.0);
    let magnitude = 10f64.powf(rough.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * magnitude)
        .find(|s| *s >= rough)
        .unwrap_or(magnitude * 10.0);
    step.max(1.0) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(haystack: &str, needle: &str) -> usize {
        haystack.matches(needle).count()
    }

    #[test]
    fn bars_scale_to_the_largest_and_escape_labels() {
        let svg = bars(
            "按时率 <部门>",
            &[
                Bar {
                    label: "生态环境局".into(),
                    value: 50.0,
                    shown: "50.0%".into(),
                },
                Bar {
                    label: "A & B".into(),
                    value: 100.0,
                    shown: "100.0%".into(),
                },
            ],
            Some(100.0),
            BLUE,
        );
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert_eq!(count(&svg, "<rect"), 2);
        assert!(svg.contains("生态环境局") && svg.contains("A &amp; B") && svg.contains("&lt;部门&gt;"));
        assert!(!svg.contains("<部门>"));
        // Full width for 100%, half for 50%.
        let span = WIDTH - LABEL_WIDTH - VALUE_WIDTH;
        assert!(svg.contains(&format!(r#"width="{:.1}""#, span)));
        assert!(svg.contains(&format!(r#"width="{:.1}""#, span / 2.0)));
    }

    #[test]
    fn an_empty_chart_still_renders() {
        let svg = bars("空", &[], None, BLUE);
        assert!(svg.contains("chart-empty") && svg.ends_with("</svg>"));
    }

    #[test]
    fn lines_draw_each_series_with_a_point_per_period_and_a_legend() {
        let labels: Vec<String> = (1..=12).map(|m| format!("2026-{m:02}")).collect();
        let svg = lines(
            "收件与答复",
            &labels,
            &[
                Series {
                    name: "收件".into(),
                    values: (0..12).collect(),
                    colour: BLUE,
                },
                Series {
                    name: "答复".into(),
                    values: vec![0; 12],
                    colour: ORANGE,
                },
            ],
        );
        assert_eq!(count(&svg, "<polyline"), 2);
        assert_eq!(count(&svg, "<circle"), 24);
        assert!(svg.contains(">收件</text>") && svg.contains(">答复</text>"));
        assert!(
            svg.contains(">01</text>") && svg.contains(">12</text>"),
            "month labels"
        );
    }

    #[test]
    fn grid_steps_are_round() {
        assert_eq!(nice_step(1), 1);
        assert_eq!(nice_step(7), 2);
        assert_eq!(nice_step(23), 5);
        assert_eq!(nice_step(180), 50);
        assert_eq!(nice_step(1000), 200);
    }
}
