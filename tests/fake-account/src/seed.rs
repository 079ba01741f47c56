//! What the account holds at start.

use crate::state::AccountState;
use crate::store::{Kind, Store};
use crate::{FakeConfig, Seed};
use serde_json::json;

/// The account as it starts for `config`, and the SCIM ID of the connection's own service
/// principal (whose OAuth secret the configured client secret is).
pub fn account(config: &FakeConfig) -> (AccountState, String) {
    let mut state = AccountState::default();
    let service_principal_id = identities(&mut state.store, config);
    let lifetime = config.secret_lifetime;
    crate::secrets::seed_connection_secret(&mut state, &service_principal_id, &config.client_secret, lifetime);
    // What every Databricks account has: its settings at their defaults and `default-policy`.
    crate::settings::seed(&mut state);
    crate::network_policies::seed(&mut state, &config.account_id);
    if matches!(config.seed, Seed::Demo | Seed::Examples) {
        crate::provisioning::seed_demo(&mut state, &config.account_id);
    }
    if config.seed == Seed::Examples {
        examples(&mut state, config);
    }
    (state, service_principal_id)
}

/// Seeds the store; returns the SCIM ID of the connection's own service principal.
fn identities(store: &mut Store, config: &FakeConfig) -> String {
    use example_ids::*;
    let connector = json!({
        "displayName": "workflow-automation",
        "applicationId": config.client_id,
        "active": true,
        "roles": [{"value": "account_admin"}],
    });
    let sp = store.create_as(Kind::ServicePrincipals, &connector, CONNECTION_SERVICE_PRINCIPAL).expect("the first service principal");
    if matches!(config.seed, Seed::Demo | Seed::Examples) {
        let person = |store: &mut Store, id: &str, user_name: &str, given: &str, family: &str, admin: bool| {
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
            store.create_as(Kind::Users, &body, id).expect("seed users are unique")
        };
        let ada = person(store, ADA, "ada.lovelace@example.com", "Ada", "Lovelace", true);
        let alan = person(store, &ALAN.to_string(), "alan.turing@example.com", "Alan", "Turing", false);
        let katherine = person(store, KATHERINE, "katherine.johnson@example.com", "Katherine", "Johnson", false);
        let groups = [
            (PLATFORM_ADMINS, "Platform Admins", vec![ada.clone(), sp.clone()]),
            (DATA_SCIENTISTS, "Data Scientists", vec![alan.clone(), katherine.clone()]),
            (ANALYSTS, "Analysts", vec![katherine]),
        ];
        for (id, name, members) in groups {
            let members: Vec<_> = members.iter().map(|id| json!({"value": id})).collect();
            store.create_as(Kind::Groups, &json!({"displayName": name, "members": members}), id).expect("seed groups are unique");
        }
        store
            .create_as(Kind::ServicePrincipals, &json!({"displayName": "nightly-etl", "active": true}), NIGHTLY_ETL)
            .expect("seed service principals are unique");
    }
    sp
}

/// Fixed IDs and values of the seeds, from `wit/examples.json` (the card list's `@example` tags
/// name the same values), so that the card list's example inputs can name them.
pub mod example_ids {
    include!(concat!(env!("OUT_DIR"), "/example_ids.rs"));

    /// The connection a card example runs with, by the card's first `@auth` case (`oauth-m2m`
    /// when it names none): M2M with the account's service principal, the SCIM token, or U2M
    /// with the example app and [`U2M_REFRESH_TOKEN`].
    pub fn connection(fake: &crate::FakeAccount, auth: Option<&str>) -> serde_json::Value {
        match auth {
            Some("scim-token") => fake.scim_token_connection(),
            Some("oauth-u2m") => {
                let mut connection = fake.m2m_connection();
                connection["auth"] = serde_json::json!({"oauth_u2m": {
                    "client_id": APP_CLIENT_ID,
                    "client_secret": APP_CLIENT_SECRET,
                    "refresh_token": U2M_REFRESH_TOKEN,
                    "access_token": null,
                    "access_token_expires_at": null,
                    "scopes": null,
                }});
                connection
            }
            _ => fake.m2m_connection(),
        }
    }
}

/// [`Seed::Examples`](crate::Seed::Examples): one object of each kind the non-SCIM cards read,
/// with the fixed IDs of [`example_ids`], on top of the Demo account.
fn examples(state: &mut AccountState, config: &FakeConfig) {
    use example_ids::*;
    let (account_id, client_id) = (&config.account_id, &config.client_id);
    let admin = 4_211_000_000_007_919i64;
    let now = 1_700_000_200_000i64;
    state.ip_lists.insert(json!({
        "list_id": IP_ACCESS_LIST, "label": "office-vpn", "list_type": "ALLOW",
        "ip_addresses": ["198.51.100.0/24"], "address_count": 1, "enabled": true,
        "created_at": now, "created_by": admin, "updated_at": now, "updated_by": admin,
    }));
    state.metastores.insert(json!({
        "metastore_id": METASTORE, "name": "primary", "region": "us-west-2", "cloud": "aws",
        "global_metastore_id": format!("aws:us-west-2:{METASTORE}"),
        "owner": client_id, "delta_sharing_scope": "INTERNAL", "privilege_model_version": "1.0",
        "created_at": now, "created_by": client_id, "updated_at": now, "updated_by": client_id,
    }));
    state.assignments.insert(json!({"workspace_id": SANDBOX, "metastore_id": METASTORE, "default_catalog_name": "main"}));
    state.budgets.insert(json!({
        "budget_configuration_id": BUDGET, "account_id": account_id, "display_name": "Platform monthly",
        "filter": {},
        "alert_configurations": [{
            "alert_configuration_id": "b7a1c3e5-2d4f-4a6b-8c0d-1e2f3a4b5c02",
            "time_period": "MONTH", "trigger_type": "CUMULATIVE_SPENDING_EXCEEDED",
            "quantity_type": "LIST_PRICE_DOLLARS_USD", "quantity_threshold": "5000",
            "action_configurations": [{
                "action_configuration_id": "b7a1c3e5-2d4f-4a6b-8c0d-1e2f3a4b5c03",
                "action_type": "EMAIL_NOTIFICATION", "target": "finops@example.com",
            }],
        }],
        "create_time": now, "update_time": now,
    }));
    state.log_delivery.insert(json!({
        "config_id": LOG_DELIVERY_CONFIG, "account_id": account_id, "config_name": "audit-logs",
        "log_type": "AUDIT_LOGS", "output_format": "JSON",
        "credentials_id": "7b9b6c58-3c1e-4a4e-9a0e-2f6c8d1e5a01",
        "storage_configuration_id": "0f1e2d3c-4b5a-4968-8776-655443322110",
        "status": "ENABLED", "creation_time": now, "update_time": now,
        "log_delivery_status": {"status": "CREATED", "message": "Log delivery has not been attempted yet."},
    }));
    state.apps.insert(json!({
        "integration_id": APP_INTEGRATION, "client_id": APP_CLIENT_ID, "name": "tableau-server",
        "redirect_urls": ["https://tableau.example.com/auth/add_oauth_token", LOGIN_REDIRECT_URI], "confidential": true,
        "scopes": ["all-apis"], "user_authorized_scopes": [],
        "token_access_policy": {"access_token_ttl_in_minutes": 60, "refresh_token_ttl_in_minutes": 10_080},
        "create_time": "2023-11-14T22:13:20Z", "created_by": admin,
    }));
    {
        let created = std::time::UNIX_EPOCH + std::time::Duration::from_millis(now as u64);
        let expires = std::time::SystemTime::now() + std::time::Duration::from_secs(365 * 86_400);
        let rfc = |t| humantime::format_rfc3339_seconds(t).to_string();
        let shown = json!({
            "id": SECRET, "status": "ACTIVE", "secret_hash": "a1b2c3d4",
            "create_time": rfc(created), "update_time": rfc(created), "expire_time": rfc(expires),
        });
        let value = crate::secrets::SecretValue { secret: "dose-example-nightly-etl-secret".into(), expires };
        crate::secrets::add(state, NIGHTLY_ETL, shown, value);
    }
    state.networks.insert(json!({
        "network_id": NETWORK, "network_name": "analytics-vpc", "account_id": account_id,
        "vpc_id": "vpc-0a1b2c3d", "subnet_ids": ["subnet-0a1b", "subnet-2c3d"], "security_group_ids": ["sg-0a1b2c3d"],
        "vpc_status": "UNATTACHED", "creation_time": now,
    }));
    state.credentials.insert(json!({
        "credentials_id": UNUSED_CREDENTIAL, "credentials_name": "spare-cross-account", "account_id": account_id,
        "aws_credentials": {"sts_role": {"role_arn": "arn:aws:iam::123456789012:role/databricks-spare"}},
        "creation_time": now,
    }));
    state.permissions.entry(ANALYTICS_PROD).or_default().insert(ALAN, vec!["USER".to_string()]);
    state.app_secrets.insert(APP_CLIENT_ID.to_string(), APP_CLIENT_SECRET.to_string());
    crate::u2m::seed_example(&mut state.u2m, APP_CLIENT_ID, LOGIN_CODE, LOGIN_REDIRECT_URI, LOGIN_CODE_CHALLENGE, U2M_REFRESH_TOKEN);
    networking(state, account_id, now);
    access(state, config, now);
}

/// The Examples seed's networking and keys: spare configurations no workspace uses (so their
/// delete examples succeed), a network connectivity configuration with an approved rule, and a
/// network policy besides `default-policy`.
fn networking(state: &mut AccountState, account_id: &str, now: i64) {
    use example_ids::*;
    state.storage.insert(json!({
        "storage_configuration_id": UNUSED_STORAGE_CONFIGURATION, "storage_configuration_name": "spare-root-bucket",
        "account_id": account_id, "root_bucket_info": {"bucket_name": "spare-databricks-root"}, "creation_time": now,
    }));
    state.vpc_endpoints.insert(json!({
        "vpc_endpoint_id": VPC_ENDPOINT, "vpc_endpoint_name": "analytics-rest-api", "account_id": account_id,
        "aws_vpc_endpoint_id": "vpce-0a1b2c3d4e5f60718", "region": "us-west-2", "aws_account_id": "123456789012",
        "aws_endpoint_service_id": "com.amazonaws.vpce.us-west-2.vpce-svc-0a1b2c3d4e5f60718", "state": "available",
        "use_case": "GENERAL_ACCESS",
    }));
    state.private_access.insert(json!({
        "private_access_settings_id": PRIVATE_ACCESS_SETTINGS, "private_access_settings_name": "analytics-privatelink",
        "account_id": account_id, "region": "us-west-2", "private_access_level": "ACCOUNT", "public_access_enabled": true,
    }));
    state.keys.insert(json!({
        "customer_managed_key_id": CUSTOMER_MANAGED_KEY, "account_id": account_id, "use_cases": ["MANAGED_SERVICES", "STORAGE"],
        "aws_key_info": {"key_arn": "arn:aws:kms:us-west-2:123456789012:key/0a1b2c3d-4e5f-4a7b-8c9d-0e1f2a3b4c5d",
            "key_region": "us-west-2", "key_alias": "alias/databricks", "reuse_key_for_cluster_volumes": true},
        "creation_time": now,
    }));
    state.connectivity.insert(json!({
        "network_connectivity_config_id": NETWORK_CONNECTIVITY_CONFIG, "account_id": account_id, "name": "serverless-egress",
        "region": "us-west-2", "creation_time": now, "updated_time": now,
        "egress_config": {"default_rules": {"aws_stable_ip_rule": {"cidr_blocks": ["52.27.216.188/32", "52.35.116.98/32"]}}},
    }));
    let rules = crate::connectivity::rules_of(state, NETWORK_CONNECTIVITY_CONFIG).expect("the configuration was just seeded");
    rules.insert(json!({
        "rule_id": PRIVATE_ENDPOINT_RULE, "network_connectivity_config_id": NETWORK_CONNECTIVITY_CONFIG, "account_id": account_id,
        "connection_state": "ESTABLISHED", "deactivated": false, "enabled": true,
        "endpoint_service": "com.amazonaws.us-west-2.s3", "resource_names": ["analytics-landing"],
        "vpc_endpoint_id": "vpce-0f1e2d3c4b5a69788", "creation_time": now, "updated_time": now,
    }));
    state.network_policies.insert(json!({
        "network_policy_id": NETWORK_POLICY, "account_id": account_id,
        "egress": {"network_access": {"restriction_mode": "RESTRICTED_ACCESS",
            "allowed_internet_destinations": [{"destination": "pypi.org", "internet_destination_type": "DNS_NAME"}]}},
    }));
}

/// The Examples seed's OAuth, billing and catalog objects beyond the first ones: federation
/// policies, a budget policy, a published app integration, a storage credential and a usage
/// dashboard.
fn access(state: &mut AccountState, config: &FakeConfig, now: i64) {
    use example_ids::*;
    let account_id = &config.account_id;
    let created = "2023-11-14T22:16:40Z";
    state.federation_policies.insert(json!({
        "policy_id": FEDERATION_POLICY, "name": format!("accounts/{account_id}/federationPolicies/{FEDERATION_POLICY}"),
        "uid": "0d1e2f3a-4b5c-4d6e-8f7a-9b0c1d2e3f01", "description": "GitHub Actions of example-org",
        "oidc_policy": {"issuer": "https://token.actions.githubusercontent.com", "audiences": [account_id], "subject_claim": "sub"},
        "create_time": created, "update_time": created,
    }));
    let sp_policies = crate::federation::of_service_principal(state, NIGHTLY_ETL).expect("nightly-etl is seeded");
    sp_policies.insert(json!({
        "policy_id": SERVICE_PRINCIPAL_FEDERATION_POLICY,
        "name": format!("accounts/{account_id}/servicePrincipals/{NIGHTLY_ETL}/federationPolicies/{SERVICE_PRINCIPAL_FEDERATION_POLICY}"),
        "uid": "1e2f3a4b-5c6d-4e7f-9a8b-0c1d2e3f4a01", "service_principal_id": NIGHTLY_ETL.parse::<i64>().expect("a SCIM ID"),
        "oidc_policy": {"issuer": "https://token.actions.githubusercontent.com", "audiences": [account_id],
            "subject": "repo:example-org/etl:environment:prod"},
        "create_time": created, "update_time": created,
    }));
    state.budget_policies.insert(json!({
        "policy_id": BUDGET_POLICY, "policy_name": "data-science", "custom_tags": [{"key": "team", "value": "data-science"}],
    }));
    state
        .budget_policy_creators
        .insert(BUDGET_POLICY.to_string(), (ADA.parse().expect("a SCIM ID"), "ada.lovelace@example.com".to_string()));
    let mut integration = crate::published_apps::integration(
        "power-bi",
        json!({"access_token_ttl_in_minutes": 60, "refresh_token_ttl_in_minutes": 10_080}),
        created.to_string(),
    )
    .expect("power-bi is a published app");
    integration["integration_id"] = json!(PUBLISHED_APP_INTEGRATION);
    state.published_app_integrations.insert(integration);
    let credentials = crate::storage_credentials::of_metastore(state, METASTORE).expect("the metastore is seeded");
    credentials.insert(json!({
        "id": "2f3a4b5c-6d7e-4f8a-9b0c-1d2e3f4a5b01", "name": STORAGE_CREDENTIAL, "full_name": STORAGE_CREDENTIAL,
        "metastore_id": METASTORE, "owner": config.client_id, "read_only": false, "isolation_mode": "ISOLATION_MODE_OPEN",
        "used_for_managed_storage": false, "comment": "The primary metastore's bucket",
        "aws_iam_role": {"role_arn": "arn:aws:iam::123456789012:role/unity-catalog-primary", "external_id": account_id,
            "unity_catalog_iam_arn": "arn:aws:iam::414351767826:role/unity-catalog-prod-UCMasterRole-14S5ZJVKOTYTL"},
        "created_at": now, "created_by": config.client_id, "updated_at": now, "updated_by": config.client_id,
    }));
    state.dashboards.insert(json!({
        "dashboard_id": USAGE_DASHBOARD, "dashboard_type": "USAGE_DASHBOARD_TYPE_WORKSPACE",
        "major_version": "USAGE_DASHBOARD_MAJOR_VERSION_1", "workspace_id": ANALYTICS_PROD,
        "dashboard_url": format!("https://dbc-{ANALYTICS_PROD:x}.cloud.databricks.com/dashboardsv3/{USAGE_DASHBOARD}/published"),
    }));
}
