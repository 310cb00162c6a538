//! The studio configuration from `GET /api/v1/config` (the model catalog in force and
//! the media limits), shared with every form as context. Where omni-bff serves the page
//! and its API needs no sign-in, the page carries it (`#omni-config`) and the forms
//! start with exactly the catalog the BFF validates with, without asking. Elsewhere (a
//! static host, a sign-in) it starts as omni-api's built-in catalog, so forms render at
//! once, and is replaced by the BFF's answer when it arrives.

use crate::api;
use leptos::prelude::*;
use omni_api::catalog::{KindCatalog, ModelSpec};
use omni_api::config::{StudioConfig, UpstreamKind};
use omni_api::{Catalog, ModelName};

/// The configuration in force, as context.
#[derive(Clone, Copy)]
pub struct ConfigContext(pub RwSignal<StudioConfig>);

/// Provides the configuration: the page's, else the built-in one, replaced by the BFF's.
pub fn provide_config() {
    if let Some(written) = in_page() {
        provide_context(ConfigContext(RwSignal::new(written)));
        return;
    }
    let config = RwSignal::new(StudioConfig::new(
        UpstreamKind::Simulate,
        Catalog::builtin().clone(),
    ));
    provide_context(ConfigContext(config));
    let remote = LocalResource::new(api::get_config);
    Effect::new(move |_| match remote.get() {
        // Only when it differs: the forms read the configuration, and an equal one (the
        // BFF's catalog is the built-in one unless an operator changed it) would build
        // their model lists again while the person may already be choosing.
        Some(Ok(c)) if *config.read_untracked() != c => config.set(c),
        Some(Err(e)) => web_sys::console::warn_1(
            &format!("using built-in configuration: {}", e.message()).into(),
        ),
        Some(Ok(_)) | None => {}
    });
}

/// The configuration omni-bff wrote into the page, if it did (one it wrote that does
/// not read is a bug to see in the console; the app then asks, as on a static host).
fn in_page() -> Option<StudioConfig> {
    let text = crate::deployment::page_data("omni-config")?;
    serde_json::from_str(&text)
        .map_err(|e| {
            web_sys::console::warn_1(&format!("the page's #omni-config ignored: {e}").into())
        })
        .ok()
}

/// The configuration in force.
pub fn use_config() -> RwSignal<StudioConfig> {
    expect_context::<ConfigContext>().0
}

/// The model a form starts with: its draft's, else the default of its kind (`kind`
/// picks the kind out of the catalog in force).
pub fn start_model(
    draft: Option<&ModelName>,
    kind: impl Fn(&Catalog) -> &KindCatalog,
) -> RwSignal<ModelName> {
    let name = draft.cloned().unwrap_or_else(|| {
        kind(&use_config().read_untracked().catalog)
            .default_model
            .clone()
    });
    RwSignal::new(name)
}

/// The entry of `model` in `kind`, or the kind's default when the catalog in force does
/// not have it (a draft from before an operator removed a model): the form still
/// renders, and validation names the model as not allowed.
pub fn spec_of(kind: &KindCatalog, model: &ModelName) -> ModelSpec {
    kind.model(model.as_str())
        .or_else(|| kind.model(kind.default_model.as_str()))
        .or(kind.models.first())
        .cloned()
        .expect("a catalog kind has at least one model")
}
