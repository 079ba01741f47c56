//! The component's own description of its cards: the card list and the type docs it exports
//! from `databricks:account/cards`, generated at its compile time from the WIT doc comments
//! (which do not survive into the built component).

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use wasmtime::Engine;
use wasmtime::component::types::{ComponentItem, Type};
use wasmtime::component::{Component, Val};

use crate::Harness;
use crate::cards::{CARD_LIST_INTERFACE, CardSignature};
use crate::policy::{AccountHosts, OutboundPolicy};
use crate::runtime::{self, wt};
use crate::schema::{TypeDocs, document_with_docs};
use crate::values::val_into_json;

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
    /// What the host paces the card's runs of one account by (`scim-patch`, `account-read`, ...).
    pub rate_class: String,
    /// What the card can do to the account's security, for a flow builder's warning.
    pub security_impact: Option<String>,
    /// For a polling trigger (it takes a `cursor` and returns `next_cursor`): the least interval
    /// between two of its runs, in seconds.
    pub trigger_interval_seconds: Option<i64>,
    /// For a create card: what it does when the object exists already.
    pub if_exists: Option<String>,
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
            rate_class: text("rate_class"),
            security_impact: v["security_impact"].as_str().map(str::to_string),
            trigger_interval_seconds: v["trigger"]["min_interval_seconds"].as_i64(),
            if_exists: v["if_exists"].as_str().map(str::to_string),
        })
    }

    /// The JSON form: the keys as above, `example_input` as a value (a card list entry of the
    /// CLI's `cards --json`, and the head of [`CardCatalog::describe`]).
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
            "rate_class": self.rate_class,
            "security_impact": self.security_impact,
            "trigger": self.trigger_interval_seconds.map(|seconds| json!({"min_interval_seconds": seconds})),
            "if_exists": self.if_exists,
        })
    }
}

/// The component's card list and type docs, read by calling its `cards` interface.
#[derive(Clone, Debug)]
pub struct CardCatalog {
    /// Every card, in the component's order.
    pub cards: Vec<CardInfo>,
    /// Doc comments of every named type, for schemas with descriptions.
    pub types: TypeDocs,
    /// Each cloud's account host.
    pub clouds: AccountHosts,
}

impl CardCatalog {
    /// Calls `list-cards` and `type-docs` of the harness's component in a fresh store (no
    /// network: the outbound policy allows no origin).
    pub async fn load(harness: &Harness) -> anyhow::Result<CardCatalog> {
        let cards = call_card_list(harness, "list-cards").await?;
        let cards = cards
            .as_array()
            .ok_or_else(|| anyhow::anyhow!("list-cards did not return a list"))?
            .iter()
            .map(CardInfo::from_json)
            .collect::<anyhow::Result<Vec<_>>>()?;
        let types = TypeDocs::from_json(&call_card_list(harness, "type-docs").await?);
        let clouds = AccountHosts::from_json(&call_card_list(harness, "list-clouds").await?);
        Ok(CardCatalog { cards, types, clouds })
    }

    /// The card of this id.
    pub fn card(&self, id: &str) -> Option<&CardInfo> {
        self.cards.iter().find(|card| card.id == id)
    }

    /// Everything about a card: its metadata, and JSON Schemas of its input and output (with the
    /// WIT doc comments as descriptions), connection and error.
    pub fn describe(&self, signature: &CardSignature) -> Value {
        let info = self.card(&signature.id);
        let schema = |ty: Option<&Type>, name: Option<&str>| ty.map_or(Value::Null, |ty| document_with_docs(ty, name, &self.types));
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
}

/// Calls a function of the component's `cards` interface (no parameters) and returns its JSON.
pub(crate) async fn call_card_list(harness: &Harness, function: &str) -> anyhow::Result<Value> {
    call_cards_function(harness.engine(), harness.component(), function).await
}

/// [`call_card_list`] on an engine and component (before a [`Harness`] holds them).
pub(crate) async fn call_cards_function(engine: &Engine, component: &Component, function: &str) -> anyhow::Result<Value> {
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

    let pre = runtime::instance_pre(engine, component)?;
    let policy = OutboundPolicy::with_origins::<&str>(function, &[]).map_err(|e| anyhow::anyhow!(e))?;
    let mut store = runtime::new_store(engine, Arc::new(policy), 64 << 20, Duration::from_secs(30));
    store.set_epoch_deadline(runtime::ticks(Duration::from_secs(30)));
    let instance = pre.instantiate_async(&mut store).await.map_err(wt)?;
    let func = instance.get_func(&mut store, index).ok_or_else(|| anyhow::anyhow!("the instance lacks `{function}`"))?;
    let mut results = vec![Val::Bool(false)];
    func.call_async(&mut store, &[], &mut results).await.map_err(wt)?;
    let value = results.pop().ok_or_else(|| anyhow::anyhow!("`{function}` returned nothing"))?;
    Ok(val_into_json(value, &result_type, function)?)
}
