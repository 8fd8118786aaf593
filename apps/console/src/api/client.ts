import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/browser';
import { readEventStream } from './sse.ts';
import type {
  Activation,
  ApiKey,
  ApnsCredentialsInput,
  AuditEvent,
  ChainStatus,
  ConsoleBootstrap,
  Customer,
  CustomerInput,
  CustomerLocks,
  Device,
  ErrorCode,
  ImportSummary,
  KeycloakChannel,
  OidcClient,
  Operator,
  Page,
  Permission,
  PushCredentials,
  Role,
  SecondFactorStatus,
  SentActivation,
  Session,
  SignInOptions,
  SsoConfig,
  StartVerification,
  Tenant,
  TestPushResult,
  TotpEnrollment,
  TotpSetup,
  Verification,
  VerificationDetail,
  VerificationEvent,
  VerificationSettings,
  VerificationStatus,
} from './types.ts';

/** An error answer of the API. Screens branch on `code` (docs/api.md, "Errors"), never on the message. */
export class ApiError extends Error {
  readonly code: ErrorCode | 'NETWORK';
  readonly status: number;
  readonly retryAfterSeconds: number | null;
  /** The error's `details` (a reason code, tries left, the assurance needed), empty when none. */
  readonly details: Readonly<Record<string, unknown>>;
  constructor(
    code: ErrorCode | 'NETWORK',
    status: number,
    message: string,
    retryAfterSeconds: number | null,
    details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.status = status;
    this.retryAfterSeconds = retryAfterSeconds;
    this.details = details;
  }
}

export function isApiError(error: unknown, ...codes: (ErrorCode | 'NETWORK')[]): error is ApiError {
  return error instanceof ApiError && (codes.length === 0 || codes.includes(error.code));
}

type Query = Record<string, string | number | undefined>;

function withQuery(path: string, query?: Query): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined && value !== '') params.set(name, String(value));
  }
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

/** Sends requests with the given credentials and turns error answers into ApiError. */
export function createTransport(
  headers: () => Record<string, string>,
  onUnauthenticated: () => void = () => {},
) {
  async function send(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<Response> {
    let response: Response;
    try {
      response = await fetch(path, {
        method,
        credentials: 'same-origin',
        headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers() },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        ...(signal ? { signal } : {}),
      });
    } catch (error) {
      if (signal?.aborted) throw error;
      throw new ApiError('NETWORK', 0, 'The server cannot be reached.', null);
    }
    if (!response.ok) {
      const retry = response.headers.get('retry-after');
      let code: ErrorCode = 'INTERNAL';
      let message = `HTTP ${response.status}`;
      let details: Record<string, unknown> = {};
      try {
        const parsed = (await response.json()) as {
          error?: { code?: ErrorCode; message?: string; details?: Record<string, unknown> };
        };
        if (parsed.error?.code) code = parsed.error.code;
        if (parsed.error?.message) message = parsed.error.message;
        if (parsed.error?.details && typeof parsed.error.details === 'object') details = parsed.error.details;
      } catch {
        // Not our error shape (a proxy's page): keep INTERNAL.
      }
      if (code === 'UNAUTHENTICATED') onUnauthenticated();
      throw new ApiError(code, response.status, message, retry ? Number(retry) : null, details);
    }
    return response;
  }
  async function json<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await send(method, path, body);
    if (response.status === 204) return undefined as T;
    return (await response.json()) as T;
  }
  async function stream(path: string, onEvent: (event: VerificationEvent) => void, signal: AbortSignal) {
    const response = await send('GET', path, undefined, signal);
    await readEventStream(response, onEvent, signal);
  }
  return { send, json, stream };
}

/**
 * What the verify panel needs from a server. The console calls the operator API with its
 * session; the embedded widget calls the widget API with its short-lived token.
 */
export interface VerifyBackend {
  start(input: StartVerification): Promise<Verification>;
  get(id: string): Promise<VerificationDetail>;
  cancel(id: string): Promise<Verification>;
  /** Live events of one verification: first `state`, then progress, then the final status. */
  events(id: string, onEvent: (event: VerificationEvent) => void, signal: AbortSignal): Promise<void>;
}

export interface VerificationFilter {
  customerId?: string;
  method?: Verification['method'];
  status?: VerificationStatus;
  createdAfter?: string;
  createdBefore?: string;
  cursor?: string;
  limit?: number;
}

export interface AuditFilter {
  action?: string;
  actorId?: string;
  targetId?: string;
  /** The customer's entries, those of its verifications, one-time codes and devices included. */
  customerId?: string;
  from?: string;
  to?: string;
  cursor?: string;
  limit?: number;
}

/**
 * The operator API (docs/api.md) with the session cookie and the CSRF token. `onSessionEnded`
 * runs when the server answers UNAUTHENTICATED (the session expired or was ended elsewhere).
 */
export function createConsoleApi(onSessionEnded: () => void = () => {}) {
  let csrfToken = '';
  const transport = createTransport(
    (): Record<string, string> => (csrfToken ? { 'x-csrf-token': csrfToken } : {}),
    onSessionEnded,
  );
  const { json } = transport;
  const remember = (session: Session) => {
    csrfToken = session.csrfToken;
    return session;
  };
  const id = encodeURIComponent;

  const verify: VerifyBackend = {
    start: (input) => json<Verification>('POST', '/v1/verifications', input),
    get: (vid) => json<VerificationDetail>('GET', `/v1/verifications/${id(vid)}`),
    cancel: (vid) => json<Verification>('POST', `/v1/verifications/${id(vid)}/cancel`),
    events: (vid, onEvent, signal) =>
      transport.stream(`/v1/verifications/${id(vid)}/events`, onEvent, signal),
  };

  return {
    verify,
    bootstrap: () => json<ConsoleBootstrap>('GET', '/console/bootstrap.json'),
    signInOptions: (tenant: string) =>
      json<SignInOptions>('GET', withQuery('/v1/auth/sign-in-options', { tenant })),
    signIn: async (tenant: string, email: string, password: string) =>
      remember(await json<Session>('POST', '/v1/auth/sign-in', { tenant, email, password })),
    session: async () => remember(await json<Session>('GET', '/v1/auth/session')),
    /** Ends every session of the operator, this one included (docs/api.md). */
    changePassword: async (currentPassword: string, newPassword: string) => {
      await json<void>('POST', '/v1/auth/password', { currentPassword, newPassword });
      csrfToken = '';
    },
    signOut: async () => {
      await json<void>('POST', '/v1/auth/sign-out');
      csrfToken = '';
    },
    searchCustomers: (q: string, limit = 8) =>
      json<Page<Customer>>('GET', withQuery('/v1/customers', { q, limit })),
    customer: (cid: string) => json<Customer>('GET', `/v1/customers/${id(cid)}`),
    createCustomer: (input: CustomerInput) => json<Customer>('POST', '/v1/customers', input),
    updateCustomer: (cid: string, patch: { [K in keyof CustomerInput]?: CustomerInput[K] | null }) =>
      json<Customer>('PATCH', `/v1/customers/${id(cid)}`, patch),
    /** The policy in force (for `policy:read`), where the console reads a setting it explains. */
    policyInForce: () => json<{ version: number; policy: Record<string, unknown> }>('GET', '/v1/policy'),
    /** One part of a CSV import (header and up to a few hundred rows): per-row results. */
    importCustomers: (csv: string, updateExisting: boolean, dryRun = false) =>
      json<ImportSummary>('POST', '/v1/customers/import', { csv, updateExisting, dryRun }),
    totpStatus: (cid: string) =>
      json<{ enrolled: boolean; activatedAt: string | null }>('GET', `/v1/customers/${id(cid)}/totp`),
    startCustomerTotp: (cid: string) => json<TotpEnrollment>('POST', `/v1/customers/${id(cid)}/totp`),
    confirmCustomerTotp: (cid: string, enrollmentId: string, code: string) =>
      json<{ enrolled: boolean; activatedAt: string }>('POST', `/v1/customers/${id(cid)}/totp/confirm`, {
        enrollmentId,
        code,
      }),
    removeCustomerTotp: (cid: string) => json<void>('DELETE', `/v1/customers/${id(cid)}/totp`),
    securityQuestions: (cid: string) =>
      json<{ questions: { id: string; position: number; question: string }[] }>(
        'GET',
        `/v1/customers/${id(cid)}/security-questions`,
      ),
    setSecurityQuestions: (cid: string, questions: { question: string; answer: string }[]) =>
      json<unknown>('PUT', `/v1/customers/${id(cid)}/security-questions`, { questions }),
    devices: (cid: string) => json<{ items: Device[] }>('GET', `/v1/customers/${id(cid)}/devices`),
    customerLocks: (cid: string) => json<CustomerLocks>('GET', `/v1/customers/${id(cid)}/locks`),
    /** A QR code and code for an operator: after a recent verification, or with an in-branch check. */
    createActivation: (cid: string, inBranchNote?: string) =>
      json<Activation>(
        'POST',
        `/v1/customers/${id(cid)}/activations`,
        inBranchNote === undefined ? {} : { inBranchCheck: { note: inBranchNote } },
      ),
    /** The customer's devices as they enroll and are revoked (server-sent events). */
    deviceEvents: (cid: string, onEvent: (event: VerificationEvent) => void, signal: AbortSignal) =>
      transport.stream(`/v1/customers/${id(cid)}/device-events`, onEvent, signal),
    revokeDevice: (did: string) => json<Device>('DELETE', `/v1/devices/${id(did)}`),
    clearPushLock: (cid: string) => json<void>('DELETE', `/v1/customers/${id(cid)}/push-lock`),
    unlockSecurityQuestions: (cid: string) =>
      json<void>('DELETE', `/v1/customers/${id(cid)}/security-questions/lock`),
    resolveFraudReport: (cid: string, note: string) =>
      json<{ reportedAt: string; resolvedAt: string }>(
        'POST',
        `/v1/customers/${id(cid)}/fraud-report/resolve`,
        { note },
      ),
    sendActivation: (cid: string, channel: 'sms' | 'email') =>
      json<SentActivation>('POST', `/v1/customers/${id(cid)}/activations/send`, { channel }),
    verifications: (filter: VerificationFilter) =>
      json<Page<Verification>>('GET', withQuery('/v1/verifications', { ...filter })),
    auditEvents: (filter: AuditFilter) =>
      json<Page<AuditEvent>>('GET', withQuery('/v1/audit-events', { ...filter })),
    auditChain: () => json<ChainStatus>('GET', '/v1/audit-events/verification'),
    tenant: () => json<Tenant>('GET', '/v1/tenant'),
    secondFactor: () => json<SecondFactorStatus>('GET', '/v1/auth/second-factor'),
    startTotp: () => json<TotpSetup>('POST', '/v1/auth/second-factor/totp'),
    confirmTotp: (code: string) => json<void>('POST', '/v1/auth/second-factor/totp/confirm', { code }),
    verifySecondFactor: (code: string) => json<void>('POST', '/v1/auth/second-factor/verify', { code }),
    passkeyRegistrationOptions: () =>
      json<{ options: PublicKeyCredentialCreationOptionsJSON }>(
        'POST',
        '/v1/auth/second-factor/passkey/registration-options',
      ),
    registerPasskey: (response: RegistrationResponseJSON, label: string) =>
      json<void>('POST', '/v1/auth/second-factor/passkey', { response, label }),
    passkeyAssertionOptions: () =>
      json<{ options: PublicKeyCredentialRequestOptionsJSON }>(
        'POST',
        '/v1/auth/second-factor/passkey/assertion-options',
      ),
    verifyPasskey: (response: AuthenticationResponseJSON) =>
      json<void>('POST', '/v1/auth/second-factor/passkey/verify', { response }),
    resetSecondFactor: (operatorId: string) =>
      json<void>('DELETE', `/v1/operators/${id(operatorId)}/second-factor`),
    updateTenant: (patch: {
      name?: string;
      verification?: Partial<VerificationSettings>;
      operatorSecondFactor?: 'optional' | 'required';
      messageTemplates?: Tenant['messageTemplates'];
    }) => json<Tenant>('PATCH', '/v1/tenant', patch),
    operators: () => json<{ items: Operator[] }>('GET', '/v1/operators'),
    inviteOperator: (input: { email: string; displayName: string; role: Role }) =>
      json<{ operator: Operator; initialPassword?: string }>('POST', '/v1/operators', input),
    updateOperator: (
      oid: string,
      patch: { role?: Role; status?: 'active' | 'disabled'; team?: string | null },
    ) => json<Operator>('PATCH', `/v1/operators/${id(oid)}`, patch),
    apiKeys: () => json<{ items: ApiKey[] }>('GET', '/v1/api-keys'),
    createApiKey: (name: string, scopes: Permission[]) =>
      json<{ apiKey: ApiKey; key: string }>('POST', '/v1/api-keys', { name, scopes }),
    revokeApiKey: (kid: string) => json<ApiKey>('DELETE', `/v1/api-keys/${id(kid)}`),
    ssoConfig: () => json<SsoConfig>('GET', '/v1/tenant/sso'),
    updateSsoConfig: (
      patch: Partial<Omit<SsoConfig, 'clientSecretSet' | 'redirectUri' | 'createdAt' | 'updatedAt'>> & {
        clientSecret?: string;
      },
    ) => json<SsoConfig>('PATCH', '/v1/tenant/sso', patch),
    keycloakChannel: () => json<KeycloakChannel>('GET', '/v1/keycloak-channel'),
    configureKeycloakChannel: (input: {
      baseUrl: string;
      realm: string;
      issuer: string | null;
      allowedClients: string[];
      requesterName: string;
    }) => json<KeycloakChannel>('PUT', '/v1/keycloak-channel', input),
    removeKeycloakChannel: () => json<void>('DELETE', '/v1/keycloak-channel'),
    oidcClients: () => json<{ items: OidcClient[] }>('GET', '/v1/oidc-clients'),
    createOidcClient: (input: {
      name: string;
      tokenEndpointAuthMethod: OidcClient['tokenEndpointAuthMethod'];
      deliveryMode: OidcClient['deliveryMode'];
      jwks?: OidcClient['jwks'];
      notificationEndpoint?: string;
    }) => json<{ client: OidcClient; clientSecret: string | null }>('POST', '/v1/oidc-clients', input),
    rotateOidcClientSecret: (cid: string) =>
      json<{ clientSecret: string }>('POST', `/v1/oidc-clients/${id(cid)}/secret`),
    revokeOidcClient: (cid: string) => json<OidcClient>('DELETE', `/v1/oidc-clients/${id(cid)}`),
    pushCredentials: () => json<PushCredentials>('GET', '/v1/tenant/push-credentials'),
    setFcmCredentials: (serviceAccountJson: string) =>
      json<NonNullable<PushCredentials['fcm']>>('PUT', '/v1/tenant/push-credentials/fcm', {
        serviceAccountJson,
      }),
    setApnsCredentials: (input: ApnsCredentialsInput) =>
      json<NonNullable<PushCredentials['apns']>>('PUT', '/v1/tenant/push-credentials/apns', input),
    removePushCredentials: (kind: 'fcm' | 'apns') =>
      json<void>('DELETE', `/v1/tenant/push-credentials/${kind}`),
    testPush: (did: string) => json<TestPushResult>('POST', `/v1/devices/${id(did)}/test-push`),
  };
}

export type ConsoleApi = ReturnType<typeof createConsoleApi>;
