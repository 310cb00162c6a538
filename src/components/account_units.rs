//! The header's figure of the upstream account's remaining units (the official service's
//! resource packs; the simulator keeps one). Read when a page opens: the BFF asks the
//! upstream at most once a minute however often it is read.

use crate::api;
use crate::i18n::tf;
use crate::studio_config::use_config;
use leptos::prelude::*;
use leptos_router::hooks::use_location;

#[component]
pub fn AccountUnits() -> impl IntoView {
    let config = use_config();
    let location = use_location();
    // Only whether the figure is wanted: a configuration replaced by the BFF's (a static
    // host's first visit) read the account a second time when it tracked all of it.
    let wanted = Memo::new(move |_| config.read().account_units);
    let account = LocalResource::new(move || {
        location.pathname.track();
        let wanted = wanted.get();
        async move {
            if wanted {
                api::account().await.ok()
            } else {
                None
            }
        }
    });
    move || {
        account.get().flatten().map(|a| {
            let title = tf(
                "{} of {} units left in the resource packs in use",
                &[&a.remaining, &a.total],
            );
            view! {
                <span class="account-units" data-testid="account-units" title=title>
                    {tf("{} units left", &[&a.remaining])}
                </span>
            }
        })
    }
}
