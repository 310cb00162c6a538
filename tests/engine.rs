//! The form engine in a real, headless Chromium: a catalog entry in, the right controls
//! out; switching the model keeps what still applies and says what it dropped; the
//! estimate follows the inputs; the catalog in force decides the models offered.

use leptos::prelude::*;
use leptos_router::components::Router;
use omni_api::Catalog;
use omni_studio::pages::generate::GeneratePage;
use omni_studio::pages::video::VideoPage;
use omni_studio::time::sleep;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::Element;

wasm_bindgen_test_configure!(run_in_browser);

fn document() -> web_sys::Document {
    web_sys::window().unwrap().document().unwrap()
}

/// Mounts `page` with the configuration context holding `catalog`.
fn mount_with(catalog: Catalog, page: fn() -> AnyView) -> Element {
    web_sys::window()
        .unwrap()
        .local_storage()
        .unwrap()
        .unwrap()
        .clear()
        .unwrap();
    let container = document().create_element("div").unwrap();
    document().body().unwrap().append_child(&container).unwrap();
    let handle = leptos::mount::mount_to(container.clone().unchecked_into(), move || {
        omni_studio::studio_config::provide_config();
        // As if the BFF had answered with this catalog.
        omni_studio::studio_config::use_config().update(|c| c.catalog = catalog.clone());
        view! { <Router>{page()}</Router> }.into_any()
    });
    handle.forget();
    container
}

async fn choose(root: &Element, testid: &str, value: &str) {
    let el: web_sys::HtmlSelectElement = root
        .query_selector(&format!("[data-testid={testid}]"))
        .unwrap()
        .expect(testid)
        .unchecked_into();
    el.set_value(value);
    let init = web_sys::EventInit::new();
    init.set_bubbles(true);
    el.dispatch_event(&web_sys::Event::new_with_event_init_dict("change", &init).unwrap())
        .unwrap();
    sleep(30).await;
}

fn has(root: &Element, testid: &str) -> bool {
    root.query_selector(&format!("[data-testid={testid}]"))
        .unwrap()
        .is_some()
}

fn options(root: &Element, testid: &str) -> Vec<String> {
    let list = root
        .query_selector_all(&format!("[data-testid={testid}] option"))
        .unwrap();
    (0..list.length())
        .filter_map(|i| list.item(i))
        .map(|n| n.unchecked_into::<web_sys::HtmlOptionElement>().value())
        .collect()
}

fn text(root: &Element, testid: &str) -> String {
    root.query_selector(&format!("[data-testid={testid}]"))
        .unwrap()
        .and_then(|e| e.text_content())
        .unwrap_or_default()
}

fn video() -> AnyView {
    view! { <VideoPage/> }.into_any()
}

fn generate() -> AnyView {
    view! { <GeneratePage/> }.into_any()
}

#[wasm_bindgen_test]
async fn the_video_form_follows_the_chosen_models_catalog_entry() {
    let root = mount_with(Catalog::builtin().clone(), video);
    sleep(30).await;
    // O1: no sound, no storyboard, 5 or 10 s, std and pro.
    assert_eq!(options(&root, "model"), ["kling-video-o1", "kling-v3-omni"]);
    assert!(!has(&root, "sound") && !has(&root, "storyboard"));
    assert_eq!(options(&root, "duration"), ["5", "10"]);
    assert_eq!(options(&root, "mode"), ["std", "pro"]);
    // kling-v3-omni: sound, storyboards, 3 to 15 s, 4k.
    choose(&root, "model", "kling-v3-omni").await;
    assert!(has(&root, "sound") && has(&root, "storyboard"));
    let seconds: Vec<String> = (3..=15).map(|s| s.to_string()).collect();
    assert_eq!(options(&root, "duration"), seconds);
    assert_eq!(options(&root, "mode"), ["std", "pro", "4k"]);
    choose(&root, "duration", "15").await;
    choose(&root, "mode", "4k").await;
    choose(&root, "sound", "on").await;
    assert!(
        text(&root, "estimate").contains("6.3"),
        "{}",
        text(&root, "estimate")
    );
    // Back to O1: what still applies stays, the rest is dropped and said.
    choose(&root, "model", "kling-video-o1").await;
    assert_eq!(options(&root, "duration"), ["5", "10"]);
    let dropped = text(&root, "model-dropped");
    assert!(dropped.contains("15 s"), "{dropped}");
    assert!(dropped.contains("4k"), "{dropped}");
    assert!(dropped.contains("Sound"), "{dropped}");
    assert!(!has(&root, "sound"));
    // 5 s pro (the first mode left... std) without sound: 0.084 * 5.
    assert!(
        text(&root, "estimate").contains("0.42"),
        "{}",
        text(&root, "estimate")
    );
}

#[wasm_bindgen_test]
async fn the_catalog_in_force_decides_the_models() {
    let c = Catalog::builtin()
        .apply(&serde_json::json!({"omni_video": {"remove": ["kling-v3-omni"]}}))
        .unwrap();
    let root = mount_with(c, video);
    sleep(30).await;
    assert_eq!(options(&root, "model"), ["kling-video-o1"]);
}

#[wasm_bindgen_test]
async fn kling_v3_image_generation_offers_elements() {
    let root = mount_with(Catalog::builtin().clone(), generate);
    sleep(30).await;
    assert!(!has(&root, "element-id"));
    choose(&root, "model", "kling-v3").await;
    assert!(has(&root, "element-id"), "the element picker is shown");
    assert!(text(&root, "estimate").contains("0.028"));
    choose(&root, "model", "kling-v1").await;
    assert!(!has(&root, "element-id"));
    assert!(text(&root, "estimate").contains("No price"));
}
