// The component's view of wasi:http/outgoing-handler in Node, in front of preview2-shim's:
// - the outbound policy of the wasmtime host (host-harness/src/policy.rs): a run may reach only
//   its connection's origin, `host_override` when set (plain http only to this machine), else
//   https:// plus its cloud's account host; anything else is refused as `HTTP-request-denied`
//   before a byte leaves;
// - the wasmtime host's timeouts: the shim hands the connect timeout to Node as the socket's idle
//   timeout, which also runs while the request waits for its first response byte, so a host
//   that answers after the connect timeout (10 s by default) would fail although the response
//   timeout allows it. The connect timeout is therefore raised to the first-byte timeout, and
//   the shim's `connection-timeout` then reads `HTTP-response-timeout`: a slow answer within the
//   response timeout works as under wasmtime, a slower one fails as it does there. What differs:
//   an unreachable host fails after the response timeout rather than the connect timeout (both
//   well inside a run's time limit), and says so as a response timeout.

const DEFAULT_PORTS = { http: 80, https: 443 };

/** `{scheme, host, port}` of an `http(s)://host[:port]` text, or null when it names no origin. */
export function parseOrigin(text) {
  let url;
  try {
    url = new URL(text);
  } catch {
    return null;
  }
  const scheme = url.protocol.replace(/:$/, '');
  if (!(scheme in DEFAULT_PORTS) || !url.hostname || url.username || url.password) return null;
  if (url.search || url.hash || !['', '/'].includes(url.pathname)) return null;
  return { scheme, host: url.hostname.toLowerCase(), port: url.port ? Number(url.port) : DEFAULT_PORTS[scheme] };
}

const isLoopback = (host) => {
  const bare = host.replace(/^\[|\]$/g, '');
  return bare === 'localhost' || bare === '::1' || /^127\.\d+\.\d+\.\d+$/.test(bare);
};

/** The origins a run with this connection may reach (the connection's JSON, as the caller gave it). */
export function allowedOrigins(connection, clouds) {
  const override = connection?.host_override;
  if (typeof override === 'string') {
    const origin = parseOrigin(override);
    // Plain HTTP would carry the client secret in clear text: only to this machine.
    if (!origin || (origin.scheme === 'http' && !isLoopback(origin.host))) return [];
    return [origin];
  }
  const host = clouds.find((c) => c.cloud === connection?.cloud)?.account_host;
  return host ? [{ scheme: 'https', host, port: 443 }] : [];
}

function requestOrigin(request) {
  const scheme = request.scheme();
  const name = scheme?.tag === 'HTTPS' ? 'https' : scheme?.tag === 'HTTP' ? 'http' : null;
  const authority = request.authority();
  if (!name || !authority) return null;
  return parseOrigin(`${name}://${authority}`);
}

/** An outgoing-handler interface that checks each request against `allowed()` and fixes the timeouts. */
export function guardedOutgoingHandler(shimHandler, allowed) {
  return {
    handle(request, options) {
      const origin = requestOrigin(request);
      const permitted =
        origin && allowed().some((a) => a.scheme === origin.scheme && a.host === origin.host && a.port === origin.port);
      if (!permitted) throw { tag: 'HTTP-request-denied' };
      const connect = options?.connectTimeout();
      const firstByte = options?.firstByteTimeout();
      const raised = connect !== undefined && firstByte !== undefined && firstByte > connect;
      if (raised) options.setConnectTimeout(firstByte);
      const future = shimHandler.handle(request, options);
      if (raised) {
        const get = future.get.bind(future);
        future.get = () => {
          const answer = get();
          if (answer?.tag === 'ok' && answer.val?.tag === 'err' && answer.val.val?.tag === 'connection-timeout') {
            answer.val.val = { tag: 'HTTP-response-timeout' };
          }
          return answer;
        };
      }
      return future;
    },
  };
}
