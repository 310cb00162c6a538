//! Element routes against the simulator: ids above 2^53 stay exact from the simulator
//! through the BFF and back into a generation request.

mod support;
use serde_json::json;
use support::{error_fields, temp_dir, Bff};

fn png_b64(w: u32, h: u32) -> String {
    let mut b = b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR".to_vec();
    b.extend(w.to_be_bytes());
    b.extend(h.to_be_bytes());
    b.extend([8, 2, 0, 0, 0]);
    omni_api::media::encode_base64(&b)
}

/// The first `"element_id":N` in a raw JSON text, as written (never through an f64).
fn first_id(text: &str) -> String {
    let at = text.find("\"element_id\":").expect("an element id") + "\"element_id\":".len();
    text[at..]
        .chars()
        .take_while(|c| c.is_ascii_digit())
        .collect()
}

#[tokio::test]
async fn elements_are_created_listed_used_and_deleted_with_exact_ids() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let bff = Bff::start(
        temp_dir("elements"),
        &["--sim-listen", &format!("127.0.0.1:{port}")],
    );
    let body = json!({
        "element_name": "Captain Mo",
        "element_description": "a cheerful sea captain",
        "element_frontal_image": format!("data:image/png;base64,{}", png_b64(600, 800)),
        "element_refer_list": [{"image_url": "https://example.com/side.png"}],
        "tag_list": [{"tag_id": "o_102"}],
    });
    let resp = bff
        .http
        .post(format!("{}/kling/v1/general/custom-elements", bff.url))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let text = resp.text().await.unwrap();
    let id = first_id(&text);
    assert!(id.parse::<u64>().unwrap() > 1 << 53, "{id} is above 2^53");

    let listed = bff
        .http
        .get(format!("{}/kling/v1/general/custom-elements", bff.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(first_id(&listed), id, "listed exactly");
    let presets = bff
        .http
        .get(format!(
            "{}/kling/v1/general/presets-elements?pageNum=1&pageSize=30",
            bff.url
        ))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(presets.contains("\"element_id\":835266081714884677"));

    // The frontal image comes back as a picture.
    let element: serde_json::Value = serde_json::from_str(&text).unwrap();
    let frontal = bff
        .http
        .get(element["data"]["element_frontal_image"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(omni_api::media::inspect(&frontal).unwrap().width, 600);

    // Used in a video: the upstream receives the id digit for digit.
    let request = format!(
        r#"{{"prompt":"<<<element_1>>> at sea","aspect_ratio":"16:9","element_list":[{{"element_id":{id}}}]}}"#
    );
    let resp = bff
        .http
        .post(format!("{}/kling/v1/videos/omni-video", bff.url))
        .header("content-type", "application/json")
        .body(request)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let stats = bff
        .http
        .get(format!("http://127.0.0.1:{port}/sim/stats"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        stats.contains(&format!("\"element_id\":{id}")),
        "the upstream got {id} exactly"
    );

    let resp = bff
        .http
        .post(format!("{}/kling/v1/general/delete-elements", bff.url))
        .header("content-type", "application/json")
        .body(format!(r#"{{"element_id":{id}}}"#))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let listed: serde_json::Value = bff
        .http
        .get(format!("{}/kling/v1/general/custom-elements", bff.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed["data"].as_array().unwrap().len(), 0);
    let (status, again) = bff
        .post(
            "/kling/v1/general/delete-elements",
            &json!({"element_id": id.parse::<u64>().unwrap()}),
        )
        .await;
    assert_eq!((status, again["code"].as_i64()), (404, Some(1203)));
}

#[tokio::test]
async fn bad_elements_are_refused_with_every_field() {
    let bff = Bff::new();
    let (status, body) = bff
        .post(
            "/kling/v1/general/custom-elements",
            &json!({"element_name": "a name far longer than twenty", "element_refer_list": [], "tag_list": [{"tag_id": "o_999"}]}),
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(
        error_fields(&body),
        [
            "tag_list[0].tag_id",
            "element_name",
            "element_frontal_image",
            "element_refer_list"
        ]
    );
    let (status, body) = bff
        .post(
            "/kling/v1/general/delete-elements",
            &json!({"element_id": "12x"}),
        )
        .await;
    assert_eq!(
        (status, error_fields(&body)),
        (400, vec!["element_id".to_owned()])
    );
}
