'use strict';
// The connection to a Databricks account: which cloud, which account, and how to sign in.
// The cloud list comes from the connector's connection schema (catalog.json).

const catalog = require('databricks-account-connector/catalog.json');

function cloudOptions() {
  const fallback = ['aws', 'azure', 'gcp', 'aws_gov', 'aws_gov_dod'];
  let values = fallback;
  try {
    const cloud = catalog.connection.properties.cloud;
    if (Array.isArray(cloud.enum) && cloud.enum.length) values = cloud.enum;
  } catch (_) {
    // keep the fallback
  }
  const names = { aws: 'AWS', azure: 'Azure', gcp: 'Google Cloud', aws_gov: 'AWS GovCloud', aws_gov_dod: 'AWS GovCloud (DoD)' };
  return values.map((v) => ({ name: names[v] || v, value: v }));
}

const m2m = { show: { authentication: ['oauth_m2m'] } };
const scim = { show: { authentication: ['scim_token'] } };
const u2m = { show: { authentication: ['oauth_u2m'] } };

class DatabricksAccountApi {
  constructor() {
    this.name = 'databricksAccountApi';
    this.displayName = 'Databricks Account API';
    this.documentationUrl = 'https://docs.databricks.com/en/admin/index.html';
    this.icon = 'file:databricks.svg';
    this.properties = [
      {
        displayName: 'Cloud',
        name: 'cloud',
        type: 'options',
        options: cloudOptions(),
        default: 'aws',
        description: 'The cloud of the account; selects the account host',
      },
      {
        displayName: 'Account ID',
        name: 'accountId',
        type: 'string',
        default: '',
        required: true,
        placeholder: '00000000-0000-0000-0000-000000000000',
        description: 'The account ID, a UUID (account console → user menu → Account ID)',
      },
      {
        displayName: 'Authentication',
        name: 'authentication',
        type: 'options',
        options: [
          { name: 'OAuth M2M (Service Principal)', value: 'oauth_m2m', description: "A service principal's OAuth client ID and secret" },
          { name: 'SCIM Token', value: 'scim_token', description: 'A static account SCIM token (account SCIM cards only: users, groups, service principals)' },
          { name: 'OAuth U2M (Person)', value: 'oauth_u2m', description: "A person's tokens through a custom app connection" },
        ],
        default: 'oauth_m2m',
      },
      // OAuth M2M
      {
        displayName: 'Client ID',
        name: 'clientId',
        type: 'string',
        default: '',
        required: true,
        displayOptions: m2m,
        description: "The OAuth client ID (the service principal's application ID)",
      },
      {
        displayName: 'Client Secret',
        name: 'clientSecret',
        type: 'string',
        typeOptions: { password: true },
        default: '',
        required: true,
        displayOptions: m2m,
        description: 'The OAuth client secret',
      },
      {
        displayName: 'Service Principal ID',
        name: 'servicePrincipalId',
        type: 'string',
        default: '',
        displayOptions: m2m,
        description: "Optional: the service principal's numeric SCIM ID, for the cards that report on the connection itself",
      },
      {
        displayName: 'Secret ID',
        name: 'secretId',
        type: 'string',
        default: '',
        displayOptions: m2m,
        description: 'Optional: the ID of the OAuth secret above, so its expiry can be checked',
      },
      {
        displayName: 'Scopes',
        name: 'scopes',
        type: 'string',
        default: '',
        placeholder: 'all-apis',
        displayOptions: m2m,
        description: 'Optional: OAuth scopes, separated by commas or spaces; empty means all-apis',
      },
      // SCIM token
      {
        displayName: 'SCIM Token',
        name: 'token',
        type: 'string',
        typeOptions: { password: true },
        default: '',
        required: true,
        displayOptions: scim,
        description: 'A static account SCIM token (account console → Security → User provisioning)',
      },
      // OAuth U2M
      {
        displayName: 'Client ID',
        name: 'u2mClientId',
        type: 'string',
        default: '',
        required: true,
        displayOptions: u2m,
        description: "The app connection's client ID",
      },
      {
        displayName: 'Client Secret',
        name: 'u2mClientSecret',
        type: 'string',
        typeOptions: { password: true },
        default: '',
        displayOptions: u2m,
        description: "The app's client secret; empty for public apps (PKCE only)",
      },
      {
        displayName: 'Access Token',
        name: 'accessToken',
        type: 'string',
        typeOptions: { password: true },
        default: '',
        displayOptions: u2m,
        description: "An access token from the Login resource's Refresh OAuth Tokens or Complete OAuth Login operation",
      },
      {
        displayName: 'Access Token Expires At',
        name: 'accessTokenExpiresAt',
        type: 'number',
        default: 0,
        displayOptions: u2m,
        description: 'When the access token expires, in seconds since the Unix epoch; 0 means unknown',
      },
      {
        displayName: 'Refresh Token',
        name: 'refreshToken',
        type: 'string',
        typeOptions: { password: true },
        default: '',
        displayOptions: u2m,
        description: 'The refresh token from the login',
      },
      {
        displayName: 'Scopes',
        name: 'u2mScopes',
        type: 'string',
        default: '',
        placeholder: 'all-apis offline_access',
        displayOptions: u2m,
        description: 'Optional: OAuth scopes, separated by commas or spaces; empty means all-apis and offline_access',
      },
      {
        displayName: 'Host Override',
        name: 'hostOverride',
        type: 'string',
        default: '',
        placeholder: 'https://accounts.example.internal',
        description:
          "Optional: a base URL to use instead of the cloud's account host, such as a private endpoint or a local test account (scheme and authority only). Leave empty for a real account.",
      },
    ];
  }
}

module.exports = { DatabricksAccountApi };
