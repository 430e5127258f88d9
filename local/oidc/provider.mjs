// A certified OpenID provider (panva's oidc-provider) on loopback, for the demo and the tests.
// Its development login page takes a user's name (alice or alice@example.com) and any password.
//
//   OIDC_REDIRECT_URIS=http://127.0.0.1:3000/Prod/auth/callback node provider.mjs --port 9090
//
// Settings, as arguments or environment: --port / OIDC_PORT (0 picks a free one),
// --redirect-uri (repeatable) / OIDC_REDIRECT_URIS (comma-separated),
// OIDC_CLIENT_SECRET (the confidential client's secret; a random one is printed otherwise).

import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';

import Provider from 'oidc-provider';

export const CLIENT_ID = 'greenlight-local';
export const PUBLIC_CLIENT_ID = 'greenlight-local-public';
const PASSWORD_ACR = 'urn:greenlight:local:pwd';
const MFA_ACR = 'urn:greenlight:local:mfa';

// sub is opaque and differs from the address, as at real providers.
const USERS = [
  { sub: '5c1d7e0a-alice', email: 'alice@example.com', email_verified: true },
  { sub: '8b2f4a91-bob', email: 'bob@example.com', email_verified: true },
  { sub: '3e9c0b57-carol', email: 'carol@example.com', email_verified: true, mfa: true },
  { sub: 'd40a6f13-mallory', email: 'mallory@example.com', email_verified: true },
  { sub: '71f5c2e8-unverified', email: 'unverified@example.com', email_verified: false },
];

function userByLogin(login) {
  const name = String(login ?? '').trim().toLowerCase();
  return USERS.find((u) => u.email === name || u.email.split('@')[0] === name);
}

function userBySub(sub) {
  return USERS.find((u) => u.sub === sub);
}

function settings() {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      'redirect-uri': { type: 'string', multiple: true },
    },
  });
  const port = Number(values.port ?? process.env.OIDC_PORT ?? 0);
  const redirectUris = values['redirect-uri']
    ?? (process.env.OIDC_REDIRECT_URIS ?? '').split(',').map((u) => u.trim()).filter(Boolean);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`the port must be a number from 0 to 65535 (got ${values.port ?? process.env.OIDC_PORT})`);
  }
  if (redirectUris.length === 0) {
    throw new Error('give the relying party\'s redirect URIs: --redirect-uri URL or OIDC_REDIRECT_URIS');
  }
  const clientSecret = process.env.OIDC_CLIENT_SECRET || randomBytes(24).toString('base64url');
  return { port, redirectUris, clientSecret, secretGiven: Boolean(process.env.OIDC_CLIENT_SECRET) };
}

function configuration({ redirectUris, clientSecret }) {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: randomBytes(8).toString('hex'), use: 'sig', alg: 'RS256' };
  const client = {
    redirect_uris: redirectUris,
    grant_types: ['authorization_code'],
    response_types: ['code'],
    require_auth_time: true,
    id_token_signed_response_alg: 'RS256',
  };
  return {
    clients: [
      { ...client, client_id: CLIENT_ID, client_secret: clientSecret, token_endpoint_auth_method: 'client_secret_basic' },
      { ...client, client_id: PUBLIC_CLIENT_ID, token_endpoint_auth_method: 'none' },
    ],
    clientAuthMethods: ['client_secret_basic', 'client_secret_post', 'none'],
    jwks: { keys: [signingKey] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    features: {
      devInteractions: { enabled: true },
      // Access tokens here are for the userinfo endpoint only, yet the relying party reads
      // the address from the ID token, as Entra ID, Google and Okta put it there.
      userinfo: { enabled: true },
    },
    responseTypes: ['code'],
    conformIdTokenClaims: false,
    pkce: { required: () => true },
    scopes: ['openid', 'email'],
    // Every ID token says how the user authenticated, as most providers do unasked.
    claims: {
      openid: ['sub', 'acr', 'amr', 'auth_time'],
      email: ['email', 'email_verified'],
    },
    acrValues: [PASSWORD_ACR, MFA_ACR],
    ttl: {
      AccessToken: 300,
      AuthorizationCode: 60,
      IdToken: 300,
      Interaction: 600,
      Session: 3600,
      Grant: 3600,
    },
    // The relying party is first party: no consent page, only the sign-in.
    async loadExistingGrant(ctx) {
      const grantId = ctx.oidc.result?.consent?.grantId
        || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
      if (grantId) {
        return ctx.oidc.provider.Grant.find(grantId);
      }
      const grant = new ctx.oidc.provider.Grant({
        clientId: ctx.oidc.client.clientId,
        accountId: ctx.oidc.session.accountId,
      });
      grant.addOIDCScope('openid email');
      grant.addOIDCClaims(['email', 'email_verified', 'acr', 'amr', 'auth_time']);
      await grant.save();
      return grant;
    },
    async findAccount(ctx, sub) {
      const user = userBySub(sub);
      if (!user) {
        return undefined;
      }
      return {
        accountId: user.sub,
        async claims() {
          return { sub: user.sub, email: user.email, email_verified: user.email_verified };
        },
      };
    },
  };
}

// The development login page accepts any login; here a login names one of USERS (or is
// refused with access_denied), and the session records how that user authenticated.
function acceptOnlyKnownUsers(provider) {
  const finish = provider.interactionFinished.bind(provider);
  provider.interactionFinished = (req, res, result, options) => {
    if (!result?.login) {
      return finish(req, res, result, options);
    }
    const user = userByLogin(result.login.accountId);
    if (!user) {
      return finish(req, res, {
        error: 'access_denied',
        error_description: 'unknown user; sign in as alice, bob, carol, mallory or unverified',
      }, { mergeWithLastSubmission: false });
    }
    const login = {
      accountId: user.sub,
      acr: user.mfa ? MFA_ACR : PASSWORD_ACR,
      amr: user.mfa ? ['pwd', 'otp'] : ['pwd'],
    };
    return finish(req, res, { ...result, login }, options);
  };
}

function main() {
  const config = settings();
  const server = createServer();
  server.listen(config.port, '127.0.0.1', () => {
    const { port } = server.address();
    const issuer = `http://127.0.0.1:${port}`;
    const provider = new Provider(issuer, configuration(config));
    acceptOnlyKnownUsers(provider);
    server.on('request', provider.callback());
    if (!config.secretGiven) {
      console.log(`client ${CLIENT_ID} secret ${config.clientSecret}`);
    }
    console.log(`oidc-provider listening on ${issuer}`);
  });
  const stop = () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main();
