//! The account's identities in memory, and how SCIM shows them: derived `groups`
//! on users and service principals, `display` and `$ref` on group members, `meta`.

use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// The three SCIM resource types of the account.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    Users,
    Groups,
    ServicePrincipals,
}

impl Kind {
    pub fn from_segment(segment: &str) -> Option<Kind> {
        match segment {
            "Users" => Some(Kind::Users),
            "Groups" => Some(Kind::Groups),
            "ServicePrincipals" => Some(Kind::ServicePrincipals),
            _ => None,
        }
    }

    pub fn segment(self) -> &'static str {
        match self {
            Kind::Users => "Users",
            Kind::Groups => "Groups",
            Kind::ServicePrincipals => "ServicePrincipals",
        }
    }

    pub fn schema(self) -> &'static str {
        match self {
            Kind::Users => "urn:ietf:params:scim:schemas:core:2.0:User",
            Kind::Groups => "urn:ietf:params:scim:schemas:core:2.0:Group",
            Kind::ServicePrincipals => "urn:ietf:params:scim:schemas:core:2.0:ServicePrincipal",
        }
    }

    /// Singular name for messages ("User 123 not found.").
    pub fn noun(self) -> &'static str {
        match self {
            Kind::Users => "User",
            Kind::Groups => "Group",
            Kind::ServicePrincipals => "ServicePrincipal",
        }
    }

    /// The attribute that must be unique among resources of this kind.
    fn unique_attribute(self) -> &'static str {
        match self {
            Kind::Users => "userName",
            Kind::Groups => "displayName",
            Kind::ServicePrincipals => "applicationId",
        }
    }
}

/// SCIM IDs are `ID_BASE + n * ID_STEP` for the n-th resource: 16 digits, like Databricks'.
const ID_BASE: u64 = 4_211_000_000_000_000;
const ID_STEP: u64 = 7_919;

/// Why the store refused a change.
#[derive(Debug, PartialEq)]
pub enum StoreError {
    NotFound(String),
    Conflict(String),
    Invalid(String),
}

/// Every identity of the account. Resources are stored as SCIM JSON without the
/// attributes the server derives (`groups`, member `display`/`$ref`, `meta`).
#[derive(Default)]
pub struct Store {
    resources: BTreeMap<Kind, BTreeMap<String, Value>>,
    next_id: u64,
}

impl Store {
    /// A new 16-digit SCIM ID, like Databricks' account IDs.
    fn new_id(&mut self) -> String {
        self.next_id += 1;
        (ID_BASE + self.next_id * ID_STEP).to_string()
    }

    fn map(&self, kind: Kind) -> Option<&BTreeMap<String, Value>> {
        self.resources.get(&kind)
    }

    fn kind_of(&self, id: &str) -> Option<Kind> {
        [Kind::Users, Kind::ServicePrincipals, Kind::Groups].into_iter().find(|k| self.map(*k).is_some_and(|m| m.contains_key(id)))
    }

    fn unique_taken(&self, kind: Kind, value: &str, except: Option<&str>) -> bool {
        let attribute = kind.unique_attribute();
        self.map(kind)
            .into_iter()
            .flatten()
            .any(|(id, r)| Some(id.as_str()) != except && r[attribute].as_str().is_some_and(|v| v.eq_ignore_ascii_case(value)))
    }

    /// Members must exist: a group can hold users, service principals and groups.
    pub fn check_members(&self, ids: &[String]) -> Result<(), StoreError> {
        match ids.iter().find(|id| self.kind_of(id).is_none()) {
            Some(missing) => Err(StoreError::NotFound(format!("Member {missing} not found."))),
            None => Ok(()),
        }
    }

    fn member_ids(resource: &Value) -> Vec<String> {
        resource["members"]
            .as_array()
            .map(|m| m.iter().filter_map(|e| e["value"].as_str().map(str::to_string)).collect())
            .unwrap_or_default()
    }

    /// Creates a resource from a POST body; returns its SCIM ID.
    pub fn create(&mut self, kind: Kind, body: &Value) -> Result<String, StoreError> {
        self.insert(kind, body, None)
    }

    /// Creates a resource under a fixed SCIM ID (the seeds' `example_ids`). IDs made later never
    /// take it: they continue the sequence after it.
    pub fn create_as(&mut self, kind: Kind, body: &Value, id: &str) -> Result<String, StoreError> {
        self.insert(kind, body, Some(id))
    }

    /// Creates many users at once (a test's large account), each user name once: the names are
    /// checked against the account's in one pass instead of a scan per user.
    pub fn create_users(&mut self, user_names: impl IntoIterator<Item = String>) {
        let mut taken: std::collections::HashSet<String> = self
            .map(Kind::Users)
            .into_iter()
            .flatten()
            .filter_map(|(_, user)| user["userName"].as_str().map(str::to_ascii_lowercase))
            .collect();
        for user_name in user_names {
            if taken.insert(user_name.to_ascii_lowercase()) {
                let _ = self.insert_checked(Kind::Users, &json!({"userName": user_name}), None, false);
            }
        }
    }

    fn insert(&mut self, kind: Kind, body: &Value, fixed_id: Option<&str>) -> Result<String, StoreError> {
        self.insert_checked(kind, body, fixed_id, true)
    }

    fn insert_checked(&mut self, kind: Kind, body: &Value, fixed_id: Option<&str>, check_unique: bool) -> Result<String, StoreError> {
        let Value::Object(input) = body else { return Err(StoreError::Invalid("Body must be a JSON object.".into())) };
        let mut resource = Map::new();
        for (key, value) in input {
            if !matches!(key.as_str(), "id" | "meta" | "schemas" | "groups") && !value.is_null() {
                resource.insert(key.clone(), value.clone());
            }
        }
        match kind {
            Kind::Users => {
                let user_name = resource.get("userName").and_then(Value::as_str).unwrap_or("").to_string();
                if user_name.is_empty() {
                    return Err(StoreError::Invalid("userName is required.".into()));
                }
                resource.entry("emails").or_insert_with(|| json!([{"value": user_name, "type": "work", "primary": true}]));
                resource.entry("displayName").or_insert_with(|| json!(user_name));
                resource.entry("active").or_insert(json!(true));
            }
            Kind::Groups => {
                if resource.get("displayName").and_then(Value::as_str).is_none_or(str::is_empty) {
                    return Err(StoreError::Invalid("displayName is required.".into()));
                }
            }
            Kind::ServicePrincipals => {
                resource.entry("applicationId").or_insert_with(|| json!(crate::ids::uuid()));
                resource.entry("active").or_insert(json!(true));
            }
        }
        let unique = resource.get(kind.unique_attribute()).and_then(Value::as_str).unwrap_or("").to_string();
        if check_unique && self.unique_taken(kind, &unique, None) {
            return Err(StoreError::Conflict(format!("{} with {} {unique} already exists.", kind.noun(), kind.unique_attribute())));
        }
        let value = Value::Object(resource);
        self.check_members(&Self::member_ids(&value))?;
        let id = match fixed_id {
            Some(id) => {
                if let Some(n) = id.parse::<u64>().ok().and_then(|n| n.checked_sub(ID_BASE)).filter(|n| n % ID_STEP == 0) {
                    self.next_id = self.next_id.max(n / ID_STEP);
                }
                id.to_string()
            }
            None => self.new_id(),
        };
        let mut value = value;
        value["id"] = json!(id);
        self.resources.entry(kind).or_default().insert(id.clone(), value);
        Ok(id)
    }

    /// The stored form of a resource, for PATCH to work on.
    pub fn raw(&self, kind: Kind, id: &str) -> Result<Value, StoreError> {
        self.map(kind).and_then(|m| m.get(id)).cloned().ok_or_else(|| StoreError::NotFound(format!("{} {id} not found.", kind.noun())))
    }

    /// Stores a changed resource (after PATCH or PUT), keeping what the server owns.
    pub fn replace(&mut self, kind: Kind, id: &str, mut resource: Value) -> Result<(), StoreError> {
        let current = self.raw(kind, id)?;
        // Only an object can replace a resource; anything else would be stored and break rendering.
        if !resource.is_object() {
            return Err(StoreError::Invalid("Body must be a JSON object.".into()));
        }
        if let Value::Object(map) = &mut resource {
            map.retain(|k, v| !matches!(k.as_str(), "meta" | "schemas" | "groups") && !v.is_null());
            // Databricks keeps userName, emails and applicationId: "cannot be updated through
            // the SCIM PATCH or PUT APIs; any supplied change is ignored".
            let fixed: &[&str] = match kind {
                Kind::Users => &["id", "userName", "emails"],
                Kind::ServicePrincipals => &["id", "applicationId"],
                Kind::Groups => &["id"],
            };
            for fixed in fixed {
                match current.get(*fixed) {
                    Some(v) => map.insert(fixed.to_string(), v.clone()),
                    None => map.remove(*fixed),
                };
            }
            // A PUT that leaves `active` out resets it to its default, like every other
            // omitted attribute; the default of `active` is true, not absent.
            if kind != Kind::Groups {
                map.entry("active").or_insert(json!(true));
            }
        }
        if kind == Kind::Groups {
            let name = resource["displayName"].as_str().unwrap_or("").to_string();
            if name.is_empty() {
                return Err(StoreError::Invalid("displayName is required.".into()));
            }
            if self.unique_taken(kind, &name, Some(id)) {
                return Err(StoreError::Conflict(format!("Group with displayName {name} already exists.")));
            }
        }
        self.check_members(&Self::member_ids(&resource))?;
        self.resources.entry(kind).or_default().insert(id.to_string(), resource);
        Ok(())
    }

    /// Deletes a resource and its memberships.
    pub fn delete(&mut self, kind: Kind, id: &str) -> Result<(), StoreError> {
        self.raw(kind, id)?;
        self.resources.entry(kind).or_default().remove(id);
        if let Some(groups) = self.resources.get_mut(&Kind::Groups) {
            for group in groups.values_mut() {
                if let Some(Value::Array(members)) = group.get_mut("members") {
                    members.retain(|m| m["value"] != id);
                }
            }
        }
        Ok(())
    }

    fn display_of(&self, kind: Kind, id: &str) -> Value {
        let resource = self.map(kind).and_then(|m| m.get(id));
        match (kind, resource) {
            (Kind::Users, Some(r)) => r.get("displayName").or(r.get("userName")).cloned().unwrap_or(Value::Null),
            (_, Some(r)) => r.get("displayName").cloned().unwrap_or(Value::Null),
            _ => Value::Null,
        }
    }

    /// A resource as SCIM GET shows it.
    pub fn render(&self, kind: Kind, id: &str) -> Result<Value, StoreError> {
        let mut resource = self.raw(kind, id)?;
        resource["schemas"] = json!([kind.schema()]);
        resource["meta"] = json!({"resourceType": kind.noun()});
        match kind {
            Kind::Groups => {
                if let Some(Value::Array(members)) = resource.get_mut("members") {
                    for member in members {
                        let member_id = member["value"].as_str().unwrap_or("").to_string();
                        if let Some(member_kind) = self.kind_of(&member_id) {
                            member["display"] = self.display_of(member_kind, &member_id);
                            member["$ref"] = json!(format!("{}/{member_id}", member_kind.segment()));
                        }
                    }
                }
            }
            Kind::Users | Kind::ServicePrincipals => {
                let groups: Vec<Value> = self
                    .map(Kind::Groups)
                    .into_iter()
                    .flatten()
                    .filter(|(_, g)| Self::member_ids(g).iter().any(|m| m == id))
                    .map(|(gid, g)| json!({"value": gid, "display": g["displayName"], "$ref": format!("Groups/{gid}"), "type": "direct"}))
                    .collect();
                if !groups.is_empty() {
                    resource["groups"] = json!(groups);
                }
            }
        }
        Ok(resource)
    }

    /// A user, group or service principal by SCIM ID, with its kind.
    pub fn principal(&self, id: &str) -> Option<(Kind, Value)> {
        let kind = self.kind_of(id)?;
        self.raw(kind, id).ok().map(|r| (kind, r))
    }

    /// The IDs of one resource type, in listing order.
    pub fn ids(&self, kind: Kind) -> Vec<String> {
        self.map(kind).into_iter().flatten().map(|(id, _)| id.clone()).collect()
    }

    /// Every resource of a kind, rendered, in ID order.
    pub fn all(&self, kind: Kind) -> Vec<Value> {
        self.map(kind).into_iter().flatten().filter_map(|(id, _)| self.render(kind, id).ok()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uniqueness_membership_and_derived_groups() {
        let mut store = Store::default();
        let ada = store.create(Kind::Users, &json!({"userName": "ada@example.com"})).unwrap();
        assert!(matches!(store.create(Kind::Users, &json!({"userName": "ADA@example.com"})), Err(StoreError::Conflict(_))));
        assert!(matches!(
            store.create(Kind::Groups, &json!({"displayName": "g", "members": [{"value": "404"}]})),
            Err(StoreError::NotFound(_))
        ));
        let group = store.create(Kind::Groups, &json!({"displayName": "g", "members": [{"value": ada}]})).unwrap();
        let user = store.render(Kind::Users, &ada).unwrap();
        assert_eq!(user["groups"][0]["value"], group.as_str());
        assert_eq!(user["emails"][0]["value"], "ada@example.com");
        let rendered = store.render(Kind::Groups, &group).unwrap();
        assert_eq!(rendered["members"][0]["$ref"], format!("Users/{ada}"));
        // PUT wipes what it leaves out, but not userName, emails or active's default.
        store.replace(Kind::Users, &ada, json!({"userName": "other@example.com", "emails": [], "displayName": "Ada"})).unwrap();
        let user = store.raw(Kind::Users, &ada).unwrap();
        assert_eq!(user["userName"], "ada@example.com");
        assert_eq!(user["emails"][0]["value"], "ada@example.com");
        assert_eq!(user["active"], true);
        assert_eq!(user["displayName"], "Ada");
        store.delete(Kind::Users, &ada).unwrap();
        assert_eq!(store.render(Kind::Groups, &group).unwrap()["members"], json!([]));
    }
}
