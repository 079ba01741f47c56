//! Budgets on API 2.1: `/api/2.1/accounts/{account_id}/budgets[/{id}]`. Budgets and their
//! alerts and actions get IDs; PUT replaces the whole budget (alert and action IDs given
//! back are kept); the list pages by token.

use crate::collection::{Collection, Listing};
use crate::common::{Account, Answer, invalid, not_found, now_ms};
use axum::extract::Path;
use axum::response::Response;
use serde_json::{Value, json};

/// The account's budgets, 50 a page (Databricks does not let the caller choose).
pub fn collection() -> Collection {
    let listing = Listing::Paged { field: "budgets", size_param: None, default_size: 50 };
    Collection::new("budget_configuration_id", |id| not_found("Budget", id)).enveloped("budget").listed(listing)
}

/// Checks a budget body and gives its alerts and actions IDs where they have none.
fn normalized(mut budget: Value) -> Result<Value, Response> {
    if budget["display_name"].as_str().is_none_or(|n| n.trim().is_empty()) {
        return Err(invalid("budget.display_name is required"));
    }
    let alerts = budget["alert_configurations"].as_array_mut().filter(|a| !a.is_empty());
    let alerts = alerts.ok_or_else(|| invalid("budget.alert_configurations needs at least one alert"))?;
    for alert in alerts {
        let threshold = alert["quantity_threshold"].as_str().unwrap_or("");
        if threshold.parse::<f64>().map_or(true, |t| t < 0.0) {
            return Err(invalid("quantity_threshold must be a non-negative decimal string"));
        }
        if alert["alert_configuration_id"].is_null() {
            alert["alert_configuration_id"] = json!(crate::ids::uuid());
        }
        for action in alert["action_configurations"].as_array_mut().into_iter().flatten() {
            if !action.is_object() {
                return Err(invalid("each action configuration must be an object"));
            }
            if action["action_configuration_id"].is_null() {
                action["action_configuration_id"] = json!(crate::ids::uuid());
            }
        }
    }
    Ok(budget)
}

pub async fn create(Account(shared): Account, body: axum::body::Bytes) -> Answer {
    let body: Value = serde_json::from_slice(&body).map_err(|_| invalid("Malformed JSON"))?;
    let mut budget = normalized(body["budget"].clone())?;
    let now = now_ms();
    budget["budget_configuration_id"] = json!(crate::ids::uuid());
    budget["account_id"] = json!(shared.config.account_id);
    budget["create_time"] = json!(now);
    budget["update_time"] = json!(now);
    shared.state().budgets.create(budget)
}

pub async fn replace(Account(shared): Account, Path((_, id)): Path<(String, String)>, body: axum::body::Bytes) -> Answer {
    let body: Value = serde_json::from_slice(&body).map_err(|_| invalid("Malformed JSON"))?;
    let mut replacement = normalized(body["budget"].clone())?;
    replacement["update_time"] = json!(now_ms());
    let mut state = shared.state();
    let replaced = state.budgets.replace(&id, replacement, &["account_id", "create_time"])?.clone();
    Ok(state.budgets.answer(replaced))
}
