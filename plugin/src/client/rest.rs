//! The account's plain JSON endpoints (everything but SCIM): typed GET, POST and DELETE
//! over `Session::send`, so a card states only its path, its body and its answer's shape.

use super::{ApiVersion, Method, Request, Session};
use crate::wit::CardError;
use serde::de::DeserializeOwned;

/// `GET /api/<version>/accounts/{account_id}/<rest>`.
pub fn get<T: DeserializeOwned>(session: &Session, version: ApiVersion, rest: &str) -> Result<T, CardError> {
    session.send(Request::new(Method::Get, session.account_path(version, rest)))?.json()
}

/// `POST` a JSON body.
pub fn post<T: DeserializeOwned>(session: &Session, version: ApiVersion, rest: &str, body: serde_json::Value) -> Result<T, CardError> {
    session.send(Request::new(Method::Post, session.account_path(version, rest)).json(body))?.json()
}

/// `DELETE`; Databricks answers `{}` or nothing.
pub fn delete(session: &Session, version: ApiVersion, rest: &str) -> Result<(), CardError> {
    session.send(Request::new(Method::Delete, session.account_path(version, rest)))?;
    Ok(())
}
