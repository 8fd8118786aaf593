// The integrators' client: typed calls to every operation of the server's OpenAPI document.
import { HelpdeskAuthError } from './errors.ts';
import { type Operations, operations, type Schemas } from './generated/api-types.ts';

export type OperationId = keyof Operations;
type Op<K extends OperationId> = Operations[K];

/** What a call sends: path parameters, query and body, each only where the operation has them. */
export type RequestInput<K extends OperationId> = (Op<K>['pathParams'] extends undefined
  ? { pathParams?: undefined }
  : { pathParams: Op<K>['pathParams'] }) & { query?: Op<K>['query'] } & (Op<K>['body'] extends undefined
    ? { body?: undefined }
    : { body: Op<K>['body'] });

export type Response<K extends OperationId> = Op<K>['response'];

export type Verification = Response<'getVerification'>;
export type VerificationStatus = Verification['status'];
export type Customer = Schemas['Customer'];
export type Device = Schemas['Device'];
export type WebhookEndpoint = Schemas['WebhookEndpoint'];
export type WebhookDelivery = Schemas['WebhookDelivery'];
export type CallNotice = Schemas['CallNotice'];

export interface HelpdeskAuthClientOptions {
  /** The server's URL, such as `https://helpdesk-auth.example.com`. */
  baseUrl: string;
  /** An API key (`hda_key_…`), sent as a bearer token. */
  apiKey: string;
  /** Defaults to the global `fetch`. */
  fetch?: typeof fetch;
}

export interface RequestOptions {
  signal?: AbortSignal;
}

const isFinal = (status: VerificationStatus) => status !== 'pending';

/**
 * A client for an integrator's backend. Every request and response type comes from the server's
 * OpenAPI document (src/generated/api-types.ts); `request` reaches any covered operation by its
 * operationId, and the grouped methods below are shorthands for the common ones.
 */
export function createHelpdeskAuthClient(options: HelpdeskAuthClientOptions) {
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const doFetch = options.fetch ?? globalThis.fetch;

  async function request<K extends OperationId>(
    operationId: K,
    input: RequestInput<K>,
    requestOptions: RequestOptions = {},
  ): Promise<Response<K>> {
    const { method, path } = operations[operationId];
    const pathParams = (input.pathParams ?? {}) as Record<string, string>;
    let url =
      baseUrl + path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(pathParams[name]!));
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries((input.query ?? {}) as Record<string, unknown>)) {
      if (value !== undefined && value !== null) query.set(key, String(value));
    }
    if ([...query.keys()].length > 0) url += `?${query}`;
    const headers: Record<string, string> = {
      authorization: `Bearer ${options.apiKey}`,
      accept: 'application/json',
    };
    if (input.body !== undefined) headers['content-type'] = 'application/json';
    let response: globalThis.Response;
    try {
      response = await doFetch(url, {
        method,
        headers,
        ...(input.body !== undefined ? { body: JSON.stringify(input.body) } : {}),
        ...(requestOptions.signal ? { signal: requestOptions.signal } : {}),
      });
    } catch (error) {
      if (requestOptions.signal?.aborted) throw error;
      throw new HelpdeskAuthError('NETWORK_ERROR', `${method} ${path} did not reach the server.`, {
        cause: error,
      });
    }
    const requestId = response.headers.get('x-request-id') ?? undefined;
    const text = await response.text();
    if (response.ok) return (text ? JSON.parse(text) : undefined) as Response<K>;
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    const error = (body as Partial<Schemas['Error']> | undefined)?.error;
    if (!error || typeof error.code !== 'string') {
      throw new HelpdeskAuthError('UNEXPECTED_RESPONSE', `${method} ${path} answered ${response.status}.`, {
        status: response.status,
        ...(requestId ? { requestId } : {}),
      });
    }
    throw new HelpdeskAuthError(error.code, error.message, {
      status: response.status,
      ...(error.details ? { details: error.details as Record<string, unknown> } : {}),
      ...(requestId ? { requestId } : {}),
    });
  }

  const id = (value: string) => ({ id: value });

  const verifications = {
    /** Starts a push verification; the answer holds the `code` the agent reads to the caller. */
    start: (body: Op<'startVerification'>['body'], o?: RequestOptions) =>
      request('startVerification', { body }, o),
    get: (verificationId: string, query: Op<'getVerification'>['query'] = {}, o?: RequestOptions) =>
      request('getVerification', { pathParams: id(verificationId), query }, o),
    list: (query: Op<'listVerifications'>['query'] = {}, o?: RequestOptions) =>
      request('listVerifications', { query }, o),
    cancel: (verificationId: string, o?: RequestOptions) =>
      request('cancelVerification', { pathParams: id(verificationId) }, o),
    /**
     * Waits until the verification is final (approved, denied, fraud_reported, expired, cancelled,
     * failed) with the server's long-poll (`?wait=`), and returns it. Throws WAIT_TIMEOUT after
     * `timeoutMs` (default 10 minutes, longer than any verification lives).
     */
    async waitForResult(
      verificationId: string,
      waitOptions: { timeoutMs?: number; signal?: AbortSignal } = {},
    ): Promise<Verification> {
      const deadline = Date.now() + (waitOptions.timeoutMs ?? 600_000);
      for (;;) {
        const left = Math.ceil((deadline - Date.now()) / 1000);
        const wait = Math.max(1, Math.min(60, left));
        const current = await request(
          'getVerification',
          { pathParams: id(verificationId), query: { wait } },
          waitOptions.signal ? { signal: waitOptions.signal } : {},
        );
        if (isFinal(current.status)) return current;
        if (Date.now() >= deadline) {
          throw new HelpdeskAuthError('WAIT_TIMEOUT', `Verification ${verificationId} is still pending.`);
        }
      }
    },
  };

  const customers = {
    list: (query: Op<'listCustomers'>['query'] = {}, o?: RequestOptions) =>
      request('listCustomers', { query }, o),
    create: (body: Op<'createCustomer'>['body'], o?: RequestOptions) =>
      request('createCustomer', { body }, o),
    get: (customerId: string, o?: RequestOptions) =>
      request('getCustomer', { pathParams: id(customerId) }, o),
    update: (customerId: string, body: Op<'updateCustomer'>['body'], o?: RequestOptions) =>
      request('updateCustomer', { pathParams: id(customerId), body }, o),
    delete: (customerId: string, o?: RequestOptions) =>
      request('deleteCustomer', { pathParams: id(customerId) }, o),
    /** The first customer with this external id (your CRM's), or undefined. */
    async findByExternalId(externalId: string, o?: RequestOptions): Promise<Customer | undefined> {
      const page = await request('listCustomers', { query: { externalId, limit: 1 } }, o);
      return page.items[0] as Customer | undefined;
    },
  };

  const activations = {
    /**
     * A one-time activation for the customer's device: `code`, `link`, `qrPayload`, `expiresAt`.
     * With an API key no body is needed; an operator session states an in-branch identity check
     * (`{ inBranchCheck: { note } }`) unless the customer was verified in the last 15 minutes.
     */
    create: (customerId: string, o?: RequestOptions, body: Op<'createActivation'>['body'] = {}) =>
      request('createActivation', { pathParams: id(customerId), body }, o),
    /** Sends a new activation link to the phone number (`sms`) or e-mail address on file. */
    send: (customerId: string, channel: 'sms' | 'email', o?: RequestOptions) =>
      request('sendActivation', { pathParams: id(customerId), body: { channel } }, o),
  };

  const devices = {
    list: (customerId: string, o?: RequestOptions) =>
      request('listCustomerDevices', { pathParams: id(customerId) }, o),
    get: (deviceId: string, o?: RequestOptions) => request('getDevice', { pathParams: id(deviceId) }, o),
    update: (deviceId: string, body: Op<'updateDevice'>['body'], o?: RequestOptions) =>
      request('updateDevice', { pathParams: id(deviceId), body }, o),
    revoke: (deviceId: string, o?: RequestOptions) =>
      request('revokeDevice', { pathParams: id(deviceId) }, o),
  };

  const webhooks = {
    list: (o?: RequestOptions) => request('listWebhooks', {}, o),
    /** Registers an endpoint; the answer holds its signing `secret`, shown only this once. */
    create: (body: Op<'createWebhook'>['body'], o?: RequestOptions) => request('createWebhook', { body }, o),
    get: (endpointId: string, o?: RequestOptions) => request('getWebhook', { pathParams: id(endpointId) }, o),
    update: (endpointId: string, body: Op<'updateWebhook'>['body'], o?: RequestOptions) =>
      request('updateWebhook', { pathParams: id(endpointId), body }, o),
    delete: (endpointId: string, o?: RequestOptions) =>
      request('deleteWebhook', { pathParams: id(endpointId) }, o),
    rotateSecret: (endpointId: string, query: Op<'rotateWebhookSecret'>['query'] = {}, o?: RequestOptions) =>
      request('rotateWebhookSecret', { pathParams: id(endpointId), query }, o),
    sendTest: (endpointId: string, o?: RequestOptions) =>
      request('sendWebhookTest', { pathParams: id(endpointId) }, o),
    deliveries: (endpointId: string, query: Op<'listWebhookDeliveries'>['query'] = {}, o?: RequestOptions) =>
      request('listWebhookDeliveries', { pathParams: id(endpointId), query }, o),
    redeliver: (endpointId: string, deliveryId: string, o?: RequestOptions) =>
      request('redeliverWebhook', { pathParams: { id: endpointId, deliveryId } }, o),
  };

  const calls = {
    /**
     * Announces an outbound call to the customer's devices (docs/call-notices.md); in
     * `agent_reads` mode the answer holds the `code` the agent reads out.
     */
    start: (customerId: string, body: Op<'startCallNotice'>['body'], o?: RequestOptions) =>
      request('startCallNotice', { pathParams: id(customerId), body }, o),
    /** "Is there a genuine call to this customer now?", for an IVR or website: `{ active, notice }`. */
    active: (customerId: string, o?: RequestOptions) =>
      request('getActiveCallNotice', { pathParams: id(customerId) }, o),
    get: (noticeId: string, o?: RequestOptions) => request('getCallNotice', { pathParams: id(noticeId) }, o),
    list: (query: Op<'listCallNotices'>['query'] = {}, o?: RequestOptions) =>
      request('listCallNotices', { query }, o),
    end: (noticeId: string, o?: RequestOptions) => request('endCallNotice', { pathParams: id(noticeId) }, o),
    /** `customer_reads` mode: the code the customer read out; CALL_CODE_INVALID or CALL_CODE_LOCKED when wrong. */
    checkCode: (noticeId: string, code: string, o?: RequestOptions) =>
      request('checkCallCode', { pathParams: id(noticeId), body: { code } }, o),
  };

  return { request, verifications, customers, activations, devices, webhooks, calls };
}

export type HelpdeskAuthClient = ReturnType<typeof createHelpdeskAuthClient>;
