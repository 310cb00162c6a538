//! Code a first visit does not run, fetched the first time it is called: in the release
//! build (`--cfg omni_split`) each function declared with [`deferred!`] is a wasm-split
//! point with a module of its own, which a visit that never calls it never downloads;
//! in every other build (tests, `trunk serve`) it is an ordinary call. Pages are split
//! the same way by route (`pages/mod.rs`); these are parts of the landing page that run
//! only on an error, when the user opens a panel or adds a file, or in some deployments
//! only (the sign-in gate, whose modules index.html preloads where it will run; a
//! dashboard's commands).
//!
//! Unlike a page, a module that does not arrive (the network went away since the page
//! loaded) is an error the caller shows, never a panic: a panic would stop the app.

use crate::i18n::t;
use leptos::prelude::*;

/// The code of a deferred function could not be fetched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unavailable;

#[cfg(omni_split)]
impl From<leptos::wasm_split::SplitLoaderError> for Unavailable {
    fn from(_: leptos::wasm_split::SplitLoaderError) -> Self {
        Unavailable
    }
}

impl std::fmt::Display for Unavailable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(t(
            "This part of the studio could not be loaded: check the connection and try again.",
        ))
    }
}

/// So it can be rendered inside an `ErrorBoundary`, as a failed read is.
impl std::error::Error for Unavailable {}

/// `fn name(args) -> T { body }` as a function the release build fetches on its first
/// call: `async fn name(args) -> Result<T, Unavailable>`. Arguments and result cross
/// between wasm modules by value (the split modules share the main one's memory).
macro_rules! deferred {
    ($(#[$doc:meta])* $vis:vis fn $name:ident($($arg:ident: $ty:ty),* $(,)?) -> $ret:ty $body:block) => {
        $(#[$doc])*
        #[cfg(omni_split)]
        #[leptos::wasm_split::wasm_split($name, wasm_split_path = ::leptos::wasm_split, fallible)]
        $vis fn $name($($arg: $ty),*) -> Result<$ret, $crate::deferred::Unavailable> {
            Ok($body)
        }

        $(#[$doc])*
        #[cfg(not(omni_split))]
        $vis async fn $name($($arg: $ty),*) -> Result<$ret, $crate::deferred::Unavailable> {
            Ok($body)
        }
    };
}
pub(crate) use deferred;

/// The view a deferred function makes, once its code has arrived (nothing before), or
/// the reason it could not be shown, in the words and place of every failed read
/// (`load_error`). Not an `ErrorBoundary`: the sign-in gate's view is the whole studio,
/// whose own errors must not be taken for this one.
pub fn view(
    load: impl std::future::Future<Output = Result<AnyView, Unavailable>> + 'static,
) -> impl IntoView {
    // The split loader's future holds browser values, which never leave this thread.
    let load = send_wrapper::SendWrapper::new(load);
    Suspend::new(async move {
        match load.await {
            Ok(view) => view,
            Err(e) => crate::components::load_error::error_line(e.to_string()).into_any(),
        }
    })
}
