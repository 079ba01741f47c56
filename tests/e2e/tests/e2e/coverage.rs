//! Every card the component exports has a scenario test that runs it and checks
//! what the account received: adding a card without one fails here.

use e2e::Env;

/// The scenario files (corner cases are generated, so they do not count).
const SCENARIOS: &[&str] = &[
    include_str!("users.rs"),
    include_str!("groups.rs"),
    include_str!("service_principals.rs"),
    include_str!("auth.rs"),
    include_str!("access.rs"),
    include_str!("oauth.rs"),
    include_str!("provisioning.rs"),
    include_str!("catalog.rs"),
    include_str!("billing.rs"),
    include_str!("lifecycle.rs"),
    include_str!("health.rs"),
    include_str!("custom_request.rs"),
    include_str!("unified.rs"),
    include_str!("u2m.rs"),
];

#[tokio::test(flavor = "multi_thread")]
async fn every_card_has_a_scenario() {
    let env = Env::empty().await;
    let missing: Vec<String> = env
        .harness
        .cards()
        .iter()
        .map(|c| c.id.clone())
        .filter(|id| !SCENARIOS.iter().any(|source| source.contains(&format!("(\"{id}\""))))
        .collect();
    assert!(missing.is_empty(), "cards without a scenario test: {missing:?}");
}
