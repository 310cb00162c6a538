//! `/spend`: what each person spent, by day and model, over a range of days (the
//! browser's own calendar days), as a chart and tables, with the CSV to download.

use crate::api::{self, SpendQuery};
use crate::components::field_errors::{errors_under, FieldErrors};
use crate::components::load_error::load_error;
use crate::components::spend_chart::{people, person_label, SpendChart};
use crate::i18n::t;
use crate::studio_config::use_config;
use leptos::prelude::*;
use omni_api::spend::{SpendRange, SpendReport, Units};
use omni_api::Violations;
use std::collections::BTreeMap;

/// Minutes east of UTC on this browser's clock.
fn local_offset_minutes() -> i32 {
    -(js_sys::Date::new_0().get_timezone_offset() as i32)
}

#[component]
pub fn SpendPage() -> impl IntoView {
    let offset = local_offset_minutes();
    let tz = offset.to_string();
    let start = SpendRange::read(
        None,
        None,
        Some(&tz),
        js_sys::Date::now() as i64,
        &mut Violations::default(),
    );
    let from = RwSignal::new(start.from.to_string());
    let to = RwSignal::new(start.to.to_string());
    let person = RwSignal::new(String::new());
    // The same rule the BFF applies, so a wrong range is named at its input at once.
    let checked = Memo::new(move |_| {
        let mut v = Violations::default();
        let range = SpendRange::read(
            Some(&from.get()),
            Some(&to.get()),
            Some(&tz),
            js_sys::Date::now() as i64,
            &mut v,
        );
        (range, v.0)
    });
    let errors =
        move |field: &'static str| Signal::derive(move || errors_under(&checked.read().1, field));
    let query = Memo::new(move |_| {
        let (range, errors) = checked.get();
        errors.is_empty().then(|| SpendQuery {
            range: (range.from, range.to),
            offset_minutes: range.offset_minutes,
            person: person.get(),
        })
    });
    let report = LocalResource::new(move || {
        let q = query.get();
        async move {
            match q {
                Some(q) => api::spend(&q).await.map(|r| Some((q, r))),
                None => Ok(None),
            }
        }
    });
    let config = use_config();
    // One date input with its errors under it (`field` is the query's name for it).
    let date_input = move |label: &'static str, field: &'static str, value: RwSignal<String>| {
        let id = format!("spend-{field}");
        let described = format!("{id}-errors");
        let wrong = errors(field);
        view! {
            <label>{t(label)}" "
                <input type="date" id=id.clone() data-testid=id prop:value=move || value.get()
                    aria-describedby=described.clone()
                    aria-invalid=move || (!wrong.read().is_empty()).to_string()
                    on:change=move |ev| value.set(event_target_value(&ev))/>
            </label>
            <FieldErrors id=described errors=wrong/>
        }
    };
    view! {
        <section class="card">
            <h1>{t("Spend")}</h1>
            <p class="muted">{t("Units the upstream charged, summed by day, person and model. Days follow this browser's clock.")}</p>
            <form class="filters" on:submit=|ev| ev.prevent_default()>
                <div>{date_input("From", "from", from)}</div>
                <div>{date_input("To", "to", to)}</div>
                <label>{t("Person")}" "
                    <select data-testid="spend-person" on:change=move |ev| person.set(event_target_value(&ev))>
                        <option value="">{t("Everyone")}</option>
                        {move || config.read().people.iter().map(|p| view! { <option value=p.clone() translate="no">{p.clone()}</option> }).collect_view()}
                    </select>
                </label>
            </form>
            <Transition fallback=|| view! { <p class="muted" aria-busy="true">{t("Loading…")}</p> }>
                <ErrorBoundary fallback=load_error>
                    {move || report.get().map(|r| r.map(|shown| shown.map(|(q, report)| view! {
                        <SpendView report=report range=checked.get_untracked().0 csv=api::spend_url(&q, true)/>
                    })))}
                </ErrorBoundary>
            </Transition>
        </section>
    }
}

/// The report: the total, the chart, spend by person and the lines by day.
#[component]
fn SpendView(report: SpendReport, range: SpendRange, csv: String) -> impl IntoView {
    let total = report.total();
    let tasks: i64 = report.rows.iter().map(|r| r.tasks).sum();
    let mut by_person: BTreeMap<Option<String>, (i64, i64)> = BTreeMap::new();
    for r in &report.rows {
        let e = by_person.entry(r.person.clone()).or_default();
        e.0 += r.tasks;
        e.1 += r.units.0;
    }
    let order = people(&report);
    let person_rows = order
        .iter()
        .map(|p| {
            let (n, units) = by_person.get(p).copied().unwrap_or_default();
            view! {
                <tr data-testid="spend-person-row"><th scope="row" translate="no">{person_label(p)}</th>
                    <td class="num">{n}</td><td class="num">{Units(units).to_string()}</td></tr>
            }
        })
        .collect_view();
    let lines = report
        .rows
        .iter()
        .map(|r| {
            view! {
                <tr><td>{r.day.to_string()}</td><td translate="no">{person_label(&r.person)}</td>
                    <td translate="no">{r.model.clone()}</td><td class="num">{r.tasks}</td>
                    <td class="num">{r.units.to_string()}</td></tr>
            }
        })
        .collect_view();
    let empty = report.rows.is_empty();
    view! {
        <p class="spend-total" data-testid="spend-total" aria-live="polite">
            <strong>{total.to_string()}</strong>" "{t("units")}" · "{tasks}" "{t("tasks")}
        </p>
        <p><a class="button secondary" data-testid="spend-csv" href=csv download="">{t("Download CSV")}</a></p>
        {if empty {
            view! { <p class="empty" data-testid="spend-empty">{t("Nothing was made in these days.")}</p> }.into_any()
        } else {
            view! {
                <SpendChart report=report range=range/>
                <h2>{t("By person")}</h2>
                <table class="data" data-testid="spend-people">
                    <thead><tr><th scope="col">{t("Person")}</th><th scope="col" class="num">{t("Tasks")}</th><th scope="col" class="num">{t("Units")}</th></tr></thead>
                    <tbody>{person_rows}</tbody>
                </table>
                <h2>{t("By day and model")}</h2>
                <table class="data" data-testid="spend-lines">
                    <thead><tr><th scope="col">{t("Day")}</th><th scope="col">{t("Person")}</th><th scope="col">{t("Model")}</th>
                        <th scope="col" class="num">{t("Tasks")}</th><th scope="col" class="num">{t("Units")}</th></tr></thead>
                    <tbody>{lines}</tbody>
                </table>
            }.into_any()
        }}
    }
}
