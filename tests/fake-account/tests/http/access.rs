//! Account settings and access-control rule sets: defaults, etags (checked and changed on every
//! write, a stale one a 409) and what each write may say.

use super::{Caller, error};
use fake_account::Seed;
use fake_account::example_ids::*;
use serde_json::{Value, json};

fn encoded(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

#[tokio::test]
async fn account_settings_have_defaults_and_etags() {
    let c = Caller::new(Seed::Empty).await;
    let path = |kind: &str| format!("settings/types/{kind}/names/default");
    let mut etags = Vec::new();
    for (kind, field, value) in [
        ("shield_csp_enablement_ac", "csp_enablement_account", json!({"is_enforced": false})),
        ("shield_esm_enablement_ac", "esm_enablement_account", json!({"is_enforced": false})),
        ("acct_ip_acl_enable", "acct_ip_acl_enable", json!({"value": true})),
        ("disable_legacy_features", "disable_legacy_features", json!({"value": false})),
        ("dcp_acct_enable", "personal_compute", json!({"value": "ON"})),
        ("llm_proxy_partner_powered", "boolean_val", json!({"value": true})),
        ("llm_proxy_partner_powered_enforce", "boolean_val", json!({"value": false})),
    ] {
        let (status, record) = c.call("GET", &path(kind), None).await.answer();
        let etag = record["etag"].as_str().unwrap_or_default().to_string();
        assert_eq!((status, record), (200, json!({field: value, "etag": etag, "setting_name": "default"})), "{kind}");
        etags.push(etag);
    }
    assert_eq!(etags.iter().collect::<std::collections::HashSet<_>>().len(), 7, "every setting has its own etag");
    assert_eq!(
        c.call("GET", &path("default_namespace_ws"), None).await.answer(),
        error(404, "RESOURCE_DOES_NOT_EXIST", "Setting type default_namespace_ws does not exist.")
    );
    assert_eq!(c.call("GET", "settings/types/dcp_acct_enable/names/other", None).await.status, 404);

    // PATCH: the etag inside `setting` must be the current one; the 409 carries the current one.
    let personal = path("dcp_acct_enable");
    let current = c.call("GET", &personal, None).await.json()["etag"].as_str().unwrap().to_string();
    let patch = |etag: &str, value: &str| json!({"allow_missing": true, "field_mask": "personal_compute.value", "setting": {"etag": etag, "personal_compute": {"value": value}}});
    let stale = c.call("PATCH", &personal, Some(patch("stale", "DELEGATE"))).await;
    let detail = json!({"@type": "type.googleapis.com/google.rpc.ErrorInfo", "metadata": {"etag": current}});
    let expected = json!({"error_code": "RESOURCE_CONFLICT", "message": "The etag of setting dcp_acct_enable is not its current one.", "details": [detail]});
    assert_eq!(stale.answer(), (409, expected));
    let mut no_mask = patch(&current, "DELEGATE");
    no_mask.as_object_mut().unwrap().remove("field_mask");
    assert_eq!(c.call("PATCH", &personal, Some(no_mask)).await.answer(), error(400, "INVALID_PARAMETER_VALUE", "field_mask is required"));
    assert_eq!(c.call("PATCH", &personal, Some(patch(&current, "SOMETIMES"))).await.status, 400);
    let updated = c.call("PATCH", &personal, Some(patch(&current, "DELEGATE"))).await.json();
    let fresh = updated["etag"].as_str().unwrap().to_string();
    assert_ne!(fresh, current, "a write makes a new etag");
    assert_eq!(updated, json!({"personal_compute": {"value": "DELEGATE"}, "etag": fresh, "setting_name": "default"}));
    assert_eq!(c.call("PATCH", &personal, Some(patch(&current, "ON"))).await.status, 409, "the old etag is stale now");
    let etag_query = format!("{personal}?etag={}", encoded(&fresh));
    assert_eq!(c.call("GET", &etag_query, None).await.json()["personal_compute"]["value"], "DELEGATE");

    // DELETE reverts to the default, where Databricks offers it, and answers the new etag.
    let stale = c.call("DELETE", &format!("{personal}?etag=stale"), None).await;
    assert_eq!(stale.status, 409);
    let deleted = c.call("DELETE", &etag_query, None).await.json();
    let reverted = c.call("GET", &personal, None).await.json();
    assert_eq!((reverted["personal_compute"].clone(), reverted["etag"].clone()), (json!({"value": "ON"}), deleted["etag"].clone()));
    assert_eq!(deleted.as_object().map(|o| o.len()), Some(1), "{deleted}");
    assert_eq!(
        c.call("DELETE", &path("shield_csp_enablement_ac"), None).await.answer(),
        error(404, "ENDPOINT_NOT_FOUND", "No API found for 'DELETE settings/types/shield_csp_enablement_ac/names/default'")
    );

    // Compliance standards are the SDK's enum; a mask may name the whole field.
    let csp = path("shield_csp_enablement_ac");
    let etag = c.call("GET", &csp, None).await.json()["etag"].clone();
    let body = |standards: Value| {
        json!({"allow_missing": true, "field_mask": "csp_enablement_account", "setting": {"etag": etag,
            "csp_enablement_account": {"is_enforced": true, "compliance_standards": standards}}})
    };
    assert_eq!(c.call("PATCH", &csp, Some(body(json!(["MADE_UP"])))).await.status, 400);
    let enabled = c.call("PATCH", &csp, Some(body(json!(["HIPAA", "PCI_DSS"])))).await.json();
    assert_eq!(enabled["csp_enablement_account"], json!({"is_enforced": true, "compliance_standards": ["HIPAA", "PCI_DSS"]}));
}

#[tokio::test]
async fn rule_sets_grant_roles_with_etags() {
    let c = &Caller::new(Seed::Examples).await;
    let a = c.account_id();
    let rule_sets = format!("/api/2.0/preview/accounts/{a}/access-control/rule-sets");
    let get = |name: String| {
        let target = format!("{rule_sets}?name={}&etag=", encoded(&name));
        async move { c.at("GET", &target, None).await.answer() }
    };
    let account = format!("accounts/{a}/ruleSets/default");
    let (status, first) = get(account.clone()).await;
    assert_eq!((status, first.as_object().map(|o| o.len())), (200, Some(2)), "a rule set never written has no grant rules: {first}");
    assert_eq!(first["name"], account.as_str());

    let put =
        |name: &str, etag: &Value, rules: Value| json!({"name": name, "rule_set": {"name": name, "etag": etag, "grant_rules": rules}});
    let grants = json!([{"role": "roles/billing.admin", "principals": ["users/ada.lovelace@example.com", "groups/Analysts"]}]);
    let updated = c.at("PUT", &rule_sets, Some(put(&account, &first["etag"], grants.clone()))).await.json();
    assert_ne!(updated["etag"], first["etag"]);
    assert_eq!(updated, json!({"name": account, "etag": updated["etag"], "grant_rules": grants}));
    assert_eq!(get(account.clone()).await.1, updated);
    let stale = c.at("PUT", &rule_sets, Some(put(&account, &first["etag"], json!([])))).await;
    assert_eq!(stale.answer(), error(409, "RESOURCE_CONFLICT", "Conflict with another RuleSet operation"));

    // Roles belong to the resource; principals must be the account's, in Databricks' forms.
    let wrong_role = json!([{"role": "roles/budgetPolicy.user", "principals": ["users/ada.lovelace@example.com"]}]);
    let message = "Role roles/budgetPolicy.user is not assignable here; it takes roles/marketplace.admin, roles/billing.admin, roles/group.manager, roles/servicePrincipal.manager.";
    assert_eq!(
        c.at("PUT", &rule_sets, Some(put(&account, &updated["etag"], wrong_role))).await.answer(),
        error(400, "INVALID_PARAMETER_VALUE", message)
    );
    let odd = json!([{"role": "roles/billing.admin", "principals": ["groups/"]}]);
    assert_eq!(
        c.at("PUT", &rule_sets, Some(put(&account, &updated["etag"], odd))).await.answer(),
        error(400, "INVALID_PARAMETER_VALUE", "Unsupported principal: groups/")
    );
    let stranger = json!([{"role": "roles/billing.admin", "principals": ["users/nobody@example.com"]}]);
    assert_eq!(
        c.at("PUT", &rule_sets, Some(put(&account, &updated["etag"], stranger))).await.answer(),
        error(400, "INVALID_PARAMETER_VALUE", "Principal users/nobody@example.com does not exist.")
    );

    // Group, service principal (by application ID) and budget policy rule sets; unknown ones are 404.
    let group = format!("accounts/{a}/groups/{ANALYSTS}/ruleSets/default");
    let group_etag = get(group.clone()).await.1["etag"].clone();
    let managers = json!([{"role": "roles/group.manager", "principals": ["servicePrincipals/8d7c6b5a-4e3f-4a2b-9c1d-0e9f8a7b6c5d"]}]);
    assert_eq!(c.at("PUT", &rule_sets, Some(put(&group, &group_etag, managers.clone()))).await.json()["grant_rules"], managers);
    let sp = format!("accounts/{a}/servicePrincipals/{}/ruleSets/default", c.fake.config().client_id);
    assert_eq!(get(sp).await.0, 200);
    let policy = format!("accounts/{a}/budgetPolicies/{BUDGET_POLICY}/ruleSets/default");
    let policy_etag = get(policy.clone()).await.1["etag"].clone();
    let users = json!([{"role": "roles/budgetPolicy.user", "principals": ["groups/Data Scientists"]}]);
    assert_eq!(c.at("PUT", &rule_sets, Some(put(&policy, &policy_etag, users))).await.status, 200);
    assert_eq!(
        get(format!("accounts/{a}/groups/42/ruleSets/default")).await,
        error(404, "RESOURCE_DOES_NOT_EXIST", "Group 42 does not exist.")
    );
    assert_eq!(get(format!("accounts/{a}/groups/{ANALYSTS}")).await.0, 400, "not a rule set name");
    let roles = c
        .at(
            "GET",
            &format!("/api/2.0/preview/accounts/{a}/access-control/assignable-roles?resource=accounts/{a}/budgetPolicies/{BUDGET_POLICY}"),
            None,
        )
        .await;
    assert_eq!(roles.json(), json!({"roles": [{"name": "roles/budgetPolicy.manager"}, {"name": "roles/budgetPolicy.user"}]}));
    let other_account =
        c.at("GET", &format!("/api/2.0/preview/accounts/{a}/access-control/assignable-roles?resource=accounts/{a}x"), None).await;
    assert_eq!(other_account.status, 400, "an account ID that merely starts like this one's is another account");
}
