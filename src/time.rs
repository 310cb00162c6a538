//! Waiting in the browser without blocking: a future that resolves after a delay.

use wasm_bindgen::JsCast;

/// Resolves after `ms` milliseconds (a `setTimeout` wrapped in a promise).
pub async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(window) = web_sys::window() {
            let _ = window
                .set_timeout_with_callback_and_timeout_and_arguments_0(resolve.unchecked_ref(), ms);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}
