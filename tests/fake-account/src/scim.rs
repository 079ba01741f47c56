//! The account SCIM API: `…/scim/v2/{Users,Groups,ServicePrincipals}[/{id}]` under
//! `/api/2.0` and `/api/2.1`, with Databricks' list semantics and error bodies.

use crate::common::Answer;
use crate::errors;
use crate::filter::{self, values_at};
use crate::state::Shared;
use crate::store::{Kind, StoreError};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{FromRequestParts, Path, RawQuery};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;

/// Largest page served. The docs give `count` a default of 10000 and a constraint of
/// ≤ 100, and the SDKs have sent both; a larger count is served as 100 (the SDKs page
/// on `startIndex` until an empty page, so nothing is lost), not refused.
const MAX_COUNT: usize = 100;

/// `count` when the caller sends none: the documented default, which [`MAX_COUNT`] caps.
const DEFAULT_COUNT: usize = 10_000;

/// The SCIM paging window of a list request (RFC 7644 §3.4.2.4).
#[derive(Debug, PartialEq)]
struct Window {
    /// 1-based; a value below 1 is read as 1, as the RFC says.
    start_index: usize,
    /// Page size, at most [`MAX_COUNT`]; a negative count is 0 (only `totalResults`).
    count: usize,
}

impl Window {
    fn parse(start_index: Option<&str>, count: Option<&str>) -> Result<Window, String> {
        let number = |name: &str, value: Option<&str>, default: usize| -> Result<usize, String> {
            match value.map(str::trim) {
                None | Some("") => Ok(default),
                Some(v) => v.parse::<i64>().map(|n| n.max(0) as usize).map_err(|_| format!("{name} must be a number.")),
            }
        };
        Ok(Window {
            start_index: number("startIndex", start_index, 1)?.max(1),
            count: number("count", count, DEFAULT_COUNT)?.min(MAX_COUNT),
        })
    }

    /// The page of `items` (already filtered and sorted) this window selects.
    fn apply<T>(&self, items: Vec<T>) -> Vec<T> {
        items.into_iter().skip(self.start_index - 1).take(self.count).collect()
    }
}

/// The resource type (and ID) a request addresses, once the API version, the account
/// and the caller's token are checked: every handler starts from one.
pub struct Target {
    shared: Arc<Shared>,
    kind: Kind,
    id: String,
}

impl FromRequestParts<Arc<Shared>> for Target {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, shared: &Arc<Shared>) -> Result<Self, Response> {
        let Path(params) = Path::<HashMap<String, String>>::from_request_parts(parts, shared).await.map_err(IntoResponse::into_response)?;
        let param = |name: &str| params.get(name).map(String::as_str).unwrap_or("");
        let path = parts.uri.path();
        let not_found = || errors::api(StatusCode::NOT_FOUND, "ENDPOINT_NOT_FOUND", format!("No API found for '{path}'"));
        if param("version") != "2.0" && param("version") != "2.1" {
            return Err(not_found());
        }
        let kind = Kind::from_segment(param("resource")).ok_or_else(not_found)?;
        crate::oauth::account_access(shared, param("account_id"), &parts.headers, path)?;
        Ok(Target { shared: shared.clone(), kind, id: param("id").to_string() })
    }
}

fn store_error(error: StoreError) -> Response {
    match error {
        StoreError::NotFound(detail) => errors::scim(StatusCode::NOT_FOUND, None, detail),
        StoreError::Conflict(detail) => errors::scim(StatusCode::CONFLICT, Some("uniqueness"), detail),
        StoreError::Invalid(detail) => errors::scim(StatusCode::BAD_REQUEST, Some("invalidValue"), detail),
    }
}

fn json_body(body: &Bytes) -> Result<Value, Response> {
    serde_json::from_slice(body).map_err(|e| errors::scim(StatusCode::BAD_REQUEST, Some("invalidSyntax"), format!("Malformed JSON: {e}")))
}

fn query_pairs(query: Option<String>) -> Vec<(String, String)> {
    query.map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect()).unwrap_or_default()
}

/// Keeps the requested attributes (`attributes`), or drops some (`excludedAttributes`).
/// `id` and `schemas` are always returned (RFC 7644 §3.4.2.5).
fn project(resource: &mut Value, attributes: Option<&str>, excluded: Option<&str>) {
    let names = |list: &str| list.split(',').map(|a| a.trim().to_ascii_lowercase()).filter(|a| !a.is_empty()).collect::<Vec<_>>();
    let Value::Object(map) = resource else { return };
    if let Some(keep) = attributes.map(names).filter(|k| !k.is_empty()) {
        map.retain(|key, _| {
            let key = key.to_ascii_lowercase();
            key == "id" || key == "schemas" || keep.iter().any(|k| *k == key || k.split('.').next() == Some(key.as_str()))
        });
    }
    if let Some(drop) = excluded.map(names) {
        map.retain(|key, _| key == "id" || key == "schemas" || !drop.contains(&key.to_ascii_lowercase()));
    }
}

fn sort_key(resource: &Value, path: &str) -> Option<String> {
    values_at(resource, path).first().map(|v| match v {
        Value::String(s) => s.to_lowercase(),
        other => other.to_string(),
    })
}

pub async fn list(target: Target, RawQuery(query): RawQuery) -> Answer {
    let Target { shared, kind, .. } = target;
    let query = query_pairs(query);
    let param = |name: &str| query.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    let window = Window::parse(param("startIndex"), param("count"))
        .map_err(|detail| errors::scim(StatusCode::BAD_REQUEST, Some("invalidValue"), detail))?;
    let filter = param("filter")
        .filter(|f| !f.trim().is_empty())
        .map(filter::parse)
        .transpose()
        .map_err(|e| errors::scim(StatusCode::BAD_REQUEST, Some("invalidFilter"), format!("Invalid filter: {e}")))?;
    let sort_by = param("sortBy").filter(|s| !s.is_empty());
    if filter.is_none() && sort_by.is_none() {
        // A plain page renders only its own window, so walking every page of a large account
        // costs time linear in its size (a filter or a sort needs every resource rendered).
        let state = shared.state();
        let ids = state.store.ids(kind);
        let total = ids.len();
        let page: Vec<Value> = window.apply(ids).iter().filter_map(|id| state.store.render(kind, id).ok()).collect();
        drop(state);
        return Ok(list_answer(kind, total, window.start_index, page, param("attributes"), param("excludedAttributes")));
    }
    let mut matches: Vec<Value> = shared.state().store.all(kind);
    if let Some(filter) = &filter {
        matches.retain(|r| filter.matches(r));
    }
    if let Some(sort_by) = sort_by {
        // Resources without the attribute sort last, whatever the order (RFC 7644 §3.4.2.3).
        matches.sort_by(|a, b| match (sort_key(a, sort_by), sort_key(b, sort_by)) {
            (Some(x), Some(y)) => x.cmp(&y),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => std::cmp::Ordering::Equal,
        });
        if param("sortOrder").is_some_and(|o| o.eq_ignore_ascii_case("descending")) {
            let (with, without): (Vec<_>, Vec<_>) = matches.into_iter().partition(|r| sort_key(r, sort_by).is_some());
            matches = with.into_iter().rev().chain(without).collect();
        }
    }
    let total = matches.len();
    let page = window.apply(matches);
    Ok(list_answer(kind, total, window.start_index, page, param("attributes"), param("excludedAttributes")))
}

/// A SCIM `ListResponse` of one page, each resource shaped as the list shows it.
fn list_answer(
    kind: Kind,
    total: usize,
    start_index: usize,
    mut page: Vec<Value>,
    attributes: Option<&str>,
    excluded: Option<&str>,
) -> Response {
    for resource in &mut page {
        if kind == Kind::Groups {
            // Since 2025-08-22 the account group list no longer returns members.
            if let Value::Object(map) = resource {
                map.remove("members");
            }
        }
        project(resource, attributes, excluded);
    }
    Json(json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
        "totalResults": total,
        "startIndex": start_index,
        "itemsPerPage": page.len(),
        "Resources": page,
    }))
    .into_response()
}

pub async fn create(target: Target, body: Bytes) -> Answer {
    let Target { shared, kind, .. } = target;
    let body = json_body(&body)?;
    let store = &mut shared.state().store;
    let created = store.create(kind, &body).and_then(|id| store.render(kind, &id)).map_err(store_error)?;
    Ok((StatusCode::CREATED, Json(created)).into_response())
}

pub async fn get(target: Target, RawQuery(query): RawQuery) -> Answer {
    let Target { shared, kind, id } = target;
    let query = query_pairs(query);
    let param = |name: &str| query.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    let mut found = shared.state().store.render(kind, &id).map_err(store_error)?;
    project(&mut found, param("attributes"), param("excludedAttributes"));
    Ok(Json(found).into_response())
}

/// PUT replaces the whole resource: attributes left out are wiped, like Databricks.
pub async fn replace(target: Target, body: Bytes) -> Answer {
    let Target { shared, kind, id } = target;
    let body = json_body(&body)?;
    let store = &mut shared.state().store;
    let replaced = store.replace(kind, &id, body).and_then(|()| store.render(kind, &id)).map_err(store_error)?;
    Ok(Json(replaced).into_response())
}

/// PATCH applies the operations atomically and answers 204 No Content, like Databricks.
pub async fn patch(target: Target, body: Bytes) -> Answer {
    let Target { shared, kind, id } = target;
    let body = json_body(&body)?;
    let store = &mut shared.state().store;
    let mut current = store.raw(kind, &id).map_err(store_error)?;
    let added = crate::patch::apply(&mut current, &body).map_err(|e| errors::scim(StatusCode::BAD_REQUEST, Some(e.scim_type), e.detail))?;
    // Only groups have members; a member added to a user or service principal is a bad path.
    if kind != Kind::Groups && current.get("members").is_some() {
        return Err(errors::scim(StatusCode::BAD_REQUEST, Some("invalidPath"), format!("{} has no attribute members.", kind.noun())));
    }
    store.check_members(&added).and_then(|()| store.replace(kind, &id, current)).map_err(store_error)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub async fn delete(target: Target) -> Answer {
    let Target { shared, kind, id } = target;
    shared.state().store.delete(kind, &id).map_err(store_error)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn window(start: Option<&str>, count: Option<&str>) -> Window {
        Window::parse(start, count).unwrap()
    }

    #[test]
    fn paging_window_defaults_and_limits() {
        assert_eq!(window(None, None), Window { start_index: 1, count: MAX_COUNT }, "default count 10000 is capped");
        assert_eq!(window(Some(""), Some("")), Window { start_index: 1, count: MAX_COUNT });
        assert_eq!(window(Some("0"), Some("5")), Window { start_index: 1, count: 5 }, "startIndex below 1 is 1");
        assert_eq!(window(Some("-7"), Some("-1")), Window { start_index: 1, count: 0 }, "a negative count is 0");
        assert_eq!(window(Some(" 3 "), Some("1000")), Window { start_index: 3, count: MAX_COUNT }, "count above 100 is 100");
        assert!(Window::parse(Some("one"), None).is_err());
        assert!(Window::parse(None, Some("1.5")).is_err());
        assert!(Window::parse(None, Some("99999999999999999999999")).is_err(), "out of range is refused, not wrapped");
    }

    #[test]
    fn paging_window_selects_the_page() {
        let items: Vec<u32> = (1..=250).collect();
        assert_eq!(window(Some("1"), Some("100")).apply(items.clone()), (1..=100).collect::<Vec<_>>());
        assert_eq!(window(Some("101"), Some("100")).apply(items.clone()), (101..=200).collect::<Vec<_>>());
        assert_eq!(window(Some("201"), Some("100")).apply(items.clone()), (201..=250).collect::<Vec<_>>(), "a short last page");
        assert!(window(Some("251"), Some("100")).apply(items.clone()).is_empty(), "past the end is empty");
        assert!(window(Some(&u32::MAX.to_string()), None).apply(items.clone()).is_empty());
        assert!(window(None, Some("0")).apply(items.clone()).is_empty(), "count 0 only totals");
        // The SDKs' loop: startIndex += len(Resources) until an empty page, sees every item once.
        let (mut start, mut seen) = (1usize, Vec::new());
        loop {
            let page = window(Some(&start.to_string()), Some("7")).apply(items.clone());
            if page.is_empty() {
                break;
            }
            start += page.len();
            seen.extend(page);
        }
        assert_eq!(seen, items);
    }

    #[test]
    fn projection_keeps_id_and_schemas() {
        let user = json!({"id": "1", "schemas": ["s"], "userName": "a", "name": {"givenName": "A"}, "emails": [], "active": true});
        let mut kept = user.clone();
        project(&mut kept, Some("userName, name.givenName"), None);
        assert_eq!(kept, json!({"id": "1", "schemas": ["s"], "userName": "a", "name": {"givenName": "A"}}));
        let mut dropped = user.clone();
        project(&mut dropped, None, Some("EMAILS,active,id,schemas"));
        assert_eq!(dropped, json!({"id": "1", "schemas": ["s"], "userName": "a", "name": {"givenName": "A"}}));
    }
}
