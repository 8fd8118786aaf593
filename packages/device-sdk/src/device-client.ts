// The device client: enrollment, pending requests, signed decisions and the live channel, over
// the device protocol (docs/device-protocol.md).
import {
  activationCodeLength,
  isDevicePlatform,
  isVerificationStatus,
  jwsTypes,
  type VerificationDecision,
  type VerificationPurpose,
  type VerificationStatus,
} from '@helpdesk-auth/core';
import { base64url, createLocalJWKSet, exportJWK, SignJWT } from 'jose';
import { type VerifiedCallNotice, verifyCallNotice, verifyCallStatus } from './call-notice.ts';
import { decisionAssertionChallenge, signDecision } from './decision.ts';
import { DeviceSdkError, type DeviceSdkErrorDetails } from './errors.ts';
import {
  type CryptoKeyPair,
  type DeviceKeyStore,
  type DevicePlatform,
  type DeviceState,
  generateDeviceKeyPair,
  type JsonWebKey,
} from './key-store.ts';
import { isOfflineSecret, type OfflineCode, offlineCodeAt } from './offline-code.ts';
import {
  applyKeySetChain,
  keySetVersionOf,
  knowsServerKey,
  signingKeyIdOf,
  usableServerKeys,
} from './server-key-sets.ts';
import { verifySignedRequest } from './signed-request.ts';
import { createSseParser, type SseEvent } from './sse.ts';
import {
  type CreationOptionsJson,
  type CredentialsContainerLike,
  createCredential,
  getAssertion,
} from './webauthn.ts';

// ---------------------------------------------------------------------------------------------
// Public types
// ---------------------------------------------------------------------------------------------

export interface Activation {
  /** Upper case, in four dash-separated groups: `K7QM-2XPA-9RTD-H4WN`. */
  code: string;
  /** The server the link points to; null for a bare code. */
  baseUrl: string | null;
}

/** A Web Push subscription as `PushSubscription.toJSON()` gives it. */
export interface WebPushSubscription {
  endpoint: string;
  expirationTime?: number | null;
  keys: { p256dh: string; auth: string };
}

/**
 * How the server reaches the device while its app is closed (docs/device-protocol.md, "Push"):
 * a browser's Web Push subscription; an app's FCM registration token (Android, or an iOS app
 * that uses Firebase); or an iOS app's APNs device token in hex, with the APNs environment it was
 * issued for (`sandbox` for development builds; left out, the tenant's default applies). When the
 * platform hands the app a new token, `updatePush` replaces it and the device stays the same.
 */
export type DevicePush =
  | { kind: 'webpush'; subscription: WebPushSubscription }
  | { kind: 'fcm'; token: string }
  | { kind: 'apns'; token: string; environment?: ApnsEnvironment }
  | null;

/** The APNs environment a device token belongs to. */
export type ApnsEnvironment = 'production' | 'sandbox';

/** The kinds of push channel a device record names (`DeviceRecord.push`). */
export type PushKind = 'webpush' | 'fcm' | 'apns';

export interface EnrollOptions {
  label: string;
  platform: DevicePlatform;
  /** Omitted or null: the device hears about requests only through `listen`. */
  push?: DevicePush;
}

/** The server's record of this device. */
export interface DeviceRecord {
  id: string;
  customerId: string;
  label: string;
  platform: DevicePlatform;
  status: string;
  createdAt: string;
  lastSeenAt: string | null;
  /** The push channel's kind; null when the device hears of requests only while its app is open. */
  push: PushKind | null;
  /** Whether the device has a WebAuthn credential registered (biometric approval). */
  webauthn: boolean;
}

/** A request whose server signature, issuer, customer and id were checked. */
export interface VerifiedRequest {
  id: string;
  /** From the server, outside the signature: it changes while the signed part does not. */
  status: VerificationStatus;
  purpose: VerificationPurpose;
  reason: string;
  /** The action to confirm (purpose `confirm_action`), else null. The decision signs exactly this. */
  actionSummary: string | null;
  tenantName: string;
  agentName: string;
  /** How many digits the agent reads out. */
  codeLength: number;
  issuedAt: Date;
  expiresAt: Date;
}

export interface DecideOptions {
  decision: VerificationDecision;
  /** The digits the customer typed; required for `approve`, ignored otherwise. */
  code?: string | null;
  /**
   * `navigator.credentials`: decide with a WebAuthn assertion (user verification required) over
   * the decision instead of a device-key signature. Needs `registerWebAuthn` first.
   */
  credentials?: CredentialsContainerLike;
}

export interface DecisionOutcome {
  id: string;
  status: VerificationStatus;
}

export type DeviceEvent =
  | { type: 'verification'; id: string; status: VerificationStatus }
  /** The bank started a call notice for this customer: fetch it with `fetchCallNotice(id)`. */
  | { type: 'call_notice'; id: string }
  /** The agent ended the call, or its time ran out: stop showing it. The client remembers it as ended. */
  | { type: 'call_notice_ended'; id: string }
  | { type: 'device-enrolled'; deviceId: string; label: string; platform: DevicePlatform }
  | { type: 'device-revoked'; deviceId: string };

export interface ListenOptions {
  /** Awaited before the next event is read. An error thrown here ends `listen` with that error. */
  onEvent: (event: DeviceEvent) => void | Promise<void>;
  /** Aborting closes the stream; `listen` then resolves. */
  signal?: AbortSignal;
  /**
   * Called once the stream is open, before any event. Events before this moment were not heard:
   * fetch `pendingRequests()` here, not before `listen`, so a request started in between is not missed.
   */
  onOpen?: () => void | Promise<void>;
}

/** The verified answer to "is anyone from the bank calling me?". */
export type CallCheck =
  | { active: true; notice: VerifiedCallNotice; checkedAt: Date }
  | {
      /** Nobody from the bank is calling: tell the customer to hang up, and offer `reportCall()`. */
      active: false;
      notice: null;
      checkedAt: Date;
    };

export interface CallReportInput {
  /** The notice the report concerns, if any. */
  noticeId?: string;
  /** The number the customer's phone showed, as they typed it (at most 32 characters). */
  numberSeen?: string;
  /** What happened, in the customer's words (at most 500 characters). */
  note?: string;
}

export interface DeviceClientOptions {
  store: DeviceKeyStore;
  /**
   * The server, e.g. `https://helpdesk.example.com`. Needed to enroll with a bare code. When set,
   * activation links for any other server are refused, so a QR code cannot bind the app to a
   * server that is not the company's.
   */
  baseUrl?: string;
  fetch?: typeof fetch;
  /** Milliseconds since the epoch; for tests. */
  now?: () => number;
}

export interface DeviceClient {
  parseActivation(linkOrCode: string): Activation;
  enroll(linkOrCode: string, options: EnrollOptions): Promise<DeviceState>;
  isEnrolled(): Promise<boolean>;
  state(): Promise<DeviceState | null>;
  device(): Promise<DeviceRecord>;
  rename(label: string): Promise<DeviceRecord>;
  updatePush(push: DevicePush): Promise<DeviceRecord>;
  /** Revokes the device on the server, then clears the store. */
  revoke(): Promise<void>;
  /** Clears the store without telling the server (after a `device-revoked` event, for instance). */
  forget(): Promise<void>;
  pendingRequests(): Promise<VerifiedRequest[]>;
  fetchRequest(id: string): Promise<VerifiedRequest>;
  decide(request: VerifiedRequest, options: DecideOptions): Promise<DecisionOutcome>;
  listen(options: ListenOptions): Promise<void>;
  /**
   * "Is anyone from the bank calling me?": asks the server with a fresh nonce and verifies both
   * its signed statement and, when there is one, the notice (docs/device-protocol.md, "Call
   * notices"). Throws CALL_STATUS_INVALID or a CALL_NOTICE_* error when something does not verify:
   * show neither answer then.
   */
  currentCall(): Promise<CallCheck>;
  /** One call notice, verified (after a `call_notice` push or live event). */
  fetchCallNotice(id: string): Promise<VerifiedCallNotice>;
  /**
   * The customer's answer on a notice: `confirmed` (the agent read the code the app shows, or no
   * code was agreed) or `mismatch` (it is not this call), which is also reported as a fake call.
   */
  confirmCall(
    notice: VerifiedCallNotice | string,
    outcome: 'confirmed' | 'mismatch',
  ): Promise<{ confirmation: 'pending' | 'confirmed' | 'mismatch'; reportId: string | null }>;
  /** Reports a call that claimed to be the bank; it becomes a fraud report for the bank. */
  reportCall(report?: CallReportInput): Promise<{ reportId: string }>;
  /**
   * Registers a WebAuthn credential for this device (platform authenticator, user verification
   * required), replacing any earlier one, and remembers it in the store. Pass `navigator.credentials`.
   */
  registerWebAuthn(credentials: CredentialsContainerLike): Promise<DeviceRecord>;
  /**
   * The offline code to read to the agent now, computed from the secret in the key store without
   * any network (RFC 6238). OFFLINE_CODE_UNAVAILABLE when the store holds no secret.
   */
  offlineCode(): Promise<OfflineCode>;
  /**
   * A device enrolled before offline codes asks the server for its secret, once, and keeps it in
   * the store (POST /v1/device/offline-secret; OFFLINE_SECRET_ISSUED if it was issued before).
   */
  obtainOfflineSecret(): Promise<void>;
  /**
   * Fetches the server's key sets newer than the one this device holds, verifies each against
   * the keys it trusts (the first against its pinned keys) and stores the result. Called by
   * itself when a request names a key the device does not know; refuses with `KEY_SET_INVALID`.
   */
  refreshServerKeys(): Promise<DeviceState>;
  /**
   * The server's time in milliseconds as this device knows it: the device's clock, corrected by
   * the server's answers (their Date header) when the two differ by 5 seconds or more. Proofs,
   * decisions and offline codes use it; count a request's `expiresAt` down with it too.
   */
  serverTime(): number;
}

// ---------------------------------------------------------------------------------------------
// Activation
// ---------------------------------------------------------------------------------------------

const activationPath = '/app/activate';

function normaliseBaseUrl(url: string): string {
  return url.replace(/\/+$/, '');
}

/**
 * Reads an activation link (`https://host/app/activate#code=K7QM-2XPA-9RTD-H4WN`, as text or
 * from a QR code) or a bare code (`k7qm2xpa9rtdh4wn`, any case, dashes and spaces optional).
 * For a link, `baseUrl` is the server's public URL: the link without `/app/activate`.
 */
export function parseActivation(linkOrCode: string): Activation {
  const input = linkOrCode.trim();
  let raw: string;
  let baseUrl: string | null = null;
  if (/^[a-z][a-z0-9+.-]*:/i.test(input)) {
    let url: URL;
    try {
      url = new URL(input);
    } catch {
      throw new DeviceSdkError('INVALID_ACTIVATION', 'The activation link is not a valid URL.');
    }
    const code = new URLSearchParams(url.hash.slice(1)).get('code');
    if (code === null) throw new DeviceSdkError('INVALID_ACTIVATION', 'The activation link carries no code.');
    raw = code;
    if (url.protocol === 'https:' || url.protocol === 'http:') {
      const path = url.pathname.replace(/\/+$/, '');
      const prefix = path.endsWith(activationPath) ? path.slice(0, -activationPath.length) : '';
      baseUrl = normaliseBaseUrl(url.origin + prefix);
    }
  } else {
    raw = input;
  }
  const compact = raw.replace(/[\s-]/g, '').toUpperCase();
  // Any letter passes: the server reads the confusable ones (I, L, O) as the digits they look like.
  if (!new RegExp(`^[A-Z0-9]{${activationCodeLength}}$`).test(compact)) {
    throw new DeviceSdkError(
      'INVALID_ACTIVATION',
      `An activation code has ${activationCodeLength} letters and digits.`,
    );
  }
  return { code: compact.match(/.{4}/g)!.join('-'), baseUrl };
}

// ---------------------------------------------------------------------------------------------
// Response checks
// ---------------------------------------------------------------------------------------------

type Json = Record<string, unknown>;

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function unexpected(what: string, status?: number): DeviceSdkError {
  return new DeviceSdkError('UNEXPECTED_RESPONSE', `Unexpected answer from the server: ${what}.`, { status });
}

function toDeviceRecord(value: unknown): DeviceRecord {
  if (
    !isRecord(value) ||
    typeof value.id !== 'string' ||
    typeof value.customerId !== 'string' ||
    typeof value.label !== 'string' ||
    typeof value.platform !== 'string' ||
    !isDevicePlatform(value.platform)
  ) {
    throw unexpected('no valid device record');
  }
  return {
    id: value.id,
    customerId: value.customerId,
    label: value.label,
    platform: value.platform,
    status: typeof value.status === 'string' ? value.status : 'active',
    createdAt: typeof value.createdAt === 'string' ? value.createdAt : '',
    lastSeenAt: typeof value.lastSeenAt === 'string' ? value.lastSeenAt : null,
    push: value.push === 'webpush' || value.push === 'fcm' || value.push === 'apns' ? value.push : null,
    webauthn: value.webauthn === true,
  };
}

function toStatus(value: unknown): VerificationStatus {
  if (typeof value !== 'string' || !isVerificationStatus(value))
    throw unexpected('unknown verification status');
  return value;
}

function toDeviceEvent(event: SseEvent): DeviceEvent | null {
  let data: unknown;
  try {
    data = JSON.parse(event.data);
  } catch {
    return null;
  }
  if (!isRecord(data)) return null;
  switch (event.type) {
    case 'call_notice':
    case 'call_notice_ended':
      return typeof data.id === 'string' ? { type: event.type, id: data.id } : null;
    case 'verification':
      if (
        typeof data.id !== 'string' ||
        typeof data.status !== 'string' ||
        !isVerificationStatus(data.status)
      ) {
        return null;
      }
      return { type: 'verification', id: data.id, status: data.status };
    case 'device-enrolled':
      if (
        typeof data.deviceId !== 'string' ||
        typeof data.label !== 'string' ||
        typeof data.platform !== 'string' ||
        !isDevicePlatform(data.platform)
      ) {
        return null;
      }
      return {
        type: 'device-enrolled',
        deviceId: data.deviceId,
        label: data.label,
        platform: data.platform,
      };
    case 'device-revoked':
      return typeof data.deviceId === 'string' ? { type: 'device-revoked', deviceId: data.deviceId } : null;
    default:
      // Events a newer server adds are skipped, not errors.
      return null;
  }
}

// ---------------------------------------------------------------------------------------------
// The client
// ---------------------------------------------------------------------------------------------

function randomId(): string {
  return base64url.encode(globalThis.crypto.getRandomValues(new Uint8Array(16)));
}

/** The public key as the enrollment proof's `jwk` header: the EC members only. */
async function publicJwk(key: CryptoKeyPair): Promise<JsonWebKey> {
  const { kty, crv, x, y } = await exportJWK(key.publicKey);
  return { kty, crv, x, y };
}

function isAbort(error: unknown, signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true || (error as { name?: unknown } | null)?.name === 'AbortError';
}

type ProofKind = { kind: 'kid'; deviceId: string; key: CryptoKeyPair } | { kind: 'jwk'; key: CryptoKeyPair };

interface SendOptions {
  body?: unknown;
  proof: ProofKind | null;
  accept?: string;
  signal?: AbortSignal;
  /** Signed again once already, after the server's clock corrected ours. */
  resigned?: boolean;
}

/**
 * The server accepts an `iat` within 60 s of its own time (docs/device-protocol.md, "Clocks"). A
 * difference from an answer's Date header below this is left alone: the header has whole seconds,
 * the network adds its delay, and a phone that sets its clock from the network needs nothing.
 */
const clockCorrectionThresholdMs = 5_000;

export function createDeviceClient(options: DeviceClientOptions): DeviceClient {
  const { store } = options;
  const configuredBaseUrl = options.baseUrl === undefined ? null : normaliseBaseUrl(options.baseUrl);
  const now = options.now ?? Date.now;
  const customFetch = options.fetch;
  // Called as a plain function: `window.fetch` refuses to run with another object as `this`.
  const doFetch: typeof fetch = (input, init) =>
    customFetch ? customFetch(input, init) : globalThis.fetch(input, init);

  let cached: { state: DeviceState; key: CryptoKeyPair } | null = null;
  // Call notices this client heard were ended: a copy shown again later is a replay.
  const endedCalls = new Set<string>();

  async function verifyNotice(id: string, jws: unknown): Promise<VerifiedCallNotice> {
    const state = await stateForRequest((await enrolled()).state, jws);
    try {
      return await verifyCallNotice(jws, {
        id,
        jwks: usableServerKeys(state, serverNow()),
        issuer: state.issuer,
        customerId: state.customerId,
        deviceId: state.deviceId,
        now: serverNow(),
        ended: endedCalls,
      });
    } catch (error) {
      if (error instanceof DeviceSdkError && error.code === 'CALL_NOTICE_ENDED') endedCalls.add(id);
      throw error;
    }
  }

  // The server's time minus the device's, learnt from answers' Date headers; 0 while they agree
  // within the threshold. Kept in memory: a new client learns it from its first answer.
  let serverOffsetMs = 0;
  let clockCorrections = 0;

  /** The server's time as well as this device knows it: what `iat`, expiry and codes are judged by. */
  function serverNow(): number {
    return now() + serverOffsetMs;
  }

  /**
   * Reads the answer's Date header. A move of the offset counts in `clockCorrections`, which tells
   * a request refused for its `iat` that signing it again may help.
   */
  function learnServerTime(response: Response): void {
    const header = response.headers.get('date');
    const at = header === null ? Number.NaN : Date.parse(header);
    if (!Number.isFinite(at)) return;
    // The header drops the milliseconds: half a second on average.
    const measured = at + 500 - now();
    const next = Math.abs(measured) < clockCorrectionThresholdMs ? 0 : measured;
    if (Math.abs(next - serverOffsetMs) < clockCorrectionThresholdMs) return;
    serverOffsetMs = next;
    clockCorrections++;
  }

  async function enrolled(): Promise<{ state: DeviceState; key: CryptoKeyPair }> {
    if (cached) return cached;
    const [state, key] = await Promise.all([store.loadState(), store.loadKey()]);
    if (!state || !key) throw new DeviceSdkError('NOT_ENROLLED', 'This device is not enrolled.');
    cached = { state, key };
    return cached;
  }

  function seconds(): number {
    return Math.floor(serverNow() / 1000);
  }

  async function proofFor(method: string, url: string, proof: ProofKind): Promise<string> {
    const htu = new URL(url);
    htu.search = '';
    htu.hash = '';
    const header =
      proof.kind === 'kid'
        ? { alg: 'ES256', typ: jwsTypes.proof, kid: proof.deviceId }
        : { alg: 'ES256', typ: jwsTypes.proof, jwk: await publicJwk(proof.key) };
    return new SignJWT({ htm: method, htu: htu.href })
      .setProtectedHeader(header)
      .setIssuedAt(seconds())
      .setJti(randomId())
      .sign(proof.key.privateKey);
  }

  async function errorFrom(response: Response): Promise<DeviceSdkError> {
    let body: unknown;
    try {
      body = JSON.parse(await response.text());
    } catch {
      body = undefined;
    }
    const retryAfter = Number(response.headers.get('retry-after') ?? Number.NaN);
    const error = isRecord(body) ? body.error : undefined;
    if (isRecord(error) && typeof error.code === 'string') {
      return new DeviceSdkError(
        error.code as DeviceSdkError['code'],
        typeof error.message === 'string' ? error.message : `The server answered ${response.status}.`,
        {
          status: response.status,
          details: isRecord(error.details) ? (error.details as DeviceSdkErrorDetails) : undefined,
          retryAfterSeconds: Number.isFinite(retryAfter) ? retryAfter : undefined,
        },
      );
    }
    return unexpected(`HTTP ${response.status} without an error body`, response.status);
  }

  /** Sends a request; answers other than 2xx become DeviceSdkError. */
  async function send(baseUrl: string, method: string, path: string, init: SendOptions): Promise<Response> {
    const url = `${baseUrl}${path}`;
    const headers: Record<string, string> = { accept: init.accept ?? 'application/json' };
    if (init.body !== undefined) headers['content-type'] = 'application/json';
    if (init.proof) headers['device-proof'] = await proofFor(method, url, init.proof);
    const corrections = clockCorrections;
    let response: Response;
    try {
      response = await doFetch(url, {
        method,
        headers,
        body: init.body === undefined ? undefined : JSON.stringify(init.body),
        signal: init.signal,
      });
    } catch (error) {
      if (isAbort(error, init.signal)) throw error;
      throw new DeviceSdkError('NETWORK_ERROR', `Could not reach ${baseUrl}.`, { cause: error });
    }
    learnServerTime(response);
    if (!response.ok) {
      const error = await errorFrom(response);
      // A proof refused while this answer corrected the clock was signed with the wrong time:
      // sign it again, once. A second refusal is not the clock.
      if (
        error.code === 'DEVICE_PROOF_INVALID' &&
        init.proof &&
        !init.resigned &&
        clockCorrections !== corrections
      ) {
        return send(baseUrl, method, path, { ...init, resigned: true });
      }
      throw error;
    }
    return response;
  }

  async function json(response: Response): Promise<Json> {
    let text: string;
    try {
      text = await response.text();
    } catch (error) {
      throw new DeviceSdkError('NETWORK_ERROR', 'The connection broke while reading the answer.', {
        cause: error,
      });
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw unexpected('not JSON', response.status);
    }
    if (!isRecord(body)) throw unexpected('not a JSON object', response.status);
    return body;
  }

  async function deviceCall(method: string, path: string, body?: unknown): Promise<Response> {
    const { state, key } = await enrolled();
    return send(state.baseUrl, method, path, { body, proof: { kind: 'kid', deviceId: state.deviceId, key } });
  }

  let refreshing: Promise<DeviceState> | undefined;

  /** One key-set fetch at a time; callers that ask meanwhile share its result. */
  function refreshServerKeys(): Promise<DeviceState> {
    refreshing ??= (async () => {
      const { state } = await enrolled();
      const version = keySetVersionOf(state);
      let response: Response;
      try {
        response = await deviceCall('GET', `/v1/device/server-keys?after=${version}`);
      } catch (error) {
        // A server from before key rotation has no key sets: the pinned keys are all there is.
        if (error instanceof DeviceSdkError && error.code === 'ROUTE_NOT_FOUND') return state;
        throw error;
      }
      const body = await json(response);
      const { keySets } = body;
      if (!Array.isArray(keySets) || !keySets.every((item) => typeof item === 'string')) {
        throw unexpected('no key set list');
      }
      if (keySets.length === 0) return state;
      const next = await applyKeySetChain(state, keySets);
      await store.saveState(next);
      if (cached) cached = { ...cached, state: next };
      return next;
    })().finally(() => {
      refreshing = undefined;
    });
    return refreshing;
  }

  /**
   * The state to check a signed request with: when its header names a key the device does not
   * hold, the device first learns the server's newer keys (docs/device-protocol.md).
   */
  async function stateForRequest(state: DeviceState, jws: unknown): Promise<DeviceState> {
    const kid = typeof jws === 'string' ? signingKeyIdOf(jws) : null;
    if (kid === null || knowsServerKey(state, kid, serverNow())) return state;
    const latest = (await enrolled()).state;
    if (knowsServerKey(latest, kid, serverNow())) return latest;
    return refreshServerKeys();
  }

  async function verifyRequest(
    pinned: DeviceState,
    id: string,
    status: unknown,
    jws: unknown,
  ): Promise<VerifiedRequest> {
    const state = await stateForRequest(pinned, jws);
    const shown = await verifySignedRequest(jws, {
      id,
      jwks: usableServerKeys(state, serverNow()),
      issuer: state.issuer,
      customerId: state.customerId,
      now: serverNow(),
    });
    return { id, status: toStatus(status), ...shown };
  }

  async function updateDevice(patch: Json): Promise<DeviceRecord> {
    const body = await json(await deviceCall('PATCH', '/v1/device', patch));
    // The contract does not fix PATCH's answer; `{device}` is used when present.
    const record = body.device === undefined ? await client.device() : toDeviceRecord(body.device);
    await syncLabel(record);
    return record;
  }

  async function syncLabel(record: DeviceRecord): Promise<void> {
    const { state } = await enrolled();
    if (record.label === state.label) return;
    const next = { ...state, label: record.label };
    await store.saveState(next);
    if (cached) cached = { ...cached, state: next };
  }

  async function forget(): Promise<void> {
    cached = null;
    await store.clear();
  }

  function activation(linkOrCode: string): Activation {
    const parsed = parseActivation(linkOrCode);
    if (parsed.baseUrl === null) {
      if (configuredBaseUrl === null) {
        throw new DeviceSdkError('INVALID_ACTIVATION', 'A bare activation code needs the baseUrl option.');
      }
      return { code: parsed.code, baseUrl: configuredBaseUrl };
    }
    if (configuredBaseUrl !== null && parsed.baseUrl !== configuredBaseUrl) {
      throw new DeviceSdkError(
        'INVALID_ACTIVATION',
        `The activation link is for ${parsed.baseUrl}, not this app's server.`,
      );
    }
    return parsed;
  }

  const client: DeviceClient = {
    parseActivation: activation,

    async enroll(linkOrCode, { label, platform, push = null }) {
      const { code, baseUrl } = activation(linkOrCode);
      if (await store.loadState()) {
        throw new DeviceSdkError('ALREADY_ENROLLED', 'This device is already enrolled; revoke it first.');
      }
      const base = baseUrl!;
      const key = store.generateKey ? await store.generateKey() : await generateDeviceKeyPair(false);
      const response = await send(base, 'POST', '/v1/device/enroll', {
        body: { activationCode: code, label, platform, push },
        proof: { kind: 'jwk', key },
      });
      const body = await json(response);
      const device = toDeviceRecord(body.device);
      const { tenant, issuer, jwks, keySetVersion } = body;
      if (
        !isRecord(tenant) ||
        typeof tenant.id !== 'string' ||
        typeof tenant.name !== 'string' ||
        typeof issuer !== 'string' ||
        !isRecord(jwks) ||
        !Array.isArray(jwks.keys) ||
        jwks.keys.length === 0
      ) {
        throw unexpected('the enrollment answer lacks tenant, issuer or keys');
      }
      const pinned = { keys: jwks.keys as JsonWebKey[] };
      try {
        createLocalJWKSet(pinned);
      } catch (error) {
        throw new DeviceSdkError('UNEXPECTED_RESPONSE', 'The server keys are not a valid JWK set.', {
          cause: error,
        });
      }
      const state: DeviceState = {
        deviceId: device.id,
        customerId: device.customerId,
        tenant: { id: tenant.id, name: tenant.name },
        issuer,
        baseUrl: base,
        jwks: pinned,
        keySetVersion:
          typeof keySetVersion === 'number' && Number.isInteger(keySetVersion) && keySetVersion > 0
            ? keySetVersion
            : 0,
        label: device.label,
        platform: device.platform,
      };
      await store.saveKey(key);
      await store.saveState(state);
      // The offline-code secret comes this once; a store that cannot keep it shows no codes.
      if (isOfflineSecret(body.offlineCode) && store.saveOfflineSecret) {
        await store.saveOfflineSecret(body.offlineCode);
      }
      // Reloaded from the store on next use: a store that exported the key hands back a
      // non-extractable copy.
      cached = null;
      return state;
    },

    async isEnrolled() {
      return (await store.loadState()) !== null;
    },

    state: () => store.loadState(),

    async device() {
      const body = await json(await deviceCall('GET', '/v1/device'));
      const record = toDeviceRecord(body.device);
      await syncLabel(record);
      return record;
    },

    rename: (label) => updateDevice({ label }),

    updatePush: (push) => updateDevice({ push }),

    async revoke() {
      try {
        await deviceCall('DELETE', '/v1/device');
      } catch (error) {
        // Already revoked (by an operator, say): the local key is useless either way.
        if (!(error instanceof DeviceSdkError && error.code === 'DEVICE_REVOKED')) throw error;
      }
      await forget();
    },

    forget,

    serverTime: serverNow,

    async pendingRequests() {
      const { state } = await enrolled();
      const body = await json(await deviceCall('GET', '/v1/device/verifications'));
      if (!Array.isArray(body.verifications)) throw unexpected('no verifications list');
      const requests: VerifiedRequest[] = [];
      for (const item of body.verifications) {
        if (!isRecord(item) || typeof item.id !== 'string') throw unexpected('a verification without id');
        requests.push(await verifyRequest(state, item.id, item.status, item.request));
      }
      return requests;
    },

    async fetchRequest(id) {
      const { state } = await enrolled();
      const body = await json(await deviceCall('GET', `/v1/device/verifications/${encodeURIComponent(id)}`));
      if (body.id !== id) throw unexpected(`the answer is for another verification than ${id}`);
      return verifyRequest(state, id, body.status, body.request);
    },

    async decide(request, { decision, code = null, credentials }) {
      const { state, key } = await enrolled();
      let typed: string | null = null;
      if (decision === 'approve') {
        typed = (code ?? '').replace(/\s/g, '');
        if (!new RegExp(`^[0-9]{${request.codeLength}}$`).test(typed)) {
          throw new DeviceSdkError(
            'INVALID_CODE',
            `Type the ${request.codeLength} digits the agent reads out.`,
          );
        }
      }
      const path = `/v1/device/verifications/${encodeURIComponent(request.id)}/decision`;
      const signed = async (): Promise<Json> => {
        const fields = { decision, code: typed, nonce: randomId(), iat: seconds() };
        const input = { verificationId: request.id, ...fields, actionSummary: request.actionSummary };
        if (credentials) {
          if (!state.webauthn) {
            throw new DeviceSdkError('WEBAUTHN_FAILED', 'This device has no WebAuthn credential registered.');
          }
          // The challenge is the hash of the decision's RFC 8785 form, so the assertion signs what
          // was shown (docs/device-protocol.md, "Approving with an assertion").
          const webauthn = await getAssertion(credentials, {
            challenge: await decisionAssertionChallenge(input),
            credential: state.webauthn,
          });
          return { decision: fields, webauthn };
        }
        return { signedDecision: await signDecision(input, state.deviceId, key.privateKey) };
      };
      const corrections = clockCorrections;
      let response: Response;
      try {
        response = await send(state.baseUrl, 'POST', path, { body: await signed(), proof: null });
      } catch (error) {
        // Its iat was refused while the answer corrected the clock: a new decision (new nonce)
        // with the server's time, once. Not with biometrics, which would ask the customer again.
        const clockRefused =
          error instanceof DeviceSdkError &&
          error.code === 'DEVICE_PROOF_INVALID' &&
          clockCorrections !== corrections;
        if (!clockRefused || credentials) throw error;
        response = await send(state.baseUrl, 'POST', path, { body: await signed(), proof: null });
      }
      const body = await json(response);
      if (body.id !== request.id) throw unexpected('the decision answer names another verification');
      return { id: request.id, status: toStatus(body.status) };
    },

    async currentCall() {
      const nonce = randomId();
      const body = await json(await deviceCall('GET', `/v1/device/call-notices/current?nonce=${nonce}`));
      const state = await stateForRequest((await enrolled()).state, body.statement);
      const status = await verifyCallStatus(body.statement, {
        jwks: usableServerKeys(state, serverNow()),
        issuer: state.issuer,
        customerId: state.customerId,
        deviceId: state.deviceId,
        now: serverNow(),
        nonce,
      });
      if (!status.active) {
        if (body.notice !== null) throw unexpected('a notice beside a signed "nobody is calling"');
        return { active: false, notice: null, checkedAt: status.checkedAt };
      }
      const notice = body.notice;
      if (!isRecord(notice) || notice.id !== status.noticeId) {
        throw unexpected('the notice is not the one the signed answer names');
      }
      return {
        active: true,
        notice: await verifyNotice(notice.id as string, notice.jws),
        checkedAt: status.checkedAt,
      };
    },

    async fetchCallNotice(id) {
      const body = await json(await deviceCall('GET', `/v1/device/call-notices/${encodeURIComponent(id)}`));
      if (body.id !== id) throw unexpected(`the answer is for another notice than ${id}`);
      return verifyNotice(id, body.jws);
    },

    async confirmCall(notice, outcome) {
      const id = typeof notice === 'string' ? notice : notice.id;
      const body = await json(
        await deviceCall('POST', `/v1/device/call-notices/${encodeURIComponent(id)}/confirm`, { outcome }),
      );
      const { confirmation, reportId } = body;
      if (
        (confirmation !== 'pending' && confirmation !== 'confirmed' && confirmation !== 'mismatch') ||
        (reportId !== null && typeof reportId !== 'string')
      ) {
        throw unexpected('the confirmation answer lacks its outcome');
      }
      return { confirmation, reportId: reportId as string | null };
    },

    async reportCall(report = {}) {
      const body = await json(await deviceCall('POST', '/v1/device/call-reports', report));
      if (typeof body.reportId !== 'string') throw unexpected('the report answer lacks its id');
      return { reportId: body.reportId };
    },

    async offlineCode() {
      const secret = (await store.loadOfflineSecret?.()) ?? null;
      if (!secret) {
        throw new DeviceSdkError(
          'OFFLINE_CODE_UNAVAILABLE',
          'This device holds no offline-code secret; call obtainOfflineSecret() while online.',
        );
      }
      return offlineCodeAt(secret, serverNow());
    },

    async obtainOfflineSecret() {
      if (!store.saveOfflineSecret) {
        throw new DeviceSdkError(
          'OFFLINE_CODE_UNAVAILABLE',
          'This key store cannot keep an offline-code secret.',
        );
      }
      const body = await json(await deviceCall('POST', '/v1/device/offline-secret'));
      if (!isOfflineSecret(body.offlineCode)) throw unexpected('the answer lacks the offline-code secret');
      await store.saveOfflineSecret(body.offlineCode);
    },

    async registerWebAuthn(credentials) {
      const options = await json(await deviceCall('POST', '/v1/device/webauthn/registration-options'));
      const creation = options.options;
      if (
        !isRecord(creation) ||
        typeof creation.challenge !== 'string' ||
        !isRecord(creation.rp) ||
        !isRecord(creation.user)
      ) {
        throw unexpected('no WebAuthn creation options');
      }
      const rpId =
        typeof creation.rp.id === 'string'
          ? creation.rp.id
          : new URL((await enrolled()).state.baseUrl).hostname;
      const response = await createCredential(credentials, creation as unknown as CreationOptionsJson);
      const body = await json(await deviceCall('POST', '/v1/device/webauthn/registration', { response }));
      const record = toDeviceRecord(body.device);
      const { state } = await enrolled();
      const next: DeviceState = { ...state, webauthn: { credentialId: response.id, rpId } };
      await store.saveState(next);
      if (cached) cached = { ...cached, state: next };
      return record;
    },

    refreshServerKeys,

    async listen({ onEvent, signal, onOpen }) {
      if (signal?.aborted) return;
      const { state, key } = await enrolled();
      let response: Response;
      try {
        response = await send(state.baseUrl, 'GET', '/v1/device/events', {
          proof: { kind: 'kid', deviceId: state.deviceId, key },
          accept: 'text/event-stream',
          signal,
        });
      } catch (error) {
        if (signal?.aborted) return;
        throw error;
      }
      const contentType = response.headers.get('content-type') ?? '';
      if (!contentType.startsWith('text/event-stream') || !response.body) {
        await response.body?.cancel().catch(() => undefined);
        throw unexpected('the live channel is not an event stream', response.status);
      }
      const reader = response.body.getReader();
      if (onOpen) {
        try {
          await onOpen();
        } catch (error) {
          await reader.cancel().catch(() => undefined);
          throw error;
        }
      }
      const stop = () => {
        reader.cancel().catch(() => undefined);
      };
      signal?.addEventListener('abort', stop, { once: true });
      const decoder = new TextDecoder();
      const received: SseEvent[] = [];
      const parser = createSseParser((event) => received.push(event));
      try {
        for (;;) {
          const chunk = await reader.read().catch((error: unknown) => {
            if (signal?.aborted) return { done: true as const, value: undefined };
            throw new DeviceSdkError('NETWORK_ERROR', 'The live channel broke.', { cause: error });
          });
          if (chunk.done) return;
          parser.push(decoder.decode(chunk.value, { stream: true }));
          for (const event of received.splice(0)) {
            if (signal?.aborted) return;
            const deviceEvent = toDeviceEvent(event);
            if (deviceEvent?.type === 'call_notice_ended') endedCalls.add(deviceEvent.id);
            if (deviceEvent) await onEvent(deviceEvent);
          }
        }
      } finally {
        signal?.removeEventListener('abort', stop);
        stop();
      }
    },
  };
  return client;
}
