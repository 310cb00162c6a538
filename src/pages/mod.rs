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
///
/// `$page` is named after the address: `page_` and the route's first segment, `_id`
/// when one more follows (`/tasks/ID`: `page_tasks_id`). index.html's first script
/// works the name out from the address to preload a deep link's modules.
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
    VideoRoute, page_video, view! { <WithRecent><video::VideoPage/></WithRecent> }
);
lazy_page!(
    /// `/generate`.
    GenerateRoute, page_generate, view! { <WithRecent><generate::GeneratePage/></WithRecent> }
);
lazy_page!(
    /// `/quick`.
    QuickRoute, page_quick, view! { <WithRecent><quick::QuickPage/></WithRecent> }
);
lazy_page!(
    /// `/elements`.
    ElementsRoute, page_elements, view! { <elements::ElementsPage/> }
);
lazy_page!(
    /// `/tasks`.
    HistoryRoute, page_tasks, view! { <history::HistoryPage/> }
);
lazy_page!(
    /// `/tasks/:id`.
    TaskRoute, page_tasks_id, view! { <task::TaskPage/> }
);
lazy_page!(
    /// `/spend`.
    SpendRoute, page_spend, view! { <spend::SpendPage/> }
);
