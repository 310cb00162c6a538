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

async fn click(root: &Element, selector: &str) {
    root.query_selector(selector)
        .unwrap()
        .expect(selector)
        .unchecked_into::<web_sys::HtmlElement>()
        .click();
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
    // Each test starts from an empty form, not the last one's saved state.
    web_sys::window()
        .unwrap()
        .local_storage()
        .unwrap()
        .unwrap()
        .clear()
        .unwrap();
    mount(|| {
        // What `App` provides: the configuration context the forms read.
        omni_studio::studio_config::provide_config();
        view! { <Router><ImagePage/></Router> }.into_any()
    })
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
    click(&root, "[data-testid=add-image-url-button]").await;
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
    assert!(
        texts(&root, "#prompt-errors li").is_empty(),
        "{:?} refs={:?} url={:?}",
        texts(&root, "#prompt-errors li"),
        texts(&root, "[data-testid=image-ref]"),
        texts(&root, "#image-url-errors li")
    );

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
    click(&root, "[data-testid=add-image-url-button]").await;
    assert_eq!(
        texts(&root, "#image-url-errors li"),
        ["must use http or https, not ftp"]
    );
    assert!(
        root.query_selector("[data-testid=image-ref]")
            .unwrap()
            .is_none(),
        "not added"
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

#[wasm_bindgen_test]
async fn a_chip_inserts_its_placeholder_at_the_caret() {
    let root = image_page();
    type_into(
        &root,
        "[data-testid=add-image-url]",
        "https://example.com/a.png",
    )
    .await;
    click(&root, "[data-testid=add-image-url-button]").await;
    type_into(&root, "[data-testid=prompt]", "城市 at dusk").await;
    let area = omni_studio::components::prompt_editor::textarea_of(&root).unwrap();
    // After "城市 " (3 UTF-16 units): the chip goes exactly there.
    area.set_selection_range(3, 3).unwrap();
    click(&root, "[data-testid=chip-image_1]").await;
    assert_eq!(area.value(), "城市 <<<image_1>>>at dusk");
    assert_eq!(
        area.selection_start().unwrap(),
        Some(16),
        "the caret follows the placeholder"
    );
}

#[wasm_bindgen_test]
async fn dangling_and_malformed_placeholders_are_marked_in_the_preview() {
    let root = image_page();
    type_into(
        &root,
        "[data-testid=prompt]",
        "<<<image_1>>> and <<<img_2>>>",
    )
    .await;
    assert_eq!(
        texts(&root, "[data-testid=bad-placeholder]"),
        [
            "<<<image_1>>> (there is no image_1)",
            "<<<img_2>>> (unknown kind \"img\")"
        ]
    );
}

#[wasm_bindgen_test]
async fn removing_and_moving_references_renumber_the_prompt_with_undo() {
    let root = image_page();
    for url in [
        "https://example.com/a.png",
        "https://example.com/b.png",
        "https://example.com/c.png",
    ] {
        type_into(&root, "[data-testid=add-image-url]", url).await;
        click(&root, "[data-testid=add-image-url-button]").await;
    }
    type_into(
        &root,
        "[data-testid=prompt]",
        "<<<image_3>>> over <<<image_1>>>",
    )
    .await;
    let area = omni_studio::components::prompt_editor::textarea_of(&root).unwrap();
    click(&root, "[aria-label='Remove image_1']").await;
    assert_eq!(area.value(), "<<<image_2>>> over ");
    click(&root, "[data-testid=undo]").await;
    assert_eq!(area.value(), "<<<image_3>>> over <<<image_1>>>");
    click(&root, "[aria-label='Move image_3 up']").await;
    assert_eq!(area.value(), "<<<image_2>>> over <<<image_1>>>");
}

#[wasm_bindgen_test]
fn insert_at_counts_carets_in_utf16() {
    use omni_studio::components::prompt_editor::{insert_at, pending_token};
    assert_eq!(
        insert_at("ab", 1, 1, "<<<image_1>>>"),
        ("a<<<image_1>>>b".to_owned(), 14)
    );
    // An emoji is two UTF-16 units: the caret after it is 2.
    assert_eq!(
        insert_at("🎨x", 2, 2, "<<<video_1>>>"),
        ("🎨<<<video_1>>>x".to_owned(), 15)
    );
    assert_eq!(
        insert_at("replace me", 0, 7, "<<<image_2>>>"),
        ("<<<image_2>>> me".to_owned(), 13)
    );
    assert_eq!(pending_token("see <<<ima", 10), Some((4, "ima".to_owned())));
    assert_eq!(pending_token("done <<<image_1>>> ", 19), None);
}

#[wasm_bindgen_test]
fn config_json_is_optional_field_by_field_and_api_routes_follow_its_base() {
    use omni_studio::deployment::{self, Deployment};
    let r: Deployment =
        serde_json::from_str(r#"{"embed_origins":["https://ops.example.com"]}"#).unwrap();
    assert_eq!(r.api_base, "/");
    assert_eq!(r.embed_origins, ["https://ops.example.com"]);
    // No config.json loaded: this origin's root.
    assert_eq!(deployment::api("/api/v1/tasks"), "/api/v1/tasks");
    assert_eq!(deployment::base_path(), "/");
}

#[wasm_bindgen_test]
fn embed_origins_are_origins_never_a_wildcard() {
    use omni_studio::deployment::is_origin;
    for ok in [
        "https://ops.example.com",
        "http://127.0.0.1:8080",
        "http://[::1]:3000",
    ] {
        assert!(is_origin(ok), "{ok}");
    }
    for bad in [
        "*",
        "",
        "ops.example.com",
        "https://",
        "https://ops.example.com/",
        "https://a.example/path",
        "javascript://x",
        "https://*",
    ] {
        assert!(!is_origin(bad), "{bad}");
    }
}
