//! One route component per file, and the routes that load their page's code on demand.

pub mod elements;
pub mod generate;
pub mod history;
pub mod image;
pub mod not_found;
pub mod quick;
pub mod spend;
pub mod task;
pub mod video;

use crate::components::workspace::WithRecent;
use leptos::prelude::*;

/// A route whose page is built by `$page`, an async function of its own: in the release
/// build (`--cfg omni_split`, set by `cargo xtask`'s app build) `#[lazy]` moves the page's
/// code into a wasm chunk of its own, fetched the first time the route is opened, so a
/// visit to `/image` does not download the other pages. In every other build (tests,
/// `trunk serve`) the same code is in the one module and the page is ready at once.
macro_rules! lazy_page {
    ($(#[$doc:meta])* $route:ident, $page:ident, $view:expr) => {
        $(#[$doc])*
        pub struct $route;

        impl leptos_router::LazyRoute for $route {
            fn data() -> Self {
                $route
            }

            async fn view(_: Self) -> AnyView {
                $page().await
            }
        }

        #[cfg_attr(omni_split, leptos::lazy)]
        async fn $page() -> AnyView {
            $view.into_any()
        }
    };
}

lazy_page!(
    /// `/video`.
    VideoRoute, video_page, view! { <WithRecent><video::VideoPage/></WithRecent> }
);
lazy_page!(
    /// `/generate`.
    GenerateRoute, generate_page, view! { <WithRecent><generate::GeneratePage/></WithRecent> }
);
lazy_page!(
    /// `/quick`.
    QuickRoute, quick_page, view! { <WithRecent><quick::QuickPage/></WithRecent> }
);
lazy_page!(
    /// `/elements`.
    ElementsRoute, elements_page, view! { <elements::ElementsPage/> }
);
lazy_page!(
    /// `/tasks`.
    HistoryRoute, history_page, view! { <history::HistoryPage/> }
);
lazy_page!(
    /// `/tasks/:id`.
    TaskRoute, task_page, view! { <task::TaskPage/> }
);
lazy_page!(
    /// `/spend`.
    SpendRoute, spend_page, view! { <spend::SpendPage/> }
);
