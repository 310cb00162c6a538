//! Who spent what: named access tokens, the name each task records, history by person,
//! the spend report (JSON and CSV), and the account's remaining units.

mod support;

use serde_json::{json, Value};
use support::app::App;

const ANN: &str = "ann-token-0123456789";
const BO: &str = "bo-token-01234567890";
const NAMELESS: &str = "nameless-token-0123456";

async fn app() -> App {
    let tokens = format!("ann: {ANN},bo: {BO},{NAMELESS}");
    App::start_with(&["--sim-speed", "20"], &[("OMNI_ACCESS_TOKENS", &tokens)]).await
}

async fn call(app: &App, token: &str, method: &str, path: &str, body: Option<&Value>) -> Value {
    let mut c = app
        .request(method.parse().unwrap(), path)
        .header("authorization", &format!("Bearer {token}"));
    if let Some(b) = body {
        c = c.json(b);
    }
    let answer = c.send().await;
    assert!(answer.status.is_success(), "{path}: {}", answer.text());
    answer.json()
}

async fn create(app: &App, token: &str, body: Value) -> String {
    let v = call(
        app,
        token,
        "POST",
        "/kling/v1/images/omni-image",
        Some(&body),
    )
    .await;
    v["data"]["task_id"].as_str().unwrap().to_owned()
}

async fn wait_done(app: &App, id: &str) -> Value {
    for _ in 0..200 {
        let v = call(app, ANN, "GET", &format!("/api/v1/tasks/{id}"), None).await;
        if v["data"]["task_status"] == "succeed" {
            return v["data"].clone();
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("{id} did not finish");
}

#[tokio::test]
async fn tasks_remember_who_made_them_and_spend_is_summed_by_person() {
    let app = app().await;
    let a1 = create(&app, ANN, json!({"prompt": "ann one", "n": 2})).await;
    let a2 = create(
        &app,
        ANN,
        json!({"prompt": "ann two", "model_name": "kling-image-o1"}),
    )
    .await;
    let b1 = create(&app, BO, json!({"prompt": "bo one"})).await;
    let n1 = create(&app, NAMELESS, json!({"prompt": "nobody's"})).await;
    let mut charged = 0.0;
    for id in [&a1, &a2, &b1, &n1] {
        let done = wait_done(&app, id).await;
        charged += done["final_unit_deduction"]
            .as_str()
            .unwrap()
            .parse::<f64>()
            .unwrap();
    }
    let a1_task = wait_done(&app, &a1).await;
    assert_eq!(a1_task["created_by"], "ann");
    assert!(wait_done(&app, &n1).await.get("created_by").is_none());

    // History by person.
    let page = call(&app, BO, "GET", "/api/v1/tasks?person=ann", None).await;
    let ids: Vec<&str> = page["data"]["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["task_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [a2.as_str(), a1.as_str()]);
    let config = call(&app, BO, "GET", "/api/v1/config", None).await;
    assert_eq!(config["data"]["people"], json!(["ann", "bo"]));

    // Spend: today, every task on one day, summed by person and model.
    let report = call(&app, ANN, "GET", "/api/v1/spend", None).await["data"].clone();
    let rows = report["rows"].as_array().unwrap();
    let ann: Vec<&Value> = rows.iter().filter(|r| r["person"] == "ann").collect();
    assert_eq!(ann.len(), 1, "one model for ann: {report}");
    assert_eq!(ann[0]["tasks"], 2);
    assert_eq!(ann[0]["model"], "kling-image-o1");
    let total: f64 = rows
        .iter()
        .map(|r| r["units"].as_str().unwrap().parse::<f64>().unwrap())
        .sum();
    assert!((total - charged).abs() < 1e-9, "{total} vs {charged}");
    assert!(rows
        .iter()
        .any(|r| r.get("person").is_none() && r["tasks"] == 1));
    assert_eq!(report["people"], json!(["ann", "bo"]));

    let only_bo = call(&app, ANN, "GET", "/api/v1/spend?person=bo", None).await;
    assert_eq!(only_bo["data"]["rows"].as_array().unwrap().len(), 1);

    // CSV: a header line, then one line per row.
    let csv = app
        .get_req("/api/v1/spend?format=csv")
        .header("authorization", &format!("Bearer {ANN}"))
        .send()
        .await;
    assert_eq!(csv.header("content-type"), Some("text/csv; charset=utf-8"));
    assert!(csv
        .header("content-disposition")
        .unwrap()
        .starts_with("attachment"));
    let text = csv.text();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "day,person,model,tasks,units");
    assert_eq!(lines.len(), rows.len() + 1, "{text}");
    assert!(
        lines.iter().any(|l| l.contains(",ann,kling-image-o1,2,")),
        "{text}"
    );

    // Days are counted in the caller's time zone; a range before any task is empty.
    let old = call(
        &app,
        ANN,
        "GET",
        "/api/v1/spend?from=2020-01-01&to=2020-01-31&tz=480",
        None,
    )
    .await;
    assert_eq!(old["data"]["rows"], json!([]));
    assert_eq!(old["data"]["offset_minutes"], 480);
}

#[tokio::test]
async fn a_bad_spend_query_names_each_field() {
    let app = app().await;
    let answer = app
        .get_req("/api/v1/spend?from=2026-02-30&to=2026-01-01&tz=900&format=xml")
        .header("authorization", &format!("Bearer {ANN}"))
        .send()
        .await;
    assert_eq!(answer.status, 400);
    let fields = support::error_fields(&answer.json());
    assert_eq!(fields, ["tz", "from", "format"]);
    let answer = app
        .get_req("/api/v1/spend?from=2024-01-01&to=2026-01-01")
        .header("authorization", &format!("Bearer {ANN}"))
        .send()
        .await;
    assert_eq!(support::error_fields(&answer.json()), ["to"]);
    let answer = app
        .get_req("/api/v1/spend?from=2026-01-02&to=2026-01-01")
        .header("authorization", &format!("Bearer {ANN}"))
        .send()
        .await;
    let body = answer.json();
    assert_eq!(support::error_fields(&body), ["from"]);
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("2026-01-01"),
        "{body}"
    );
}

#[tokio::test]
async fn the_account_shows_what_is_left_after_charges_and_is_asked_once_a_minute() {
    let app = app().await;
    let before = call(&app, ANN, "GET", "/api/v1/account", None).await["data"].clone();
    assert_eq!(before["remaining"], "1000");
    assert_eq!(before["packs"][0]["status"], "online");
    let id = create(&app, ANN, json!({"prompt": "charged"})).await;
    wait_done(&app, &id).await;
    // Kept for a minute: the same answer, not a new upstream query.
    let again = call(&app, BO, "GET", "/api/v1/account", None).await["data"].clone();
    assert_eq!(again, before);
}
