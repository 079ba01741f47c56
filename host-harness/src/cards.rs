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
/// The interface that holds the card list (`databricks:account/cards@<version>`): in the
/// package, but its functions describe the cards and are none ([`crate::CardCatalog`] calls them).
pub const CARD_LIST_INTERFACE: &str = "databricks:account/cards";

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
