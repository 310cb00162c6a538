//! Starts the app: mounts `App` on the page, nothing else.

fn main() {
    console_error_panic_hook_lite();
    // config.json says where the BFF is: read it before anything asks the BFF.
    wasm_bindgen_futures::spawn_local(async {
        omni_studio::deployment::load().await;
        omni_studio::i18n::init();
        leptos::mount::mount_to_body(omni_studio::App);
    });
}

/// Panics show in the browser console instead of a bare "unreachable" trap.
fn console_error_panic_hook_lite() {
    std::panic::set_hook(Box::new(|info| {
        web_sys::console::error_1(&info.to_string().into());
    }));
}
