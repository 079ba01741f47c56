//! Account settings: reads with Databricks' defaults, updates that read the etag and patch only
//! what they give, reverts, the retry after another writer's change, and the guard that keeps
//! IP access list enforcement from locking the callers out.

use e2e::{Env, Login, scenario};
use fake_account::{ConcurrentWrite, Fault, FaultAction, RecordedRequest, Seed};
use serde_json::{Value, json};

fn path(env: &Env, setting_type: &str) -> String {
    env.api(&format!("settings/types/{setting_type}/names/default"))
}

/// Method, path and query of each request, to compare a card's requests at a glance.
/// A request as method, path and query pairs.
type Sent = (String, String, Vec<(String, String)>);

fn sent(requests: &[RecordedRequest]) -> Vec<Sent> {
    requests.iter().map(|r| (r.method.clone(), r.path.clone(), r.query.clone())).collect()
}

fn get(path: &str) -> (String, String, Vec<(String, String)>) {
    ("GET".into(), path.into(), Vec::new())
}

/// The etag a setting has now, as its get card shows it.
async fn etag_of(env: &Env, card: &str) -> String {
    env.ok(card, json!({})).await["etag"].as_str().expect("an etag").to_string()
}

#[scenario]
async fn every_setting_reads_with_databricks_default() {
    let env = Env::empty().await;
    let expected = [
        ("get-compliance-security-profile-setting", "shield_csp_enablement_ac", json!({"is_enforced": false, "compliance_standards": []})),
        ("get-enhanced-security-monitoring-setting", "shield_esm_enablement_ac", json!({"is_enforced": false})),
        ("get-ip-access-list-enforcement", "acct_ip_acl_enable", json!({"value": true})),
        ("get-disable-legacy-features-setting", "disable_legacy_features", json!({"value": false})),
        ("get-personal-compute-setting", "dcp_acct_enable", json!({"value": "on"})),
        ("get-partner-powered-ai-setting", "llm_proxy_partner_powered", json!({"value": true})),
        ("get-partner-powered-ai-enforcement", "llm_proxy_partner_powered_enforce", json!({"value": false})),
    ];
    for (card, setting_type, value) in expected {
        env.clear();
        let mut got = env.ok(card, json!({})).await;
        assert_eq!(sent(&env.api_requests()), [get(&path(&env, setting_type))], "{card}: one GET, no etag asked");
        let etag = got.as_object_mut().unwrap().remove("etag").unwrap();
        assert!(etag.as_str().is_some_and(|e| e.len() > 20), "{card}: the record's etag rides along: {etag}");
        assert_eq!(got, value, "{card}");
    }
    env.clear();
    env.ok("get-personal-compute-setting", json!({"etag": "RENUAAAB"})).await;
    assert_eq!(env.single_api_request().query, [("etag".to_string(), "RENUAAAB".to_string())], "an etag asks for at least that version");
}

#[scenario]
async fn an_update_reads_the_etag_and_patches_only_what_it_gives() {
    let env = Env::empty().await;
    let before = etag_of(&env, "get-personal-compute-setting").await;
    env.clear();
    let updated = env.ok("update-personal-compute-setting", json!({"value": "delegate"})).await;
    let requests = env.api_requests();
    let setting = path(&env, "dcp_acct_enable");
    assert_eq!(sent(&requests), [get(&setting), ("PATCH".into(), setting.clone(), Vec::new())]);
    assert_eq!(
        requests[1].body.clone().unwrap(),
        json!({"allow_missing": true, "field_mask": "personal_compute.value", "setting": {"personal_compute": {"value": "DELEGATE"}, "etag": before}})
    );
    assert_eq!(updated["value"], "delegate");
    assert_ne!(updated["etag"], json!(before), "every write makes a new etag");
    assert_eq!(env.ok("get-personal-compute-setting", json!({})).await, updated);

    env.clear();
    let csp = env.ok("update-compliance-security-profile-setting", json!({"is_enforced": true, "compliance_standards": ["hipaa", "pci_dss"]})).await;
    let body = env.api_requests()[1].body.clone().unwrap();
    assert_eq!(body["field_mask"], "csp_enablement_account.compliance_standards,csp_enablement_account.is_enforced");
    assert_eq!(body["setting"]["csp_enablement_account"], json!({"is_enforced": true, "compliance_standards": ["HIPAA", "PCI_DSS"]}));
    assert_eq!((csp["is_enforced"].clone(), csp["compliance_standards"].clone()), (json!(true), json!(["hipaa", "pci_dss"])));
    env.clear();
    let csp = env.ok("update-compliance-security-profile-setting", json!({"is_enforced": false})).await;
    assert_eq!(env.api_requests()[1].body.clone().unwrap()["field_mask"], "csp_enablement_account.is_enforced", "only the field given");
    assert_eq!((csp["is_enforced"].clone(), csp["compliance_standards"].clone()), (json!(false), json!(["hipaa", "pci_dss"])));

    let esm = env.ok("update-enhanced-security-monitoring-setting", json!({"is_enforced": true})).await;
    assert_eq!(env.api_requests().last().unwrap().body.clone().unwrap()["setting"]["esm_enablement_account"], json!({"is_enforced": true}));
    assert_eq!(esm["is_enforced"], true);
    for (card, setting_type, field, value) in [
        ("update-disable-legacy-features-setting", "disable_legacy_features", "disable_legacy_features", true),
        ("update-partner-powered-ai-setting", "llm_proxy_partner_powered", "boolean_val", false),
        ("update-partner-powered-ai-enforcement", "llm_proxy_partner_powered_enforce", "boolean_val", true),
    ] {
        env.clear();
        let changed = env.ok(card, json!({"value": value})).await;
        let requests = env.api_requests();
        assert_eq!(requests.iter().map(|r| r.method.as_str()).collect::<Vec<_>>(), ["GET", "PATCH"], "{card}");
        assert_eq!(requests[1].path, path(&env, setting_type), "{card}");
        let body = requests[1].body.clone().unwrap();
        assert_eq!((body["field_mask"].clone(), body["setting"][field].clone()), (json!(format!("{field}.value")), json!({"value": value})));
        assert_eq!(changed["value"], value, "{card}");
    }

    env.clear();
    let (case, error) = env.err("update-compliance-security-profile-setting", json!({})).await;
    assert_eq!((case.as_str(), error["field"].as_str()), ("invalid_input", Some("input")), "nothing to change");
    let (case, error) = env.err("update-compliance-security-profile-setting", json!({"compliance_standards": vec!["hipaa"; 17]})).await;
    assert_eq!((case.as_str(), error["field"].as_str()), ("invalid_input", Some("compliance-standards")));
    assert!(env.fake.requests().is_empty(), "refused before any request");
}

#[scenario]
async fn another_writer_in_between_costs_one_more_read_and_write() {
    let env = Env::empty().await;
    let setting = path(&env, "dcp_acct_enable");
    let before = etag_of(&env, "get-personal-compute-setting").await;
    env.fake.push_fault(Fault::new("/dcp_acct_enable/", FaultAction::WriteFirst(ConcurrentWrite::Setting("dcp_acct_enable".into()))).method("PATCH"));
    env.clear();
    let updated = env.run("update-personal-compute-setting", json!({"value": "delegate"})).await.expect("the retry succeeds");
    let requests = env.api_requests();
    let patch = ("PATCH".to_string(), setting.clone(), Vec::new());
    assert_eq!(sent(&requests), [get(&setting), patch.clone(), get(&setting), patch], "read, write (stale), read again, write");
    let (first, second) = (requests[1].body.clone().unwrap(), requests[3].body.clone().unwrap());
    assert_eq!(first["setting"]["etag"], json!(before), "the first write carried the etag read first");
    assert_ne!(second["setting"]["etag"], first["setting"]["etag"], "the retry carries the other writer's etag");
    assert_eq!(updated["value"], "delegate");

    let write = || FaultAction::WriteFirst(ConcurrentWrite::Setting("dcp_acct_enable".into()));
    env.fake.push_fault(Fault::new("/dcp_acct_enable/", write()).method("PATCH").times(2));
    env.clear();
    let (case, error) = env.err("update-personal-compute-setting", json!({"value": "on"})).await;
    assert_eq!((case.as_str(), error["status"].as_u64()), ("conflict", Some(409)), "a second conflict is the flow's: {error}");
    assert_eq!(env.api_requests().len(), 4, "retried once, not more");
}

#[scenario]
async fn a_revert_returns_the_default_and_honours_a_given_etag() {
    let env = Env::empty().await;
    let setting = path(&env, "dcp_acct_enable");
    env.ok("update-personal-compute-setting", json!({"value": "delegate"})).await;
    let current = etag_of(&env, "get-personal-compute-setting").await;
    env.clear();
    let reverted = env.ok("delete-personal-compute-setting", json!({})).await;
    let requests = env.api_requests();
    assert_eq!(requests.len(), 3, "{:?}", e2e::summary(&requests));
    assert_eq!(sent(&requests[..1]), [get(&setting)]);
    assert_eq!(sent(&requests[1..2]), [("DELETE".to_string(), setting.clone(), vec![("etag".to_string(), current.clone())])]);
    let new_etag = reverted["etag"].as_str().unwrap().to_string();
    assert_eq!(sent(&requests[2..]), [("GET".to_string(), setting.clone(), vec![("etag".to_string(), new_etag)])], "read back at least as new as the revert");
    assert_eq!(reverted["value"], "on", "Personal Compute's default");

    env.ok("update-disable-legacy-features-setting", json!({"value": true})).await;
    assert_eq!(env.ok("delete-disable-legacy-features-setting", json!({})).await["value"], false);

    env.ok("update-personal-compute-setting", json!({"value": "delegate"})).await;
    env.clear();
    let (case, _) = env.err("delete-personal-compute-setting", json!({"etag": current})).await;
    assert_eq!(case, "conflict", "the version the flow named has changed since");
    assert_eq!(e2e::summary(&env.api_requests()), [format!("DELETE {setting}")], "with a given etag: no read, no retry");
    assert_eq!(env.ok("get-personal-compute-setting", json!({})).await["value"], "delegate", "nothing was reverted");
}

#[scenario]
async fn enforcing_ip_access_lists_needs_an_allowed_caller_or_a_confirmation() {
    // The Examples seed's allow list `office-vpn` holds 198.51.100.0/24.
    let env = Env::start(Seed::Examples, Login::OAuthM2m).await;
    let setting = path(&env, "acct_ip_acl_enable");
    let lists = env.api("ip-access-lists");
    env.ok("update-ip-access-list-enforcement", json!({"enabled": false})).await;

    env.clear();
    let (case, error) = env.err("update-ip-access-list-enforcement", json!({"enabled": true})).await;
    assert_eq!((case.as_str(), error["field"].as_str()), ("invalid_input", Some("caller-address")));
    assert!(env.fake.requests().is_empty(), "refused without a request: {error}");
    let (case, error) = env.err("update-ip-access-list-enforcement", json!({"enabled": true, "caller_address": "198.51.100.0/24"})).await;
    assert_eq!((case.as_str(), error["field"].as_str()), ("invalid_input", Some("caller-address")), "an address, not a block");

    let (case, error) = env.err("update-ip-access-list-enforcement", json!({"enabled": true, "caller_address": "203.0.113.9"})).await;
    assert_eq!((case.as_str(), error["field"].as_str()), ("invalid_input", Some("caller-address")));
    assert!(error["reason"].as_str().unwrap().contains("no enabled allow list holds 203.0.113.9"), "{error}");
    assert_eq!(sent(&env.api_requests()), [get(&lists)], "the lists were read, nothing was written");

    env.ok("create-ip-access-list", json!({"label": "quarantine", "list_type": "block", "ip_addresses": ["198.51.100.66"]})).await;
    let (_, error) = env.err("update-ip-access-list-enforcement", json!({"enabled": true, "caller_address": "198.51.100.66"})).await;
    assert!(error["reason"].as_str().unwrap().contains("block list"), "a block list wins over the allow list: {error}");

    env.clear();
    let enforced = env.ok("update-ip-access-list-enforcement", json!({"enabled": true, "caller_address": "198.51.100.7"})).await;
    let requests = env.api_requests();
    assert_eq!(sent(&requests), [get(&lists), get(&setting), ("PATCH".into(), setting.clone(), Vec::new())]);
    assert_eq!(requests[2].body.clone().unwrap()["setting"]["acct_ip_acl_enable"], json!({"value": true}));
    assert_eq!(enforced["value"], true);

    env.clear();
    assert_eq!(env.ok("update-ip-access-list-enforcement", json!({"enabled": false})).await["value"], false);
    assert_eq!(env.api_requests().len(), 2, "stopping enforcement is not checked");
    env.clear();
    assert_eq!(env.ok("update-ip-access-list-enforcement", json!({"enabled": true, "confirm": true})).await["value"], true);
    assert_eq!(env.api_requests().len(), 2, "a confirmation skips the check");

    env.ok("update-ip-access-list-enforcement", json!({"enabled": false})).await;
    env.clear();
    let (case, _) = env.err("delete-ip-access-list-enforcement", json!({"caller_address": "203.0.113.9"})).await;
    assert_eq!(case, "invalid_input", "the revert enforces, so it is checked too");
    assert_eq!(sent(&env.api_requests()), [get(&lists)]);
    env.clear();
    let reverted = env.ok("delete-ip-access-list-enforcement", json!({"caller_address": "198.51.100.7"})).await;
    let methods: Vec<String> = env.api_requests().iter().map(|r| format!("{} {}", r.method, r.path)).collect();
    assert_eq!(methods, [format!("GET {lists}"), format!("GET {setting}"), format!("DELETE {setting}"), format!("GET {setting}")]);
    assert_eq!(reverted["value"], true, "the default is enforced");
}

#[scenario]
async fn the_compliance_profile_and_monitoring_are_not_offered_on_gcp() {
    let env = Env::empty().await;
    let mut gcp = env.connection.clone();
    gcp["cloud"] = json!("gcp");
    env.clear();
    for (card, input) in [
        ("get-compliance-security-profile-setting", json!({})),
        ("update-compliance-security-profile-setting", json!({"is_enforced": true})),
        ("get-enhanced-security-monitoring-setting", json!({})),
        ("update-enhanced-security-monitoring-setting", json!({"is_enforced": true})),
    ] {
        let (case, message) = e2e::error_case(&env.run_with(card, &gcp, input).await.unwrap_err());
        assert_eq!(case, "unsupported", "{card}: {message}");
    }
    assert!(env.fake.requests().is_empty());
    let personal: Value = env.run_with("get-personal-compute-setting", &gcp, json!({})).await.unwrap();
    assert_eq!(personal["value"], "on", "other settings are on every cloud");
}
