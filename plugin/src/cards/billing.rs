//! Billing cards: budgets. The cards speak in the common case (one monthly alert by
//! e-mail); the whole Databricks object travels along in `raw`.

use crate::client::pages;
use crate::client::{ApiVersion, Method, Request, Session, rest};
use crate::validate::{self, invalid};
use crate::wit::billing::*;
use crate::wit::{CardError, Deleted};
use serde_json::{Value, json};

const BUDGETS: &str = "budgets";
const MAX_EMAILS: usize = 10;

#[derive(serde::Deserialize)]
struct BudgetsPage {
    #[serde(default)]
    budgets: Vec<Value>,
    #[serde(default)]
    next_page_token: Option<String>,
}

#[derive(serde::Deserialize)]
struct OneBudget {
    budget: Value,
}

/// The typed core of a Databricks `BudgetConfiguration`.
fn budget(raw: Value) -> Budget {
    let alert = &raw["alert_configurations"][0];
    let strings = |v: &Value| v.as_str().map(str::to_string);
    Budget {
        budget_configuration_id: strings(&raw["budget_configuration_id"]).unwrap_or_default(),
        display_name: strings(&raw["display_name"]),
        workspace_ids: raw["filter"]["workspace_id"]["values"].as_array().map(|v| v.iter().filter_map(Value::as_i64).collect()).unwrap_or_default(),
        monthly_threshold_usd: strings(&alert["quantity_threshold"]),
        alert_emails: alert["action_configurations"]
            .as_array()
            .map(|a| a.iter().filter(|c| c["action_type"] == "EMAIL_NOTIFICATION").filter_map(|c| strings(&c["target"])).collect())
            .unwrap_or_default(),
        create_time: raw["create_time"].as_i64(),
        update_time: raw["update_time"].as_i64(),
        raw: raw.to_string(),
    }
}

fn budget_id(value: &str) -> Result<(), CardError> {
    validate::name("budget-configuration-id", value, 64)?;
    if value.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') { Ok(()) } else { Err(invalid("budget-configuration-id", "must be a budget ID")) }
}

/// A non-negative decimal such as `1000` or `2500.50`.
fn threshold(value: &str) -> Result<(), CardError> {
    let (whole, fraction) = value.split_once('.').unwrap_or((value, "0"));
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if digits(whole) && digits(fraction) && whole.len() <= 15 { Ok(()) } else { Err(invalid("monthly-threshold-usd", "must be a decimal amount such as 1000 or 2500.50")) }
}

fn emails(list: &[String]) -> Result<(), CardError> {
    if list.is_empty() || list.len() > MAX_EMAILS {
        return Err(invalid("alert-emails", format!("give 1 to {MAX_EMAILS} e-mail addresses")));
    }
    list.iter().try_for_each(|e| validate::email("alert-emails", e))
}

fn workspace_filter(ids: &[i64]) -> Result<Value, CardError> {
    if ids.iter().any(|id| *id <= 0) {
        return Err(invalid("workspace-ids", "must be positive workspace IDs"));
    }
    Ok(if ids.is_empty() { json!({}) } else { json!({"workspace_id": {"operator": "IN", "values": ids}}) })
}

fn email_actions(emails: &[String]) -> Vec<Value> {
    emails.iter().map(|e| json!({"action_type": "EMAIL_NOTIFICATION", "target": e})).collect()
}

pub fn list_budgets(s: &Session, input: ListBudgetsInput) -> Result<Budgets, CardError> {
    let path = s.account_path(ApiVersion::V2_1, BUDGETS);
    let page = pages::read(input.paging.as_ref(), |token, _size| {
        // Databricks pages budgets by token alone; it takes no page size.
        let page: BudgetsPage = s.send(Request::new(Method::Get, path.clone()).query("page_token", token))?.json()?;
        Ok((page.budgets, page.next_page_token))
    })?;
    Ok(Budgets { budgets: page.items.into_iter().map(budget).collect(), next_page_token: page.next_page_token })
}

pub fn create_budget(s: &Session, input: CreateBudgetInput) -> Result<Budget, CardError> {
    validate::name("display-name", &input.display_name, 128)?;
    threshold(&input.monthly_threshold_usd)?;
    emails(&input.alert_emails)?;
    let filter = workspace_filter(input.workspace_ids.as_deref().unwrap_or_default())?;
    let body = json!({"budget": {
        "display_name": input.display_name,
        "filter": filter,
        "alert_configurations": [{
            "time_period": "MONTH",
            "trigger_type": "CUMULATIVE_SPENDING_EXCEEDED",
            "quantity_type": "LIST_PRICE_DOLLARS_USD",
            "quantity_threshold": input.monthly_threshold_usd,
            "action_configurations": email_actions(&input.alert_emails),
        }],
    }});
    rest::post::<OneBudget>(s, ApiVersion::V2_1, BUDGETS, body).map(|a| budget(a.budget))
}

pub fn get_budget(s: &Session, input: BudgetId) -> Result<Budget, CardError> {
    budget_id(&input.budget_configuration_id)?;
    rest::get::<OneBudget>(s, ApiVersion::V2_1, &format!("{BUDGETS}/{}", input.budget_configuration_id)).map(|a| budget(a.budget))
}

pub fn update_budget(s: &Session, input: UpdateBudgetInput) -> Result<Budget, CardError> {
    budget_id(&input.budget_configuration_id)?;
    let nothing = input.display_name.is_none() && input.monthly_threshold_usd.is_none() && input.alert_emails.is_none() && input.workspace_ids.is_none();
    if nothing {
        return Err(invalid("budget-configuration-id", "give at least one field to change besides budget-configuration-id"));
    }
    validate::optional_name("display-name", input.display_name.as_deref(), 128)?;
    input.monthly_threshold_usd.as_deref().map(threshold).transpose()?;
    input.alert_emails.as_deref().map(emails).transpose()?;
    let filter = input.workspace_ids.as_deref().map(workspace_filter).transpose()?;
    // Databricks replaces a budget whole (PUT), so the current one is read and sent back
    // with only the given fields changed; alert and action IDs are kept so they survive.
    let path = format!("{BUDGETS}/{}", input.budget_configuration_id);
    let mut current = rest::get::<OneBudget>(s, ApiVersion::V2_1, &path)?.budget;
    if let Some(name) = input.display_name {
        current["display_name"] = json!(name);
    }
    if let Some(filter) = filter {
        current["filter"] = filter;
    }
    if let Some(alert) = current["alert_configurations"].get_mut(0) {
        if let Some(amount) = input.monthly_threshold_usd {
            alert["quantity_threshold"] = json!(amount);
        }
        if let Some(emails) = &input.alert_emails {
            alert["action_configurations"] = json!(email_actions(emails));
        }
    }
    for server_owned in ["create_time", "update_time", "account_id"] {
        if let Value::Object(map) = &mut current {
            map.remove(server_owned);
        }
    }
    rest::put::<OneBudget>(s, ApiVersion::V2_1, &path, json!({"budget": current})).map(|a| budget(a.budget))
}

pub fn delete_budget(s: &Session, input: BudgetId) -> Result<Deleted, CardError> {
    budget_id(&input.budget_configuration_id)?;
    rest::delete(s, ApiVersion::V2_1, &format!("{BUDGETS}/{}", input.budget_configuration_id))?;
    Ok(Deleted { id: input.budget_configuration_id })
}
