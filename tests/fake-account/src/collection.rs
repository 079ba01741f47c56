//! The one collection type of the fake's account families: items kept as the Databricks JSON
//! they are shown as, in creation order, found by their ID field, and answered in the family's
//! own envelopes with Databricks' own error bodies. A family declares its shape once
//! ([`Collection::new`] and the builder methods); what is left in its module is validation.

use crate::common::{Answer, Params, invalid};
use axum::Json;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// How a family's list answers.
#[derive(Clone, Copy, Debug)]
pub enum Listing {
    /// A bare JSON array (the provisioning APIs).
    Bare,
    /// `{"<field>": […]}`, also when there is nothing to list.
    Field(&'static str),
    /// `{"<field>": […]}`, or `{}` when there is nothing to list.
    OmittedWhenEmpty(&'static str),
    /// One page of `{"<field>": […], "next_page_token": "…"}` from the caller's `page_token`;
    /// `size_param` names the page-size parameter when the endpoint takes one.
    Paged { field: &'static str, size_param: Option<&'static str>, default_size: usize },
}

impl Listing {
    /// The list answer for `items` (already filtered), as this family shapes it.
    pub fn answer(self, items: &[Value], params: &Params) -> Response {
        let body = match self {
            Listing::Bare => Value::Array(items.to_vec()),
            Listing::OmittedWhenEmpty(_) if items.is_empty() => json!({}),
            Listing::Field(field) | Listing::OmittedWhenEmpty(field) => json!({ field: items }),
            Listing::Paged { field, size_param, default_size } => {
                let (page, next) = token_page(items, params, size_param, default_size);
                let mut body = json!({ field: page });
                if let Some(next) = next {
                    body["next_page_token"] = json!(next);
                }
                body
            }
        };
        Json(body).into_response()
    }
}

/// One page of `items` from the caller's `page_token`, and the next page's token. Tokens are
/// opaque to clients (`offset-N` here); an unknown one starts over, as Databricks does.
fn token_page(items: &[Value], params: &Params, size_param: Option<&str>, default_size: usize) -> (Vec<Value>, Option<String>) {
    let size = size_param.and_then(|p| params.get(p)).and_then(|s| s.parse::<usize>().ok()).filter(|s| *s > 0).unwrap_or(default_size);
    let offset = params.get("page_token").and_then(|t| t.strip_prefix("offset-")).and_then(|o| o.parse::<usize>().ok()).unwrap_or(0);
    let page: Vec<Value> = items.iter().skip(offset).take(size).cloned().collect();
    let next = offset + page.len();
    (page, (next < items.len()).then(|| format!("offset-{next}")))
}

/// The items of one family and how Databricks answers for them.
pub struct Collection {
    /// The field that holds an item's ID.
    key: &'static str,
    /// IDs are int64s (workspace IDs), so a path ID that is not a number is refused.
    numeric: bool,
    /// Databricks' answer to an ID the collection does not hold.
    missing: fn(&str) -> Response,
    /// One item answers as `{"<envelope>": {…}}`, or bare when `None`.
    envelope: Option<&'static str>,
    listing: Listing,
    /// Query parameters that keep only the items whose field of that name equals them.
    filters: &'static [&'static str],
    /// DELETE answers the removed item (the SDKs decode it) rather than `{}`.
    answers_deleted: bool,
    items: Vec<Value>,
}

impl Collection {
    /// An empty collection whose items carry their ID in `key`; `missing` answers an unknown ID.
    /// Items answer bare and list as a bare array until declared otherwise.
    pub fn new(key: &'static str, missing: fn(&str) -> Response) -> Collection {
        Collection {
            key,
            numeric: false,
            missing,
            envelope: None,
            listing: Listing::Bare,
            filters: &[],
            answers_deleted: false,
            items: Vec::new(),
        }
    }

    pub fn enveloped(self, envelope: &'static str) -> Collection {
        Collection { envelope: Some(envelope), ..self }
    }

    pub fn listed(self, listing: Listing) -> Collection {
        Collection { listing, ..self }
    }

    pub fn numeric(self) -> Collection {
        Collection { numeric: true, ..self }
    }

    pub fn filtered_by(self, filters: &'static [&'static str]) -> Collection {
        Collection { filters, ..self }
    }

    pub fn answering_deleted(self) -> Collection {
        Collection { answers_deleted: true, ..self }
    }

    /// Every item, in creation order.
    pub fn items(&self) -> &[Value] {
        &self.items
    }

    /// The ID as the items spell it: a numeric ID is read as an int64 (`+7` and `007` are 7).
    fn canonical(&self, id: &str) -> Result<String, Response> {
        if !self.numeric {
            return Ok(id.to_string());
        }
        id.parse::<i64>().map(|n| n.to_string()).map_err(|_| invalid(format!("{} must be a number", self.key)))
    }

    fn position(&self, id: &str) -> Result<usize, Response> {
        let id = self.canonical(id)?;
        let is = |item: &Value| match &item[self.key] {
            Value::String(s) => *s == id,
            Value::Number(n) => n.to_string() == id,
            _ => false,
        };
        self.items.iter().position(is).ok_or_else(|| (self.missing)(&id))
    }

    pub fn contains(&self, id: &str) -> bool {
        self.position(id).is_ok()
    }

    pub fn get(&self, id: &str) -> Result<&Value, Response> {
        self.position(id).map(|i| &self.items[i])
    }

    pub fn get_mut(&mut self, id: &str) -> Result<&mut Value, Response> {
        self.position(id).map(|i| &mut self.items[i])
    }

    /// Adds an item that already carries its ID; returns it, stored.
    pub fn insert(&mut self, item: Value) -> &mut Value {
        self.items.push(item);
        let last = self.items.len() - 1;
        &mut self.items[last]
    }

    /// Adds an item and answers with it, as a create does.
    pub fn create(&mut self, item: Value) -> Answer {
        let answer = self.answer(item.clone());
        self.items.push(item);
        Ok(answer)
    }

    /// PATCH: the `fields` present in `changes` replace the item's; everything else stays.
    pub fn merge(&mut self, id: &str, changes: &Value, fields: &[&str]) -> Result<&mut Value, Response> {
        let item = self.get_mut(id)?;
        for field in fields {
            if let Some(value) = changes.get(*field) {
                item[*field] = value.clone();
            }
        }
        Ok(item)
    }

    /// PUT: `replacement` becomes the item, keeping its ID and the server-owned `kept` fields.
    pub fn replace(&mut self, id: &str, mut replacement: Value, kept: &[&str]) -> Result<&mut Value, Response> {
        let key = self.key;
        let item = self.get_mut(id)?;
        if !replacement.is_object() {
            return Err(invalid("The body must be a JSON object."));
        }
        for field in kept.iter().chain([&key]) {
            replacement[*field] = item[*field].clone();
        }
        *item = replacement;
        Ok(item)
    }

    pub fn remove(&mut self, id: &str) -> Result<Value, Response> {
        self.position(id).map(|i| self.items.remove(i))
    }

    pub fn retain(&mut self, keep: impl FnMut(&Value) -> bool) {
        self.items.retain(keep);
    }

    /// One item as Databricks answers with it.
    pub fn answer(&self, item: Value) -> Response {
        match self.envelope {
            Some(envelope) => Json(json!({ envelope: item })).into_response(),
            None => Json(item).into_response(),
        }
    }

    /// The list answer, after the declared filters.
    pub fn list(&self, params: &Params) -> Response {
        let kept = |item: &&Value| self.filters.iter().all(|field| params.get(field).is_none_or(|wanted| item[*field] == wanted));
        let items: Vec<Value> = self.items.iter().filter(kept).cloned().collect();
        self.listing.answer(&items, params)
    }

    /// DELETE: `{}`, or the removed item where Databricks answers with it.
    pub fn delete(&mut self, id: &str) -> Answer {
        let removed = self.remove(id)?;
        Ok(Json(if self.answers_deleted { removed } else { json!({}) }).into_response())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::common::not_found;

    fn params(query: &str) -> Params {
        Params::parse(Some(query.to_string()))
    }

    async fn body(response: Response) -> (u16, Value) {
        let status = response.status().as_u16();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap();
        (status, serde_json::from_slice(&bytes).unwrap())
    }

    fn things() -> Collection {
        Collection::new("thing_id", |id| not_found("Thing", id))
    }

    #[tokio::test]
    async fn token_pages_walk_every_item_once() {
        let mut c = things().listed(Listing::Paged { field: "things", size_param: Some("page_size"), default_size: 2 });
        for n in 1..=5 {
            c.insert(json!({"thing_id": n.to_string()}));
        }
        let (_, first) = body(c.list(&params(""))).await;
        assert_eq!(first, json!({"things": [{"thing_id": "1"}, {"thing_id": "2"}], "next_page_token": "offset-2"}));
        let (_, last) = body(c.list(&params("page_token=offset-4&page_size=9"))).await;
        assert_eq!(last, json!({"things": [{"thing_id": "5"}]}), "no token after the last page");
        let (_, unknown) = body(c.list(&params("page_token=nope&page_size=0"))).await;
        assert_eq!(unknown["things"][0]["thing_id"], "1", "an unknown token starts over; size 0 is the default");
    }

    #[tokio::test]
    async fn lists_bare_wrapped_or_omitted_when_empty() {
        let empty = things().listed(Listing::OmittedWhenEmpty("things"));
        assert_eq!(body(empty.list(&params(""))).await.1, json!({}));
        assert_eq!(body(things().listed(Listing::Field("things")).list(&params(""))).await.1, json!({"things": []}));
        let mut bare = things().filtered_by(&["status"]);
        bare.insert(json!({"thing_id": "a", "status": "ON"}));
        bare.insert(json!({"thing_id": "b", "status": "OFF"}));
        assert_eq!(body(bare.list(&params("status=OFF"))).await.1, json!([{"thing_id": "b", "status": "OFF"}]));
    }

    #[tokio::test]
    async fn numeric_ids_missing_items_merge_and_replace() {
        let mut c = Collection::new("workspace_id", |id| not_found("Workspace", id)).numeric().enveloped("workspace");
        c.insert(json!({"workspace_id": 7, "name": "a", "created": 1}));
        assert_eq!(c.get("007").unwrap()["name"], "a");
        let (status, error) = body(c.get("seven").unwrap_err()).await;
        assert_eq!((status, error), (400, json!({"error_code": "INVALID_PARAMETER_VALUE", "message": "workspace_id must be a number"})));
        let (status, error) = body(c.get("8").unwrap_err()).await;
        assert_eq!((status, error["message"].as_str()), (404, Some("Workspace 8 does not exist.")));
        c.merge("7", &json!({"name": "b", "created": 2}), &["name"]).unwrap();
        assert_eq!(c.items()[0], json!({"workspace_id": 7, "name": "b", "created": 1}), "only the listed fields change");
        c.replace("7", json!({"name": "c", "workspace_id": 9}), &["created"]).unwrap();
        assert_eq!(c.items()[0], json!({"workspace_id": 7, "name": "c", "created": 1}), "PUT keeps the ID and kept fields");
        assert_eq!(body(c.answer(c.items()[0].clone())).await.1["workspace"]["name"], "c");
        assert_eq!(body(c.delete("7").unwrap()).await.1, json!({}));
        assert!(c.delete("7").is_err());
    }
}
