//! The studio configuration from `GET /api/v1/config` (models, allowed values, limits),
//! shared with every form as context. It starts as omni-api's own values, so forms
//! render at once, and is replaced by the BFF's answer when it arrives.

use crate::api;
use leptos::prelude::*;
use leptos::task::spawn_local;
use omni_api::config::{StudioConfig, UpstreamKind};
use omni_api::Choice;

/// The configuration in force, as context.
#[derive(Clone, Copy)]
pub struct ConfigContext(pub RwSignal<StudioConfig>);

/// Provides the configuration and asks the BFF for its own.
pub fn provide_config() {
    let config = RwSignal::new(StudioConfig::new(UpstreamKind::Simulate));
    provide_context(ConfigContext(config));
    spawn_local(async move {
        match api::get_config().await {
            Ok(c) => config.set(c),
            Err(e) => web_sys::console::warn_1(
                &format!("using built-in configuration: {}", e.message()).into(),
            ),
        }
    });
}

/// The configuration in force.
pub fn use_config() -> RwSignal<StudioConfig> {
    expect_context::<ConfigContext>().0
}

/// The members of a closed set the configuration lists (unknown names are skipped).
pub fn options<T: Choice>(names: &[String]) -> Vec<T> {
    names.iter().filter_map(|n| T::parse(n)).collect()
}
