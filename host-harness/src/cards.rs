//! Card discovery from the component's own exports: every function of every exported
//! `databricks:account/*` interface is a card, named by the function (`list-users`).
//! The harness knows no card by name.

use serde_json::{Value, json};
use wasmtime::Engine;
use wasmtime::component::types::{ComponentFunc, ComponentItem, Type};
use wasmtime::component::{Component, ComponentExportIndex};

use crate::schema::{describe_type, document};

/// Exported interfaces whose functions are cards: the connector's own package.
pub const CARD_PACKAGE_PREFIX: &str = "databricks:account/";

/// Parameter names that carry the connection (`conn` in our WIT).
const CONNECTION_PARAMS: &[&str] = &["conn", "connection"];
/// The parameter name that carries the card's input.
const INPUT_PARAM: &str = "input";

/// What a parameter of a card function carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ParamRole {
    Connection,
    Input,
}

/// One card: an exported function, its interface and its types, as the component declares them.
#[derive(Clone, Debug)]
pub struct CardSignature {
    /// The card's identifier: the function name (`list-users`).
    pub id: String,
    /// The exported interface it belongs to (`databricks:account/identity@0.1.0`).
    pub interface: String,
    /// A short WIT-like rendering of the input type (`record { id: string }`), or `none`.
    pub input_description: String,
    pub(crate) params: Vec<(String, Type, ParamRole)>,
    pub(crate) result: Option<Type>,
    pub(crate) export: ComponentExportIndex,
}

impl CardSignature {
    /// The interface name without package and version (`identity`).
    pub fn interface_name(&self) -> &str {
        let name = self.interface.rsplit('/').next().unwrap_or(&self.interface);
        name.split('@').next().unwrap_or(name)
    }

    /// The type of the `input` parameter, when the card takes one.
    pub fn input_type(&self) -> Option<&Type> {
        self.param(ParamRole::Input)
    }

    /// The type of the connection parameter, when the card takes one.
    pub fn connection_type(&self) -> Option<&Type> {
        self.param(ParamRole::Connection)
    }

    /// The type of a successful result: the `ok` of `result<ok, error>`, or the whole result
    /// type when the function does not return a `result`.
    pub fn output_type(&self) -> Option<Type> {
        match &self.result {
            Some(Type::Result(result)) => result.ok(),
            other => other.clone(),
        }
    }

    /// The type of the card's error: the `err` of `result<ok, error>`.
    pub fn error_type(&self) -> Option<Type> {
        match &self.result {
            Some(Type::Result(result)) => result.err(),
            _ => None,
        }
    }

    /// JSON Schemas of the card's input, connection, output and error.
    pub fn describe(&self) -> Value {
        let schema = |ty: Option<&Type>| ty.map_or(Value::Null, document);
        json!({
            "card": self.id,
            "interface": self.interface,
            "input": schema(self.input_type()),
            "connection": schema(self.connection_type()),
            "output": schema(self.output_type().as_ref()),
            "error": schema(self.error_type().as_ref()),
        })
    }

    fn param(&self, role: ParamRole) -> Option<&Type> {
        self.params.iter().find(|(_, _, r)| *r == role).map(|(_, ty, _)| ty)
    }
}

/// Lists the cards the component exports, in export order.
pub(crate) fn discover(engine: &Engine, component: &Component) -> anyhow::Result<Vec<CardSignature>> {
    let mut cards: Vec<CardSignature> = Vec::new();
    let component_type = component.component_type();
    for (interface, item) in component_type.exports(engine) {
        // The card list (`cards#list-cards`, `cards#type-docs`) describes the cards; it is not one.
        if !interface.starts_with(CARD_PACKAGE_PREFIX) || interface.starts_with(&format!("{CARD_LIST_INTERFACE}@")) {
            continue;
        }
        let ComponentItem::ComponentInstance(instance) = &item.ty else {
            continue;
        };
        let interface_index =
            component.get_export_index(None, interface).ok_or_else(|| anyhow::anyhow!("export `{interface}` has no index"))?;
        for (name, item) in instance.exports(engine) {
            let ComponentItem::ComponentFunc(func) = &item.ty else {
                continue;
            };
            let Some(params) = classify_params(interface, name, func) else {
                continue;
            };
            if let Some(existing) = cards.iter().find(|card| card.id == name) {
                tracing::warn!(
                    card = name,
                    interface,
                    first = %existing.interface,
                    "two interfaces export a function of this name; keeping the first"
                );
                continue;
            }
            let export = component
                .get_export_index(Some(&interface_index), name)
                .ok_or_else(|| anyhow::anyhow!("export `{interface}#{name}` has no index"))?;
            let input_description = params
                .iter()
                .find(|(_, _, role)| *role == ParamRole::Input)
                .map_or_else(|| "none".to_string(), |(_, ty, _)| describe_type(ty, 1));
            let mut results = func.results();
            let result = results.next();
            if results.next().is_some() {
                tracing::warn!(card = name, interface, "function returns several values; not a card");
                continue;
            }
            cards.push(CardSignature { id: name.to_string(), interface: interface.to_string(), input_description, params, result, export });
        }
    }
    Ok(cards)
}

/// Gives each parameter its role, or `None` (with a warning) when the function is not card-shaped.
fn classify_params(interface: &str, name: &str, func: &ComponentFunc) -> Option<Vec<(String, Type, ParamRole)>> {
    let mut params = Vec::new();
    for (param, ty) in func.params() {
        let role = if CONNECTION_PARAMS.contains(&param) {
            ParamRole::Connection
        } else if param == INPUT_PARAM {
            ParamRole::Input
        } else {
            tracing::warn!(card = name, interface, param, "unexpected parameter; not a card");
            return None;
        };
        if params.iter().any(|(_, _, r)| *r == role) {
            tracing::warn!(card = name, interface, param, "duplicate parameter role; not a card");
            return None;
        }
        params.push((param.to_string(), ty, role));
    }
    Some(params)
}

/// The interface that holds the card list (`databricks:account/cards@<version>`).
pub const CARD_LIST_INTERFACE: &str = "databricks:account/cards";

/// What the component says about one card (`databricks:account/cards#list-cards`): generated at
/// compile time from the card's WIT doc comment (see `wit/README.md`).
#[derive(Clone, Debug, PartialEq)]
pub struct CardInfo {
    /// The card's identifier (`list-users`).
    pub id: String,
    /// A short title (`List users`).
    pub label: String,
    /// What the card does.
    pub description: String,
    /// The family, its interface (`identity`).
    pub category: String,
    /// The Databricks endpoints it calls (`GET /accounts/{account_id}/scim/v2/Users`).
    pub endpoints: Vec<String>,
    /// OAuth scopes it needs.
    pub scopes: Vec<String>,
    /// Clouds it works on (`aws`, `azure`, `gcp`, `aws_gov`, `aws_gov_dod`).
    pub clouds: Vec<String>,
    /// Whether it creates, changes or deletes something.
    pub changes_state: bool,
    /// An input that runs against the fake account (its Examples seed).
    pub example_input: Value,
    /// The `auth` cases of the connection the card works with (`oauth_u2m`, ...); empty: any.
    pub auth: Vec<String>,
    /// The input type (`identity/list-users-input`).
    pub input_type: Option<String>,
    /// The output type (`identity/user-list`).
    pub output_type: Option<String>,
}

impl CardInfo {
    fn from_json(v: &Value) -> anyhow::Result<CardInfo> {
        let text = |key: &str| v[key].as_str().unwrap_or_default().to_string();
        let list =
            |key: &str| -> Vec<String> { v[key].as_array().into_iter().flatten().filter_map(|s| s.as_str().map(str::to_string)).collect() };
        let example = text("example_input");
        let example_input = serde_json::from_str(&example)
            .map_err(|err| anyhow::anyhow!("card `{}`: example input is not JSON ({err}): {example}", text("id")))?;
        Ok(CardInfo {
            id: text("id"),
            label: text("label"),
            description: text("description"),
            category: text("category"),
            endpoints: list("endpoints"),
            scopes: list("scopes"),
            clouds: list("clouds"),
            changes_state: v["changes_state"].as_bool().unwrap_or(false),
            example_input,
            auth: list("auth"),
            input_type: v["input_type"].as_str().map(str::to_string),
            output_type: v["output_type"].as_str().map(str::to_string),
        })
    }

    /// The JSON form (the CLI's `cards --json`).
    pub fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "label": self.label,
            "description": self.description,
            "category": self.category,
            "endpoints": self.endpoints,
            "scopes": self.scopes,
            "clouds": self.clouds,
            "changes_state": self.changes_state,
            "example_input": self.example_input,
            "auth": self.auth,
            "input_type": self.input_type,
            "output_type": self.output_type,
        })
    }
}

/// The component's card list and type docs, read by calling its `cards` interface.
#[derive(Clone, Debug)]
pub struct CardCatalog {
    /// Every card, in the component's order.
    pub cards: Vec<CardInfo>,
    /// Doc comments of every named type, for schemas with descriptions.
    pub types: crate::schema::TypeDocs,
}

impl CardCatalog {
    /// Calls `list-cards` and `type-docs` of the harness's component in a fresh store (no
    /// network: the outbound policy allows no origin).
    pub async fn load(harness: &crate::Harness) -> anyhow::Result<CardCatalog> {
        let cards = call_card_list(harness, "list-cards").await?;
        let cards = cards
            .as_array()
            .ok_or_else(|| anyhow::anyhow!("list-cards did not return a list"))?
            .iter()
            .map(CardInfo::from_json)
            .collect::<anyhow::Result<Vec<_>>>()?;
        let types = crate::schema::TypeDocs::from_json(&call_card_list(harness, "type-docs").await?);
        Ok(CardCatalog { cards, types })
    }

    /// The card of this id.
    pub fn card(&self, id: &str) -> Option<&CardInfo> {
        self.cards.iter().find(|card| card.id == id)
    }

    /// Everything about a card: its metadata, and JSON Schemas of its input and output (with the
    /// WIT doc comments as descriptions), connection and error.
    pub fn describe(&self, signature: &CardSignature) -> Value {
        let info = self.card(&signature.id);
        let schema =
            |ty: Option<&Type>, name: Option<&str>| ty.map_or(Value::Null, |ty| crate::schema::document_with_docs(ty, name, &self.types));
        let input_name = info.and_then(|i| i.input_type.as_deref());
        let output_name = info.and_then(|i| i.output_type.as_deref());
        let mut out = match info {
            Some(info) => info.to_json(),
            None => json!({"id": signature.id}),
        };
        let object = out.as_object_mut().expect("an object");
        object.insert("interface".into(), json!(signature.interface));
        object.insert("input".into(), schema(signature.input_type(), input_name));
        object.insert("output".into(), schema(signature.output_type().as_ref(), output_name));
        object.insert("connection".into(), schema(signature.connection_type(), Some("types/connection")));
        object.insert("error".into(), schema(signature.error_type().as_ref(), Some("types/card-error")));
        out
    }

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
                    clouds_text(&card.clouds),
                    if card.changes_state { "yes" } else { "no" },
                ));
            }
            for card in in_category {
                md.push_str(&format!("\n### {}\n\n**{}.** {}\n\n", card.id, card.label, card.description));
                for endpoint in &card.endpoints {
                    md.push_str(&format!("- Endpoint: `{endpoint}`\n"));
                }
                md.push_str(&format!("- Scope: {}\n", card.scopes.iter().map(|s| format!("`{s}`")).collect::<Vec<_>>().join(", ")));
                md.push_str(&format!("- Clouds: {}\n", clouds_text(&card.clouds)));
                md.push_str(&format!("- Changes state: {}\n", if card.changes_state { "yes" } else { "no" }));
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
        let schema = crate::schema::schema_with_docs(ty, Some(name), &self.types);
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
            let key = crate::values::json_name(field.name);
            let description = properties[&key]["description"].as_str().unwrap_or("");
            // A named record or variant shows its WIT name (`option<page-selection>`).
            let mut rendered = describe_type(&field.ty, 0);
            let type_ref = members.iter().find(|(n, _, _)| n == field.name).and_then(|(_, _, r)| r.as_deref());
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

fn first_sentence(text: &str) -> &str {
    let paragraph = text.split("\n\n").next().unwrap_or(text);
    match paragraph.find(". ") {
        Some(end) => &paragraph[..=end],
        None => paragraph,
    }
}

fn clouds_text(clouds: &[String]) -> String {
    let all = ["aws", "azure", "gcp", "aws_gov", "aws_gov_dod"];
    if all.iter().all(|c| clouds.iter().any(|x| x == c)) { "all".to_string() } else { clouds.join(", ") }
}

/// Calls a function of the component's `cards` interface (no parameters) and returns its JSON.
async fn call_card_list(harness: &crate::Harness, function: &str) -> anyhow::Result<Value> {
    use std::sync::Arc;
    use wasmtime::component::Val;

    let engine = harness.engine();
    let component = harness.component();
    let interface = component
        .component_type()
        .exports(engine)
        .map(|(name, _)| name.to_string())
        .find(|name| name.starts_with(&format!("{CARD_LIST_INTERFACE}@")))
        .ok_or_else(|| anyhow::anyhow!("the component exports no `{CARD_LIST_INTERFACE}` interface"))?;
    let interface_index =
        component.get_export_index(None, &interface).ok_or_else(|| anyhow::anyhow!("export `{interface}` has no index"))?;
    let (item, index) =
        component.get_export(Some(&interface_index), function).ok_or_else(|| anyhow::anyhow!("`{interface}` exports no `{function}`"))?;
    let ComponentItem::ComponentFunc(func_type) = item else {
        anyhow::bail!("`{interface}#{function}` is not a function");
    };
    let result_type = func_type.results().next().ok_or_else(|| anyhow::anyhow!("`{function}` returns nothing"))?;

    let pre = crate::runtime::instance_pre(engine, component)?;
    let policy = crate::policy::OutboundPolicy::with_origins::<&str>(function, &[]).map_err(|e| anyhow::anyhow!(e))?;
    let mut store = crate::runtime::new_store(engine, Arc::new(policy), 64 << 20);
    store.set_epoch_deadline(crate::runtime::ticks(std::time::Duration::from_secs(30)));
    let instance = pre.instantiate_async(&mut store).await.map_err(crate::runtime::wt)?;
    let func = instance.get_func(&mut store, index).ok_or_else(|| anyhow::anyhow!("the instance lacks `{function}`"))?;
    let mut results = vec![Val::Bool(false)];
    func.call_async(&mut store, &[], &mut results).await.map_err(crate::runtime::wt)?;
    let value = results.pop().ok_or_else(|| anyhow::anyhow!("`{function}` returned nothing"))?;
    Ok(crate::values::val_into_json(value, &result_type, function)?)
}
