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
