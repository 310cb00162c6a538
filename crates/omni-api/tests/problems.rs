//! Field errors carry their problem as typed parameters, which is what the app words in
//! Chinese: they must survive the BFF's JSON envelope exactly, and older or newer peers
//! must still read each other.

use omni_api::omni_image::OmniImageRequest;
use omni_api::{FieldError, Problem, Rule};

#[test]
fn a_problem_survives_the_envelope_and_agrees_with_its_rule_and_message() {
    let req: OmniImageRequest = serde_json::from_str(
        r#"{"model_name":"kling-image-o1","prompt":"<<<image_2>>> and <<<img_1>>>","n":12,
            "resolution":"4k","image_list":[{"image":"ftp://example.com/a.png"}]}"#,
    )
    .unwrap();
    let violations = req.validate(omni_api::Catalog::builtin());
    assert!(violations.len() >= 4, "{violations:?}");
    for e in violations.iter() {
        let json = serde_json::to_string(e).unwrap();
        let back: FieldError = serde_json::from_str(&json).unwrap();
        assert_eq!(&back, e, "{json}");
        assert_eq!(e.problem.rule(), e.rule);
        assert_eq!(e.problem.to_string(), e.message);
    }
    let range = violations.on("n").next().unwrap();
    assert_eq!(
        serde_json::to_value(&range.problem).unwrap(),
        serde_json::json!({"range": {"min": 1.0, "max": 9.0, "got": 12.0}})
    );
    assert_eq!(range.message, "must be from 1 to 9 (got 12)");
    assert_eq!(serde_json::to_value(Problem::Required).unwrap(), "required");
    let back: FieldError = serde_json::from_str(
        r#"{"field":"prompt","rule":"required","message":"is required","problem":"required"}"#,
    )
    .unwrap();
    assert_eq!(back.problem, Problem::Required);
}

#[test]
fn errors_without_a_problem_or_with_an_unknown_one_still_read() {
    // An older BFF sends no problem; a newer one may send one this build does not know.
    let old: FieldError =
        serde_json::from_str(r#"{"field":"prompt","rule":"blank","message":"must not be blank"}"#)
            .unwrap();
    assert_eq!(old.problem, Problem::Other);
    assert_eq!(old.rule, Rule::Blank);
    let newer: FieldError = serde_json::from_str(
        r#"{"field":"x","rule":"brand_new","message":"m","problem":{"brand_new":{"k":1}}}"#,
    )
    .unwrap();
    assert_eq!((newer.rule, newer.problem), (Rule::Unknown, Problem::Other));
}
