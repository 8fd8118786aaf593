// A real OpenID Provider on 127.0.0.1 for single sign-on tests.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair } from 'jose';
import Provider from 'oidc-provider';
import { CookieJar } from 'tough-cookie';

/**
 * A real OpenID Provider (node-oidc-provider) on 127.0.0.1 for sign-in tests, with accounts the
 * test controls and its development login and consent pages, so a browserless client can sign in
 * the way a person would: follow redirects, keep cookies, submit the forms.
 */
export interface TestAccount {
  email: string;
  name?: string;
  emailVerified?: boolean;
  groups: string[];
}

export interface TestOidcProvider {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Accounts by login (the `sub`); change them between sign-ins. */
  accounts: Map<string, TestAccount>;
  /** Publish these keys as the provider's JWKS instead of its own (as if its keys were swapped); undefined restores. */
  publishKeys(keys: object[] | undefined): void;
  /** Answer UserInfo requests with this body instead (as a provider that mixes up users would); undefined restores. */
  forgeUserInfo(body: object | undefined): void;
  /** How many UserInfo requests arrived. */
  userInfoRequests(): number;
  close(): Promise<void>;
}

export async function startTestOidcProvider(options: {
  redirectUris: string[];
  /** Announce this issuer instead of the URL it is reached at (to test a mismatch). */
  announcedHost?: string;
  /**
   * oidc-provider's default (true): the ID token of the code flow carries only `sub` and the like,
   * the scopes' claims are at the UserInfo endpoint (OpenID Connect Core 5.4). Default here: false.
   */
  conformIdTokenClaims?: boolean;
}): Promise<TestOidcProvider> {
  const accounts = new Map<string, TestAccount>();
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const issuer = `http://${options.announcedHost ?? '127.0.0.1'}:${port}`;
  const clientId = 'helpdesk-auth';
  const clientSecret = 'a-client-secret-of-reasonable-length-0123456789';
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), kid: 'test-key', use: 'sig', alg: 'RS256' };

  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: options.redirectUris,
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_post',
      },
    ],
    jwks: { keys: [jwk] },
    cookies: { keys: ['test-cookie-signing-key'] },
    scopes: ['openid', 'email', 'profile', 'groups'],
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name'],
      groups: ['groups'],
    },
    // Put the scopes' claims into the ID token, as identity providers configured for sign-in do,
    // unless the test asks for oidc-provider's default.
    conformIdTokenClaims: options.conformIdTokenClaims ?? false,
    pkce: { required: () => true },
    ttl: { Interaction: 600, Session: 3600, Grant: 3600, AccessToken: 600, IdToken: 600 },
    features: { devInteractions: { enabled: true } },
    async findAccount(_ctx, sub) {
      const account = accounts.get(sub);
      if (!account) return undefined;
      return {
        accountId: sub,
        async claims() {
          return {
            sub,
            email: account.email,
            email_verified: account.emailVerified ?? true,
            name: account.name ?? account.email,
            groups: account.groups,
          };
        },
      };
    },
  });
  let published: object[] | undefined;
  let forged: object | undefined;
  let userInfoCount = 0;
  const handle = provider.callback();
  server.on('request', (request, response) => {
    if (request.url === '/me') {
      userInfoCount++;
      if (forged) {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify(forged));
        return;
      }
    }
    if (published && request.url === '/jwks') {
      response.writeHead(200, { 'content-type': 'application/jwk-set+json' });
      response.end(JSON.stringify({ keys: published }));
      return;
    }
    handle(request, response);
  });
  return {
    issuer,
    clientId,
    clientSecret,
    accounts,
    publishKeys(keys) {
      published = keys;
    },
    forgeUserInfo(body) {
      forged = body;
    },
    userInfoRequests: () => userInfoCount,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * A browser without a screen: follows redirects, keeps cookies per RFC 6265, and at the
 * provider's login and consent pages submits the form as the given account.
 */
export function createBrowser() {
  const jar = new CookieJar();

  async function request(url: string, init: RequestInit = {}): Promise<Response> {
    const cookie = await jar.getCookieString(url);
    const response = await fetch(url, {
      ...init,
      redirect: 'manual',
      headers: { ...(init.headers as Record<string, string>), ...(cookie ? { cookie } : {}) },
    });
    for (const header of response.headers.getSetCookie()) await jar.setCookie(header, url);
    return response;
  }

  return {
    jar,
    request,
    /**
     * Follows a sign-in from `url` until a redirect leaves for `stopAt` (not requested), signing
     * in at the provider's pages as `login`. Returns the URL it stopped at.
     */
    async signInUntil(url: string, login: string, stopAt: string): Promise<string> {
      let next = url;
      let init: RequestInit = {};
      for (let hop = 0; hop < 20; hop++) {
        if (next.startsWith(stopAt)) return next;
        const response = await request(next, init);
        init = {};
        const location = response.headers.get('location');
        if (response.status >= 300 && response.status < 400 && location) {
          next = new URL(location, next).href;
          continue;
        }
        const page = await response.text();
        const prompt = /name="prompt" value="(\w+)"/.exec(page)?.[1];
        const action = /<form[^>]*action="([^"]+)"/.exec(page)?.[1];
        if (response.status !== 200 || !prompt || !action)
          throw new Error(`unexpected page at ${next}: ${response.status} ${page.slice(0, 300)}`);
        next = new URL(action.replaceAll('&amp;', '&'), next).href;
        const form = new URLSearchParams({ prompt });
        if (prompt === 'login') {
          form.set('login', login);
          form.set('password', 'any');
        }
        init = {
          method: 'POST',
          body: form.toString(),
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
        };
      }
      throw new Error('too many redirects');
    },
  };
}

export type Browser = ReturnType<typeof createBrowser>;
