//! The app's components in a real, headless Chromium (wasm-bindgen-test).

use leptos::prelude::*;
use leptos_router::components::Router;
use omni_studio::pages::image::ImagePage;
use omni_studio::time::sleep;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlTextAreaElement};

wasm_bindgen_test_configure!(run_in_browser);

fn document() -> web_sys::Document {
    web_sys::window().unwrap().document().unwrap()
}

/// Mounts a view into a fresh container and returns it.
fn mount(view: impl Fn() -> AnyView + 'static) -> Element {
    let container = document().create_element("div").unwrap();
    document().body().unwrap().append_child(&container).unwrap();
    let handle = leptos::mount::mount_to(container.clone().unchecked_into(), view);
    handle.forget();
    container
}

/// Types into a textarea or input the way a browser reports it: value, then `input`.
async fn type_into(root: &Element, selector: &str, text: &str) {
    let el = root.query_selector(selector).unwrap().expect(selector);
    if let Some(area) = el.dyn_ref::<HtmlTextAreaElement>() {
        area.set_value(text);
    } else {
        el.unchecked_ref::<web_sys::HtmlInputElement>()
            .set_value(text);
    }
    let init = web_sys::EventInit::new();
    init.set_bubbles(true);
    el.dispatch_event(&web_sys::Event::new_with_event_init_dict("input", &init).unwrap())
        .unwrap();
    // Effects run on the next tick.
    sleep(20).await;
}

fn texts(root: &Element, selector: &str) -> Vec<String> {
    let list = root.query_selector_all(selector).unwrap();
    (0..list.length())
        .filter_map(|i| list.item(i))
        .filter_map(|n| n.text_content())
        .collect()
}

fn image_page() -> Element {
    mount(|| view! { <Router><ImagePage/></Router> }.into_any())
}

#[wasm_bindgen_test]
async fn a_dangling_placeholder_is_shown_under_the_prompt_and_blocks_submit() {
    let root = image_page();
    type_into(&root, "[data-testid=prompt]", "<<<image_2>>> at dusk").await;
    let errors = texts(&root, "#prompt-errors li");
    assert_eq!(
        errors,
        ["<<<image_2>>> at character 0 points at nothing: image_list has 0 items"]
    );
    let submit = root
        .query_selector("[data-testid=submit]")
        .unwrap()
        .unwrap();
    assert!(submit.has_attribute("disabled"));

    type_into(
        &root,
        "[data-testid=add-image-url]",
        "https://example.com/a.png",
    )
    .await;
    type_into(&root, "[data-testid=prompt]", "<<<image_1>>> at dusk").await;
    assert!(texts(&root, "#prompt-errors li").is_empty());
    let submit = root
        .query_selector("[data-testid=submit]")
        .unwrap()
        .unwrap();
    assert!(!submit.has_attribute("disabled"));
}

#[wasm_bindgen_test]
async fn the_counter_turns_to_an_error_past_2500_characters() {
    let root = image_page();
    type_into(&root, "[data-testid=prompt]", &"字".repeat(2500)).await;
    let counter = root.query_selector("#prompt-count").unwrap().unwrap();
    assert_eq!(counter.text_content().unwrap(), "2500 / 2500");
    assert!(!counter.class_list().contains("over"));
    assert!(texts(&root, "#prompt-errors li").is_empty());

    type_into(&root, "[data-testid=prompt]", &"字".repeat(2501)).await;
    let counter = root.query_selector("#prompt-count").unwrap().unwrap();
    assert_eq!(counter.text_content().unwrap(), "2501 / 2500");
    assert!(counter.class_list().contains("over"));
    let rules: Vec<String> = {
        let list = root.query_selector_all("#prompt-errors li").unwrap();
        (0..list.length())
            .map(|i| {
                list.item(i)
                    .unwrap()
                    .unchecked_into::<Element>()
                    .get_attribute("data-rule")
                    .unwrap()
            })
            .collect()
    };
    assert_eq!(rules, ["max_chars"]);
}

#[wasm_bindgen_test]
async fn image_url_errors_use_the_shared_rules() {
    let root = image_page();
    type_into(&root, "[data-testid=prompt]", "a cat").await;
    type_into(
        &root,
        "[data-testid=add-image-url]",
        "ftp://example.com/a.png",
    )
    .await;
    assert_eq!(
        texts(&root, "#image-errors li"),
        ["must use http or https, not ftp"]
    );
}

#[wasm_bindgen_test]
fn element_ids_survive_serde_in_wasm_byte_exact() {
    let text = r#"{"model_name":"kling-image-o1","prompt":"x","element_list":[{"element_id":835266081714884677}]}"#;
    let req: omni_api::omni_image::OmniImageRequest = serde_json::from_str(text).unwrap();
    assert_eq!(req.element_list[0].element_id.0, 835_266_081_714_884_677);
    assert_eq!(serde_json::to_string(&req).unwrap(), text);
    // The same number through a JS number would have been rounded: prove the trap is real.
    let through_js = js_sys::JSON::parse("835266081714884677")
        .unwrap()
        .as_f64()
        .unwrap();
    assert_ne!(through_js as u64, 835_266_081_714_884_677);
}
