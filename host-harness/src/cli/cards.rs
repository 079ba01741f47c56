//! The subcommands that read the component's card list: `cards` (a table, or JSON), `describe`
//! (one card's metadata and schemas) and `docs` (the Markdown of `docs/cards.md`).

use std::process::ExitCode;

use host_harness::{CardCatalog, Harness, HarnessError};
use serde_json::{Value, json};

use crate::output::{out, outln, pretty};

/// `cards [--json]`.
pub async fn list(harness: &Harness, json: bool) -> anyhow::Result<ExitCode> {
    let catalog = CardCatalog::load(harness).await?;
    print_cards(harness, &catalog, json)?;
    Ok(ExitCode::SUCCESS)
}

/// `describe CARD`.
pub async fn describe(harness: &Harness, card: String) -> anyhow::Result<ExitCode> {
    // An unknown card is reported before the card list is loaded: it needs no guest call.
    let signature = harness.card(&card).ok_or(HarnessError::UnknownCard(card))?;
    let catalog = CardCatalog::load(harness).await?;
    outln!("{}", pretty(&catalog.describe(signature)))?;
    Ok(ExitCode::SUCCESS)
}

/// `docs`.
pub async fn docs(harness: &Harness) -> anyhow::Result<ExitCode> {
    let catalog = CardCatalog::load(harness).await?;
    out!("{}", catalog.markdown(harness.cards()))?;
    Ok(ExitCode::SUCCESS)
}

/// The card list: the component's own metadata for every card it exports.
fn print_cards(harness: &Harness, catalog: &CardCatalog, json: bool) -> anyhow::Result<()> {
    let info = |id: &str| catalog.card(id);
    if json {
        let cards: Vec<Value> = harness
            .cards()
            .iter()
            .map(|card| {
                let mut value = info(&card.id).map_or_else(|| json!({"id": card.id}), |info| info.to_json());
                value["interface"] = json!(card.interface);
                value
            })
            .collect();
        return outln!("{}", pretty(&Value::Array(cards)));
    }
    let rows: Vec<[String; 6]> = harness
        .cards()
        .iter()
        .map(|card| match info(&card.id) {
            Some(info) => [
                card.id.clone(),
                info.category.clone(),
                info.scopes.join(","),
                catalog.clouds.summary(&info.clouds, ","),
                if info.changes_state { "yes" } else { "no" }.to_string(),
                match info.trigger_interval_seconds {
                    Some(_) => format!("{} (polling trigger)", info.label),
                    None => info.label.clone(),
                },
            ],
            // A card the list does not describe (a component built elsewhere) still gets a row.
            None => [card.id.clone(), card.interface_name().to_string(), "?".into(), "?".into(), "?".into(), String::new()],
        })
        .collect();
    let header = ["CARD", "CATEGORY", "SCOPES", "CLOUDS", "CHANGES", "LABEL"];
    let widths: Vec<usize> = (0..6).map(|i| rows.iter().map(|row| row[i].len()).max().unwrap_or(0).max(header[i].len())).collect();
    let line = |cells: [&str; 6]| {
        let text: Vec<String> = cells.iter().zip(&widths).map(|(cell, w)| format!("{cell:w$}")).collect();
        outln!("{}", text.join("  ").trim_end())
    };
    line(header)?;
    for row in &rows {
        line([&row[0], &row[1], &row[2], &row[3], &row[4], &row[5]])?;
    }
    Ok(())
}
