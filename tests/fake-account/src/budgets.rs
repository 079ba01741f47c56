//! Budgets on API 2.1: `/api/2.1/accounts/{account_id}/budgets[/{id}]`. Budgets and their
//! alerts and actions get IDs; PUT replaces the whole budget (alert and action IDs given
//! back are kept); the list pages by token.

use crate::common::{Account, Answer, Params, invalid, not_found, now_ms, token_page};
use axum::Json;
use axum::extract::{Path, RawQuery};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// Budgets per page (Databricks does not let the caller choose).
const PAGE: usize = 50;

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

pub async fn list(Account(shared): Account, RawQuery(query): RawQuery) -> Answer {
    let (page, next) = token_page(&shared.state().budgets, &Params::parse(query), None, PAGE);
    let mut answer = json!({"budgets": page});
    if let Some(next) = next {
        answer["next_page_token"] = json!(next);
    }
    Ok(Json(answer).into_response())
}

pub async fn create(Account(shared): Account, body: axum::body::Bytes) -> Answer {
    let body: Value = serde_json::from_slice(&body).map_err(|_| invalid("Malformed JSON"))?;
    let mut budget = normalized(body["budget"].clone())?;
    let now = now_ms();
    budget["budget_configuration_id"] = json!(crate::ids::uuid());
    budget["account_id"] = json!(shared.config.account_id);
    budget["create_time"] = json!(now);
    budget["update_time"] = json!(now);
    shared.state().budgets.push(budget.clone());
    Ok(Json(json!({"budget": budget})).into_response())
}

pub async fn get(Account(shared): Account, Path((_, id)): Path<(String, String)>) -> Answer {
    let found = shared.state().budgets.iter().find(|b| b["budget_configuration_id"] == id.as_str()).cloned();
    Ok(Json(json!({"budget": found.ok_or_else(|| not_found("Budget", &id))?})).into_response())
}

pub async fn replace(Account(shared): Account, Path((_, id)): Path<(String, String)>, body: axum::body::Bytes) -> Answer {
    let body: Value = serde_json::from_slice(&body).map_err(|_| invalid("Malformed JSON"))?;
    let mut replacement = normalized(body["budget"].clone())?;
    let mut state = shared.state();
    let budgets = &mut state.budgets;
    let current = budgets.iter_mut().find(|b| b["budget_configuration_id"] == id.as_str()).ok_or_else(|| not_found("Budget", &id))?;
    replacement["budget_configuration_id"] = json!(id);
    replacement["account_id"] = current["account_id"].clone();
    replacement["create_time"] = current["create_time"].clone();
    replacement["update_time"] = json!(now_ms());
    *current = replacement.clone();
    Ok(Json(json!({"budget": replacement})).into_response())
}

pub async fn delete(Account(shared): Account, Path((_, id)): Path<(String, String)>) -> Answer {
    let mut state = shared.state();
    let budgets = &mut state.budgets;
    let before = budgets.len();
    budgets.retain(|b| b["budget_configuration_id"] != id.as_str());
    if budgets.len() == before {
        return Err(not_found("Budget", &id));
    }
    Ok(Json(json!({})).into_response())
}
