//! `write-js-catalog DIR`: what the npm package (`js/`) ships besides the transpiled component,
//! read off the component itself so the package holds no card by name:
//! - `catalog.json`: every card as `describe` prints it (metadata, input and output schemas with
//!   the WIT docs), with the connection and error schemas and the clouds' account hosts once;
//! - `signatures.json`: each card's export and parameter types as type trees
//!   ([`host_harness::type_tree`]), for the package's JSON ⇄ jco codec.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use host_harness::type_tree::{TypeTable, card_signature};
use host_harness::{CardCatalog, Harness};
use serde_json::{Map, Value, json};

/// Writes both files into `dir` (created when missing).
pub async fn write(harness: &Harness, dir: &Path) -> anyhow::Result<ExitCode> {
    let catalog = CardCatalog::load(harness).await?;
    let mut cards = Vec::new();
    let (mut connection, mut error) = (Value::Null, Value::Null);
    let mut table = TypeTable::default();
    let mut signatures = Map::new();
    for card in harness.cards() {
        let mut described = catalog.describe(card);
        // The same two schemas for every card: written once, at the top.
        if let Some(object) = described.as_object_mut() {
            connection = object.remove("connection").unwrap_or(Value::Null);
            error = object.remove("error").unwrap_or(Value::Null);
        }
        cards.push(described);
        signatures.insert(card.id.clone(), card_signature(card, &mut table));
    }
    let clouds: Vec<Value> =
        catalog.clouds.clouds().map(|cloud| json!({"cloud": cloud, "account_host": catalog.clouds.host(cloud)})).collect();
    let catalog_json = json!({"cards": cards, "connection": connection, "error": error, "clouds": clouds});
    let signatures_json = json!({"cards": signatures, "types": table.into_types()});
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    for (name, value) in [("catalog.json", &catalog_json), ("signatures.json", &signatures_json)] {
        let path = dir.join(name);
        std::fs::write(&path, serde_json::to_vec(value)?).with_context(|| format!("cannot write {}", path.display()))?;
    }
    eprintln!("wrote catalog.json and signatures.json ({} cards) to {}", harness.cards().len(), dir.display());
    Ok(ExitCode::SUCCESS)
}
