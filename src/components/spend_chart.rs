//! Units charged per day as stacked bars, one colour per person: an inline SVG drawn
//! from the report (no chart library). The table beside it carries the same figures for
//! screen readers; the figure itself is one labelled image.

use crate::i18n::{t, tf};
use leptos::prelude::*;
use omni_api::spend::{Day, SpendRange, SpendReport};
use std::collections::BTreeMap;

const WIDTH: f64 = 480.0;
const HEIGHT: f64 = 200.0;
const LEFT: f64 = 44.0;
const BOTTOM: f64 = 22.0;
const TOP: f64 = 8.0;
/// Colours in the stylesheet (`.series-0` ...).
const SERIES: usize = 6;

/// The people of a report in the order they are stacked and listed, named for showing.
pub fn people(report: &SpendReport) -> Vec<Option<String>> {
    let mut all: Vec<Option<String>> = report.rows.iter().map(|r| r.person.clone()).collect();
    all.sort();
    all.dedup();
    all
}

/// A person's name as shown (tasks made without a named token have none).
pub fn person_label(p: &Option<String>) -> String {
    p.clone().unwrap_or_else(|| t("(no name)").into())
}

#[component]
pub fn SpendChart(report: SpendReport, range: SpendRange) -> impl IntoView {
    let people = people(&report);
    // units (millionths) by day, then by person's place in `people`
    let mut by_day: BTreeMap<Day, Vec<i64>> = BTreeMap::new();
    for r in &report.rows {
        let i = people.iter().position(|p| *p == r.person).unwrap_or(0);
        by_day.entry(r.day).or_insert_with(|| vec![0; people.len()])[i] += r.units.0;
    }
    let days: Vec<Day> = range.days().collect();
    let top = by_day
        .values()
        .map(|v| v.iter().sum::<i64>())
        .max()
        .unwrap_or(0)
        .max(1);
    let plot_h = HEIGHT - BOTTOM - TOP;
    let slot = (WIDTH - LEFT) / days.len().max(1) as f64;
    let bar = (slot * 0.7).max(1.0);
    let y_of = |micro: i64| TOP + plot_h - plot_h * micro as f64 / top as f64;
    let units_text = |micro: i64| omni_api::spend::Units(micro).to_string();
    let mut bars = Vec::new();
    for (n, day) in days.iter().enumerate() {
        let Some(per) = by_day.get(day) else { continue };
        let x = LEFT + slot * n as f64 + (slot - bar) / 2.0;
        let mut below = 0i64;
        for (i, units) in per.iter().enumerate().filter(|(_, u)| **u > 0) {
            let (y0, y1) = (y_of(below), y_of(below + units));
            below += units;
            let label = format!(
                "{day} · {}: {}",
                person_label(&people[i]),
                units_text(*units)
            );
            bars.push(view! {
                <rect class=format!("series-{}", i % SERIES) x=format!("{x:.1}") y=format!("{y1:.1}")
                    width=format!("{bar:.1}") height=format!("{:.1}", (y0 - y1).max(0.5))>
                    <title>{label}</title>
                </rect>
            });
        }
    }
    // Day labels: the first, the last, and about every week between.
    let every = days.len().div_ceil(6).max(1);
    let labels = days
        .iter()
        .enumerate()
        .filter(|(n, _)| n % every == 0 || *n + 1 == days.len())
        .map(|(n, day)| {
            let x = LEFT + slot * n as f64 + slot / 2.0;
            let text = day.to_string()[5..].to_owned();
            // The last label ends at the edge instead of running past it.
            let anchor = if n + 1 == days.len() && n > 0 { "end" } else { "middle" };
            let x = if anchor == "end" { WIDTH } else { x };
            view! { <text class="axis" x=format!("{x:.1}") y=format!("{}", HEIGHT - 6.0) text-anchor=anchor>{text}</text> }
        })
        .collect_view();
    let ticks = [0, top / 2, top]
        .into_iter()
        .map(|micro| {
            let y = y_of(micro);
            view! {
                <line class="grid" x1=format!("{LEFT}") x2=format!("{WIDTH}") y1=format!("{y:.1}") y2=format!("{y:.1}")/>
                <text class="axis" x=format!("{}", LEFT - 6.0) y=format!("{:.1}", y + 4.0) text-anchor="end">{units_text(micro)}</text>
            }
        })
        .collect_view();
    let summary = tf(
        "Units charged per day, {} to {}: {} in all",
        &[&range.from, &range.to, &report.total()],
    );
    let legend = people
        .iter()
        .enumerate()
        .map(|(i, p)| {
            view! {
                <li><span class=format!("swatch series-{}", i % SERIES) aria-hidden="true"></span>
                    <span translate="no">{person_label(p)}</span></li>
            }
        })
        .collect_view();
    view! {
        <figure class="spend-chart" data-testid="spend-chart">
            <svg viewBox=format!("0 0 {WIDTH} {HEIGHT}") role="img" aria-label=summary.clone()>
                {ticks}
                {bars}
                {labels}
            </svg>
            <figcaption>
                <span>{summary}</span>
                <ul class="legend">{legend}</ul>
            </figcaption>
        </figure>
    }
}
