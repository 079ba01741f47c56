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
    use crate::{apps, budgets, catalog, family, ip_lists, log_delivery, permissions, provisioning, scim, secrets};
    let scim_collection = "/api/{version}/accounts/{account_id}/scim/v2/{resource}";
    let scim_item = "/api/{version}/accounts/{account_id}/scim/v2/{resource}/{id}";
    let account = |rest: &str| format!("/api/2.0/accounts/{{account_id}}/{rest}");
    let budgets = |rest: &str| format!("/api/2.1/accounts/{{account_id}}/budgets{rest}");
    let secrets = account("servicePrincipals/{sp_id}/credentials/secrets");
    let apps = account("oauth2/custom-app-integrations");
    let permission_assignments = account("workspaces/{id}/permissionassignments");
    Router::new()
        .route("/.well-known/databricks-config", get(crate::oauth::host_metadata))
        .route("/oidc/accounts/{account_id}/.well-known/oauth-authorization-server", get(crate::oauth::discovery))
        .route("/oidc/accounts/{account_id}/.well-known/openid-configuration", get(crate::oauth::discovery))
        .route("/oidc/accounts/{account_id}/v1/token", post(crate::oauth::token))
        .route("/oidc/accounts/{account_id}/v1/authorize", get(crate::u2m::authorize))
        .route(scim_collection, get(scim::list).post(scim::create))
        .route(scim_item, get(scim::get).put(scim::replace).patch(scim::patch).delete(scim::delete))
        .route("/api/2.0/preview/accounts/{account_id}/access-control/assignable-roles", get(crate::access_control::assignable_roles))
        .route(&account("ip-access-lists"), family::list(|s| &mut s.ip_lists).post(ip_lists::create))
        .route(&account("ip-access-lists/{id}"), family::deletable(|s| &mut s.ip_lists))
        .route(&secrets, get(secrets::list).post(secrets::create))
        .route(&format!("{secrets}/{{secret_id}}"), delete(secrets::delete))
        .route(&account("workspaces"), family::list(|s| &mut s.workspaces))
        .route(&account("workspaces/{id}"), family::item(|s| &mut s.workspaces))
        .route(&account("credentials"), family::list(|s| &mut s.credentials).post(provisioning::create_credential))
        .route(
            &account("credentials/{id}"),
            provisioning::configuration(|s| &mut s.credentials, "credentials_id", "Credential configuration"),
        )
        .route(&account("storage-configurations"), family::list(|s| &mut s.storage))
        .route(&account("storage-configurations/{id}"), family::item(|s| &mut s.storage))
        .route(&account("networks"), family::list(|s| &mut s.networks).post(provisioning::create_network))
        .route(&account("networks/{id}"), provisioning::configuration(|s| &mut s.networks, "network_id", "Network configuration"))
        .route(&account("metastores"), family::list(|s| &mut s.metastores).post(catalog::create))
        .route(&account("metastores/{id}"), family::item(|s| &mut s.metastores).put(catalog::update).delete(catalog::delete))
        .route(&account("metastores/{id}/workspaces"), get(catalog::assigned_workspaces))
        .route(&account("workspaces/{id}/metastore"), family::item(|s| &mut s.assignments))
        .route(&account("workspaces/{id}/metastores/{metastore_id}"), post(catalog::assign).put(catalog::assign).delete(catalog::unassign))
        .route(&permission_assignments, get(permissions::list))
        .route(&format!("{permission_assignments}/permissions"), get(permissions::levels))
        .route(&format!("{permission_assignments}/principals/{{principal_id}}"), put(permissions::put).delete(permissions::delete))
        .route(&apps, family::list(|s| &mut s.apps).post(apps::create))
        .route(&format!("{apps}/{{id}}"), family::deletable(|s| &mut s.apps).patch(apps::update))
        .route(&budgets(""), family::list(|s| &mut s.budgets).post(budgets::create))
        .route(&budgets("/{id}"), family::deletable(|s| &mut s.budgets).put(budgets::replace))
        .route(&account("log-delivery"), family::list(|s| &mut s.log_delivery).post(log_delivery::create))
        .route(&account("log-delivery/{id}"), family::item(|s| &mut s.log_delivery).patch(log_delivery::update))
        .route(&account("usage/download"), get(crate::usage::download))
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

/// Records every request, answers with an injected fault when one matches, and tags
/// every response with an `x-request-id` like Databricks does.
async fn journal_and_faults(State(shared): State<Arc<Shared>>, request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    let bytes = match to_bytes(body, MAX_BODY).await {
        Ok(bytes) => bytes,
        Err(_) => return crate::errors::api(StatusCode::PAYLOAD_TOO_LARGE, "INVALID_PARAMETER_VALUE", "Request body too large."),
    };
    let recorded = RecordedRequest::new(&parts, &bytes);
    let query = parts.uri.query().unwrap_or("").to_string();
    let fault = {
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
        state.journal.push(recorded);
        state.faults_played += u64::from(fault.is_some());
        fault
    };
    let normal = Request::from_parts(parts, Body::from(bytes));
    let mut response = match fault.map(|f| f.action) {
        None => next.run(normal).await,
        Some(FaultAction::Delay(delay)) => {
            tokio::time::sleep(delay).await;
            next.run(normal).await
        }
        Some(action) => respond(action),
    };
    if let Ok(id) = HeaderValue::from_str(&crate::ids::uuid()) {
        response.headers_mut().insert("x-request-id", id);
    }
    response
}

impl Fault {
    fn matches(&self, method: &str, path: &str, query: &str) -> bool {
        self.times > 0
            && self.method.as_deref().is_none_or(|m| m.eq_ignore_ascii_case(method))
            && path.contains(&self.path_contains)
            && self.query_contains.as_deref().is_none_or(|q| query.contains(q))
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
        // The middleware answers normally after a delay; reaching here is a misuse, not a crash.
        FaultAction::Delay(_) => (500, "text/plain".to_string(), Body::from("a delay is not an answer"), Vec::new()),
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
