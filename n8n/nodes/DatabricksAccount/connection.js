'use strict';
// n8n credential data (the DatabricksAccountApi credential type) → the connector's connection JSON.

const CREDENTIAL_TYPE = 'databricksAccountApi';

function text(v) {
  if (v === undefined || v === null) return undefined;
  const s = String(v).trim();
  return s === '' ? undefined : s;
}

function list(v) {
  if (Array.isArray(v)) return v.map(String).map((s) => s.trim()).filter(Boolean);
  const s = text(v);
  if (!s) return undefined;
  const parts = s.split(/[\s,]+/).filter(Boolean);
  return parts.length ? parts : undefined;
}

function positiveInt(v) {
  if (v === undefined || v === null || v === '') return undefined;
  const n = Number(v);
  return Number.isFinite(n) && n > 0 ? Math.floor(n) : undefined;
}

/** Drops undefined members so absent fields stay absent (the card treats absent as default). */
function compact(o) {
  const out = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
  return out;
}

function authFromCredentials(c) {
  const method = c.authentication || 'oauth_m2m';
  switch (method) {
    case 'oauth_m2m':
      return {
        oauth_m2m: compact({
          client_id: text(c.clientId) ?? '',
          client_secret: text(c.clientSecret) ?? '',
          service_principal_id: text(c.servicePrincipalId),
          secret_id: text(c.secretId),
          scopes: list(c.scopes),
        }),
      };
    case 'scim_token':
      return { scim_token: { token: text(c.token) ?? '' } };
    case 'oauth_u2m':
      return {
        oauth_u2m: compact({
          client_id: text(c.u2mClientId) ?? '',
          client_secret: text(c.u2mClientSecret),
          refresh_token: text(c.refreshToken),
          access_token: text(c.accessToken),
          access_token_expires_at: positiveInt(c.accessTokenExpiresAt),
          scopes: list(c.u2mScopes),
        }),
      };
    default:
      throw new Error(`Unknown authentication method '${method}' in the Databricks account credential`);
  }
}

/** The connection JSON for the connector, from the credential's fields. */
function connectionFromCredentials(c) {
  if (!c || typeof c !== 'object') throw new Error('The node has no Databricks account credential');
  return compact({
    cloud: text(c.cloud) ?? 'aws',
    account_id: text(c.accountId) ?? '',
    auth: authFromCredentials(c),
    host_override: text(c.hostOverride),
  });
}

/** The inverse: credential fields for a connection JSON (used to import a credential into n8n). */
function credentialsFromConnection(conn) {
  const auth = conn.auth || {};
  const method = Object.keys(auth)[0];
  const a = auth[method] || {};
  const join = (v) => (Array.isArray(v) ? v.join(' ') : '');
  const base = { cloud: conn.cloud, accountId: conn.account_id, authentication: method, hostOverride: conn.host_override || '' };
  switch (method) {
    case 'oauth_m2m':
      return {
        ...base,
        clientId: a.client_id || '',
        clientSecret: a.client_secret || '',
        servicePrincipalId: a.service_principal_id || '',
        secretId: a.secret_id || '',
        scopes: join(a.scopes),
      };
    case 'scim_token':
      return { ...base, token: a.token || '' };
    case 'oauth_u2m':
      return {
        ...base,
        u2mClientId: a.client_id || '',
        u2mClientSecret: a.client_secret || '',
        accessToken: a.access_token || '',
        accessTokenExpiresAt: a.access_token_expires_at || 0,
        refreshToken: a.refresh_token || '',
        u2mScopes: join(a.scopes),
      };
    default:
      throw new Error(`Unknown authentication method in the connection: ${JSON.stringify(Object.keys(auth))}`);
  }
}

module.exports = { CREDENTIAL_TYPE, connectionFromCredentials, credentialsFromConnection };
