//! The card list the component exports (`databricks:account/cards`): every card has its
//! metadata, the list matches the cards the harness discovers, every example input runs
//! against the fake account, and `docs/cards.md` is generated from it.
#![cfg(feature = "cli")]

use fake_account::{FakeAccount, FakeConfig, Seed};
use host_harness::{CardCatalog, CardOutcome, Harness, RunOptions};
use serde_json::json;

async fn catalog() -> (Harness, CardCatalog) {
    let harness = Harness::embedded().expect("the embedded component loads");
    let catalog = CardCatalog::load(&harness).await.expect("list-cards and type-docs answer");
    (harness, catalog)
}

#[tokio::test(flavor = "multi_thread")]
async fn the_card_list_covers_exactly_the_discovered_cards() {
    let (harness, catalog) = catalog().await;
    let discovered: Vec<&str> = harness.cards().iter().map(|c| c.id.as_str()).collect();
    let listed: Vec<&str> = catalog.cards.iter().map(|c| c.id.as_str()).collect();
    assert!(listed.len() >= 63, "{listed:?}");
    assert_eq!(discovered, listed, "the harness's cards and the component's card list differ");
    assert!(harness.card("list-cards").is_none(), "list-cards takes no connection: it is not a card");
    assert!(harness.card("type-docs").is_none());
    for card in &catalog.cards {
        assert!(!card.label.is_empty() && !card.description.is_empty(), "{}", card.id);
        assert!(!card.scopes.is_empty() && !card.clouds.is_empty(), "{}", card.id);
        assert_eq!(harness.card(&card.id).unwrap().interface_name(), card.category, "{}", card.id);
        assert!(card.example_input.is_object(), "{}", card.id);
    }
    let get_user = catalog.card("get-user").unwrap();
    assert_eq!(get_user.scopes, ["scim"]);
    assert_eq!(get_user.endpoints, ["GET /accounts/{account_id}/scim/v2/Users/{id}"]);
    assert!(!get_user.changes_state);
    assert!(catalog.card("delete-user").unwrap().changes_state);
    let log_delivery = catalog.card("list-log-delivery-configs").unwrap();
    assert!(!log_delivery.clouds.contains(&"azure".to_string()), "{:?}", log_delivery.clouds);
}

/// The host's `CardInfo` reads the component's `card-info` records: a field added to `cards.wit`
/// that the host does not carry fails here (the guest's side is checked by its build).
#[tokio::test(flavor = "multi_thread")]
async fn the_hosts_card_info_has_every_field_of_the_components_card_info() {
    use wasmtime::component::types::{ComponentItem, Type};
    let (harness, catalog) = catalog().await;
    let engine = harness.engine();
    let component_type = harness.component().component_type();
    let (_, cards) = component_type.exports(engine).find(|(name, _)| name.starts_with(host_harness::CARD_LIST_INTERFACE)).unwrap();
    let ComponentItem::ComponentInstance(cards) = cards.ty else { panic!("`cards` is an instance") };
    let (_, list) = cards.exports(engine).find(|(name, _)| *name == "list-cards").unwrap();
    let ComponentItem::ComponentFunc(list) = list.ty else { panic!("list-cards is a function") };
    let Some(Type::List(items)) = list.results().next() else { panic!("list-cards returns a list") };
    let Type::Record(record) = items.ty() else { panic!("of records") };
    let fields: Vec<String> = record.fields().map(|f| f.name.replace('-', "_")).collect();
    let keys: Vec<String> = catalog.cards[0].to_json().as_object().unwrap().keys().cloned().collect();
    let mut sorted = fields.clone();
    sorted.sort();
    assert_eq!(keys, sorted, "CardInfo::to_json and the component's card-info record differ");
}

#[tokio::test(flavor = "multi_thread")]
async fn describe_gives_schemas_with_descriptions_from_the_wit_doc_comments() {
    let (harness, catalog) = catalog().await;
    let described = catalog.describe(harness.card("get-user").unwrap());
    assert_eq!(described["label"], "Get user");
    assert_eq!(described["example_input"]["id"], fake_account::example_ids::ADA);
    let input = &described["input"];
    assert_eq!(input["required"], json!(["id"]));
    assert_eq!(input["properties"]["id"]["description"], "The user's SCIM ID.");
    let output = &described["output"];
    assert!(output["description"].as_str().unwrap().contains("A user of the account"), "{output}");
    // Through a list of a named record: `emails: list<email>` → the email record's fields.
    let email = &output["properties"]["emails"]["items"];
    assert_eq!(email["properties"]["value"]["description"], "The address.");
    // Through an option of a named record, and an alias (`use types.{...}`).
    assert!(output["properties"]["name"]["description"].as_str().is_some());
    let list = catalog.describe(harness.card("list-users").unwrap());
    assert!(list["input"]["properties"]["filter"]["description"].as_str().is_some(), "{}", list["input"]);
    let error = &described["error"];
    assert!(error["oneOf"][0]["description"].as_str().is_some(), "{error}");
}

/// Every card's example runs, as the card list advertises it, against a fresh fake account with
/// the Examples seed (the Demo account plus fixed-ID objects; `databricks-account fake` serves it).
#[tokio::test(flavor = "multi_thread")]
async fn every_card_example_runs_against_the_fake_account() {
    let (harness, catalog) = catalog().await;
    let mut failures = Vec::new();
    for card in &catalog.cards {
        let config = FakeConfig { seed: Seed::Examples, ..FakeConfig::default() };
        let fake = FakeAccount::start(config).await.expect("the fake account starts");
        // The card's first `@auth` case (JSON names: `oauth_u2m`), else M2M.
        let auth = card.auth.first().map(|a| a.replace('_', "-"));
        let connection = fake_account::example_ids::connection(&fake, auth.as_deref());
        let outcome = harness.run(&card.id, &connection, &card.example_input, &RunOptions::default()).await;
        match outcome {
            Ok(CardOutcome::Ok(_)) => {}
            Ok(CardOutcome::Err(error)) => failures.push(format!("{}: {} → card error {error}", card.id, card.example_input)),
            Err(error) => failures.push(format!("{}: {} → harness error {error}", card.id, card.example_input)),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} card examples fail against the Examples seed (fix the `@example` line in wit/, see wit/README.md):\n{}",
        failures.len(),
        catalog.cards.len(),
        failures.join("\n")
    );
}

/// Every `x-options` annotation of a schema below `schema`, with the JSON path of its field.
fn pickers(schema: &serde_json::Value, path: &str, found: &mut Vec<(String, serde_json::Value)>) {
    use serde_json::Value;
    if let Some(options) = schema.get("x-options") {
        found.push((path.to_string(), options.clone()));
    }
    if let Some(Value::Object(properties)) = schema.get("properties") {
        for (key, property) in properties {
            pickers(property, &format!("{path}.{key}"), found);
        }
    }
    for key in ["items", "additionalProperties"] {
        if let Some(inner) = schema.get(key).filter(|v| v.is_object()) {
            pickers(inner, &format!("{path}[]"), found);
        }
    }
    for key in ["anyOf", "oneOf"] {
        for inner in schema.get(key).and_then(Value::as_array).into_iter().flatten() {
            pickers(inner, path, found);
        }
    }
}

/// Every picker (`@options`) resolves against the fake account: its card runs with an empty
/// input and lists objects that all have the value and the label; and where the card's own
/// example names the field, the example's value is one of the choices.
#[tokio::test(flavor = "multi_thread")]
async fn every_picker_lists_its_choices_from_the_fake_account() {
    use serde_json::Value;
    let (harness, catalog) = catalog().await;
    let mut all = Vec::new();
    for card in &catalog.cards {
        let described = catalog.describe(harness.card(&card.id).unwrap());
        let mut found = Vec::new();
        pickers(&described["input"], "input", &mut found);
        all.extend(found.into_iter().map(|(path, options)| (card.id.clone(), card.example_input.clone(), path, options)));
    }
    assert!(all.len() >= 100, "{} picker fields", all.len());
    let fake = FakeAccount::start(FakeConfig { seed: Seed::Examples, ..FakeConfig::default() }).await.unwrap();
    let connection = fake_account::example_ids::connection(&fake, None);
    let mut choices: std::collections::HashMap<String, Vec<Value>> = std::collections::HashMap::new();
    let mut failures = Vec::new();
    for (card, example, path, options) in &all {
        let (source, items, value, label) = (&options["card"], &options["items"], &options["value"], &options["label"]);
        let source = source.as_str().unwrap();
        let values = match choices.get(source) {
            Some(values) => values.clone(),
            None => {
                let listed = match harness.run(source, &connection, &json!({}), &RunOptions::default()).await {
                    Ok(CardOutcome::Ok(output)) => output,
                    other => {
                        failures.push(format!("{card} {path}: {source} with {{}} → {other:?}"));
                        continue;
                    }
                };
                let items = items.as_str().unwrap();
                let objects = if items.is_empty() { &listed } else { &listed[items] };
                let objects = objects.as_array().cloned().unwrap_or_default();
                if objects.is_empty() {
                    failures.push(format!("{card} {path}: {source} lists nothing in `{items}` on the Examples seed"));
                }
                let (value, label) = (value.as_str().unwrap(), label.as_str().unwrap());
                for object in &objects {
                    if object[value].is_null() || object[label].is_null() {
                        failures.push(format!("{card} {path}: an object of {source} lacks `{value}` or `{label}`: {object}"));
                    }
                }
                let values: Vec<Value> = objects.iter().map(|o| o[value].clone()).collect();
                choices.insert(source.to_string(), values.clone());
                values
            }
        };
        // A top-level field the example sets: its value (each value, for a list) is a choice.
        let key = path.strip_prefix("input.").filter(|k| !k.contains(['.', '[']));
        let given = key.map(|k| &example[k]).filter(|v| !v.is_null());
        let wanted: Vec<&Value> = match given {
            Some(Value::Array(items)) => items.iter().collect(),
            Some(one) => vec![one],
            None => Vec::new(),
        };
        let as_text = |v: &Value| v.as_str().map_or_else(|| v.to_string(), str::to_string);
        for one in wanted {
            if !values.iter().any(|v| as_text(v) == as_text(one)) {
                failures.push(format!("{card} {path}: the example's {one} is not among the {} choices of {source}", values.len()));
            }
        }
    }
    assert!(failures.is_empty(), "{} of {} pickers fail:\n{}", failures.len(), all.len(), failures.join("\n"));
}

/// `docs/cards.md` is generated from the card list; a stale copy fails here.
#[tokio::test(flavor = "multi_thread")]
async fn docs_cards_md_is_up_to_date() {
    let (harness, catalog) = catalog().await;
    let generated = catalog.markdown(harness.cards());
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/cards.md");
    if std::env::var_os("UPDATE_DOCS").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "docs/cards.md is stale. Regenerate it with:\n    cargo run -p host-harness -- docs > docs/cards.md\n(or UPDATE_DOCS=1 cargo test -p host-harness --test card_list)"
    );
    for card in &catalog.cards {
        assert!(generated.contains(&format!("### {}\n", card.id)), "{}", card.id);
    }
}
