// A local OAuth 2.0 / OpenID Connect server for trying Latchkey (the README's walkthrough): the
// same real oidc-provider the tests use, which signs in a made-up user without asking.
import { startOidcProvider } from '../test/support/oidc/index.ts';

const port = Number(process.env.OIDC_PORT ?? 9000);
const latchkey = (process.env.LATCHKEY_PUBLIC_URL ?? 'http://127.0.0.1:8080').replace(/\/$/, '');
const client = {
  clientId: 'demo-client',
  clientSecret: 'demo-client-secret',
  redirectUris: [`${latchkey}/v1/connect/callback`],
};

const fixture = await startOidcProvider({
  port,
  accessTokenTtlSeconds: Number(process.env.OIDC_TOKEN_TTL ?? 60),
  clients: [client],
});

console.log(`Demo OAuth server at ${fixture.issuer}
  issuer:        ${fixture.issuer}
  client_id:     ${client.clientId}
  client_secret: ${client.clientSecret}
  redirect URI:  ${client.redirectUris[0]}
  access tokens live ${process.env.OIDC_TOKEN_TTL ?? 60} s; it signs in "octocat@example.com".
Press Ctrl-C to stop.`);

const stop = () => void fixture.close().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
