// Discovery documents on 127.0.0.1 for tests that save an operator SSO configuration but never sign in.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Serves `{issuer}/.well-known/openid-configuration` for any issuer `http://127.0.0.1:<port>/<name>`,
 * naming that issuer, as a provider does: enough for a configuration to be saved (the server
 * checks the discovery document then), not for a sign-in.
 */
export interface IssuerDiscovery {
  /** An issuer URL of its own for `name`, whose discovery document answers. */
  issuer(name: string): string;
  close(): Promise<void>;
}

export async function startIssuerDiscovery(): Promise<IssuerDiscovery> {
  const server: Server = createServer((request, response) => {
    const match = /^\/([a-z0-9-]+)\/\.well-known\/openid-configuration$/.exec(request.url ?? '');
    if (request.method !== 'GET' || !match) {
      response.writeHead(404).end();
      return;
    }
    const issuer = `${base}/${match[1]}`;
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(
      JSON.stringify({
        issuer,
        authorization_endpoint: `${issuer}/auth`,
        token_endpoint: `${issuer}/token`,
        jwks_uri: `${issuer}/jwks`,
        response_types_supported: ['code'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['RS256'],
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    issuer: (name) => `${base}/${name}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
