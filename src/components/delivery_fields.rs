//! The fields every task endpoint shares beyond its own: watermarked copies, and under
//! "Advanced" the caller's own task id and a callback URL.

use crate::components::field_errors::FieldErrors;
use crate::i18n::t;
use leptos::prelude::*;
use omni_api::{FieldError, WatermarkInfo};

/// The shared fields' state.
#[derive(Clone, Copy)]
pub struct Delivery {
    pub watermark: RwSignal<bool>,
    pub external_task_id: RwSignal<String>,
    pub callback_url: RwSignal<String>,
}

impl Delivery {
    /// State from a request's values.
    pub fn new(
        watermark: Option<WatermarkInfo>,
        external: Option<&str>,
        callback: Option<&str>,
    ) -> Delivery {
        Delivery {
            watermark: RwSignal::new(watermark.is_some_and(|w| w.enabled)),
            external_task_id: RwSignal::new(external.unwrap_or("").to_owned()),
            callback_url: RwSignal::new(callback.unwrap_or("").to_owned()),
        }
    }

    /// `watermark_info` for the request.
    pub fn watermark_info(self) -> Option<WatermarkInfo> {
        self.watermark
            .get()
            .then_some(WatermarkInfo { enabled: true })
    }

    /// `external_task_id` for the request (empty is absent).
    pub fn external_task_id(self) -> Option<String> {
        Some(self.external_task_id.get().trim().to_owned()).filter(|s| !s.is_empty())
    }

    /// `callback_url` for the request (empty is absent).
    pub fn callback_url(self) -> Option<String> {
        Some(self.callback_url.get().trim().to_owned()).filter(|s| !s.is_empty())
    }
}

/// The watermark switch and the advanced fields.
#[component]
pub fn DeliveryFields(
    /// The fields' state.
    delivery: Delivery,
    /// Errors on `external_task_id`.
    #[prop(into)]
    external_errors: Signal<Vec<FieldError>>,
    /// Errors on `callback_url`.
    #[prop(into)]
    callback_errors: Signal<Vec<FieldError>>,
) -> impl IntoView {
    let Delivery {
        watermark,
        external_task_id,
        callback_url,
    } = delivery;
    view! {
        <label class="toggle">
            <input type="checkbox" data-testid="watermark" prop:checked=move || watermark.get() on:change=move |ev| watermark.set(event_target_checked(&ev))/>
            " "{t("Also make watermarked copies")}
        </label>
        <details class="advanced">
            <summary>{t("Advanced")}</summary>
            <div class="field">
                <label for="external_task_id">{t("External task id (makes a repeated submit return the same task)")}</label>
                <input id="external_task_id" data-testid="external_task_id" prop:value=move || external_task_id.get() on:input=move |ev| external_task_id.set(event_target_value(&ev))/>
                <FieldErrors id="external-errors" errors=external_errors/>
            </div>
            <div class="field">
                <label for="callback_url">{t("Callback URL (the upstream calls it on every status change)")}</label>
                <input id="callback_url" type="url" data-testid="callback_url" prop:value=move || callback_url.get() on:input=move |ev| callback_url.set(event_target_value(&ev))/>
                <FieldErrors id="callback-errors" errors=callback_errors/>
            </div>
        </details>
    }
}
