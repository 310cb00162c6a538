//! Element creation rules, on both sides of every boundary.

mod common;
use common::{b64, png};
use omni_api::elements::{CreateElementRequest, Element};
use omni_api::json::Reader;
use omni_api::Violations;
use serde_json::json;

fn check(body: serde_json::Value) -> Vec<(String, String)> {
    let mut v = Violations::default();
    let r = Reader::root(&body, &mut v).unwrap();
    let req = CreateElementRequest::read(&r, &mut v);
    v.extend_new_fields(req.validate());
    v.iter()
        .map(|e| (e.field.clone(), e.rule.as_str().to_owned()))
        .collect()
}

fn body(name: &str, description: &str, refs: usize) -> serde_json::Value {
    json!({
        "element_name": name,
        "element_description": description,
        "element_frontal_image": b64(&png(600, 800, 0)),
        "element_refer_list": (0..refs).map(|i| json!({"image_url": format!("https://example.com/{i}.png")})).collect::<Vec<_>>(),
        "tag_list": [{"tag_id": "o_102"}],
    })
}

#[test]
fn names_and_descriptions_have_limits_in_characters() {
    assert!(check(body(&"名".repeat(20), &"述".repeat(100), 1)).is_empty());
    assert_eq!(
        check(body(&"名".repeat(21), "ok", 1)),
        [("element_name".into(), "max_chars".into())]
    );
    assert_eq!(
        check(body("hero", &"述".repeat(101), 1)),
        [("element_description".into(), "max_chars".into())]
    );
    assert_eq!(
        check(body("  ", "", 1)),
        [("element_name".into(), "required".into())]
    );
}

#[test]
fn one_to_three_further_references_with_the_image_rules() {
    assert_eq!(
        check(body("hero", "", 0)),
        [("element_refer_list".into(), "too_few".into())]
    );
    assert!(check(body("hero", "", 3)).is_empty());
    assert_eq!(
        check(body("hero", "", 4)),
        [("element_refer_list".into(), "too_many".into())]
    );
    let mut b = body("hero", "", 1);
    b["element_refer_list"][0]["image_url"] = json!("https://example.com/a.gif");
    assert_eq!(
        check(b),
        [(
            "element_refer_list[0].image_url".into(),
            "file_extension".into()
        )]
    );
    let mut b = body("hero", "", 1);
    b["element_frontal_image"] = json!(b64(&png(200, 800, 0)));
    assert!(check(b).contains(&("element_frontal_image".into(), "image_too_small".into())));
}

#[test]
fn tags_come_from_the_documented_set_once_each() {
    let mut b = body("hero", "", 1);
    b["tag_list"] = json!([{"tag_id": "o_109"}]);
    assert_eq!(check(b), [("tag_list[0].tag_id".into(), "one_of".into())]);
    let mut b = body("hero", "", 1);
    b["tag_list"] = json!([{"tag_id": "o_101"}, {"tag_id": "o_108"}, {"tag_id": "o_101"}]);
    assert_eq!(
        check(b),
        [("tag_list[2].tag_id".into(), "duplicate".into())]
    );
}

#[test]
fn element_ids_above_2_53_survive() {
    let text = r#"{"element_id":9007199254741023,"element_name":"hero","element_description":"","element_frontal_image":"","element_refer_list":[],"tag_list":[],"owned_by":"me"}"#;
    let e: Element = serde_json::from_str(text).unwrap();
    assert_eq!(e.element_id.0, (1u64 << 53) + 31);
    assert_eq!(serde_json::to_string(&e).unwrap(), text);
}
