//! What the account holds at start.

use crate::store::{Kind, Store};
use crate::{FakeConfig, Seed};
use serde_json::json;

/// Seeds the store; returns the SCIM ID of the connection's own service principal.
pub fn seed(store: &mut Store, config: &FakeConfig) -> String {
    let connector = json!({
        "displayName": "workflow-automation",
        "applicationId": config.client_id,
        "active": true,
        "roles": [{"value": "account_admin"}],
    });
    let sp = store.create(Kind::ServicePrincipals, &connector).expect("an empty store accepts the first service principal");
    if config.seed == Seed::Demo {
        let person = |store: &mut Store, user_name: &str, given: &str, family: &str, admin: bool| {
            let mut body = json!({
                "userName": user_name,
                "displayName": format!("{given} {family}"),
                "name": {"givenName": given, "familyName": family},
                "emails": [{"value": user_name, "type": "work", "primary": true}],
                "active": true,
            });
            if admin {
                body["roles"] = json!([{"value": "account_admin"}]);
            }
            store.create(Kind::Users, &body).expect("seed users are unique")
        };
        let ada = person(store, "ada.lovelace@example.com", "Ada", "Lovelace", true);
        let alan = person(store, "alan.turing@example.com", "Alan", "Turing", false);
        let katherine = person(store, "katherine.johnson@example.com", "Katherine", "Johnson", false);
        let groups = [
            ("Platform Admins", vec![ada.clone(), sp.clone()]),
            ("Data Scientists", vec![alan.clone(), katherine.clone()]),
            ("Analysts", vec![katherine]),
        ];
        for (name, members) in groups {
            let members: Vec<_> = members.iter().map(|id| json!({"value": id})).collect();
            store.create(Kind::Groups, &json!({"displayName": name, "members": members})).expect("seed groups are unique");
        }
        store
            .create(Kind::ServicePrincipals, &json!({"displayName": "nightly-etl", "active": true}))
            .expect("seed service principals are unique");
    }
    sp
}
