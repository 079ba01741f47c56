//! Account settings: `/api/2.0/accounts/{account_id}/settings/types/{type}/names/default`.
//! Each setting is one record `{"<field>": {…}, "etag", "setting_name": "default"}`. As the SDKs
//! document it: GET takes an optional `etag` ("at least as fresh as"); PATCH takes
//! `{allow_missing, field_mask, setting}` with the etag inside `setting`, and a stale etag is a
//! 409 carrying the fresh one (see [`errors::stale_etag`]); DELETE,
//! offered only for the toggles with a documented default, takes the etag in the query, reverts
//! the setting and answers `{"etag"}`. Every write makes a new etag.

use crate::common::{Account, Answer, Params, invalid, json_body, not_found};
use crate::errors;
use crate::state::AccountState;
use axum::Json;
use axum::extract::{Path, RawQuery};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// A setting's value and the etag of its version.
#[derive(Clone, Debug)]
pub struct Setting {
    value: Value,
    etag: String,
}

/// One setting type: the field its record holds, its default, whether it can be deleted, and
/// what its value must be.
struct Kind {
    name: &'static str,
    field: &'static str,
    default: fn() -> Value,
    deletable: bool,
    check: fn(&Value) -> bool,
}

fn boolean(value: &Value) -> bool {
    value["value"].is_boolean() || value["value"].is_null()
}

fn enforced(value: &Value) -> bool {
    value["is_enforced"].is_boolean() || value["is_enforced"].is_null()
}

const STANDARDS: &[&str] = &[
    "CANADA_PROTECTED_B",
    "CYBER_ESSENTIAL_PLUS",
    "FEDRAMP_HIGH",
    "FEDRAMP_IL5",
    "FEDRAMP_MODERATE",
    "GERMANY_C5",
    "GERMANY_TISAX",
    "HIPAA",
    "HITRUST",
    "IRAP_PROTECTED",
    "ISMAP",
    "ITAR_EAR",
    "KSA_ECC_CCC_DCC",
    "K_FSI",
    "NONE",
    "PCI_DSS",
];

/// The account-level setting types and their defaults. Documented: compliance security profile
/// and enhanced security monitoring are "disabled for new workspaces" by default, the account IP
/// access toggle defaults to ON, and Personal Compute to ON ("all users in all workspaces have
/// access"). Not documented, chosen here: legacy features stay enabled (`disable_legacy_features`
/// false, as on an account that never changed it), partner-powered AI features are on and not
/// enforced (Databricks' docs describe them as enabled by default).
const KINDS: &[Kind] = &[
    Kind::new("shield_csp_enablement_ac", "csp_enablement_account", || json!({"is_enforced": false}), false, compliance),
    Kind::new("shield_esm_enablement_ac", "esm_enablement_account", || json!({"is_enforced": false}), false, enforced),
    Kind::new("acct_ip_acl_enable", "acct_ip_acl_enable", || json!({"value": true}), true, boolean),
    Kind::new("disable_legacy_features", "disable_legacy_features", || json!({"value": false}), true, boolean),
    Kind::new(
        "dcp_acct_enable",
        "personal_compute",
        || json!({"value": "ON"}),
        true,
        |v| matches!(v["value"].as_str(), Some("ON" | "DELEGATE")),
    ),
    Kind::new("llm_proxy_partner_powered", "boolean_val", || json!({"value": true}), false, boolean),
    Kind::new("llm_proxy_partner_powered_enforce", "boolean_val", || json!({"value": false}), false, boolean),
];

impl Kind {
    const fn new(name: &'static str, field: &'static str, default: fn() -> Value, deletable: bool, check: fn(&Value) -> bool) -> Kind {
        Kind { name, field, default, deletable, check }
    }
}

/// The compliance security profile: whether it is enforced, and standards of the SDK's enum.
fn compliance(value: &Value) -> bool {
    let standards = &value["compliance_standards"];
    let known = |s: &Value| s.as_str().is_some_and(|s| STANDARDS.contains(&s));
    enforced(value) && (standards.is_null() || standards.as_array().is_some_and(|s| s.iter().all(known)))
}

/// Every setting at its default, with a first etag.
pub fn seed(state: &mut AccountState) {
    for kind in KINDS {
        let etag = state.etag(kind.name);
        state.settings.insert(kind.name.to_string(), Setting { value: (kind.default)(), etag });
    }
}

/// The setting type of the path; `default` is the only name an account setting has.
fn kind(setting_type: &str, name: &str) -> Result<&'static Kind, Response> {
    let kind = KINDS.iter().find(|k| k.name == setting_type).ok_or_else(|| not_found("Setting type", setting_type))?;
    if name != "default" {
        return Err(not_found("Setting", &format!("{setting_type}/{name}")));
    }
    Ok(kind)
}

/// The setting as its record.
fn record(state: &AccountState, kind: &Kind) -> Value {
    let setting = state.settings.get(kind.name).cloned().unwrap_or_else(|| Setting { value: (kind.default)(), etag: String::new() });
    json!({kind.field: setting.value, "etag": setting.etag, "setting_name": "default"})
}

/// 409 unless `given` is the setting's current etag.
fn fresh(state: &AccountState, kind: &Kind, given: Option<&str>) -> Result<(), Response> {
    let current = state.settings.get(kind.name).map(|s| s.etag.as_str()).unwrap_or_default();
    match given {
        Some(etag) if etag == current => Ok(()),
        _ => Err(errors::stale_etag(format!("The etag of setting {} is not its current one.", kind.name), current)),
    }
}

pub async fn get(Account(shared): Account, Path((_, setting_type, name)): Path<(String, String, String)>) -> Answer {
    let kind = kind(&setting_type, &name)?;
    Ok(Json(record(&shared.state(), kind)).into_response())
}

/// `PATCH`: the masked fields of `setting` replace the stored ones. An etag that is missing or
/// stale is a 409 with the current etag, so a client that did not read first retries with it, as
/// the Terraform provider does.
pub async fn update(
    Account(shared): Account,
    Path((_, setting_type, name)): Path<(String, String, String)>,
    body: axum::body::Bytes,
) -> Answer {
    let kind = kind(&setting_type, &name)?;
    let body = json_body(&body)?;
    let paths = crate::mask::parse("field_mask", body["field_mask"].as_str())?;
    let setting = &body["setting"];
    if !setting.is_object() {
        return Err(invalid("setting is required"));
    }
    let mut state = shared.state();
    fresh(&state, kind, setting["etag"].as_str())?;
    let mut stored = json!({kind.field: state.settings.get(kind.name).map(|s| s.value.clone()).unwrap_or_else(kind.default)});
    let wildcard = format!("{}.*", kind.field);
    crate::mask::apply(&mut stored, setting, &paths, &[kind.field, &wildcard])?;
    let value = stored[kind.field].clone();
    if !value.is_object() || !(kind.check)(&value) {
        return Err(invalid(format!("{} is not a valid value of {}: {value}", kind.field, kind.name)));
    }
    let etag = state.etag(kind.name);
    state.settings.insert(kind.name.to_string(), Setting { value, etag });
    Ok(Json(record(&state, kind)).into_response())
}

/// `DELETE`: back to the default. The etag is optional in the SDKs; a stale one is a 409.
pub async fn delete(
    Account(shared): Account,
    Path((_, setting_type, name)): Path<(String, String, String)>,
    RawQuery(query): RawQuery,
) -> Answer {
    let kind = kind(&setting_type, &name)?;
    if !kind.deletable {
        let message = format!("No API found for 'DELETE settings/types/{setting_type}/names/{name}'");
        return Err(errors::api(StatusCode::NOT_FOUND, "ENDPOINT_NOT_FOUND", message));
    }
    let params = Params::parse(query);
    let mut state = shared.state();
    if let Some(given) = params.get("etag").filter(|e| !e.is_empty()) {
        fresh(&state, kind, Some(given))?;
    }
    let etag = state.etag(kind.name);
    state.settings.insert(kind.name.to_string(), Setting { value: (kind.default)(), etag: etag.clone() });
    Ok(Json(json!({"etag": etag})).into_response())
}

/// Another client saves the setting again (as a concurrent write does): its value stays, its
/// etag changes. Unknown types are left alone.
pub fn write_again(state: &mut AccountState, setting_type: &str) {
    if state.settings.contains_key(setting_type) {
        let etag = state.etag(setting_type);
        if let Some(setting) = state.settings.get_mut(setting_type) {
            setting.etag = etag;
        }
    }
}
