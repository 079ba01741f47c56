//! The account SCIM API, generic over the three resources: list (one page or every
//! page, de-duplicated), get, create, PATCH and delete. Identity cards are
//! declarations over these functions.

use super::{Method, Request, Session};
use crate::progress::{self, Progress};
use crate::validate;
use crate::wit::{AllPages, CardError, PageSelection, ScimListInput, SortOrder};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use std::collections::HashSet;

/// A SCIM resource type of the account.
#[derive(Clone, Copy, Debug)]
pub enum Resource {
    Users,
    Groups,
    ServicePrincipals,
}

impl Resource {
    fn segment(self) -> &'static str {
        match self {
            Resource::Users => "Users",
            Resource::Groups => "Groups",
            Resource::ServicePrincipals => "ServicePrincipals",
        }
    }

    /// The schema URN a create body declares.
    pub fn schema(self) -> &'static str {
        match self {
            Resource::Users => "urn:ietf:params:scim:schemas:core:2.0:User",
            Resource::Groups => "urn:ietf:params:scim:schemas:core:2.0:Group",
            Resource::ServicePrincipals => "urn:ietf:params:scim:schemas:core:2.0:ServicePrincipal",
        }
    }
}

/// A SCIM resource record: anything with an `id`, used to de-duplicate pages.
pub trait ScimRecord: DeserializeOwned {
    fn scim_id(&self) -> &str;

    /// Fills the fields derived from others (primary e-mail, account admin, member kinds)
    /// and, when kept, the record's JSON as Databricks sent it.
    fn complete(&mut self, _raw: Option<&str>) {}
}

/// A record as Databricks sent it, for read-modify-write (SCIM PUT keeps what it does not name).
impl ScimRecord for Value {
    fn scim_id(&self) -> &str {
        self.get("id").and_then(Value::as_str).unwrap_or("")
    }
}

/// Decodes one record from its JSON text and completes it.
fn decode_record<T: ScimRecord>(text: &str, keep_raw: bool) -> Result<T, serde_json::Error> {
    let mut record: T = serde_json::from_str(text)?;
    record.complete(keep_raw.then_some(text));
    Ok(record)
}

/// Decodes a response holding one record, keeping its text as the record's raw JSON.
fn decode_one<T: ScimRecord>(response: &super::Response) -> Result<T, CardError> {
    let text = String::from_utf8_lossy(&response.body);
    decode_record(&text, true).map_err(|e| super::errors::unreadable(response, &e))
}

/// Largest page Databricks serves (`count` ≤ 100 in the account SCIM docs).
pub const MAX_PAGE: u32 = 100;
/// Default limit of an every-page listing: the account's documented user limit.
pub const DEFAULT_LIMIT: u32 = 10_000;

/// A list result: the records and where the list stands.
pub struct Page<T> {
    pub total_results: u32,
    pub start_index: u32,
    pub resources: Vec<T>,
    pub next_start_index: Option<u32>,
    /// Why a walk with partial results allowed stopped early.
    pub stopped_by: Option<CardError>,
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct ListResponse<T> {
    #[serde(default)]
    total_results: Option<u32>,
    #[serde(default = "Vec::new", rename = "Resources")]
    resources: Vec<T>,
}

fn path(session: &Session, resource: Resource, id: Option<&str>) -> String {
    let rest = match id {
        Some(id) => format!("scim/v2/{}/{id}", resource.segment()),
        None => format!("scim/v2/{}", resource.segment()),
    };
    session.account_path(session.scim_version(), &rest)
}

/// Checks a list input before any request.
fn validate_list(input: &ScimListInput) -> Result<(), CardError> {
    if input.filter.as_deref().is_some_and(|f| f.trim().is_empty()) {
        return Err(validate::invalid("filter", "must not be blank; leave it out to list everything"));
    }
    // Attribute names, page numbers and sizes were checked with the input (its fields' tags).
    Ok(())
}

/// A SCIM filter string literal: quoted, with `\` and `"` escaped, so a value can never end
/// the literal early and change the filter.
pub fn literal(value: &str) -> String {
    format!("\"{}\"", value.replace('\\', "\\\\").replace('"', "\\\""))
}

/// A list input for the first `count` records matching `filter`, in Databricks' order.
pub fn first(filter: Option<String>, count: u32) -> ScimListInput {
    ScimListInput {
        filter,
        sort_by: None,
        sort_order: None,
        attributes: None,
        excluded_attributes: None,
        pages: Some(PageSelection::Page(crate::wit::PageRequest { start_index: Some(1), count: Some(count) })),
    }
}

/// Lists a resource: one page, or every page up to a limit (de-duplicated by ID,
/// since records added meanwhile can shift offsets). Records come without their raw JSON.
pub fn list<T: ScimRecord>(session: &Session, resource: Resource, input: &ScimListInput) -> Result<Page<T>, CardError> {
    list_records(session, resource, input, false)
}

/// [`list`], keeping each record's JSON as Databricks sent it (for search cards).
pub fn list_with_raw<T: ScimRecord>(session: &Session, resource: Resource, input: &ScimListInput) -> Result<Page<T>, CardError> {
    list_records(session, resource, input, true)
}

fn list_records<T: ScimRecord>(session: &Session, resource: Resource, input: &ScimListInput, keep_raw: bool) -> Result<Page<T>, CardError> {
    validate_list(input)?;
    let read = Reader { session, resource, input, keep_raw };
    match &input.pages {
        None => read.page(1, MAX_PAGE),
        Some(PageSelection::Page(p)) => read.page(p.start_index.unwrap_or(1), p.count.unwrap_or(MAX_PAGE)),
        Some(PageSelection::All(a)) => {
            read.all(a.limit.unwrap_or(DEFAULT_LIMIT), a.page_size.unwrap_or(MAX_PAGE), a.partial_results.unwrap_or(false))
        }
    }
}

/// A record's ID alone, for a walk that keeps nothing else.
#[derive(serde::Deserialize)]
struct IdOnly {
    id: String,
}

impl ScimRecord for IdOnly {
    fn scim_id(&self) -> &str {
        &self.id
    }
}

/// A list input for every record, walking every page of 100, with only `attributes` (the
/// walks of the polling triggers, which may cover a 100,000-user account).
pub fn every_page(attributes: &[&str]) -> ScimListInput {
    ScimListInput {
        filter: None,
        sort_by: None,
        sort_order: None,
        attributes: Some(attributes.iter().map(|a| a.to_string()).collect()),
        excluded_attributes: None,
        pages: Some(PageSelection::All(AllPages { limit: Some(u32::MAX), page_size: Some(MAX_PAGE), partial_results: Some(false) })),
    }
}

/// The ID of every record of `resource`, each once. A walk of a 100,000-user account keeps
/// 100,000 IDs, not 100,000 records: what a polling trigger needs.
pub fn every_id(session: &Session, resource: Resource) -> Result<Vec<String>, CardError> {
    let page = list::<IdOnly>(session, resource, &every_page(&["id"]))?;
    Ok(page.resources.into_iter().map(|record| record.id).collect())
}

/// What every page request of one listing shares.
struct Reader<'a> {
    session: &'a Session,
    resource: Resource,
    input: &'a ScimListInput,
    keep_raw: bool,
}

impl Reader<'_> {
    fn page<T: ScimRecord>(&self, start_index: u32, count: u32) -> Result<Page<T>, CardError> {
        let page: ListResponse<T> = self.fetch(start_index, count)?;
        let returned = page.resources.len() as u32;
        let total_results = page.total_results.unwrap_or(returned);
        let next = start_index.saturating_add(returned);
        Ok(Page {
            total_results,
            start_index,
            next_start_index: (returned > 0 && next <= total_results).then_some(next),
            resources: page.resources,
            stopped_by: None,
        })
    }

    fn all<T: ScimRecord>(&self, limit: u32, page_size: u32, partial_results: bool) -> Result<Page<T>, CardError> {
        let mut seen = HashSet::new();
        let mut resources: Vec<T> = Vec::new();
        let mut start_index = 1u32;
        let mut total: Option<u32> = None;
        let mut pages_read = 0u32;
        loop {
            let wanted = limit.saturating_sub(resources.len() as u32);
            let page: ListResponse<T> = match self.fetch(start_index, page_size.min(wanted)) {
                Ok(page) => page,
                // A failure after some pages is never a silently short list: either the caller
                // asked for what was read so far, or the error says how far the walk got.
                Err(error) if pages_read > 0 && partial_results => {
                    let total_results = total.unwrap_or(resources.len() as u32);
                    return Ok(Page {
                        total_results,
                        start_index: 1,
                        resources,
                        next_start_index: Some(start_index),
                        stopped_by: Some(self.session.sanitize(error)),
                    });
                }
                Err(error) if pages_read > 0 => {
                    let progress = format!(
                        "listing stopped after {} records in {pages_read} pages (resume at start-index {start_index}): ",
                        resources.len()
                    );
                    return Err(super::errors::with_prefix(error, &progress));
                }
                Err(error) => return Err(error),
            };
            pages_read = pages_read.saturating_add(1);
            total = page.total_results.or(total);
            let returned = page.resources.len() as u32;
            let mut new_records = 0;
            for (position, record) in page.resources.into_iter().enumerate() {
                if resources.len() as u32 >= limit {
                    // The limit cut this page: the list resumes at the first record not returned.
                    let next = start_index.saturating_add(position as u32);
                    return Ok(Page {
                        total_results: total.unwrap_or(next),
                        start_index: 1,
                        resources,
                        next_start_index: Some(next),
                        stopped_by: None,
                    });
                }
                if seen.insert(record.scim_id().to_string()) {
                    resources.push(record);
                    new_records += 1;
                }
            }
            let page_start = start_index;
            start_index = start_index.saturating_add(returned);
            let collected = resources.len() as u32;
            progress::report(&Progress::Page { pages: pages_read, records: collected, total });
            // A page of records already listed while more should remain: the server repeats
            // itself. Stopping quietly would report a short list as complete, so the walk ends
            // as a failure the flow sees (or, with partial results, in `stopped-by`).
            if returned > 0 && new_records == 0 && total.is_none_or(|t| collected < t) {
                let error = CardError::Upstream(crate::wit::ApiError {
                    status: 200,
                    error_code: None,
                    message: format!(
                        "Databricks answered start-index {page_start} with records already listed ({collected} of {} listed); \
                         stopped instead of looping",
                        total.map_or_else(|| "an unknown number".to_string(), |t| t.to_string())
                    ),
                    request_id: None,
                });
                if partial_results {
                    return Ok(Page {
                        total_results: total.unwrap_or(collected),
                        start_index: 1,
                        resources,
                        next_start_index: Some(page_start),
                        stopped_by: Some(error),
                    });
                }
                return Err(error);
            }
            // The end: an empty page (the SDKs' rule) or an offset past the total.
            let at_end = returned == 0 || total.is_some_and(|t| start_index > t);
            if at_end || collected >= limit {
                return Ok(Page {
                    total_results: total.unwrap_or(collected),
                    start_index: 1,
                    resources,
                    next_start_index: (!at_end).then_some(start_index),
                    stopped_by: None,
                });
            }
        }
    }

    /// Reads one page and decodes its records. A search keeps each record's own JSON text
    /// (set apart by `RawValue`, then decoded one by one), so it can return it without
    /// re-serializing; a listing decodes the page in one pass.
    fn fetch<T: ScimRecord>(&self, start_index: u32, count: u32) -> Result<ListResponse<T>, CardError> {
        let (session, resource, input) = (self.session, self.resource, self.input);
        let sort_order = input.sort_order.map(|o| match o {
            SortOrder::Ascending => "ascending",
            SortOrder::Descending => "descending",
        });
        let request = Request::new(Method::Get, path(session, resource, None))
            .query("filter", input.filter.as_deref())
            .query("sortBy", input.sort_by.as_deref())
            .query("sortOrder", sort_order)
            .query("attributes", input.attributes.as_ref().map(|a| a.join(",")))
            .query("excludedAttributes", input.excluded_attributes.as_ref().map(|a| a.join(",")))
            .query("startIndex", Some(start_index))
            .query("count", Some(count));
        let response = session.send(request)?;
        if !self.keep_raw {
            // One pass over the page: the records decode in place, nothing is kept apart.
            let mut page: ListResponse<T> = response.json()?;
            page.resources.iter_mut().for_each(|record| record.complete(None));
            return Ok(page);
        }
        let page: ListResponse<Box<serde_json::value::RawValue>> = response.json()?;
        let resources = page
            .resources
            .iter()
            .map(|raw| decode_record(raw.get(), true))
            .collect::<Result<Vec<T>, _>>()
            .map_err(|e| super::errors::unreadable(&response, &e))?;
        Ok(ListResponse { total_results: page.total_results, resources })
    }
}

/// Reads one resource.
pub fn get<T: ScimRecord>(session: &Session, resource: Resource, id: &str) -> Result<T, CardError> {
    get_only(session, resource, id, None, None)
}

/// Reads one resource with only some attributes (SCIM `attributes`, `excludedAttributes`).
pub fn get_only<T: ScimRecord>(
    session: &Session,
    resource: Resource,
    id: &str,
    attributes: Option<&[String]>,
    excluded_attributes: Option<&[String]>,
) -> Result<T, CardError> {
    let request = Request::new(Method::Get, path(session, resource, Some(id)))
        .query("attributes", attributes.map(|a| a.join(",")))
        .query("excludedAttributes", excluded_attributes.map(|a| a.join(",")));
    decode_one(&session.send(request)?)
}

/// Adds the `schemas` member and drops null members of a create or replace body.
fn scim_body(resource: Resource, mut body: Value) -> Value {
    if let Value::Object(map) = &mut body {
        map.insert("schemas".into(), json!([resource.schema()]));
        map.retain(|_, v| !v.is_null());
    }
    body
}

/// Creates a resource from a SCIM body.
pub fn create<T: ScimRecord>(session: &Session, resource: Resource, body: Value) -> Result<T, CardError> {
    decode_one(&session.send(Request::new(Method::Post, path(session, resource, None)).json(scim_body(resource, body)))?)
}

/// Replaces a resource with a whole SCIM body (PUT). Members absent from the body are removed.
pub fn replace<T: ScimRecord>(session: &Session, resource: Resource, id: &str, body: Value) -> Result<T, CardError> {
    let response = session.send(Request::new(Method::Put, path(session, resource, Some(id))).json(scim_body(resource, body)))?;
    if response.has_content() { decode_one(&response) } else { get(session, resource, id) }
}

/// One SCIM PATCH operation.
pub struct PatchOp {
    op: &'static str,
    path: String,
    value: Option<Value>,
}

impl PatchOp {
    pub fn add(path: &str, value: Value) -> Self {
        PatchOp { op: "add", path: path.to_string(), value: Some(value) }
    }
    pub fn replace(path: &str, value: Value) -> Self {
        PatchOp { op: "replace", path: path.to_string(), value: Some(value) }
    }
    pub fn remove(path: String) -> Self {
        PatchOp { op: "remove", path, value: None }
    }
}

/// Applies PATCH operations in one request. Databricks answers 204 (or `{}`); when it
/// returns the resource instead, that is used, else the resource is read back.
pub fn patch<T: ScimRecord>(session: &Session, resource: Resource, id: &str, ops: Vec<PatchOp>) -> Result<T, CardError> {
    let response = send_patch(session, resource, id, ops)?;
    if response.has_content() { decode_one(&response) } else { get(session, resource, id) }
}

/// Applies PATCH operations; returns the resource only when Databricks sent it.
pub fn patch_only<T: DeserializeOwned>(session: &Session, resource: Resource, id: &str, ops: Vec<PatchOp>) -> Result<Option<T>, CardError> {
    let response = send_patch(session, resource, id, ops)?;
    if response.has_content() { response.json().map(Some) } else { Ok(None) }
}

fn send_patch(session: &Session, resource: Resource, id: &str, ops: Vec<PatchOp>) -> Result<super::Response, CardError> {
    let operations: Vec<Value> = ops
        .into_iter()
        .map(|op| {
            let mut v = json!({"op": op.op, "path": op.path});
            if let Some(value) = op.value {
                v["value"] = value;
            }
            v
        })
        .collect();
    let body = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": operations,
    });
    session.send(Request::new(Method::Patch, path(session, resource, Some(id))).json(body))
}

/// Deletes a resource.
pub fn delete(session: &Session, resource: Resource, id: &str) -> Result<(), CardError> {
    session.send(Request::new(Method::Delete, path(session, resource, Some(id))))?;
    Ok(())
}

/// The `roles` PATCH operation that grants or revokes `account_admin`.
pub fn account_admin_op(grant: bool) -> PatchOp {
    if grant {
        PatchOp::add("roles", json!([{"value": "account_admin"}]))
    } else {
        PatchOp::remove(r#"roles[value eq "account_admin"]"#.to_string())
    }
}

/// The `active` PATCH operation, in the shape the Terraform provider sends to the
/// account SCIM API (a list holding a string), which Databricks accepts.
pub fn active_op(active: bool) -> PatchOp {
    PatchOp::replace("active", json!([{"value": active.to_string()}]))
}
