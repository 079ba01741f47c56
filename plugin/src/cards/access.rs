//! Access cards: the account's IP access lists.

use crate::client::{ApiVersion, Session, rest};
use crate::validate::{self, invalid};
use crate::wit::access::*;
use crate::wit::{CardError, Deleted};
use serde_json::json;

/// Databricks refuses more entries with `QUOTA_EXCEEDED`; checking first saves the request.
const MAX_ENTRIES: usize = 1000;
const MAX_LABEL: usize = 256;

#[derive(serde::Deserialize)]
struct ListAnswer {
    #[serde(default)]
    ip_access_lists: Vec<IpAccessList>,
}

#[derive(serde::Deserialize)]
struct OneAnswer {
    ip_access_list: IpAccessList,
}

fn list_path(id: Option<&str>) -> String {
    id.map_or_else(|| "ip-access-lists".to_string(), |id| format!("ip-access-lists/{id}"))
}

pub fn list_ip_access_lists(s: &Session, input: ListIpAccessListsInput) -> Result<IpAccessLists, CardError> {
    let answer: ListAnswer = rest::get(s, ApiVersion::V2_0, &list_path(None))?;
    let lists = answer
        .ip_access_lists
        .into_iter()
        .filter(|l| input.list_type.is_none_or(|wanted| l.list_type == Some(wanted)))
        .collect();
    Ok(IpAccessLists { lists })
}

pub fn get_ip_access_list(s: &Session, input: IpAccessListId) -> Result<IpAccessList, CardError> {
    validate::uuid("list-id", &input.list_id)?;
    rest::get::<OneAnswer>(s, ApiVersion::V2_0, &list_path(Some(&input.list_id))).map(|a| a.ip_access_list)
}

pub fn create_ip_access_list(s: &Session, input: CreateIpAccessListInput) -> Result<IpAccessList, CardError> {
    validate::name("label", &input.label, MAX_LABEL)?;
    if input.ip_addresses.is_empty() || input.ip_addresses.len() > MAX_ENTRIES {
        return Err(invalid("ip-addresses", format!("must hold 1 to {MAX_ENTRIES} addresses or CIDR blocks")));
    }
    for address in &input.ip_addresses {
        validate::ipv4_or_cidr("ip-addresses", address)?;
    }
    let body = json!({"label": input.label, "list_type": input.list_type, "ip_addresses": input.ip_addresses});
    rest::post::<OneAnswer>(s, ApiVersion::V2_0, &list_path(None), body).map(|a| a.ip_access_list)
}

pub fn delete_ip_access_list(s: &Session, input: IpAccessListId) -> Result<Deleted, CardError> {
    validate::uuid("list-id", &input.list_id)?;
    rest::delete(s, ApiVersion::V2_0, &list_path(Some(&input.list_id)))?;
    Ok(Deleted { id: input.list_id })
}
