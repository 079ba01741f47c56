//! Pickers: where a flow builder gets the choices of an input field that names a Databricks
//! object. A field tagged `@options CARD VALUE LABEL` (`@options list-workspaces workspace-id
//! workspace-name`) takes its values from card CARD, which must run with an empty input and
//! return a list of records that have fields VALUE and LABEL; the build finds that list and fails
//! naming the field when the card, the list or either field is not there.

use crate::card_docs::Doc;
use crate::model::Model;
use serde_json::{Value, json};
use wit_parser::{Type, TypeDefKind};

/// The `option-source` of a member for the card list (WIT names), or null without `@options`.
pub fn source(model: &Model, doc: &Doc, place: &str, problems: &mut Vec<String>) -> Value {
    let Some(tag) = doc.tag("options") else { return Value::Null };
    let words: Vec<&str> = tag.split_whitespace().collect();
    let [card_id, value, label] = words[..] else {
        problems.push(format!("{place}: `@options` needs three words: the card, the value field and the label field"));
        return Value::Null;
    };
    let Some(card) = model.cards.iter().find(|c| c.id == card_id) else {
        problems.push(format!("{place}: `@options {card_id}`: no card is called `{card_id}`"));
        return Value::Null;
    };
    if let Some(required) = card.input.and_then(|input| required_fields(model, input)).filter(|r| !r.is_empty()) {
        problems.push(format!(
            "{place}: `@options {card_id}`: the card needs input ({}), so a flow builder cannot list the choices",
            required.join(", ")
        ));
        return Value::Null;
    }
    let lists = card.output.map(|output| record_lists(model, output)).unwrap_or_default();
    let matching: Vec<&(String, Vec<String>)> =
        lists.iter().filter(|(_, fields)| fields.iter().any(|f| f == value) && fields.iter().any(|f| f == label)).collect();
    match matching[..] {
        [(items, _)] => json!({"card": card_id, "items": items, "value": value, "label": label}),
        [] => {
            problems.push(format!("{place}: `@options {card_id}`: its output has no list of records with fields `{value}` and `{label}`"));
            Value::Null
        }
        _ => {
            problems.push(format!("{place}: `@options {card_id}`: its output has several lists with `{value}` and `{label}`"));
            Value::Null
        }
    }
}

/// The fields of a record that are neither `option` nor `list` (an empty input cannot fill them).
fn required_fields(model: &Model, ty: Type) -> Option<Vec<String>> {
    let Type::Id(id) = model.dealias(ty) else { return None };
    let TypeDefKind::Record(record) = &model.resolve.types[id].kind else { return None };
    Some(
        record
            .fields
            .iter()
            .filter(|f| !matches!(model.dealias(f.ty), Type::Id(id) if matches!(model.resolve.types[id].kind, TypeDefKind::Option(_) | TypeDefKind::List(_))))
            .map(|f| f.name.clone())
            .collect(),
    )
}

/// The lists of records in an output record, as (field name, the item record's field names); the
/// output itself when it is a list of records (field name "").
fn record_lists(model: &Model, output: Type) -> Vec<(String, Vec<String>)> {
    let item_fields = |ty: Type| -> Option<Vec<String>> {
        let Type::Id(id) = model.dealias(ty) else { return None };
        let inner = match &model.resolve.types[id].kind {
            TypeDefKind::Option(inner) => model.dealias(*inner),
            _ => Type::Id(id),
        };
        let Type::Id(id) = inner else { return None };
        let TypeDefKind::List(item) = &model.resolve.types[id].kind else { return None };
        model.record_fields(*item)
    };
    if let Some(fields) = item_fields(output) {
        return vec![(String::new(), fields)];
    }
    let Type::Id(id) = model.dealias(output) else { return Vec::new() };
    match &model.resolve.types[id].kind {
        TypeDefKind::Record(record) => record.fields.iter().filter_map(|f| Some((f.name.clone(), item_fields(f.ty)?))).collect(),
        _ => Vec::new(),
    }
}
