//! Prompt length and placeholder rules.

use omni_api::prompt::{
    self, after_move, after_remove, check_prompt, parse, Malformed, RefCounts, RefKind, Segment,
};
use omni_api::{Rule, Violations};

const ALL: &[RefKind] = &[RefKind::Image, RefKind::Element, RefKind::Video];

fn check(p: &str, kinds: &[RefKind], refs: RefCounts) -> Violations {
    let mut v = Violations::default();
    check_prompt("prompt", Some(p), kinds, refs, &mut v);
    v
}

fn refs(images: usize, elements: usize, videos: usize) -> RefCounts {
    RefCounts {
        images,
        elements,
        videos,
    }
}

#[test]
fn length_is_counted_in_unicode_characters() {
    let none = RefCounts::default();
    assert!(
        check(&"字".repeat(2500), &[], none).is_empty(),
        "2500 Chinese characters pass"
    );
    assert!(check(&"字".repeat(2501), &[], none).has("prompt", Rule::MaxChars));
    assert!(check(&"a".repeat(2500), &[], none).is_empty());
    assert!(check(&"a".repeat(2501), &[], none).has("prompt", Rule::MaxChars));
    // Emoji are one scalar value each, though two UTF-16 units.
    assert!(check(&"🎨".repeat(2500), &[], none).is_empty());
}

#[test]
fn required_and_not_blank() {
    let mut v = Violations::default();
    check_prompt("prompt", None, &[], RefCounts::default(), &mut v);
    assert!(v.has("prompt", Rule::Required));
    assert!(check("", &[], RefCounts::default()).has("prompt", Rule::Blank));
    assert!(check(" \n\t ", &[], RefCounts::default()).has("prompt", Rule::Blank));
}

#[test]
fn placeholders_must_point_at_an_existing_item() {
    assert!(check("<<<image_1>>> city", ALL, refs(1, 0, 0)).is_empty());
    assert!(
        check("<<<image_2>>> city", ALL, refs(1, 0, 0)).has("prompt", Rule::PlaceholderDangling)
    );
    assert!(check("<<<element_1>>>", ALL, refs(0, 0, 0)).has("prompt", Rule::PlaceholderDangling));
    assert!(check("<<<element_2>>>", ALL, refs(0, 2, 0)).is_empty());
    assert!(check("<<<video_1>>>", ALL, refs(0, 0, 1)).is_empty());
    assert!(check("<<<video_2>>>", ALL, refs(0, 0, 1)).has("prompt", Rule::PlaceholderDangling));
}

#[test]
fn kinds_are_allowed_per_endpoint() {
    let image_only = &[RefKind::Image, RefKind::Element];
    let v = check("<<<video_1>>>", image_only, refs(0, 0, 1));
    assert!(v.has("prompt", Rule::PlaceholderKind));
    let v = check("<<<image_1>>>", &[], refs(1, 0, 0));
    assert!(v.has("prompt", Rule::PlaceholderKind));
    assert!(v
        .iter()
        .any(|e| e.message.contains("takes no placeholders")));
}

#[test]
fn near_misses_are_reported_with_their_position() {
    let cases: &[(&str, Malformed, usize)] = &[
        ("a <<<image_0>>>", Malformed::BadIndex("0".into()), 2),
        ("<<<img_1>>>", Malformed::UnknownKind("img".into()), 0),
        ("ab <<<image_1>> c", Malformed::Unclosed, 3),
        ("<<<image_x>>>", Malformed::BadIndex("x".into()), 0),
        ("<<<image_01>>>", Malformed::BadIndex("01".into()), 0),
        ("<<<image>>>", Malformed::BadIndex("".into()), 0),
    ];
    for (text, why, at) in cases {
        let segs = parse(text);
        let found = segs.iter().find_map(|s| match s {
            Segment::Malformed(r, m) => Some((r.start, m.clone())),
            _ => None,
        });
        assert_eq!(found, Some((*at, why.clone())), "{text}");
        let v = check(text, ALL, refs(1, 1, 1));
        let e = v
            .iter()
            .find(|e| e.rule == Rule::PlaceholderMalformed)
            .expect(text);
        assert!(
            e.message.contains(&format!("at character {at}")),
            "{}",
            e.message
        );
    }
}

#[test]
fn every_violation_is_reported_not_only_the_first() {
    let v = check(
        "<<<image_3>>> <<<img_1>>> <<<video_1>>>",
        &[RefKind::Image],
        refs(1, 0, 0),
    );
    let rules: Vec<Rule> = v.iter().map(|e| e.rule).collect();
    assert_eq!(
        rules,
        vec![
            Rule::PlaceholderDangling,
            Rule::PlaceholderMalformed,
            Rule::PlaceholderKind
        ]
    );
}

#[test]
fn positions_are_in_characters_and_ranges_in_bytes() {
    let text = "城市<<<image_1>>>";
    let segs = parse(text);
    assert_eq!(segs[0], Segment::Text(0..6));
    assert!(matches!(segs[1], Segment::Placeholder(ref r, _) if *r == (6..text.len())));
    let v = check("城市<<<image_2>>>", ALL, refs(1, 0, 0));
    assert!(v.iter().next().unwrap().message.contains("at character 2"));
    assert_eq!(prompt::utf16_offset(text, 6), 2);
    assert_eq!(prompt::byte_offset(text, 2), 6);
}

#[test]
fn extra_angle_brackets_and_plain_text_survive() {
    let segs = parse("<<<<image_1>>> x");
    assert!(segs
        .iter()
        .any(|s| matches!(s, Segment::Placeholder(r, _) if r.start == 1)));
    assert_eq!(parse("no placeholders"), vec![Segment::Text(0..15)]);
    assert_eq!(parse(""), vec![]);
}

#[test]
fn removing_a_reference_renumbers_the_ones_after_it() {
    let p = "<<<image_1>>> meets <<<image_2>>> under <<<image_3>>>, <<<element_2>>>";
    assert_eq!(
        after_remove(p, RefKind::Image, 2),
        "<<<image_1>>> meets  under <<<image_2>>>, <<<element_2>>>"
    );
    assert_eq!(
        after_remove(p, RefKind::Element, 1),
        "<<<image_1>>> meets <<<image_2>>> under <<<image_3>>>, <<<element_1>>>"
    );
}

#[test]
fn moving_a_reference_keeps_every_placeholder_on_its_item() {
    let p = "<<<image_1>>> <<<image_2>>> <<<image_3>>>";
    // Item 1 moves to position 3: old 2 -> 1, old 3 -> 2, old 1 -> 3.
    assert_eq!(
        after_move(p, RefKind::Image, 1, 3),
        "<<<image_3>>> <<<image_1>>> <<<image_2>>>"
    );
    assert_eq!(
        after_move(p, RefKind::Image, 3, 1),
        "<<<image_2>>> <<<image_3>>> <<<image_1>>>"
    );
    assert_eq!(after_move(p, RefKind::Image, 2, 2), p);
}
