// An independent OpenID provider for Gatehouse's interop tests:
// panva/oidc-provider (OpenID Certified), configured from the environment by
// the Go test that starts it. Never used outside tests.
//
// PORT, CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, POST_LOGOUT_REDIRECT_URI,
// BACKCHANNEL_LOGOUT_URI (optional), RESOURCE (the API audience), JWKS_FILE
// (private signing keys as a JWK set, the first one signs; the Go test
// restarts the provider with a new file to rotate keys), AT_TTL
// (access-token lifetime, seconds), DPOP_NONCE ("1": DPoP proofs at the
// token endpoint must carry the provider's nonce), REQUIRE_PAR ("1":
// authorization requests must be pushed first, RFC 9126), DEFAULT_RESOURCE
// (the resource of token requests naming none; default RESOURCE, empty for
// none: such tokens are opaque and have no audience), AT_FORMAT (jwt, the
// default, or opaque: the format of access tokens for a resource). Token
// introspection (RFC 7662) is on, with RFC 9701 signed answers (RS256) when
// asked for. CLIENT_JWKS (a public JWK set, JSON), when set, makes the
// client authenticate with private_key_jwt and that key set instead of its
// secret. Prints "listening <issuer>" when ready.
import crypto from 'node:crypto';
import fs from 'node:fs';
import Provider from 'oidc-provider';

const env = (k, d) => process.env[k] ?? d;
const port = Number(env('PORT'));
const issuer = `http://127.0.0.1:${port}`;
const resource = env('RESOURCE', 'https://api.example.test');
const jwks = JSON.parse(fs.readFileSync(env('JWKS_FILE'), 'utf8'));
const backchannel = env('BACKCHANNEL_LOGOUT_URI', '');
const dpopNonce = env('DPOP_NONCE', '') === '1';
const defaultResource = env('DEFAULT_RESOURCE', resource) || undefined;
const atFormat = env('AT_FORMAT', 'jwt');
const clientJWKS = env('CLIENT_JWKS', '');

const provider = new Provider(issuer, {
  clients: [{
    client_id: env('CLIENT_ID'),
    client_secret: env('CLIENT_SECRET'),
    redirect_uris: [env('REDIRECT_URI')],
    post_logout_redirect_uris: [env('POST_LOGOUT_REDIRECT_URI')],
    grant_types: ['authorization_code', 'refresh_token', 'client_credentials'],
    response_types: ['code'],
    ...(clientJWKS ? {
      token_endpoint_auth_method: 'private_key_jwt',
      jwks: JSON.parse(clientJWKS),
    } : { token_endpoint_auth_method: 'client_secret_basic' }),
    introspection_signed_response_alg: 'RS256',
    scope: 'openid profile email offline_access api:read',
    ...(backchannel ? {
      backchannel_logout_uri: backchannel,
      backchannel_logout_session_required: true,
    } : {}),
  }],
  jwks,
  scopes: ['openid', 'offline_access', 'profile', 'email', 'api:read'],
  pkce: { required: () => true },
  rotateRefreshToken: true,
  issueRefreshToken: async (ctx, client) => client.grantTypeAllowed('refresh_token'),
  ttl: {
    AccessToken: Number(env('AT_TTL', '3600')),
    ClientCredentials: Number(env('AT_TTL', '3600')),
    IdToken: 3600,
    RefreshToken: 86400,
    Grant: 86400,
    Session: 86400,
    Interaction: 600,
  },
  features: {
    devInteractions: { enabled: true },
    pushedAuthorizationRequests: {
      enabled: true,
      requirePushedAuthorizationRequests: env('REQUIRE_PAR', '') === '1',
    },
    clientCredentials: { enabled: true },
    // A token request with a DPoP proof gets a token bound to its key.
    dPoP: {
      enabled: true,
      ...(dpopNonce ? { nonceSecret: crypto.randomBytes(32), requireNonce: () => true } : {}),
    },
    revocation: { enabled: true },
    introspection: { enabled: true },
    jwtIntrospection: { enabled: true },
    rpInitiatedLogout: { enabled: true },
    backchannelLogout: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => defaultResource,
      useGrantedResource: () => true,
      getResourceServerInfo: () => ({
        scope: 'api:read',
        audience: resource,
        accessTokenFormat: atFormat,
        accessTokenTTL: Number(env('AT_TTL', '3600')),
        jwt: { sign: { alg: 'RS256' } },
      }),
    },
  },
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  async findAccount(ctx, id) {
    return {
      accountId: id,
      async claims() {
        return { sub: id, name: id, email: `${id}@example.test`, email_verified: true };
      },
    };
  },
  cookies: { keys: ['gatehouse-interop-test-only'] },
  // The provider refuses outgoing requests to special-use addresses (SSRF
  // protection), loopback included; the test app is on loopback, so its
  // back-channel logout calls, and only those, go without that check.
  fetch(url, options) {
    if (backchannel && url === new URL(backchannel).href) {
      delete options.dispatcher; // eslint-disable-line no-param-reassign
    }
    return globalThis.fetch(url, options);
  },
});

provider.listen(port, '127.0.0.1', () => {
  console.log(`listening ${issuer}`);
});

provider.on('server_error', (ctx, err) => { console.error('server_error', err); });
provider.on('backchannel.error', (ctx, err, client) => {
  console.error('backchannel.error', client.clientId, err.message, err.cause?.message ?? '');
});
