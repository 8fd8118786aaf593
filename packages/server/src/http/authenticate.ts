// Authentication: who is calling (session, API key or device proof) and what they may do.
import { AppError, type Permission } from '@helpdesk-auth/core';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AuthenticatedDevice, DeviceAuth } from '../features/devices/index.ts';
import type { ApiKeyService, SessionService, SignedInOperator } from '../features/operators/index.ts';
import type { Actor } from '../platform/audit-log.ts';
import { constantTimeEqual } from '../platform/secrets.ts';

/** The operator's session cookie: set at sign-in (password or single sign-on), read here. */
export const sessionCookieName = 'hda_session';

/**
 * Who is calling. Every route states what it needs in `config.auth`: `'public'`, `'session'`
 * (any signed-in operator) or a permission. Operators authenticate with the session cookie
 * (and, on state-changing requests, the CSRF token header); integrations with an API key in
 * `Authorization: Bearer`. Tenancy comes only from the principal, never from the request.
 */
export interface Principal {
  tenantId: string;
  actor: Actor;
  /** Who the actor is to people: the operator's display name, or the API key's name. */
  actorName: string;
  permissions: ReadonlySet<Permission>;
  /** Present when the caller is a signed-in operator. */
  session?: SignedInOperator & { csrfToken: string };
}

/**
 * `'device'`: a customer's enrolled device, authenticated by the proof-of-possession JWT in the
 * `device-proof` header (docs/device-protocol.md).
 */
export type RouteAuth = 'public' | 'session' | 'device' | Permission;

declare module 'fastify' {
  interface FastifyContextConfig {
    auth?: RouteAuth;
    /**
     * The path carries a secret (a provider's callback token): request logs show the route
     * pattern, `/…/:token`, instead of the path (logging.ts).
     */
    secretPath?: boolean;
  }
  interface FastifyRequest {
    principal: Principal | null;
    device: AuthenticatedDevice | null;
  }
}

const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * What a session may do while its operator still has a password someone else generated: read
 * the session (so the console knows to ask), change the password, sign out. Nothing else, so a
 * password seen by the admin who handed it over never gives access to customers.
 */
const allowedBeforeSecondFactor = new Set([
  'GET /v1/auth/session',
  'GET /v1/auth/second-factor',
  'POST /v1/auth/sign-out',
]);

const allowedBeforePasswordChange = new Set([
  'GET /v1/auth/session',
  'POST /v1/auth/password',
  'POST /v1/auth/sign-out',
]);
export const csrfHeader = 'x-csrf-token';

export function requirePrincipal(request: FastifyRequest): Principal {
  if (!request.principal) throw new AppError('UNAUTHENTICATED', 'Sign in or present an API key.');
  return request.principal;
}

export function requireDevice(request: FastifyRequest): AuthenticatedDevice {
  if (!request.device) throw new AppError('DEVICE_PROOF_INVALID', 'Send a device-proof header.');
  return request.device;
}

export const deviceProofHeader = 'device-proof';

export function installAuthentication(
  app: FastifyInstance,
  deps: { sessions: SessionService; apiKeys: ApiKeyService; deviceAuth: DeviceAuth },
): void {
  app.decorateRequest('principal', null);
  app.decorateRequest('device', null);

  // onRequest runs before the body is read, so anonymous callers cannot make us parse
  // large bodies, and a missing login is reported before a validation problem.
  app.addHook('onRequest', async (request, reply) => {
    const auth = request.routeOptions.config?.auth;
    if (auth === undefined || auth === 'public') return;
    if (auth === 'device') {
      const proof = request.headers[deviceProofHeader];
      request.device = await deps.deviceAuth.verifyProof(
        typeof proof === 'string' ? proof : undefined,
        request.method,
        request.url,
      );
      return;
    }

    const header = request.headers.authorization;
    if (header !== undefined) {
      const match = /^Bearer (\S+)$/i.exec(header);
      const key = match ? await deps.apiKeys.authenticate(match[1]!) : undefined;
      if (!key) {
        reply.header('www-authenticate', 'Bearer realm="helpdesk-auth", error="invalid_token"');
        throw new AppError('UNAUTHENTICATED', 'The API key is missing, malformed, unknown or revoked.');
      }
      if (auth === 'session')
        throw new AppError('FORBIDDEN', 'This endpoint is for signed-in operators only.');
      request.principal = {
        tenantId: key.tenantId,
        actor: { type: 'api_key', id: key.keyId },
        actorName: key.name,
        permissions: new Set(key.scopes),
      };
    } else {
      const cookie = request.cookies[sessionCookieName];
      const session = cookie ? await deps.sessions.authenticate(cookie) : undefined;
      if (!session) {
        reply.header('www-authenticate', 'Bearer realm="helpdesk-auth"');
        throw new AppError('UNAUTHENTICATED', 'Sign in or present an API key.');
      }
      // Cookies travel with cross-site requests; the CSRF token does not, because only our own
      // pages can read it (OWASP ASVS 5.0 V3.5).
      if (!safeMethods.has(request.method)) {
        const presented = request.headers[csrfHeader];
        if (typeof presented !== 'string' || !constantTimeEqual(presented, session.csrfToken)) {
          throw new AppError('CSRF_FAILED', `Send the CSRF token from sign-in in the ${csrfHeader} header.`);
        }
      }
      // After the password, the second factor: until it is shown (or, where the tenant requires
      // one, set up), the session may only do that, read itself or sign out. Changing the
      // password is not among them, so a password alone never takes over the account.
      const route = `${request.method} ${request.routeOptions.url}`;
      if (
        session.pendingStep !== null &&
        !allowedBeforeSecondFactor.has(route) &&
        !route.startsWith('POST /v1/auth/second-factor/') &&
        route !== 'POST /v1/auth/second-factor'
      ) {
        throw new AppError(
          'SECOND_FACTOR_REQUIRED',
          session.pendingStep === 'second_factor'
            ? 'Enter the code of your authenticator app first (POST /v1/auth/second-factor/verify).'
            : 'Your organisation requires a second factor: set up an authenticator app first.',
        );
      }
      if (session.operator.passwordChangeRequired && !allowedBeforePasswordChange.has(route)) {
        throw new AppError(
          'PASSWORD_CHANGE_REQUIRED',
          'Choose your own password first (POST /v1/auth/password); until then nothing else is allowed.',
        );
      }
      request.principal = {
        tenantId: session.operator.tenantId,
        actor: { type: 'operator', id: session.operator.id },
        actorName: session.operator.displayName,
        permissions: new Set(session.permissions),
        session,
      };
    }
    if (auth !== 'session' && !request.principal.permissions.has(auth)) {
      throw new AppError('FORBIDDEN', `This needs the ${auth} permission.`);
    }
  });
}
