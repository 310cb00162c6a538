//! The cost of a job before it runs: the catalog's price table applied to what the form
//! holds, updated as the user types and marked as an estimate. The task page shows what
//! was charged beside it.

use crate::i18n::t;
use leptos::prelude::*;
use omni_api::catalog::Estimate;

/// An amount with as many decimals as it needs (prices have at most three).
pub fn amount_words(e: &Estimate) -> String {
    format!("{} {}", e.amount_text(), e.currency)
}

/// "Estimated cost: 2.1 USD", or why there is none.
#[component]
pub fn EstimateLine(
    /// The estimate for the request as it stands (`None`: the model has no price).
    #[prop(into)]
    estimate: Signal<Option<Estimate>>,
) -> impl IntoView {
    view! {
        <p class="estimate" data-testid="estimate" role="status" aria-live="polite"
            data-amount=move || estimate.read().as_ref().map(Estimate::amount_text)>
            {move || match estimate.get() {
                // The amount and its currency code are data, not words to translate.
                Some(e) => view! {
                    {t("Estimated cost:")}" "<span translate="no">{amount_words(&e)}</span>" "
                    {t("(list price; the service charges in its own units)")}
                }.into_any(),
                None => t("No price is known for this model.").into_any(),
            }}
        </p>
    }
}
