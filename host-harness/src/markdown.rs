//! `docs/cards.md`, rendered from the card list and the cards' WIT types: the card reference a
//! person reads, kept current by a test that compares it with the component.

use serde_json::Value;
use wasmtime::component::types::Type;

use crate::cards::CardSignature;
use crate::catalog::CardCatalog;
use crate::schema::{describe_type, schema_with_docs};
use crate::values::json_name;

impl CardCatalog {
    /// `docs/cards.md`: every card with what it does, endpoints, scopes, clouds, input and output
    /// fields, and its example. Regenerate with `databricks-account docs > docs/cards.md`.
    pub fn markdown(&self, signatures: &[CardSignature]) -> String {
        let mut md = String::new();
        md.push_str("# Cards\n\n");
        md.push_str(
            "<!-- Generated from the component's card list (wit/ doc comments). Do not edit: run\n     \
             `cargo run -p host-harness -- docs > docs/cards.md` -->\n\n",
        );
        md.push_str(&format!(
            "{} cards. Each takes a connection and the input below, and returns the output or a `card-error`. \
             JSON keys are the WIT names in snake_case; `describe CARD` prints full JSON Schemas.\n\n",
            self.cards.len()
        ));
        let mut categories: Vec<&str> = Vec::new();
        for card in &self.cards {
            if !categories.contains(&card.category.as_str()) {
                categories.push(&card.category);
            }
        }
        for category in &categories {
            md.push_str(&format!("- [{category}](#{category})\n"));
        }
        for category in categories {
            md.push_str(&format!("\n## {category}\n\n| card | does | scope | clouds | changes state |\n|---|---|---|---|---|\n"));
            let in_category = self.cards.iter().filter(|c| c.category == category);
            for card in in_category.clone() {
                md.push_str(&format!(
                    "| [`{}`](#{}) | {} | {} | {} | {} |\n",
                    card.id,
                    card.id,
                    first_sentence(&card.description).replace('|', "\\|"),
                    card.scopes.join(", "),
                    self.clouds.summary(&card.clouds, ", "),
                    if card.changes_state { "yes" } else { "no" },
                ));
            }
            for card in in_category {
                md.push_str(&format!("\n### {}\n\n**{}.** {}\n\n", card.id, card.label, card.description));
                for endpoint in &card.endpoints {
                    md.push_str(&format!("- Endpoint: `{endpoint}`\n"));
                }
                md.push_str(&format!("- Scope: {}\n", card.scopes.iter().map(|s| format!("`{s}`")).collect::<Vec<_>>().join(", ")));
                md.push_str(&format!("- Clouds: {}\n", self.clouds.summary(&card.clouds, ", ")));
                md.push_str(&format!("- Changes state: {}\n", if card.changes_state { "yes" } else { "no" }));
                md.push_str(&format!("- Rate class: `{}`\n", card.rate_class));
                if let Some(seconds) = card.trigger_interval_seconds {
                    md.push_str(&format!(
                        "- **Polling trigger:** run it on a schedule, no more often than every {}; pass each run's `next_cursor` as the next run's `cursor`\n",
                        interval(seconds)
                    ));
                }
                if let Some(if_exists) = &card.if_exists {
                    md.push_str(&format!("- If it exists already: {if_exists}\n"));
                }
                if let Some(impact) = &card.security_impact {
                    md.push_str(&format!("- **Security impact:** {impact}\n"));
                }
                if !card.auth.is_empty() {
                    md.push_str(&format!("- Connection: {}\n", card.auth.iter().map(|a| format!("`{a}`")).collect::<Vec<_>>().join(", ")));
                }
                let signature = signatures.iter().find(|s| s.id == card.id);
                let input = signature.and_then(|s| s.input_type().cloned());
                let output = signature.and_then(|s| s.output_type());
                self.fields_table(&mut md, "Input", input.as_ref(), card.input_type.as_deref());
                self.fields_table(&mut md, "Output", output.as_ref(), card.output_type.as_deref());
                md.push_str(&format!(
                    "\nExample input:\n\n```json\n{}\n```\n",
                    serde_json::to_string_pretty(&card.example_input).unwrap_or_default()
                ));
            }
        }
        md
    }

    fn fields_table(&self, md: &mut String, title: &str, ty: Option<&Type>, name: Option<&str>) {
        let (Some(ty), Some(name)) = (ty, name) else { return };
        let schema = schema_with_docs(ty, Some(name), &self.types);
        let type_name = name.rsplit('/').next().unwrap_or(name);
        md.push_str(&format!("\n{title} (`{type_name}`):\n\n"));
        let Some(properties) = schema["properties"].as_object() else {
            md.push_str(&format!("{}\n", describe_type(ty, 1)));
            return;
        };
        if properties.is_empty() {
            md.push_str("(no fields)\n");
            return;
        }
        let required: Vec<&str> = schema["required"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
        md.push_str("| field | type | required | description |\n|---|---|---|---|\n");
        let Type::Record(record) = ty else { return };
        let members = self.types.resolve(name).map(|doc| doc.members).unwrap_or_default();
        for field in record.fields() {
            let key = json_name(field.name);
            let member = members.iter().find(|m| m.name == field.name);
            let mut description = properties[&key]["description"].as_str().unwrap_or("").to_string();
            if let Some(checks) = member.and_then(|m| m.checks.as_ref()) {
                description = format!("{description} Accepts: {}.", crate::schema::checks_text(&field.ty, checks)).trim().to_string();
            }
            if let Some(options) = member.and_then(|m| m.options.as_ref()) {
                let o = options.to_json();
                description = format!(
                    "{description} Choices: `{}` (value `{}`, label `{}`).",
                    options.card,
                    o["value"].as_str().unwrap_or(""),
                    o["label"].as_str().unwrap_or("")
                );
            }
            // A named record or variant shows its WIT name (`option<page-selection>`).
            let mut rendered = describe_type(&field.ty, 0);
            let type_ref = member.and_then(|m| m.type_ref.as_deref());
            if let Some(short) = type_ref.and_then(|r| r.rsplit('/').next()) {
                for anonymous in ["record { … }", "variant { … }"] {
                    rendered = rendered.replacen(anonymous, short, 1);
                }
            }
            md.push_str(&format!(
                "| `{key}` | `{}` | {} | {} |\n",
                rendered.replace('|', "\\|"),
                if required.contains(&key.as_str()) { "yes" } else { "no" },
                description.replace('|', "\\|").replace('\n', " "),
            ));
        }
    }
}

/// A description's first sentence, for the one-line summary in each category's table.
fn first_sentence(text: &str) -> &str {
    let paragraph = text.split("\n\n").next().unwrap_or(text);
    match paragraph.find(". ") {
        Some(end) => &paragraph[..=end],
        None => paragraph,
    }
}

/// An interval in the unit a person schedules by (`5 minutes`, `1 hour`).
fn interval(seconds: i64) -> String {
    let (amount, unit) = match seconds {
        s if s % 3_600 == 0 => (s / 3_600, "hour"),
        s if s % 60 == 0 => (s / 60, "minute"),
        s => (s, "second"),
    };
    if amount == 1 { format!("1 {unit}") } else { format!("{amount} {unit}s") }
}
