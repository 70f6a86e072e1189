//! Visual Testing component builds name their outcome (`build.status.error`, `failure`,
//! `success`) in a body Sauce Labs does not document: the event stays unknown, and the name is
//! found wherever the body carries it.

mod common;

use proptest::prelude::*;
use sauce_webhooks::testing::JobBuilder;
use sauce_webhooks::{ComponentBuildStatus, Event};
use serde_json::{Value, json};

#[test]
fn a_status_named_at_the_top_is_found_and_the_event_stays_unknown() {
    let event = Event::from_slice(&common::read("visual_component_failure.json")).unwrap();
    assert!(matches!(event, Event::Unknown(_)), "{event:?}");
    assert_eq!(event.component_build_status(), Some(ComponentBuildStatus::Failure));
    assert!(!event.is_failure(), "an unknown event is no failure, whatever it names");
}

#[test]
fn a_status_nested_and_escaped_by_a_relay_is_found_once_whatever_repeats_it() {
    let event = Event::from_slice(&common::read("visual_component_success_relayed.json")).unwrap();
    assert_eq!(event.component_build_status(), Some(ComponentBuildStatus::Success));
}

#[test]
fn two_different_statuses_name_none() {
    let body = json!({"events": ["build.status.failure", "build.status.success"]}).to_string();
    assert_eq!(Event::from_slice(body.as_bytes()).unwrap().component_build_status(), None);
}

#[test]
fn a_name_as_a_key_or_within_longer_text_is_not_a_status() {
    for body in [
        json!({"build.status.error": true}),
        json!({"message": "build.status.error was sent"}),
        json!({"type": "Build.Status.Error"}),
        json!({"type": "build.status.errors"}),
    ] {
        let event = Event::from_slice(body.to_string().as_bytes()).unwrap();
        assert_eq!(event.component_build_status(), None, "{body}");
    }
}

#[test]
fn an_event_of_a_known_kind_names_no_component_status() {
    let job = JobBuilder::new().with_name("build.status.failure").event();
    let body = serde_json::to_vec(&job).unwrap();
    let event = Event::from_slice(&body).unwrap();
    assert!(matches!(event, Event::Job(_)));
    assert_eq!(event.component_build_status(), None);
}

#[test]
fn names_read_back_and_only_success_is_no_failure() {
    for status in ComponentBuildStatus::ALL {
        assert_eq!(ComponentBuildStatus::from_name(status.name()), Some(status));
        assert_eq!(status.is_failure(), status != ComponentBuildStatus::Success);
    }
    assert_eq!(ComponentBuildStatus::from_name("build.status"), None);
}

/// Any JSON without a status name: texts from a pool that holds near misses.
fn value() -> impl Strategy<Value = Value> {
    let texts = prop::sample::select(vec!["build", "build.status", "build.status.", "status", "error", "shop-ui", ""]);
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i32>().prop_map(Value::from),
        texts.prop_map(Value::from)
    ];
    leaf.prop_recursive(4, 32, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::btree_map("[a-z]{1,6}", inner, 0..4)
                .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

/// `value` with `text` put in place of one of its leaves, or beside it, chosen by `seed`.
fn with_text_somewhere(value: Value, text: &str, mut seed: usize) -> Value {
    fn put(value: &mut Value, text: &str, seed: &mut usize) -> bool {
        let children: Vec<&mut Value> = match value {
            Value::Array(items) => items.iter_mut().collect(),
            Value::Object(map) => map.values_mut().collect(),
            _ => Vec::new(),
        };
        let count = children.len();
        for child in children {
            if !seed.is_multiple_of(count + 1) && put(child, text, seed) {
                return true;
            }
        }
        *seed /= 2;
        match value {
            Value::Array(items) => items.push(Value::from(text)),
            Value::Object(map) => {
                map.insert("status_name".to_owned(), Value::from(text));
            }
            leaf => *leaf = Value::from(text),
        }
        true
    }
    let mut root = Value::Object([("wrapped".to_owned(), value)].into_iter().collect());
    put(&mut root, text, &mut seed);
    root
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn a_body_naming_no_status_names_none(value in value()) {
        let body = json!({"notification": value}).to_string();
        let event = Event::from_slice(body.as_bytes()).unwrap();
        prop_assert_eq!(event.component_build_status(), None);
    }

    #[test]
    fn a_status_put_anywhere_is_found(value in value(), which in 0usize..3, seed in any::<usize>()) {
        let status = ComponentBuildStatus::ALL[which];
        let body = with_text_somewhere(value, status.name(), seed).to_string();
        let event = Event::from_slice(body.as_bytes()).unwrap();
        prop_assert_eq!(event.component_build_status(), Some(status), "{}", body);
    }
}
