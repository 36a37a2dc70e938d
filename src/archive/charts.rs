//! Charts drawn on the server as inline SVG (no script, no external resources).

use std::fmt::Write as _;

use super::html::escape;

/// Colours of the series, in order; the last is for "other".
const COLOURS: [&str; 7] = [
    "#7a1f1f", "#c0504d", "#4f81bd", "#9bbb59", "#8064a2", "#f79646", "#a6a6a6",
];

const WIDTH: f64 = 720.0;

/// Vertical bars per category, stacked by series (`series[i].1[c]` is series i at
/// category c), with a legend. Every bar is a `rect` titled with its count.
pub fn stacked_bars(id: &str, categories: &[String], series: &[(String, Vec<usize>)]) -> String {
    let height = 240.0;
    let (left, bottom, top) = (40.0, 40.0, 10.0);
    let totals: Vec<usize> = (0..categories.len())
        .map(|c| {
            series
                .iter()
                .map(|s| s.1.get(c).copied().unwrap_or(0))
                .sum()
        })
        .collect();
    let max = totals.iter().copied().max().unwrap_or(0).max(1) as f64;
    let legend_rows = series.len().div_ceil(3);
    let full = height + legend_rows as f64 * 18.0 + 10.0;
    let mut out = open(id, full);
    let plot = height - bottom - top;
    let step = (WIDTH - left) / categories.len().max(1) as f64;
    let bar = (step * 0.7).max(2.0);
    axis(&mut out, left, top, plot, max);
    for (c, category) in categories.iter().enumerate() {
        let x = left + c as f64 * step + (step - bar) / 2.0;
        let mut y = top + plot;
        for (i, (name, values)) in series.iter().enumerate() {
            let n = values.get(c).copied().unwrap_or(0);
            if n == 0 {
                continue;
            }
            let h = n as f64 / max * plot;
            y -= h;
            let _ = write!(
                out,
                "<rect class=\"bar\" x=\"{x:.1}\" y=\"{y:.1}\" width=\"{bar:.1}\" height=\"{h:.1}\" fill=\"{}\"><title>{} · {}: {n}</title></rect>",
                COLOURS[i.min(COLOURS.len() - 1)],
                escape(category),
                escape(name)
            );
        }
        let _ = write!(
            out,
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"middle\">{}</text>",
            x + bar / 2.0,
            top + plot + 16.0,
            escape(category)
        );
    }
    for (i, (name, _)) in series.iter().enumerate() {
        let x = (i % 3) as f64 * (WIDTH / 3.0) + 4.0;
        let y = height + (i / 3) as f64 * 18.0;
        let _ = write!(
            out,
            "<rect x=\"{x:.1}\" y=\"{:.1}\" width=\"12\" height=\"12\" fill=\"{}\"/><text x=\"{:.1}\" y=\"{y:.1}\" font-size=\"12\">{}</text>",
            y - 10.0,
            COLOURS[i.min(COLOURS.len() - 1)],
            x + 16.0,
            escape(&shorten(name, 40))
        );
    }
    out.push_str("</svg>");
    out
}

/// Horizontal bars, one per item, longest first as given; each label links to `href`.
pub fn horizontal_bars(id: &str, items: &[(String, usize, String)]) -> String {
    let row = 24.0;
    let left = 170.0;
    let max = items.iter().map(|i| i.1).max().unwrap_or(0).max(1) as f64;
    let mut out = open(id, row * items.len().max(1) as f64 + 10.0);
    for (i, (label, n, href)) in items.iter().enumerate() {
        let y = 5.0 + i as f64 * row;
        let w = *n as f64 / max * (WIDTH - left - 50.0);
        let _ = write!(
            out,
            "<a href=\"{}\"><text x=\"{:.1}\" y=\"{:.1}\" font-size=\"12\" text-anchor=\"end\">{}</text></a>\
             <rect class=\"bar\" x=\"{left}\" y=\"{y:.1}\" width=\"{w:.1}\" height=\"{:.1}\" fill=\"{}\"><title>{}: {n}</title></rect>\
             <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"12\">{n}</text>",
            escape(href),
            left - 6.0,
            y + 14.0,
            escape(&shorten(label, 26)),
            row - 6.0,
            COLOURS[0],
            escape(label),
            left + w + 4.0,
            y + 14.0
        );
    }
    out.push_str("</svg>");
    out
}

/// One column per item with its value (0..=100 for percentages) and a note under it.
pub fn columns(id: &str, items: &[(String, f64, String)]) -> String {
    let height = 220.0;
    let (left, bottom, top) = (40.0, 40.0, 10.0);
    let plot = height - bottom - top;
    let max = items.iter().map(|i| i.1).fold(100.0_f64, f64::max);
    let mut out = open(id, height);
    axis(&mut out, left, top, plot, max);
    let step = (WIDTH - left) / items.len().max(1) as f64;
    let bar = (step * 0.6).max(2.0);
    for (i, (label, value, note)) in items.iter().enumerate() {
        let x = left + i as f64 * step + (step - bar) / 2.0;
        let h = value.max(0.0) / max * plot;
        let _ = write!(
            out,
            "<rect class=\"bar\" x=\"{x:.1}\" y=\"{:.1}\" width=\"{bar:.1}\" height=\"{h:.1}\" fill=\"{}\"><title>{}: {value:.1} ({})</title></rect>\
             <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"middle\">{value:.0}</text>\
             <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"middle\">{}</text>\
             <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"10\" text-anchor=\"middle\" fill=\"#555\">{}</text>",
            top + plot - h,
            COLOURS[2],
            escape(label),
            escape(note),
            x + bar / 2.0,
            top + plot - h - 3.0,
            x + bar / 2.0,
            top + plot + 14.0,
            escape(label),
            x + bar / 2.0,
            top + plot + 28.0,
            escape(note)
        );
    }
    out.push_str("</svg>");
    out
}

fn open(id: &str, height: f64) -> String {
    format!(
        "<svg id=\"{}\" class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {WIDTH} {height:.0}\" width=\"{WIDTH}\" height=\"{height:.0}\" role=\"img\">",
        escape(id)
    )
}

/// The value axis: a line and its maximum.
fn axis(out: &mut String, left: f64, top: f64, plot: f64, max: f64) {
    let _ = write!(
        out,
        "<line x1=\"{left}\" y1=\"{top}\" x2=\"{left}\" y2=\"{:.1}\" stroke=\"#999\"/>\
         <line x1=\"{left}\" y1=\"{:.1}\" x2=\"{WIDTH}\" y2=\"{:.1}\" stroke=\"#999\"/>\
         <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"end\">{max:.0}</text>",
        top + plot,
        top + plot,
        top + plot,
        left - 4.0,
        top + 10.0
    );
}

fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        text.chars().take(max - 1).chain(['…']).collect()
    }
}
