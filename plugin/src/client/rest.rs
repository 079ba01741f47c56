//! The account's plain JSON endpoints (everything but SCIM): typed GET, POST and DELETE
//! over `Session::send`, so a card states only its path, its body and its answer's shape.

use super::{ApiVersion, Method, Request, Session};
use crate::wit::CardError;
use serde::de::DeserializeOwned;

/// `GET /api/<version>/accounts/{account_id}/<rest>`.
pub fn get<T: DeserializeOwned>(session: &Session, version: ApiVersion, rest: &str) -> Result<T, CardError> {
    session.send(Request::new(Method::Get, session.account_path(version, rest)))?.json()
}

/// `GET` a list that Databricks sends as a bare JSON array (what the SDKs decode) or wrapped
/// in an object under `key` (what its newer docs show); both decode.
pub fn get_list<T: DeserializeOwned>(session: &Session, version: ApiVersion, rest: &str, key: &str) -> Result<Vec<T>, CardError> {
    #[derive(serde::Deserialize)]
    #[serde(untagged)]
    enum Shape<T> {
        Bare(Vec<T>),
        Wrapped(serde_json::Map<String, serde_json::Value>),
    }
    let response = session.send(Request::new(Method::Get, session.account_path(version, rest)))?;
    match response.json::<Shape<T>>()? {
        Shape::Bare(items) => Ok(items),
        Shape::Wrapped(mut object) => match object.remove(key) {
            None | Some(serde_json::Value::Null) => Ok(Vec::new()),
            Some(items) => serde_json::from_value(items).map_err(|e| super::errors::unreadable(&response, &e)),
        },
    }
}

/// `POST` a JSON body.
pub fn post<T: DeserializeOwned>(session: &Session, version: ApiVersion, rest: &str, body: serde_json::Value) -> Result<T, CardError> {
    session.send(Request::new(Method::Post, session.account_path(version, rest)).json(body))?.json()
}

/// `PUT` a JSON body (a replace, so repeating it is harmless).
pub fn put<T: DeserializeOwned>(session: &Session, version: ApiVersion, rest: &str, body: serde_json::Value) -> Result<T, CardError> {
    session.send(Request::new(Method::Put, session.account_path(version, rest)).json(body))?.json()
}

/// `DELETE`; Databricks answers `{}` or nothing.
pub fn delete(session: &Session, version: ApiVersion, rest: &str) -> Result<(), CardError> {
    session.send(Request::new(Method::Delete, session.account_path(version, rest)))?;
    Ok(())
}
