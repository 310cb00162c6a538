//! What goes upstream: the client's JSON object as received (key order kept, fields this
//! crate does not model included), changed only where the upstream documents a mapping.
//!
//! The mappings, each from the upstream documentation:
//! - Omni Image reference images are `image`, not `image_url` (we accept both).
//! - Omni Video reference images are `image_url`, not `image` (we accept both).
//! - Images are a URL or raw base64 without a `data:` prefix (we accept data URLs).
//! - `duration` (and a shot's `duration`) is a string of seconds (we accept numbers).
//! - `element_id` is a 64-bit integer (we accept decimal strings, as browsers send them).

use crate::media::normalize_image;
use crate::task::TaskKind;
use serde_json::{Map, Value};

/// The body to send upstream for a request of `kind` that passed validation.
pub fn upstream_body(kind: TaskKind, mut body: Value) -> Value {
    let Value::Object(map) = &mut body else {
        return body;
    };
    match kind {
        TaskKind::OmniImage => each_item(map, "image_list", |item| {
            rename(item, "image_url", "image");
            image(item, "image");
        }),
        TaskKind::OmniVideo => {
            each_item(map, "image_list", |item| {
                rename(item, "image", "image_url");
                image(item, "image_url");
            });
            seconds(map, "duration");
            each_item(map, "multi_prompt", |shot| seconds(shot, "duration"));
        }
        TaskKind::ImageGeneration => image(map, "image"),
        TaskKind::MultiShot => image(map, "element_frontal_image"),
    }
    each_item(map, "element_list", |item| {
        let id = match item.get("element_id") {
            Some(Value::String(s)) => s.trim().parse::<u64>().ok(),
            _ => None,
        };
        if let Some(id) = id {
            item.insert("element_id".into(), Value::from(id));
        }
    });
    body
}

/// The body to send upstream for an element create (`general/custom-elements`): refer
/// images are `image_url` (we accept `image`), images raw base64.
pub fn element_body(mut body: Value) -> Value {
    if let Value::Object(map) = &mut body {
        image(map, "element_frontal_image");
        each_item(map, "element_refer_list", |item| {
            rename(item, "image", "image_url");
            image(item, "image_url");
        });
    }
    body
}

fn each_item(map: &mut Map<String, Value>, key: &str, f: impl Fn(&mut Map<String, Value>)) {
    if let Some(Value::Array(items)) = map.get_mut(key) {
        for item in items.iter_mut() {
            if let Value::Object(item) = item {
                f(item);
            }
        }
    }
}

/// Renames `from` to `to` in place (same position), unless `to` is there already.
fn rename(map: &mut Map<String, Value>, from: &str, to: &str) {
    if !map.contains_key(from) || map.contains_key(to) {
        return;
    }
    let old = std::mem::take(map);
    for (k, v) in old {
        let k = if k == from { to.to_owned() } else { k };
        map.insert(k, v);
    }
}

fn image(map: &mut Map<String, Value>, key: &str) {
    if let Some(Value::String(s)) = map.get_mut(key) {
        if s.starts_with("data:") {
            *s = normalize_image(s);
        }
    }
}

fn seconds(map: &mut Map<String, Value>, key: &str) {
    if let Some(slot) = map.get_mut(key) {
        if let Value::Number(n) = slot {
            *slot = Value::String(n.to_string());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_documented_mappings_change_anything() {
        let body = json!({"zeta": 1, "model_name": "kling-v3-omni", "duration": 7,
            "image_list": [{"image": "data:image/png;base64,AAAA", "x": true}],
            "multi_prompt": [{"index": 1, "prompt": "a", "duration": 7}],
            "element_list": [{"element_id": "18446744073709551615"}], "alpha": null});
        let out = upstream_body(TaskKind::OmniVideo, body);
        let text = serde_json::to_string(&out).unwrap();
        assert_eq!(
            text,
            r#"{"zeta":1,"model_name":"kling-v3-omni","duration":"7","image_list":[{"image_url":"AAAA","x":true}],"multi_prompt":[{"index":1,"prompt":"a","duration":"7"}],"element_list":[{"element_id":18446744073709551615}],"alpha":null}"#
        );
    }

    #[test]
    fn omni_image_takes_image_not_image_url() {
        let out = upstream_body(
            TaskKind::OmniImage,
            json!({"image_list": [{"image_url": "https://x/a.png", "note": 1}]}),
        );
        assert_eq!(
            serde_json::to_string(&out).unwrap(),
            r#"{"image_list":[{"image":"https://x/a.png","note":1}]}"#
        );
    }
}
