//! Property tests of the JSON ⇄ WIT mapping over the component's own types, and of the
//! cards on arbitrary well-typed inputs: arbitrary JSON maps or is refused with a path,
//! well-typed JSON round-trips exactly, and a card run on any well-typed input ends in
//! an output or a card error, never a trap, a panic or a hang.

use host_harness::values::{json_name, json_to_val, val_to_json};
use host_harness::{CardOutcome, Harness, HarnessError, RunOptions};
use proptest::prelude::*;
use proptest::strategy::Union;
use serde_json::{Map, Value, json};
use std::time::Duration;
use wasmtime::component::Type;

fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(Value::from),
        ".{0,20}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map("[a-z_]{1,16}", inner, 0..6).prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Strings a validator must survive: empty, unicode, path tricks, control characters, long.
fn tricky_string() -> BoxedStrategy<Value> {
    prop_oneof![
        ".{0,24}",
        Just(String::new()),
        Just("../../x".to_string()),
        Just("12/34?a=b#c".to_string()),
        Just("\u{0}\u{7}\n\t".to_string()),
        Just("x".repeat(5000)),
        "[0-9]{1,25}",
        "[a-z]{1,8}@[a-z]{1,8}\\.com",
    ]
    .prop_map(Value::String)
    .boxed()
}

/// JSON that fits `ty` by construction.
fn well_typed(ty: &Type) -> BoxedStrategy<Value> {
    match ty {
        Type::Bool => any::<bool>().prop_map(Value::Bool).boxed(),
        Type::U8 => any::<u8>().prop_map(Value::from).boxed(),
        Type::U16 => any::<u16>().prop_map(Value::from).boxed(),
        Type::U32 => any::<u32>().prop_map(Value::from).boxed(),
        Type::U64 => any::<u64>().prop_map(Value::from).boxed(),
        Type::S32 => any::<i32>().prop_map(Value::from).boxed(),
        Type::S64 => any::<i64>().prop_map(Value::from).boxed(),
        Type::String => tricky_string(),
        Type::List(list) => prop::collection::vec(well_typed(&list.ty()), 0..4).prop_map(Value::Array).boxed(),
        Type::Option(option) => prop_oneof![Just(Value::Null), well_typed(&option.ty())].boxed(),
        Type::Enum(e) => {
            let names: Vec<Value> = e.names().map(|n| Value::String(json_name(n))).collect();
            prop::sample::select(names).boxed()
        }
        Type::Variant(variant) => Union::new(variant.cases().map(|case| {
            let name = json_name(case.name);
            match case.ty {
                Some(payload) => well_typed(&payload).prop_map(move |p| json!({ name.clone(): p })).boxed(),
                None => Just(Value::String(name)).boxed(),
            }
        }))
        .boxed(),
        Type::Record(record) => {
            let fields: Vec<BoxedStrategy<(String, Value)>> = record
                .fields()
                .map(|field| {
                    let name = json_name(field.name);
                    well_typed(&field.ty).prop_map(move |v| (name.clone(), v)).boxed()
                })
                .collect();
            fields.prop_map(|pairs| Value::Object(pairs.into_iter().collect::<Map<_, _>>())).boxed()
        }
        Type::Tuple(tuple) => {
            let items: Vec<BoxedStrategy<Value>> = tuple.types().map(|ty| well_typed(&ty)).collect();
            items.prop_map(Value::Array).boxed()
        }
        other => panic!("no generator for {other:?}: extend well_typed"),
    }
}

/// A runner for one card: a runner counts its cases across `run` calls, so each card gets
/// its own. Failures are reported in the test output, not persisted to files.
fn config(cases: u32) -> proptest::test_runner::TestRunner {
    proptest::test_runner::TestRunner::new(ProptestConfig { cases, failure_persistence: None, ..ProptestConfig::default() })
}

fn harness() -> Harness {
    // Unpaced: these thousands of runs of one account test inputs, not the account's limits, and
    // paced at Databricks' rates (SCIM PATCH 2/s) they would wait minutes for their slots.
    let config = host_harness::HarnessConfig { pacing: None, ..host_harness::HarnessConfig::default() };
    Harness::with_config(host_harness::EMBEDDED_COMPONENT, &config).expect("the embedded component loads")
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_json_maps_or_is_refused_with_a_path(json in any_json()) {
        let harness = harness();
        for card in harness.cards() {
            for (ty, root) in [(card.input_type(), "input"), (card.connection_type(), "connection")] {
                let Some(ty) = ty else { continue };
                match json_to_val(&json, ty, root) {
                    Ok(val) => {
                        let back = val_to_json(&val, ty, root).expect("a mapped value maps back");
                        prop_assert_eq!(json_to_val(&back, ty, root).expect("and again"), val);
                    }
                    Err(error) => prop_assert!(error.to_string().starts_with(root), "{error}"),
                }
            }
        }
    }
}

#[test]
fn well_typed_json_round_trips_exactly() {
    let harness = harness();
    for card in harness.cards() {
        let ty = card.input_type().expect("every card takes an input");
        config(64)
            .run(&well_typed(ty), |json| {
                let val = json_to_val(&json, ty, "input").map_err(|e| TestCaseError::fail(format!("{}: {e}: {json}", card.id)))?;
                let back = val_to_json(&val, ty, "input").expect("maps back");
                prop_assert_eq!(json_to_val(&back, ty, "input").expect("and again"), val);
                Ok(())
            })
            .unwrap_or_else(|failure| panic!("{}: {failure}", card.id));
    }
}

/// A loopback origin where nothing listens: every request fails fast with "refused".
fn closed_origin() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    format!("http://127.0.0.1:{port}")
}

#[test]
fn every_card_survives_arbitrary_well_typed_inputs() {
    let harness = harness();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let m2m =
        json!({"oauth_m2m": {"client_id": "c", "client_secret": "s", "scopes": null, "service_principal_id": null, "secret_id": null}});
    // Cards that work only with U2M (the login cards) get a U2M connection: an M2M one would
    // only ever be `unsupported`, which tells nothing about their inputs.
    let u2m = json!({"oauth_u2m": {"client_id": "c", "client_secret": null, "refresh_token": "r", "access_token": "a",
                                   "access_token_expires_at": null, "scopes": null}});
    let catalog = runtime.block_on(host_harness::CardCatalog::load(&harness)).expect("the card list loads");
    let connection_for = |card: &str| {
        let auth = catalog.card(card).map(|info| info.auth.clone()).unwrap_or_default();
        let needs_u2m = !auth.is_empty() && !auth.iter().any(|a| a.replace('_', "-") == "oauth-m2m");
        json!({
            "cloud": "aws",
            "account_id": "6a1f6d0e-2f4c-4d8b-9c39-0f5e7a1b2c3d",
            "auth": if needs_u2m { u2m.clone() } else { m2m.clone() },
            "host_override": closed_origin(),
            "policy": {"retry_budget_ms": 0, "connect_timeout_ms": 500, "response_timeout_ms": 500},
        })
    };
    let options = RunOptions::default().with_time_limit(Duration::from_secs(10));
    let runs = std::cell::Cell::new(0usize);
    for card in harness.cards() {
        let connection = connection_for(&card.id);
        let ty = card.input_type().expect("every card takes an input").clone();
        config(24)
            .run(&well_typed(&ty), |input| {
                let outcome = runtime.block_on(harness.run(&card.id, &connection, &input, &options));
                match outcome {
                    Ok(CardOutcome::Ok(_)) => {}
                    Ok(CardOutcome::Err(error)) => {
                        let case = error.as_object().and_then(|o| o.keys().next().cloned()).unwrap_or_default();
                        prop_assert!(["invalid_input", "transport"].contains(&case.as_str()), "{}: {error}", card.id);
                    }
                    Err(error @ (HarnessError::Trap { .. } | HarnessError::TimeLimit(_) | HarnessError::MemoryLimit(_))) => {
                        return Err(TestCaseError::fail(format!("{}: {error} on {input}", card.id)));
                    }
                    Err(other) => return Err(TestCaseError::fail(format!("{}: harness refused well-typed input: {other}", card.id))),
                }
                runs.set(runs.get() + 1);
                Ok(())
            })
            .unwrap_or_else(|failure| panic!("{failure}"));
    }
    assert!(runs.get() >= harness.cards().len() * 24, "{} runs", runs.get());
}
