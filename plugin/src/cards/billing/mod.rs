//! Billing cards: budgets, log delivery and billable usage; budget policies and usage
//! dashboards in `policies.rs`. The budget cards speak in the common case (one monthly alert by
//! e-mail); the whole Databricks object travels along in `raw`.

// Declarations are named like the cards they are: the export glue finds them by name.
#![allow(non_upper_case_globals)]

mod policies;

pub use policies::*;

use crate::client::pages;
use crate::client::{ApiVersion, Call, Method, Request, Session, rest, without_nulls};
use crate::validate::invalid;
use crate::wit::CardError;
use crate::wit::billing::*;
use serde_json::{Value, json};

const BUDGETS: &str = "budgets";

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

/// The typed core of a Databricks `BudgetConfiguration`; one without its ID is not a budget.
fn budget(raw: Value) -> Result<Budget, CardError> {
    let alert = &raw["alert_configurations"][0];
    let strings = |v: &Value| v.as_str().map(str::to_string);
    let Some(budget_configuration_id) = strings(&raw["budget_configuration_id"]) else {
        return Err(CardError::Upstream(crate::wit::ApiError {
            status: 200,
            error_code: None,
            message: "Databricks answered with a budget without `budget_configuration_id`".into(),
            request_id: None,
        }));
    };
    let tags = raw["filter"]["tags"].as_array().map(|tags| {
        tags.iter()
            .map(|t| BudgetTag {
                key: strings(&t["key"]).unwrap_or_default(),
                values: t["value"]["values"].as_array().map(|v| v.iter().filter_map(strings).collect()).unwrap_or_default(),
            })
            .collect()
    });
    Ok(Budget {
        budget_configuration_id,
        tags: tags.unwrap_or_default(),
        display_name: strings(&raw["display_name"]),
        workspace_ids: raw["filter"]["workspace_id"]["values"]
            .as_array()
            .map(|v| v.iter().filter_map(Value::as_i64).collect())
            .unwrap_or_default(),
        monthly_threshold_usd: strings(&alert["quantity_threshold"]),
        alert_emails: alert["action_configurations"]
            .as_array()
            .map(|a| a.iter().filter(|c| c["action_type"] == "EMAIL_NOTIFICATION").filter_map(|c| strings(&c["target"])).collect())
            .unwrap_or_default(),
        create_time: raw["create_time"].as_i64(),
        update_time: raw["update_time"].as_i64(),
        raw: raw.to_string(),
    })
}

/// A non-negative decimal such as `1000` or `2500.50`.
fn threshold(value: &str) -> Result<(), CardError> {
    let (whole, fraction) = value.split_once('.').unwrap_or((value, "0"));
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if digits(whole) && digits(fraction) && whole.len() <= 15 {
        Ok(())
    } else {
        Err(invalid("monthly-threshold-usd", "must be a decimal amount such as 1000 or 2500.50"))
    }
}

/// A budget's filter: its workspaces and custom tags (`IN`, the one operator Databricks has).
fn filter(ids: &[i64], tags: &[BudgetTag]) -> Value {
    let mut filter = json!({});
    if !ids.is_empty() {
        filter["workspace_id"] = json!({"operator": "IN", "values": ids});
    }
    if !tags.is_empty() {
        let tags: Vec<Value> = tags.iter().map(|t| json!({"key": t.key, "value": {"operator": "IN", "values": t.values}})).collect();
        filter["tags"] = json!(tags);
    }
    filter
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
    let budgets = page.items.into_iter().map(budget).collect::<Result<_, _>>()?;
    Ok(Budgets { budgets, next_page_token: page.next_page_token })
}

pub fn create_budget(s: &Session, input: CreateBudgetInput) -> Result<Budget, CardError> {
    threshold(&input.monthly_threshold_usd)?;
    let filter = filter(input.workspace_ids.as_deref().unwrap_or_default(), input.tags.as_deref().unwrap_or_default());
    let mut body = json!({"budget": {
        "account_id": s.account_id(),
        "display_name": input.display_name,
        "alert_configurations": [{
            "time_period": "MONTH",
            "trigger_type": "CUMULATIVE_SPENDING_EXCEEDED",
            "quantity_type": "LIST_PRICE_DOLLARS_USD",
            "quantity_threshold": input.monthly_threshold_usd,
            "action_configurations": email_actions(&input.alert_emails),
        }],
    }});
    // A budget over the whole account has no filter at all, as the SDK sends it.
    if filter.as_object().is_some_and(|f| !f.is_empty()) {
        body["budget"]["filter"] = filter;
    }
    rest::post::<OneBudget>(s, ApiVersion::V2_1, BUDGETS, body).and_then(|a| budget(a.budget))
}

pub fn get_budget(s: &Session, input: BudgetId) -> Result<Budget, CardError> {
    rest::get::<OneBudget>(s, ApiVersion::V2_1, &format!("{BUDGETS}/{}", input.budget_configuration_id)).and_then(|a| budget(a.budget))
}

pub fn update_budget(s: &Session, input: UpdateBudgetInput) -> Result<Budget, CardError> {
    let nothing = input.display_name.is_none()
        && input.monthly_threshold_usd.is_none()
        && input.alert_emails.is_none()
        && input.workspace_ids.is_none()
        && input.tags.is_none();
    if nothing {
        return Err(invalid("budget-configuration-id", "give at least one field to change besides budget-configuration-id"));
    }
    input.monthly_threshold_usd.as_deref().map(threshold).transpose()?;
    let (ids, tags) = (input.workspace_ids.as_deref(), input.tags.as_deref());
    // Databricks replaces a budget whole (PUT), so the current one is read and sent back
    // with only the given fields changed; alert and action IDs are kept so they survive.
    let path = format!("{BUDGETS}/{}", input.budget_configuration_id);
    let mut current = rest::get::<OneBudget>(s, ApiVersion::V2_1, &path)?.budget;
    if let Some(name) = input.display_name {
        current["display_name"] = json!(name);
    }
    if ids.is_some() || tags.is_some() {
        // What the input leaves out of the filter stays as it is.
        let kept_ids: Vec<i64> = current["filter"]["workspace_id"]["values"]
            .as_array()
            .map(|v| v.iter().filter_map(Value::as_i64).collect())
            .unwrap_or_default();
        let kept_tags = budget(current.clone()).map(|b| b.tags).unwrap_or_default();
        current["filter"] = filter(ids.unwrap_or(&kept_ids), tags.unwrap_or(&kept_tags));
    }
    if let Some(alert) = current["alert_configurations"].get_mut(0) {
        if let Some(amount) = input.monthly_threshold_usd {
            alert["quantity_threshold"] = json!(amount);
        }
        if let Some(emails) = &input.alert_emails {
            alert["action_configurations"] = json!(email_actions(emails));
        }
    }
    current["account_id"] = json!(s.account_id());
    for server_owned in ["create_time", "update_time"] {
        if let Value::Object(map) = &mut current {
            map.remove(server_owned);
        }
    }
    rest::put::<OneBudget>(s, ApiVersion::V2_1, &path, json!({"budget": current})).and_then(|a| budget(a.budget))
}

pub const delete_budget: Call = Call::delete("budgets/{budget_configuration_id}").v2_1();

pub const list_log_delivery_configs: Call = Call::get("log-delivery").pages("log_delivery_configurations", None);
pub const get_log_delivery_config: Call = Call::get("log-delivery/{config_id}").answer_in("log_delivery_configuration");
// Databricks answers the PATCH with nothing; the configuration is read back for the flow.
pub const update_log_delivery_config: Call = Call::patch("log-delivery/{config_id}").read_back().answer_in("log_delivery_configuration");

/// The output format follows the log type (Databricks delivers billable usage as CSV and audit
/// logs as JSON, and requires the pair to match); a log type this component does not name yet is
/// sent without one, for Databricks to choose.
pub fn create_log_delivery_config(s: &Session, input: CreateLogDeliveryConfigInput) -> Result<LogDeliveryConfig, CardError> {
    let output_format = match input.log_type {
        LogType::BillableUsage => Some("CSV"),
        LogType::AuditLogs => Some("JSON"),
        LogType::Other(_) => None,
    };
    let config = json!({
        "log_type": input.log_type,
        "output_format": output_format,
        "credentials_id": input.credentials_id,
        "storage_configuration_id": input.storage_configuration_id,
        "config_name": input.config_name,
        "delivery_path_prefix": input.delivery_path_prefix,
        "delivery_start_time": input.delivery_start_time,
        "workspace_ids_filter": input.workspace_ids_filter.filter(|ids| !ids.is_empty()),
    });
    let body = without_nulls(json!({"log_delivery_configuration": config}));
    rest::post_in(s, ApiVersion::V2_0, "log-delivery", body, "log_delivery_configuration")
}

pub fn download_billable_usage(s: &Session, input: DownloadBillableUsageInput) -> Result<BillableUsage, CardError> {
    if input.end_month < input.start_month {
        return Err(invalid("end-month", "must not be before start-month"));
    }
    let request = Request::new(Method::Get, s.account_path(ApiVersion::V2_0, "usage/download"))
        .accept("text/plain")
        .query("start_month", Some(&input.start_month))
        .query("end_month", Some(&input.end_month))
        .query("personal_data", Some(input.personal_data.unwrap_or(false)));
    let response = s.send(request)?;
    // The text moves into the output without a copy; parsing reads it in place.
    let csv = String::from_utf8(response.body).map_err(|_| unreadable_usage("it is not UTF-8 text"))?;
    let mut reader = csv::ReaderBuilder::new().flexible(false).from_reader(csv.as_bytes());
    let columns = reader.headers().map_err(|e| unreadable_usage(&e.to_string()))?.iter().map(str::to_string).collect();
    let rows = reader
        .records()
        .map(|record| record.map(|r| r.iter().map(str::to_string).collect()))
        .collect::<Result<Vec<Vec<String>>, _>>()
        .map_err(|e| unreadable_usage(&e.to_string()))?;
    Ok(BillableUsage { csv, columns, rows })
}

fn unreadable_usage(why: &str) -> CardError {
    CardError::Upstream(crate::wit::ApiError {
        status: 200,
        error_code: None,
        message: format!("Databricks sent billable usage this card cannot read: {why}"),
        request_id: None,
    })
}
