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
use axum::routing::{get, post};
use std::sync::Arc;

pub fn router(shared: Arc<Shared>) -> Router {
    let scim_collection = "/api/{version}/accounts/{account_id}/scim/v2/{resource}";
    let scim_item = "/api/{version}/accounts/{account_id}/scim/v2/{resource}/{id}";
    Router::new()
        .route("/.well-known/databricks-config", get(crate::oauth::host_metadata))
        .route("/oidc/accounts/{account_id}/.well-known/oauth-authorization-server", get(crate::oauth::discovery))
        .route("/oidc/accounts/{account_id}/.well-known/openid-configuration", get(crate::oauth::discovery))
        .route("/oidc/accounts/{account_id}/v1/token", post(crate::oauth::token))
        .route("/oidc/accounts/{account_id}/v1/authorize", get(crate::u2m::authorize))
        .route(scim_collection, get(crate::scim::list).post(crate::scim::create))
        .route(scim_item, get(crate::scim::get).put(crate::scim::replace).patch(crate::scim::patch).delete(crate::scim::delete))
        .route("/api/2.0/preview/accounts/{account_id}/access-control/assignable-roles", get(crate::access_control::assignable_roles))
        .route("/api/2.0/accounts/{account_id}/ip-access-lists", get(crate::ip_lists::list).post(crate::ip_lists::create))
        .route("/api/2.0/accounts/{account_id}/ip-access-lists/{id}", get(crate::ip_lists::get).delete(crate::ip_lists::delete))
        .route(
            "/api/2.0/accounts/{account_id}/servicePrincipals/{sp_id}/credentials/secrets",
            get(crate::secrets::list).post(crate::secrets::create),
        )
        .route(
            "/api/2.0/accounts/{account_id}/servicePrincipals/{sp_id}/credentials/secrets/{secret_id}",
            axum::routing::delete(crate::secrets::delete),
        )
        .route("/api/2.0/accounts/{account_id}/workspaces", get(crate::provisioning::list_workspaces))
        .route("/api/2.0/accounts/{account_id}/workspaces/{id}", get(crate::provisioning::get_workspace))
        .route(
            "/api/2.0/accounts/{account_id}/credentials",
            get(crate::provisioning::list_credentials).post(crate::provisioning::create_credential),
        )
        .route(
            "/api/2.0/accounts/{account_id}/credentials/{id}",
            get(crate::provisioning::get_credential).delete(crate::provisioning::delete_credential),
        )
        .route("/api/2.0/accounts/{account_id}/metastores", get(crate::catalog::list).post(crate::catalog::create))
        .route(
            "/api/2.0/accounts/{account_id}/metastores/{id}",
            get(crate::catalog::get).put(crate::catalog::update).delete(crate::catalog::delete),
        )
        .route("/api/2.0/accounts/{account_id}/metastores/{id}/workspaces", get(crate::catalog::assigned_workspaces))
        .route("/api/2.0/accounts/{account_id}/workspaces/{id}/metastore", get(crate::catalog::workspace_metastore))
        .route(
            "/api/2.0/accounts/{account_id}/workspaces/{id}/metastores/{metastore_id}",
            post(crate::catalog::assign).delete(crate::catalog::unassign),
        )
        .route("/api/2.0/accounts/{account_id}/storage-configurations", get(crate::provisioning::list_storage))
        .route("/api/2.0/accounts/{account_id}/storage-configurations/{id}", get(crate::provisioning::get_storage))
        .route("/api/2.0/accounts/{account_id}/networks", get(crate::provisioning::list_networks).post(crate::provisioning::create_network))
        .route(
            "/api/2.0/accounts/{account_id}/networks/{id}",
            get(crate::provisioning::get_network).delete(crate::provisioning::delete_network),
        )
        .route("/api/2.0/accounts/{account_id}/workspaces/{id}/permissionassignments", get(crate::permissions::list))
        .route(
            "/api/2.0/accounts/{account_id}/workspaces/{id}/permissionassignments/principals/{principal_id}",
            axum::routing::put(crate::permissions::put).delete(crate::permissions::delete),
        )
        .route("/api/2.0/accounts/{account_id}/oauth2/custom-app-integrations", get(crate::apps::list).post(crate::apps::create))
        .route(
            "/api/2.0/accounts/{account_id}/oauth2/custom-app-integrations/{id}",
            get(crate::apps::get).patch(crate::apps::update).delete(crate::apps::delete),
        )
        .route("/api/2.1/accounts/{account_id}/budgets", get(crate::budgets::list).post(crate::budgets::create))
        .route(
            "/api/2.1/accounts/{account_id}/budgets/{id}",
            get(crate::budgets::get).put(crate::budgets::replace).delete(crate::budgets::delete),
        )
        .route("/api/2.0/accounts/{account_id}/log-delivery", get(crate::log_delivery::list).post(crate::log_delivery::create))
        .route("/api/2.0/accounts/{account_id}/log-delivery/{id}", get(crate::log_delivery::get).patch(crate::log_delivery::update))
        .route("/api/2.0/accounts/{account_id}/usage/download", get(crate::usage::download))
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
