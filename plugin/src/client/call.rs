//! A plain card as data: one Databricks call (or one list read page by page), declared by its
//! method, path template and API version, where its input goes and how the answer becomes its
//! output. A card that is such a call is a `const` of [`Call`] in `cards/<interface>.rs`:
//!
//! ```ignore
//! pub const get_metastore: Call = Call::get("metastores/{metastore_id}").answer_in("metastore_info");
//! ```
//!
//! The input is encoded with the WIT record's own serde attributes. `{field}` in the path takes
//! that field; the other fields go to the query (GET, DELETE) or to the JSON body (POST, PUT,
//! PATCH), absent fields left out as the SDKs do. The answer is decoded straight into the WIT
//! output record, once, from text: a record whose field is spelled differently from Databricks'
//! says so with `@json-name`.

use super::errors;
use super::http::{Method, Request, Response};
use super::pages;
use super::{ApiVersion, Session};
use crate::cards::Card;
use crate::validate::{self, invalid};
use crate::wit::{CardError, TokenPaging};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;
use serde_json::{Map, Value};

/// One Databricks call, as a card.
#[derive(Clone, Copy, Debug)]
pub struct Call {
    method: Method,
    version: ApiVersion,
    /// Under `/api/<version>/accounts/{account_id}/`, with `{field}` for input fields.
    path: &'static str,
    /// The body's envelope key (`{"metastore_info": {...}}`), when it has one.
    body_in: Option<&'static str>,
    /// The path's fields go in the body too (Databricks repeats IDs there).
    path_in_body: bool,
    answer: Answer,
    keep: &'static [Keep],
    needs_change: bool,
    read_back: bool,
    /// Fields that go to the query although the method has a body (a create's chosen ID).
    in_query: &'static [&'static str],
    /// Fields that stay at the body's top level, beside its envelope (`skip_validation`).
    beside: &'static [&'static str],
    /// A query parameter that names the body's top-level fields the input gives (an update mask).
    mask: Option<&'static str>,
    /// The card's own check of its input (as JSON, path fields included), beyond its fields'
    /// tags: for rules across fields, or that depend on the connection's cloud.
    check: Option<InputCheck>,
}

/// A check of a declared card's input, run before any request.
pub type InputCheck = fn(&Session, &Map<String, Value>) -> Result<(), CardError>;

/// How Databricks' answer becomes the card's output.
#[derive(Clone, Copy, Debug)]
enum Answer {
    /// The answer is the output.
    Whole,
    /// The output is the answer's member `key` (`{"metastore_info": {...}}`).
    In(&'static str),
    /// A list Databricks sends bare (`[...]`, as the SDKs decode it) or under `key` (as its newer
    /// docs show); the output holds it under `key`.
    List(&'static str),
    /// A `page_token` list under `items`: one page, or every page as the input's `paging` says;
    /// `page_size` names the page-size parameter, when the endpoint takes one.
    Pages { items: &'static str, page_size: Option<&'static str> },
    /// Databricks answers nothing of use: the output is `{"id": <the path's last value>}`.
    Deleted,
    /// Databricks answers nothing of use: the output is the input.
    Input,
}

/// A filter Databricks does not offer, applied to a list's items: the input field is not sent.
#[derive(Clone, Copy, Debug)]
pub enum Keep {
    /// Items whose `item` field equals the `input` field (ASCII case ignored), when it is given.
    Same { input: &'static str, item: &'static str },
    /// Items whose `item` field contains the `input` field (ASCII case ignored), when it is given.
    Contains { input: &'static str, item: &'static str },
    /// Items whose `item` field is a list that holds the `input` field (ASCII case ignored).
    Holds { input: &'static str, item: &'static str },
}

impl Call {
    const fn new(method: Method, path: &'static str) -> Call {
        Call {
            method,
            version: ApiVersion::V2_0,
            path,
            body_in: None,
            path_in_body: false,
            answer: Answer::Whole,
            keep: &[],
            needs_change: false,
            read_back: false,
            in_query: &[],
            beside: &[],
            mask: None,
            check: None,
        }
    }

    pub const fn get(path: &'static str) -> Call {
        Call::new(Method::Get, path)
    }

    pub const fn post(path: &'static str) -> Call {
        Call::new(Method::Post, path)
    }

    pub const fn put(path: &'static str) -> Call {
        Call::new(Method::Put, path)
    }

    pub const fn patch(path: &'static str) -> Call {
        Call::new(Method::Patch, path)
    }

    pub const fn delete(path: &'static str) -> Call {
        Call::new(Method::Delete, path).deleted()
    }

    /// Under `/api/2.1/` (budgets, budget policies).
    pub const fn v2_1(mut self) -> Call {
        self.version = ApiVersion::V2_1;
        self
    }

    /// The body goes under `key`.
    pub const fn body_in(mut self, key: &'static str) -> Call {
        self.body_in = Some(key);
        self
    }

    /// The path's fields go in the body too.
    pub const fn path_in_body(mut self) -> Call {
        self.path_in_body = true;
        self
    }

    /// The output is the answer's member `key`.
    pub const fn answer_in(mut self, key: &'static str) -> Call {
        self.answer = Answer::In(key);
        self
    }

    /// The answer is a list, bare or under `key`.
    pub const fn list(mut self, key: &'static str) -> Call {
        self.answer = Answer::List(key);
        self
    }

    /// The answer is a `page_token` list of `items`; `page_size` names its page-size parameter.
    pub const fn pages(mut self, items: &'static str, page_size: Option<&'static str>) -> Call {
        self.answer = Answer::Pages { items, page_size };
        self
    }

    /// The output is `{"id": <the path's last value>}` (a delete).
    pub const fn deleted(mut self) -> Call {
        self.answer = Answer::Deleted;
        self
    }

    /// The output is the answer as it is (after [`Call::delete`]: Databricks answers with the
    /// deleted object, and it says more than its ID).
    pub const fn whole(mut self) -> Call {
        self.answer = Answer::Whole;
        self
    }

    /// The output is the input (Databricks answers an assignment with nothing).
    pub const fn echo(mut self) -> Call {
        self.answer = Answer::Input;
        self
    }

    /// Filters of a list's items.
    pub const fn keep(mut self, filters: &'static [Keep]) -> Call {
        self.keep = filters;
        self
    }

    /// Refuses an input that changes nothing (only the path's fields given).
    pub const fn needs_change(mut self) -> Call {
        self.needs_change = true;
        self
    }

    /// The query parameter `name` lists the body's fields, comma-separated (a field mask such as
    /// `update_mask=workspace_name,custom_tags`): Databricks changes those and nothing else.
    pub const fn masked(mut self, name: &'static str) -> Call {
        self.mask = Some(name);
        self
    }

    /// Databricks answers the write with nothing: the resource is read back (`GET` the same path).
    pub const fn read_back(mut self) -> Call {
        self.read_back = true;
        self
    }

    /// These fields go to the query, also of a `POST`, `PUT` or `PATCH`.
    pub const fn in_query(mut self, fields: &'static [&'static str]) -> Call {
        self.in_query = fields;
        self
    }

    /// These fields stay beside the body's envelope (`{"credential_info": {...}, "skip_validation": true}`).
    pub const fn beside(mut self, fields: &'static [&'static str]) -> Call {
        self.beside = fields;
        self
    }

    /// The query parameter `name` lists the top-level body fields the input gives
    /// (`update_mask=description,oidc_policy`), so exactly those change.
    pub const fn mask(mut self, name: &'static str) -> Call {
        self.mask = Some(name);
        self
    }

    /// The card's own input check, run before any request.
    pub const fn check(mut self, check: InputCheck) -> Call {
        self.check = Some(check);
        self
    }

    /// The endpoint as the card list shows it (`GET /accounts/{account_id}/metastores`).
    #[cfg(test)]
    fn endpoint(&self) -> String {
        // The docs leave out the usual `/api/2.0` and name the rarer `/api/2.1`.
        let version = match self.version {
            ApiVersion::V2_0 => "",
            ApiVersion::V2_1 => "/api/2.1",
            ApiVersion::Preview => "/api/2.0/preview",
        };
        format!("{} {version}/accounts/{{account_id}}/{}", self.method.name(), self.path)
    }

    /// The only code each declared card has of its own: its input encoded, its output decoded.
    fn run<I: Serialize, O: DeserializeOwned>(&self, s: &Session, input: I) -> Result<O, CardError> {
        let Ok(Value::Object(fields)) = serde_json::to_value(&input) else {
            return Err(CardError::Unsupported("this card's input is not a record".into()));
        };
        let (response, output) = self.exchange(s, fields)?;
        match output {
            Some(text) => serde_json::from_str(&text).map_err(|e| errors::unreadable(&response, &e)),
            None => response.json(),
        }
    }

    /// Sends the request the input makes and returns the answer, with the output's JSON text
    /// when it is not the whole answer. Shared by every declared card: nothing here is generic.
    fn exchange(&self, s: &Session, mut fields: Map<String, Value>) -> Result<(Response, Option<String>), CardError> {
        if let Some(check) = self.check {
            check(s, &fields)?;
        }
        let all = if self.path_in_body || matches!(self.answer, Answer::Input) { fields.clone() } else { Map::new() };
        let (rest, path_fields) = self.fill_path(&mut fields)?;
        let filters: Vec<(Keep, String)> =
            self.keep.iter().filter_map(|keep| text_of(fields.remove(keep.input())?).map(|wanted| (*keep, wanted))).collect();
        let paging = fields.remove("paging").map(token_paging);
        prune_nulls(&mut fields);
        let queried: Vec<(&str, Value)> = self.in_query.iter().filter_map(|name| Some((*name, fields.remove(*name)?))).collect();
        let besides: Map<String, Value> = self.beside.iter().filter_map(|name| Some((name.to_string(), fields.remove(*name)?))).collect();
        if self.needs_change && fields.is_empty() {
            let names: Vec<String> = path_fields.iter().map(|f| f.replace('_', "-")).collect();
            let field = names.first().cloned().unwrap_or_else(|| "input".into());
            return Err(invalid(&field, format!("give at least one field to change besides {}", names.join(" and "))));
        }
        let path = s.account_path(self.version, &rest);
        let mut request = Request::new(self.method, path.clone());
        for (name, value) in &queried {
            request = query(request, name, value);
        }
        if let Some(name) = self.mask {
            request = request.query(name, Some(fields.keys().map(String::as_str).collect::<Vec<_>>().join(",")));
        }
        if matches!(self.method, Method::Get | Method::Delete) {
            for (name, value) in &fields {
                request = query(request, name, value);
            }
        } else {
            if self.path_in_body {
                fields.extend(path_fields.iter().filter_map(|name| all.get(*name).map(|v| (name.to_string(), v.clone()))));
            }
            let body = Value::Object(fields);
            let mut body = match self.body_in {
                Some(key) => {
                    let mut envelope = Map::new();
                    envelope.insert(key.to_string(), body);
                    envelope
                }
                None => match body {
                    Value::Object(fields) => fields,
                    _ => Map::new(),
                },
            };
            body.extend(besides);
            request = request.json(Value::Object(body));
        }
        if let Answer::Pages { items, page_size } = self.answer {
            return self.read_pages(s, request, items, page_size, paging, &filters);
        }
        let response = s.send(request)?;
        let response = if self.read_back { s.send(Request::new(Method::Get, path))? } else { response };
        let output = match self.answer {
            Answer::Whole => None,
            Answer::In(key) => Some(member(&response, key)?.ok_or_else(|| errors::missing_member(&response, key))?),
            Answer::List(key) => Some(format!("{{{}:{}}}", quoted(key), kept(&response, list_items(&response, key)?, &filters)?)),
            Answer::Deleted => Some(format!("{{\"id\":{}}}", quoted(path_values(&rest).last().copied().unwrap_or("")))),
            Answer::Input => Some(Value::Object(all).to_string()),
            Answer::Pages { .. } => None,
        };
        Ok((response, output))
    }

    /// The path with its `{field}`s filled from (and taken out of) the input, and those fields.
    fn fill_path(&self, fields: &mut Map<String, Value>) -> Result<(String, Vec<&'static str>), CardError> {
        let mut rest = String::new();
        let mut names = Vec::new();
        let mut template = self.path;
        while let Some(start) = template.find('{') {
            let end = template[start..].find('}').map_or(template.len(), |e| start + e);
            let name = &template[start + 1..end];
            let field = name.replace('_', "-");
            let value = fields.remove(name).and_then(text_of).ok_or_else(|| invalid(&field, "is required"))?;
            validate::path_segment(&field, &value)?;
            rest.push_str(&template[..start]);
            rest.push_str(&value);
            names.push(name);
            template = template.get(end + 1..).unwrap_or("");
        }
        rest.push_str(template);
        Ok((rest, names))
    }

    /// Reads a `page_token` list; the output's text holds what it read.
    fn read_pages(
        &self,
        s: &Session,
        request: Request,
        items: &'static str,
        page_size: Option<&'static str>,
        paging: Option<TokenPaging>,
        filters: &[(Keep, String)],
    ) -> Result<(Response, Option<String>), CardError> {
        let mut last: Option<Response> = None;
        let page = pages::read(paging.as_ref(), |token, size| {
            let mut page = request.clone().query("page_token", token);
            if let Some(name) = page_size {
                page = page.query(name, Some(size));
            }
            let response = s.send(page)?;
            let mut members = response.members()?;
            let next = members.remove("next_page_token").and_then(|raw| serde_json::from_str::<Option<String>>(raw.get()).ok().flatten());
            let found: Vec<Box<RawValue>> = match members.remove(items) {
                Some(raw) => serde_json::from_str::<Option<Vec<Box<RawValue>>>>(raw.get())
                    .map_err(|e| errors::unreadable(&response, &e))?
                    .unwrap_or_default(),
                None => Vec::new(),
            };
            last = Some(response);
            Ok((found, next))
        })?;
        let Some(response) = last else { return Err(CardError::Transport("no page was read".into())) };
        let items_text = join(page.items.iter().map(|raw| raw.get()));
        let text = format!(
            "{{{}:{},\"next_page_token\":{}}}",
            quoted(items),
            kept(&response, items_text, filters)?,
            page.next_page_token.as_deref().map_or("null".to_string(), quoted)
        );
        Ok((response, Some(text)))
    }
}

impl<I: Serialize, O: DeserializeOwned> Card<I, O> for Call {
    fn call(&self, session: &Session, input: I) -> Result<O, CardError> {
        self.run(session, input)
    }

    #[cfg(test)]
    fn endpoint(&self) -> Option<String> {
        Some(self.endpoint())
    }
}

impl Keep {
    fn input(&self) -> &'static str {
        match self {
            Keep::Same { input, .. } | Keep::Contains { input, .. } | Keep::Holds { input, .. } => input,
        }
    }

    fn holds(&self, item: &Value, wanted: &str) -> bool {
        let (Keep::Same { item: field, .. } | Keep::Contains { item: field, .. } | Keep::Holds { item: field, .. }) = self;
        if let Keep::Holds { .. } = self {
            let listed = item.get(*field).and_then(Value::as_array);
            return listed.is_some_and(|values| values.iter().filter_map(Value::as_str).any(|v| v.eq_ignore_ascii_case(wanted)));
        }
        let Some(value) = item.get(*field).and_then(Value::as_str) else { return false };
        match self {
            Keep::Same { .. } | Keep::Holds { .. } => value.eq_ignore_ascii_case(wanted),
            // ASCII only: Unicode case folding would pull ~14 KB of tables into the component for
            // names that are identifiers in practice.
            Keep::Contains { .. } => value.to_ascii_lowercase().contains(&wanted.to_ascii_lowercase()),
        }
    }
}

/// The JSON list text of the items that pass every filter.
fn kept(response: &Response, items: String, filters: &[(Keep, String)]) -> Result<String, CardError> {
    if filters.is_empty() {
        return Ok(items);
    }
    let all: Vec<Box<RawValue>> = serde_json::from_str(&items).map_err(|e| errors::unreadable(response, &e))?;
    let mut kept = Vec::new();
    for raw in &all {
        let item: Value = serde_json::from_str(raw.get()).map_err(|e| errors::unreadable(response, &e))?;
        if filters.iter().all(|(keep, wanted)| keep.holds(&item, wanted)) {
            kept.push(raw.get());
        }
    }
    Ok(join(kept.into_iter()))
}

/// The list text of a bare (`[...]`) or wrapped (`{"key": [...]}`) list answer.
fn list_items(response: &Response, key: &str) -> Result<String, CardError> {
    if response.text()?.trim_start().starts_with('[') {
        return Ok(response.text()?.to_string());
    }
    Ok(member(response, key)?.filter(|raw| raw != "null").unwrap_or_else(|| "[]".into()))
}

/// One top-level member's JSON text.
fn member(response: &Response, key: &str) -> Result<Option<String>, CardError> {
    Ok(response.members()?.remove(key).map(|raw| raw.get().to_string()))
}

/// The values of a filled path's segments, in order.
fn path_values(rest: &str) -> Vec<&str> {
    rest.split('/').collect()
}

/// A scalar input value as text (`null` and containers have none).
fn text_of(value: Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Adds an input field to the query: a list as repeated pairs, a scalar as one.
fn query(request: Request, name: &str, value: &Value) -> Request {
    match value {
        Value::Array(items) => items.iter().fold(request, |request, item| request.query(name, text_of(item.clone()))),
        other => request.query(name, text_of(other.clone())),
    }
}

/// A body with its absent (null) fields left out, at every depth of its objects, as the SDKs do.
pub fn without_nulls(mut body: Value) -> Value {
    if let Value::Object(fields) = &mut body {
        prune_nulls(fields);
    }
    body
}

/// Leaves absent (null) fields out of a body, at every depth of its objects (also objects in
/// lists, such as tags without a value).
fn prune_nulls(fields: &mut Map<String, Value>) {
    fields.retain(|_, value| !value.is_null());
    fields.values_mut().for_each(prune_nulls_in);
}

/// The records in a value, at any depth (in a list of records too), without their absent fields.
fn prune_nulls_in(value: &mut Value) {
    match value {
        Value::Object(inner) => prune_nulls(inner),
        Value::Array(items) => items.iter_mut().for_each(prune_nulls_in),
        _ => {}
    }
}

/// The input's `paging` (a `token-paging` record, as JSON).
fn token_paging(value: Value) -> TokenPaging {
    let number = |key: &str| value.get(key).and_then(Value::as_u64).and_then(|n| u32::try_from(n).ok());
    TokenPaging {
        page_token: value.get("page_token").and_then(Value::as_str).map(str::to_string),
        page_size: number("page_size"),
        all_pages: value.get("all_pages").and_then(Value::as_bool),
        limit: number("limit"),
    }
}

fn quoted(text: &str) -> String {
    Value::String(text.to_string()).to_string()
}

fn join<'a>(items: impl Iterator<Item = &'a str>) -> String {
    let mut out = String::from("[");
    for (i, item) in items.enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(item);
    }
    out.push(']');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_read_as_the_card_list_shows_them() {
        assert_eq!(Call::get("metastores/{metastore_id}").endpoint(), "GET /accounts/{account_id}/metastores/{metastore_id}");
        assert_eq!(Call::delete("networks/{network_id}").endpoint(), "DELETE /accounts/{account_id}/networks/{network_id}");
    }

    #[test]
    fn paths_take_their_fields_out_of_the_input() {
        let call = Call::put("workspaces/{workspace_id}/metastores/{metastore_id}");
        let mut fields = serde_json::json!({"workspace_id": 42, "metastore_id": "m-1", "x": true}).as_object().cloned().unwrap();
        let (rest, names) = call.fill_path(&mut fields).unwrap();
        assert_eq!((rest.as_str(), names), ("workspaces/42/metastores/m-1", vec!["workspace_id", "metastore_id"]));
        assert_eq!(fields.keys().collect::<Vec<_>>(), ["x"]);
        for bad in [serde_json::json!({"workspace_id": 42, "metastore_id": "../x"}), serde_json::json!({"workspace_id": 42})] {
            let mut fields = bad.as_object().cloned().unwrap();
            assert!(matches!(call.fill_path(&mut fields), Err(CardError::InvalidInput(f)) if f.field == "metastore-id"), "{bad}");
        }
    }

    #[test]
    fn absent_fields_are_left_out_at_every_depth() {
        let mut fields =
            serde_json::json!({"a": null, "b": {"c": null, "d": 1}, "e": [null, {"f": null, "g": 2}]}).as_object().cloned().unwrap();
        prune_nulls(&mut fields);
        assert_eq!(Value::Object(fields), serde_json::json!({"b": {"d": 1}, "e": [null, {"g": 2}]}));
    }

    #[test]
    fn filters_compare_without_ascii_case() {
        let item = serde_json::json!({"region": "us-west-2", "name": "Analytics-Prod"});
        assert!(Keep::Same { input: "region", item: "region" }.holds(&item, "US-WEST-2"));
        assert!(!Keep::Same { input: "region", item: "region" }.holds(&item, "eu-west-1"));
        assert!(Keep::Contains { input: "name_contains", item: "name" }.holds(&item, "prod"));
        assert!(!Keep::Contains { input: "name_contains", item: "missing" }.holds(&item, "prod"));
        let key = serde_json::json!({"use_cases": ["MANAGED_SERVICES", "STORAGE"], "region": "x"});
        assert!(Keep::Holds { input: "use_case", item: "use_cases" }.holds(&key, "storage"));
        assert!(!Keep::Holds { input: "use_case", item: "use_cases" }.holds(&key, "other"));
        assert!(!Keep::Holds { input: "use_case", item: "region" }.holds(&key, "x"), "a field that is not a list holds nothing");
    }
}
