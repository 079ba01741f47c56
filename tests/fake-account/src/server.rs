//! The HTTP server: routes, and the layer every request passes through (journal,
//! injected faults, `x-request-id`).

use crate::state::Shared;
use crate::{Fault, FaultAction, RecordedRequest};
use axum::Router;
use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};
use std::sync::Arc;

pub fn router(shared: Arc<Shared>) -> Router {
    use crate::{access_control, apps, budget_policies, budgets, catalog, connectivity, dashboards, family, federation, ip_lists};
    use crate::{log_delivery, network_policies, permissions, provisioning, published_apps, scim, secrets, settings, storage_credentials};
    use crate::{usage, workspaces};
    let scim_collection = "/api/{version}/accounts/{account_id}/scim/v2/{resource}";
    let scim_item = "/api/{version}/accounts/{account_id}/scim/v2/{resource}/{id}";
    let account = |rest: &str| format!("/api/2.0/accounts/{{account_id}}/{rest}");
    let v2_1 = |rest: &str| format!("/api/2.1/accounts/{{account_id}}/{rest}");
    let preview = |rest: &str| format!("/api/2.0/preview/accounts/{{account_id}}/access-control/{rest}");
    let secrets = account("servicePrincipals/{sp_id}/credentials/secrets");
    let apps = account("oauth2/custom-app-integrations");
    let published = account("oauth2/published-app-integrations");
    let permission_assignments = account("workspaces/{id}/permissionassignments");
    let rules = account("network-connectivity-configs/{id}/private-endpoint-rules");
    let sp_federation = account("servicePrincipals/{sp_id}/federationPolicies");
    let storage_credentials = account("metastores/{id}/storage-credentials");
    // What workspaces are made of: a get, and a delete refused while something uses it.
    let guarded = provisioning::CONFIGURATIONS.iter().fold(Router::new(), |router, &(path, pick, what, user)| {
        router.route(&account(&format!("{path}/{{id}}")), provisioning::configuration(pick, what, user))
    });
    guarded
        .route(&account("credentials"), family::list(|s| &mut s.credentials).post(provisioning::create_credential))
        .route(&account("storage-configurations"), family::list(|s| &mut s.storage).post(provisioning::create_storage))
        .route(&account("networks"), family::list(|s| &mut s.networks).post(provisioning::create_network))
        .route(&account("private-access-settings"), family::list(|s| &mut s.private_access).post(provisioning::create_private_access))
        .route(&account("private-access-settings/{id}"), put(provisioning::replace_private_access))
        .route(&account("vpc-endpoints"), family::list(|s| &mut s.vpc_endpoints).post(provisioning::create_vpc_endpoint))
        .route(&account("customer-managed-keys"), family::list(|s| &mut s.keys).post(provisioning::create_key))
        .route(&account("network-connectivity-configs"), family::list(|s| &mut s.connectivity).post(connectivity::create_config))
        .route("/.well-known/databricks-config", get(crate::oauth::host_metadata))
        .route("/oidc/accounts/{account_id}/.well-known/oauth-authorization-server", get(crate::oauth::discovery))
        .route("/oidc/accounts/{account_id}/.well-known/openid-configuration", get(crate::oauth::discovery))
        .route("/oidc/accounts/{account_id}/v1/token", post(crate::oauth::token))
        .route("/oidc/accounts/{account_id}/v1/authorize", get(crate::u2m::authorize))
        .route(scim_collection, get(scim::list).post(scim::create))
        .route(scim_item, get(scim::get).put(scim::replace).patch(scim::patch).delete(scim::delete))
        .route(&preview("assignable-roles"), get(access_control::assignable_roles))
        .route(&preview("rule-sets"), get(access_control::get_rule_set).put(access_control::update_rule_set))
        .route(&account("ip-access-lists"), family::list(|s| &mut s.ip_lists).post(ip_lists::create))
        .route(&account("ip-access-lists/{id}"), family::deletable(|s| &mut s.ip_lists).patch(ip_lists::update).put(ip_lists::replace))
        .route(&account("settings/types/{type}/names/{name}"), get(settings::get).patch(settings::update).delete(settings::delete))
        .route(&secrets, get(secrets::list).post(secrets::create))
        .route(&format!("{secrets}/{{secret_id}}"), delete(secrets::delete))
        .route(&account("workspaces"), family::list(|s| &mut s.workspaces).post(workspaces::create))
        .route(&account("workspaces/{id}"), get(workspaces::get).patch(workspaces::update).delete(workspaces::delete))
        .route(&account("workspaces/{id}/network"), get(network_policies::get_option).put(network_policies::put_option))
        .route(&rules, family::list_under(connectivity::rules_of).post(connectivity::create_rule))
        .route(
            &format!("{rules}/{{rule_id}}"),
            get(connectivity::get_rule).patch(connectivity::update_rule).delete(connectivity::delete_rule),
        )
        .route(&account("network-policies"), family::list(|s| &mut s.network_policies).post(network_policies::create))
        .route(
            &account("network-policies/{id}"),
            family::item(|s| &mut s.network_policies).put(network_policies::replace).delete(network_policies::delete),
        )
        .route(&account("metastores"), family::list(|s| &mut s.metastores).post(catalog::create))
        .route(&account("metastores/{id}"), family::item(|s| &mut s.metastores).put(catalog::update).delete(catalog::delete))
        .route(&account("metastores/{id}/workspaces"), get(catalog::assigned_workspaces))
        .route(&storage_credentials, family::list_under(storage_credentials::of_metastore).post(storage_credentials::create))
        .route(
            &format!("{storage_credentials}/{{name}}"),
            family::item_under(storage_credentials::of_metastore).put(storage_credentials::update).delete(storage_credentials::delete),
        )
        .route(&account("workspaces/{id}/metastore"), family::item(|s| &mut s.assignments))
        .route(&account("workspaces/{id}/metastores/{metastore_id}"), post(catalog::assign).put(catalog::assign).delete(catalog::unassign))
        .route(&permission_assignments, get(permissions::list))
        .route(&format!("{permission_assignments}/permissions"), get(permissions::levels))
        .route(&format!("{permission_assignments}/principals/{{principal_id}}"), put(permissions::put).delete(permissions::delete))
        .route(&apps, family::list(|s| &mut s.apps).post(apps::create))
        .route(&format!("{apps}/{{id}}"), family::deletable(|s| &mut s.apps).patch(apps::update))
        .route(&account("oauth2/published-apps"), get(published_apps::list_apps))
        .route(&published, family::list(|s| &mut s.published_app_integrations).post(published_apps::create))
        .route(&format!("{published}/{{id}}"), family::deletable(|s| &mut s.published_app_integrations).patch(published_apps::update))
        .route(&account("federationPolicies"), family::list(|s| &mut s.federation_policies).post(federation::create))
        .route(&account("federationPolicies/{id}"), family::deletable(|s| &mut s.federation_policies).patch(federation::update))
        .route(&sp_federation, family::list_under(federation::of_service_principal).post(federation::create_for_service_principal))
        .route(
            &format!("{sp_federation}/{{policy_id}}"),
            family::deletable_under(federation::of_service_principal).patch(federation::update_for_service_principal),
        )
        .route(&v2_1("budgets"), family::list(|s| &mut s.budgets).post(budgets::create))
        .route(&v2_1("budgets/{id}"), family::deletable(|s| &mut s.budgets).put(budgets::replace))
        .route(&v2_1("budget-policies"), get(budget_policies::list).post(budget_policies::create))
        .route(
            &v2_1("budget-policies/{id}"),
            family::item(|s| &mut s.budget_policies).patch(budget_policies::update).delete(budget_policies::delete),
        )
        .route(&account("dashboard"), get(dashboards::get).post(dashboards::create))
        .route(&account("log-delivery"), family::list(|s| &mut s.log_delivery).post(log_delivery::create))
        .route(&account("log-delivery/{id}"), family::item(|s| &mut s.log_delivery).patch(log_delivery::update))
        .route(&account("usage/download"), get(usage::download))
        .fallback(not_found)
        // Databricks answers a known path with an unsupported method as an unknown endpoint.
        .method_not_allowed_fallback(not_found)
        .layer(middleware::from_fn_with_state(shared.clone(), journal_and_faults))
        .with_state(shared)
}

async fn not_found(request: Request) -> Response {
    let what = format!("{} {}", request.method(), request.uri().path());
    crate::errors::api(StatusCode::NOT_FOUND, "ENDPOINT_NOT_FOUND", format!("No API found for '{what}'"))
}

/// Largest request body the fake reads (Databricks refuses larger ones too).
const MAX_BODY: usize = 10 * 1024 * 1024;

/// Records every request, answers with an injected fault when one matches (or a 429 when the
/// account's rate limits are on and exceeded), waits the configured latency, and tags every
/// response with an `x-request-id` like Databricks does.
async fn journal_and_faults(State(shared): State<Arc<Shared>>, request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    let bytes = match to_bytes(body, MAX_BODY).await {
        Ok(bytes) => bytes,
        Err(_) => return crate::errors::api(StatusCode::PAYLOAD_TOO_LARGE, "INVALID_PARAMETER_VALUE", "Request body too large."),
    };
    let recorded = RecordedRequest::new(&parts, &bytes);
    let reflected = Reflected::of(&recorded);
    let query = parts.uri.query().unwrap_or("").to_string();
    let (fault, over_limit) = {
        let mut state = shared.state();
        let position = state.faults.iter().position(|f| f.matches(&recorded.method, &recorded.path, &query));
        let fault = position.map(|i| {
            let fault = state.faults[i].clone();
            state.faults[i].times -= 1;
            if state.faults[i].times == 0 {
                state.faults.remove(i);
            }
            fault
        });
        let over_limit = match (&fault, shared.config.rate_limits) {
            (None, Some(scale)) => state.limits.take(&recorded.method, &recorded.path, scale).err(),
            _ => None,
        };
        state.journal.push(recorded);
        state.faults_played += u64::from(fault.is_some());
        (fault, over_limit)
    };
    if !shared.config.latency.is_zero() {
        tokio::time::sleep(shared.config.latency).await;
    }
    let normal = Request::from_parts(parts, Body::from(bytes));
    let mut response = match (over_limit, fault.map(|f| f.action)) {
        (Some(wait), _) => crate::errors::throttled(wait),
        (None, None) => next.run(normal).await,
        (None, Some(FaultAction::Delay(delay))) => {
            tokio::time::sleep(delay).await;
            next.run(normal).await
        }
        (None, Some(FaultAction::WriteFirst(write))) => {
            concurrent_write(&mut shared.state(), write);
            next.run(normal).await
        }
        (None, Some(action)) => respond(reflected.into(action)),
    };
    // A fault's own request ID (a hostile one, say) stays.
    if let (false, Ok(id)) = (response.headers().contains_key("x-request-id"), HeaderValue::from_str(&crate::ids::uuid())) {
        response.headers_mut().insert("x-request-id", id);
    }
    response
}

/// Another client's write, made under the lock before the request it races is handled.
fn concurrent_write(state: &mut crate::state::AccountState, write: crate::ConcurrentWrite) {
    match write {
        crate::ConcurrentWrite::Setting(setting_type) => crate::settings::write_again(state, &setting_type),
        crate::ConcurrentWrite::Grant { rule_set, role, principal } => crate::access_control::grant(state, &rule_set, &role, &principal),
    }
}

impl Fault {
    fn matches(&self, method: &str, path: &str, query: &str) -> bool {
        self.times > 0
            && self.method.as_deref().is_none_or(|m| m.eq_ignore_ascii_case(method))
            && path.contains(&self.path_contains)
            && self.query_contains.as_deref().is_none_or(|q| query.contains(q))
    }
}

/// What a hostile server can reflect of a request into a scripted answer (see
/// [`FaultAction::Respond`]).
struct Reflected {
    authorization: String,
    credential: String,
    form: String,
}

impl Reflected {
    fn of(request: &RecordedRequest) -> Reflected {
        let authorization = request.header("authorization").unwrap_or_default().to_string();
        let credential = authorization.split_once(' ').map(|(_, c)| c.to_string()).unwrap_or_default();
        Reflected { authorization, credential, form: request.raw_body.clone() }
    }

    fn fill(&self, text: String) -> String {
        text.replace("{{authorization}}", &self.authorization).replace("{{credential}}", &self.credential).replace("{{form}}", &self.form)
    }

    fn into(self, action: FaultAction) -> FaultAction {
        match action {
            FaultAction::Respond { status, content_type, body, headers } => FaultAction::Respond {
                status,
                content_type,
                body: self.fill(body),
                headers: headers.into_iter().map(|(name, value)| (name, self.fill(value))).collect(),
            },
            other => other,
        }
    }
}

/// The response of a fault that replaces the normal answer.
fn respond(action: FaultAction) -> Response {
    let (status, content_type, body, headers) = match action {
        FaultAction::Respond { status, content_type, body, headers } => (status, content_type, Body::from(body), headers),
        // The head goes out, then the body stream fails: hyper drops the connection.
        FaultAction::Reset => (200, "application/json".to_string(), broken_body(Vec::new()), Vec::new()),
        FaultAction::Truncate { status, content_type, body, missing } => {
            let declared = body.len() + missing;
            (status, content_type, broken_body(body.into_bytes()), vec![("content-length".to_string(), declared.to_string())])
        }
        // The middleware answers these normally after a delay or a write; reaching here is a
        // misuse, not a crash.
        FaultAction::Delay(_) | FaultAction::WriteFirst(_) => {
            (500, "text/plain".to_string(), Body::from("a delay or a write is not an answer"), Vec::new())
        }
    };
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = (status, body).into_response();
    let map = response.headers_mut();
    if let Ok(content_type) = HeaderValue::from_str(&content_type) {
        map.insert("content-type", content_type);
    }
    for (name, value) in headers {
        if let (Ok(name), Ok(value)) = (axum::http::HeaderName::try_from(name.as_str()), HeaderValue::from_str(&value)) {
            map.insert(name, value);
        }
    }
    response
}

/// A body that sends `bytes` and then fails, so the client sees the connection break.
fn broken_body(bytes: Vec<u8>) -> Body {
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        vec![Ok(bytes), Err(std::io::Error::new(std::io::ErrorKind::ConnectionReset, "fault: connection reset"))];
    Body::from_stream(futures_util::stream::iter(chunks))
}
