//! Sending an allowed request: the one place where the harness talks to the network.
//!
//! Today this is wasmtime-wasi-http's default sender (a new TCP and TLS connection per request,
//! bundled Mozilla roots) with tighter default timeouts than its 600 s. Connection pooling belongs
//! here: [`send`] is the seam the policy hook calls.

use std::time::Duration;

use http_body_util::BodyExt;
use wasmtime_wasi_http::{RequestOptions, WasiBody};

/// Connect timeout when the guest sets none.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Time to the first response byte, and between body chunks, when the guest sets none.
pub const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(60);

/// Sends `request` and returns the response with the future that drives its connection.
pub(crate) async fn send(
    request: http::Request<WasiBody>,
    options: Option<RequestOptions>,
) -> wasmtime_wasi_http::Result<(
    http::Response<WasiBody>,
    Box<dyn Future<Output = wasmtime_wasi_http::Result<()>> + Send>,
)> {
    let options = options.unwrap_or_default();
    let options = RequestOptions {
        connect_timeout: options.connect_timeout.or(Some(DEFAULT_CONNECT_TIMEOUT)),
        first_byte_timeout: options.first_byte_timeout.or(Some(DEFAULT_READ_TIMEOUT)),
        between_bytes_timeout: options.between_bytes_timeout.or(Some(DEFAULT_READ_TIMEOUT)),
    };
    let (response, io) = wasmtime_wasi_http::default_send_request(request, Some(options)).await?;
    Ok((response.map(BodyExt::boxed_unsync), Box::new(io)))
}
