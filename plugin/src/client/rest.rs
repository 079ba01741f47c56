//! The account's plain JSON endpoints (everything but SCIM): typed GET, POST and DELETE
//! over `Session::send`, so a card states only its path, its body and its answer's shape.

use super::{ApiVersion, Method, Request, Session};
use crate::wit::CardError;
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;

/// `GET /api/<version>/accounts/{account_id}/<rest>`.
pub fn get<T: DeserializeOwned>(session: &Session, version: ApiVersion, rest: &str) -> Result<T, CardError> {
    session.send(Request::new(Method::Get, session.account_path(version, rest)))?.json()
}

/// `GET` a list that Databricks sends as a bare JSON array (what the SDKs decode) or wrapped
/// in an object under `key` (what its newer docs show); both decode.
pub fn get_list<T: DeserializeOwned>(session: &Session, version: ApiVersion, rest: &str, key: &str) -> Result<Vec<T>, CardError> {
    let response = session.send(Request::new(Method::Get, session.account_path(version, rest)))?;
    if response.text()?.trim_start().starts_with('[') {
        return response.json();
    }
    // The wrapped shape: the object's members stay raw, so the list is decoded from its own text
    // by the same decoder as the bare shape.
    let mut object: std::collections::BTreeMap<String, Box<RawValue>> = response.json()?;
    match object.remove(key) {
        Some(items) if items.get() != "null" => serde_json::from_str(items.get()).map_err(|e| super::errors::unreadable(&response, &e)),
        _ => Ok(Vec::new()),
    }
}

/// `POST` a JSON body.
pub fn post<T: DeserializeOwned>(session: &Session, version: ApiVersion, rest: &str, body: serde_json::Value) -> Result<T, CardError> {
    session.send(Request::new(Method::Post, session.account_path(version, rest)).json(body))?.json()
}

/// `POST` a JSON body; the answer's member `key` is the result.
pub fn post_in<T: DeserializeOwned>(
    session: &Session,
    version: ApiVersion,
    rest: &str,
    body: serde_json::Value,
    key: &str,
) -> Result<T, CardError> {
    session.send(Request::new(Method::Post, session.account_path(version, rest)).json(body))?.json_in(key)
}

/// `PUT` a JSON body (a replace, so repeating it is harmless).
pub fn put<T: DeserializeOwned>(session: &Session, version: ApiVersion, rest: &str, body: serde_json::Value) -> Result<T, CardError> {
    session.send(Request::new(Method::Put, session.account_path(version, rest)).json(body))?.json()
}

/// `PATCH` a JSON body.
pub fn patch<T: DeserializeOwned>(session: &Session, version: ApiVersion, rest: &str, body: serde_json::Value) -> Result<T, CardError> {
    session.send(Request::new(Method::Patch, session.account_path(version, rest)).json(body))?.json()
}

/// `DELETE`; Databricks answers `{}` or nothing.
pub fn delete(session: &Session, version: ApiVersion, rest: &str) -> Result<(), CardError> {
    session.send(Request::new(Method::Delete, session.account_path(version, rest)))?;
    Ok(())
}
