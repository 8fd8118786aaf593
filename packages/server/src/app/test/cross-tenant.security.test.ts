/**
 * Tenant isolation and authorisation. Two tenants hold the same customer (same name, phone,
 * e-mail and external id) plus their own operators, API keys, audit entries, an enrolled device
 * of the customer and a pending push verification for it. Tenant A, as its admin, as an
 * all-scopes API key and as its customer's device, must get 404 for every id of tenant B, change
 * nothing in B, and never see B's data in any list, search, audit read or live event stream.
 * Then roles, key scopes, revoked keys and CSRF. The routes under test come from the OpenAPI
 * document, and each section ends by checking that every documented route of its kind was covered.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  defaultVerificationPolicy,
  type ErrorCode,
  type IdKind,
  idPrefixes,
  newId,
  permissions,
  type Role,
} from '@helpdesk-auth/core';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { decodeJwt } from 'jose';
import { openFraudCase } from '../../features/fraud-cases/index.ts';
import { seedFromBase32, totpCodeForStep, totpStep } from '../../features/methods/totp-codes.ts';
import type { App } from '../../http/types.ts';
import { cliActor } from '../../platform/audit-log.ts';
import { inTransaction } from '../../storage/atomic.ts';
import {
  databaseKinds,
  type OperatorClient,
  startTestHarness,
  type TestHarness,
  type TestTenant,
  testPassword,
} from '../../test-support/harness.ts';
import { type DocumentedOperation, loadDocumentedOperations } from '../../test-support/openapi-operations.ts';
import { postgresSkip } from '../../test-support/postgres.ts';
import { createSoftAuthenticator, type SoftAuthenticator } from '../../test-support/soft-authenticator.ts';
import { type IssuerDiscovery, startIssuerDiscovery } from '../../test-support/stand-ins/issuer-discovery.ts';
import { enrollTestDevice, type TestDevice } from '../../test-support/test-device.ts';

// ---------------------------------------------------------------------------------------------
// Routes, from the OpenAPI document.

interface Operation extends DocumentedOperation {
  /** Id kind of each path parameter, from its pattern. */
  idParams: Array<{ name: string; kind: IdKind }>;
}

function idKindOfPattern(pattern: string | undefined): IdKind {
  const prefix = /^\^([a-z]+)_/.exec(pattern ?? '')?.[1];
  const kind = (Object.keys(idPrefixes) as IdKind[]).find((k) => idPrefixes[k] === prefix);
  if (!kind) throw new Error(`No id kind for path pattern ${pattern}`);
  return kind;
}

/** A body that would change the object if the request got through: its first text field. */
function changingBody(op: Operation): Record<string, string> | undefined {
  if (!op.body) return undefined;
  const field = Object.entries(op.body.properties ?? {}).find(([, s]) =>
    [s.type, ...(s.anyOf ?? []).map((b) => b.type)].includes('string'),
  )?.[0];
  // A body of optional settings only (an activation's in-branch check): the request alone changes things.
  if (!field && (op.body.required ?? []).length === 0) return undefined;
  if (!field) throw new Error(`${op.id}: no text field to change`);
  return { [field]: 'Changed by another tenant' };
}

// ---------------------------------------------------------------------------------------------
// Callers and requests.

interface Credentials {
  cookies: Record<string, string>;
  headers: Record<string, string>;
}

interface Caller {
  name: string;
  /** Credentials for one request; a device signs a fresh proof for its method and URL. */
  auth(method: string, url: string): Credentials | Promise<Credentials>;
  /** Set for a device: it also signs what the public decision route takes instead of a proof. */
  device?: TestDevice;
}

const operatorCaller = (name: string, client: OperatorClient): Caller => ({
  name,
  auth: () => client.auth(),
});
const keyCaller = (name: string, key: string): Caller => ({
  name,
  auth: () => ({ cookies: {}, headers: { authorization: `Bearer ${key}` } }),
});
const deviceCaller = (name: string, device: TestDevice): Caller => ({
  name,
  device,
  auth: async (method, url) => ({
    cookies: {},
    headers: { 'device-proof': await device.proof(method, url) },
  }),
});
/** For public routes, whose body carries its own proof (the signed decision). */
const anonymous: Caller = { name: 'anonymous', auth: () => ({ cookies: {}, headers: {} }) };

/** An open server-sent event stream, read as it arrives. */
interface LiveStream {
  response: LightMyRequestResponse;
  /** Everything received so far. */
  text(): string;
  /** Resolves true as soon as `found(text)` holds, false after `ms` milliseconds without it. */
  waitFor(found: (text: string) => boolean, ms: number): Promise<boolean>;
  close(): void;
}

async function openStream(app: App, caller: Caller, url: string): Promise<LiveStream> {
  const { cookies, headers } = await caller.auth('GET', url);
  const response = await app.inject({ method: 'GET', url, cookies, headers, payloadAsStream: true });
  const stream = response.stream();
  let text = '';
  stream.on('data', (chunk: Buffer) => {
    text += chunk.toString('utf8');
  });
  stream.on('error', () => {});
  // An error answer ends at once: read it whole, so that it can be reported.
  if (response.statusCode !== 200) await new Promise((resolve) => stream.once('close', resolve));
  return {
    response,
    text: () => text,
    async waitFor(found, ms) {
      const deadline = Date.now() + ms;
      while (!found(text) && Date.now() < deadline) await sleep(10);
      return found(text);
    },
    close: () => stream.destroy(),
  };
}

async function call(
  app: App,
  caller: Caller,
  method: InjectOptions['method'],
  url: string,
  body?: unknown,
  options: { streams?: boolean } = {},
): Promise<LightMyRequestResponse> {
  if (options.streams) {
    // An event stream stays open: take the status, then hang up; an error answer is read whole.
    assert.equal(method, 'GET');
    const stream = await openStream(app, caller, url);
    stream.close();
    const body = stream.response.statusCode === 200 ? '' : stream.text();
    return Object.assign(stream.response, { body, json: () => JSON.parse(body) as unknown });
  }
  const { cookies, headers } = await caller.auth(String(method), url);
  return app.inject({
    method,
    url,
    cookies,
    headers,
    ...(body !== undefined ? { payload: body as object } : {}),
  });
}

function assertError(
  response: LightMyRequestResponse,
  status: number,
  code: ErrorCode,
  context: string,
): void {
  assert.equal(response.statusCode, status, `${context}: got ${response.statusCode} ${response.body}`);
  const body = response.json() as { error: { code: string; message: string } };
  assert.deepEqual(Object.keys(body), ['error'], context);
  assert.deepEqual(Object.keys(body.error).sort(), ['code', 'message'], context);
  assert.equal(body.error.code, code, context);
}

function assertOk(response: LightMyRequestResponse, context: string): void {
  assert.ok(
    response.statusCode >= 200 && response.statusCode < 300,
    `${context}: got ${response.statusCode} ${response.body}`,
  );
}

// ---------------------------------------------------------------------------------------------
// Two tenants with the same customer and their own operators, keys and audit entries.

const twin = {
  displayName: 'Zoë Twin',
  externalId: 'CRM-TWIN-42',
  phone: '+41 44 668 18 00',
  email: 'zoe.twin@example.com',
  locale: 'de-CH',
};

interface Side {
  tenant: TestTenant & { clients: Record<Role, OperatorClient> };
  admin: Caller;
  /** An API key of this tenant with every scope. */
  key: Caller;
  /** The twin customer's enrolled device. */
  device: Caller;
  customerId: string;
  operatorId: string;
  apiKeyId: string;
  deviceId: string;
  deviceLabel: string;
  /** A pending push verification for the twin customer. */
  verificationId: string;
  webhookId: string;
  /** A delivery (the test event) of that webhook endpoint. */
  webhookDeliveryId: string;
  /** A pending SMS one-time code for the twin customer (development outbox provider). */
  otpChallengeId: string;
  /** An OpenID client (CIBA); the tenant also has a Keycloak channel. */
  oidcClientId: string;
  /** An active outbound call notice for the twin customer. */
  callNoticeId: string;
  /** An open fraud case of the twin customer. */
  fraudCaseId: string;
  /** A draft rollout campaign to every customer. */
  campaignId: string;
  /** The admin's own practice session (one made-up customer with a simulated phone). */
  practiceSessionId: string;
}

let fraudSignals = 0;
/** Opens (or adds to) the customer's fraud case as a fraud source does, in its own transaction. */
async function openCase(h: TestHarness, tenantId: string, customerId: string): Promise<string> {
  const opened = await inTransaction(h.runtime.database.db, (tx) =>
    openFraudCase(tx, h.runtime.services.context.events, {
      tenantId,
      customerId,
      kind: 'fake_call',
      sourceId: `call-${++fraudSignals}`,
      at: h.clock.now(),
    }),
  );
  return opened!.caseId;
}

/** Enrols a device for a customer as the device would: an activation, then the protocol steps. */
async function enrolDevice(h: TestHarness, tenantId: string, customerId: string, label: string) {
  const activation = await h.runtime.services.devices.createActivation(tenantId, customerId, cliActor);
  return enrollTestDevice(h.app, {
    publicUrl: h.config.publicUrl,
    activationCode: activation.code,
    now: h.clock.now,
    label,
  });
}

/** Starts a push verification as the CLI would; the customer needs an enrolled device. */
async function startRequest(h: TestHarness, tenantId: string, customerId: string): Promise<string> {
  const verification = await h.runtime.services.verifications.start(
    tenantId,
    { customerId, purpose: 'authenticate', reason: 'test', agentName: 'Helpdesk' },
    cliActor,
  );
  return verification.id;
}

/** A new customer of the side with a device of its own. */
async function customerWithDevice(
  h: TestHarness,
  side: Side,
  name: string,
): Promise<{ customerId: string; device: Caller }> {
  const response = await call(h.app, side.admin, 'POST', '/v1/customers', { displayName: name });
  assert.equal(response.statusCode, 201, response.body);
  const customerId = (response.json() as { id: string }).id;
  const device = await enrolDevice(h, side.tenant.id, customerId, `${name}'s phone`);
  return { customerId, device: deviceCaller(`device of ${name}`, device) };
}

async function populate(h: TestHarness, slug: string, extraCustomers: number): Promise<Side> {
  const tenant = await h.tenantWithOperators(slug);
  const admin = operatorCaller(`${slug} admin`, tenant.clients.admin);
  const post = async (url: string, body: object) => {
    const response = await call(h.app, admin, 'POST', url, body);
    assert.equal(response.statusCode, 201, `${url}: ${response.body}`);
    return response.json() as Record<string, unknown> & { id: string };
  };
  const customer = await post('/v1/customers', twin);
  for (let i = 0; i < extraCustomers; i++)
    await post('/v1/customers', { displayName: `Only in ${slug} ${i}` });
  const { operator } = (await post('/v1/operators', {
    email: `extra@${slug}.example`,
    displayName: `Extra of ${slug}`,
    role: 'agent',
    password: testPassword,
  })) as unknown as { operator: { id: string } };
  // Every scope, the device and verification ones (devices:read/write, verifications:read/write) included.
  const created = (await post('/v1/api-keys', {
    name: `${slug} integration`,
    scopes: [...permissions],
  })) as unknown as {
    apiKey: { id: string };
    key: string;
  };
  const deviceLabel = `${slug} phone`;
  const device = await enrolDevice(h, tenant.id, customer.id, deviceLabel);
  const webhook = await createWebhookWithDelivery(h, admin, slug);
  await configureOperatorSso(h, admin, slug);
  await saveOwnPolicy(h, admin, slug);
  const oidcClientId = await configureCibaAndKeycloak(h, admin, slug);
  await configurePushCredentials(h, admin, slug);
  const campaign = (await post('/v1/campaigns', {
    name: `${slug} rollout`,
    kind: 'invitation',
    channel: 'sms',
    audience: { kind: 'all' },
  })) as unknown as { campaign: { id: string } };
  return {
    campaignId: campaign.campaign.id,
    oidcClientId,
    ...webhook,
    tenant,
    admin,
    key: keyCaller(`${slug} API key`, created.key),
    device: deviceCaller(`${slug} device`, device),
    customerId: customer.id,
    operatorId: operator.id,
    apiKeyId: created.apiKey.id,
    deviceId: device.id,
    deviceLabel,
    verificationId: await startRequest(h, tenant.id, customer.id),
    callNoticeId: (
      await h.runtime.services.calls.start(
        tenant.id,
        { customerId: customer.id, reason: `${slug} calls about the card`, mutualCode: 'customer_reads' },
        { actor: cliActor, agentName: `${slug} agent`, role: null },
      )
    ).id,
    fraudCaseId: await openCase(h, tenant.id, customer.id),
    practiceSessionId: (
      await h.runtime.services.practice.create(
        tenant.id,
        { scenarios: ['approves'] },
        { operatorId: tenant.clients.admin.operatorId, canSeeAll: true },
        { type: 'operator', id: tenant.clients.admin.operatorId },
      )
    ).id,
    otpChallengeId: (
      await h.runtime.services.fallbacks.oneTimeCodes.start(
        tenant.id,
        { customerId: customer.id, channel: 'sms', action: 'verify_caller' },
        cliActor,
      )
    ).id,
  };
}

const pushKeys = {
  rsa: generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({
    type: 'pkcs8',
    format: 'pem',
  }) as string,
  ec: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({
    type: 'pkcs8',
    format: 'pem',
  }) as string,
};

/** A service-account key file for the Firebase project `push-<slug>`. */
const serviceAccountFor = (slug: string) =>
  JSON.stringify({
    type: 'service_account',
    project_id: `push-${slug}`,
    private_key_id: 'k1',
    private_key: pushKeys.rsa,
    client_email: `sender@push-${slug}.iam.gserviceaccount.com`,
    token_uri: 'https://oauth2.googleapis.com/token',
  });
const apnsKeyFor = (slug: string) => ({
  teamId: 'TEAM123456',
  keyId: 'KEY1234567',
  privateKey: pushKeys.ec,
  bundleId: `com.${slug}.app`,
  environment: 'production',
});

/** FCM and APNs credentials of the tenant's own, named after it (Google and Apple are never called here). */
async function configurePushCredentials(h: TestHarness, admin: Caller, slug: string) {
  const fcm = await call(h.app, admin, 'PUT', '/v1/tenant/push-credentials/fcm', {
    serviceAccountJson: serviceAccountFor(slug),
  });
  assert.equal(fcm.statusCode, 200, fcm.body);
  const apns = await call(h.app, admin, 'PUT', '/v1/tenant/push-credentials/apns', apnsKeyFor(slug));
  assert.equal(apns.statusCode, 200, apns.body);
}

/** An OpenID client and a Keycloak channel of the tenant's own (Keycloak is never called here). */
async function configureCibaAndKeycloak(h: TestHarness, admin: Caller, slug: string): Promise<string> {
  const client = await call(h.app, admin, 'POST', '/v1/oidc-clients', {
    name: `${slug} desk`,
    tokenEndpointAuthMethod: 'client_secret_basic',
    deliveryMode: 'poll',
  });
  assert.equal(client.statusCode, 201, client.body);
  const channel = await call(h.app, admin, 'PUT', '/v1/keycloak-channel', {
    baseUrl: `https://sso.${slug}.example`,
    realm: slug,
    requesterName: `${slug} support`,
  });
  assert.equal(channel.statusCode, 200, channel.body);
  return (client.json() as { client: { id: string } }).client.id;
}

/** A policy version of the tenant's own: its failure limit tells the tenants apart. */
async function saveOwnPolicy(h: TestHarness, admin: Caller, slug: string) {
  const policy = {
    ...structuredClone(defaultVerificationPolicy),
    failuresPerHour: slug === 'tenant-a' ? 91 : 92,
  };
  const response = await call(h.app, admin, 'PUT', '/v1/policy', { expectedVersion: 0, policy });
  assert.equal(response.statusCode, 200, response.body);
}

/** The providers' discovery documents, which a configuration must answer when it is saved. */
let discovery: IssuerDiscovery;

/** Operator single sign-on for the tenant, at a provider of its own (never signed in to here). */
async function configureOperatorSso(h: TestHarness, admin: Caller, slug: string) {
  const response = await call(h.app, admin, 'PATCH', '/v1/tenant/sso', {
    issuer: discovery.issuer(slug),
    clientId: `${slug}-helpdesk`,
    clientSecret: `${slug}-client-secret`,
    roleMappings: [{ value: `${slug}-admins`, role: 'admin' }],
  });
  assert.equal(response.statusCode, 200, response.body);
}

/** A webhook endpoint (never called: no dispatcher runs here) and one queued delivery of it. */
async function createWebhookWithDelivery(h: TestHarness, admin: Caller, slug: string) {
  const created = await call(h.app, admin, 'POST', '/v1/webhooks', {
    url: `https://hooks.example.com/${slug}`,
    events: ['device.enrolled'],
  });
  assert.equal(created.statusCode, 201, created.body);
  const webhookId = (created.json() as { endpoint: { id: string } }).endpoint.id;
  const test = await call(h.app, admin, 'POST', `/v1/webhooks/${webhookId}/test`);
  assert.equal(test.statusCode, 202, test.body);
  return { webhookId, webhookDeliveryId: (test.json() as { id: string }).id };
}

function objectIdOf(side: Side, kind: IdKind): string {
  const ids: Partial<Record<IdKind, string>> = {
    customer: side.customerId,
    operator: side.operatorId,
    apiKey: side.apiKeyId,
    device: side.deviceId,
    verification: side.verificationId,
    webhookEndpoint: side.webhookId,
    webhookDelivery: side.webhookDeliveryId,
    otpChallenge: side.otpChallengeId,
    oidcClient: side.oidcClientId,
    callNotice: side.callNoticeId,
    fraudCase: side.fraudCaseId,
    campaign: side.campaignId,
    practiceSession: side.practiceSessionId,
  };
  const id = ids[kind];
  if (!id) throw new Error(`The test has no ${kind} object to aim at; add one to populate().`);
  return id;
}

/** The side's object for each path parameter, by name. */
const pathIds = (op: Operation, side: Side): Record<string, string> =>
  Object.fromEntries(op.idParams.map((p) => [p.name, objectIdOf(side, p.kind)]));

const fillPath = (op: Operation, side: Side) => {
  const ids = pathIds(op, side);
  return op.path.replace(/\{(\w+)\}/g, (_, name: string) => ids[name]!);
};

/**
 * Public routes that take an id carry their own proof in the body, signed by the caller's
 * device: how each is signed. Only the decision route is of this kind.
 */
const signedBodies: Record<string, (device: TestDevice, ids: Record<string, string>) => Promise<unknown>> = {
  decideRequest: async (device, ids) => ({
    signedDecision: await device.decide(ids.id!, 'approve', { code: '00' }),
  }),
};

type CallerRole = 'admin' | 'key' | 'device';

/** Who may call an operation, from its security: operators, API keys, devices. */
function callerRoles(op: Operation): CallerRole[] {
  const roles: CallerRole[] = [];
  if (op.security.includes('session')) roles.push('admin');
  if (op.security.includes('apiKey')) roles.push('key');
  if (op.security.includes('deviceProof') || signedBodies[op.id]) roles.push('device');
  return roles;
}

const roleNames: Record<CallerRole, string> = {
  admin: "A's admin",
  key: "A's API key",
  device: "A's device",
};
const callerNames = (op: Operation) =>
  callerRoles(op)
    .map((r) => roleNames[r])
    .join(' and ') || 'nobody';

/**
 * Bodies for operations whose first text field alone would not pass validation: a request that
 * would act if it got through (a code to check, answers to set), so only the tenant check stops it.
 */
const actingBodies: Record<string, () => unknown> = {
  sendActivation: () => ({ channel: 'sms' }),
  verifyOtpChallenge: () => ({ code: '000000' }),
  concludePracticeStep: () => ({ step: 0, conclusion: 'verified' }),
  confirmTotpEnrollment: () => ({ enrollmentId: newId('totpEnrollment'), code: '000000' }),
  verifyTotp: () => ({ code: '000000', action: 'verify_caller' }),
  verifyAppCode: () => ({ code: '000000', action: 'verify_caller' }),
  checkCallCode: () => ({ code: '000000' }),
  confirmCallNotice: () => ({ outcome: 'mismatch' }),
  setSecurityQuestions: () => ({
    questions: [{ question: 'Changed by another tenant?', answer: 'changed' }],
  }),
  assignFraudCase: () => ({ assigneeId: null, expectedAssigneeId: null }),
  resolveFraudCase: () => ({
    resolution: 'escalated',
    note: 'Changed by another tenant',
    pushLock: 'clear',
    questionsLock: 'clear',
  }),
  checkSecurityQuestions: () => ({
    action: 'account_enquiry',
    answers: [{ questionId: newId('securityQuestion'), answer: 'changed' }],
  }),
};

/** The body a caller sends: the device's signed body for public routes, else a changing one. */
async function requestBody(op: Operation, caller: Caller, ids: Record<string, string>): Promise<unknown> {
  const acting = actingBodies[op.id];
  if (acting) return acting();
  const sign = signedBodies[op.id];
  if (!sign) return changingBody(op);
  assert.ok(caller.device, `${op.id} needs a body signed by a device`);
  return sign(caller.device, ids);
}

/**
 * Push delivery runs after a verification starts and adds to its timeline. Waits until every
 * verification of the side has its delivery news, so that a snapshot does not catch it midway.
 */
async function settleDeliveries(h: TestHarness, side: Side): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const { items } = await h.runtime.services.verifications.list(side.tenant.id, { limit: 200 });
    if (items.every((v) => v.delivery !== 'pending')) return;
    await sleep(10);
  }
}

type Snapshot = Record<string, string>;

/**
 * Everything of a tenant a request could change, read back by its own admin, plus `watch`:
 * more URLs to read. `lastUsedAt` is left out: authenticating with a key stamps it even when the
 * request is then refused.
 */
async function snapshot(h: TestHarness, side: Side, watch: string[] = []): Promise<Snapshot> {
  await settleDeliveries(h, side);
  const urls: Record<string, string> = {
    customer: `/v1/customers/${side.customerId}`,
    operator: `/v1/operators/${side.operatorId}`,
    apiKey: `/v1/api-keys/${side.apiKeyId}`,
    device: `/v1/devices/${side.deviceId}`,
    verification: `/v1/verifications/${side.verificationId}`,
    customers: '/v1/customers?limit=200',
    operators: '/v1/operators',
    apiKeys: '/v1/api-keys',
    devices: `/v1/customers/${side.customerId}/devices`,
    verifications: '/v1/verifications?limit=200',
    callNotices: '/v1/call-notices?limit=200',
    tenant: '/v1/tenant',
    oidcClients: '/v1/oidc-clients',
    campaign: `/v1/campaigns/${side.campaignId}`,
    audit: '/v1/audit-events/export',
    ...Object.fromEntries(watch.map((url) => [url, url])),
  };
  const out: Snapshot = {};
  for (const [name, url] of Object.entries(urls)) {
    const response = await call(h.app, side.admin, 'GET', url);
    assert.equal(response.statusCode, 200, `snapshot ${url}: ${response.body}`);
    out[name] = response.body.replace(/"lastUsedAt":("[^"]*"|null)/g, '');
  }
  return out;
}

/** Names what changed between two snapshots, with the audit actions that were added. */
function assertUnchanged(before: Snapshot, after: Snapshot, context: string): void {
  const changed = Object.keys(before)
    .filter((name) => before[name] !== after[name])
    .map((name) => {
      if (name !== 'audit') return name;
      const added = after.audit!.slice(before.audit!.length).split('\n').filter(Boolean);
      return `audit (+${added.map((line) => (JSON.parse(line) as { action: string }).action).join(', ')})`;
    });
  assert.deepEqual(changed, [], `${context} changed state`);
}

/** The side's device is still active under its label; its request is pending and untouched. */
async function assertDeviceAndRequestIntact(h: TestHarness, side: Side, context: string): Promise<void> {
  const { devices, verifications } = h.runtime.services;
  const device = await devices.get(side.tenant.id, side.deviceId);
  assert.deepEqual(
    { status: device.status, label: device.label },
    { status: 'active', label: side.deviceLabel },
    `${context}: the device`,
  );
  const request = await verifications.get(side.tenant.id, side.verificationId);
  assert.deepEqual(
    { status: request.status, failedAttempts: request.failedAttempts },
    { status: 'pending', failedAttempts: 0 },
    `${context}: the request`,
  );
  const deviceNews = request.timeline.filter((e) => e.type === 'opened' || e.type === 'wrong_code');
  assert.deepEqual(deviceNews, [], `${context}: the request was opened or answered`);
}

interface AuditLine {
  id: string;
  tenantId: string;
  actorId: string | null;
  targetId: string | null;
}

async function exportAudit(h: TestHarness, caller: Caller): Promise<AuditLine[]> {
  const response = await call(h.app, caller, 'GET', '/v1/audit-events/export');
  assert.equal(response.statusCode, 200, response.body);
  return response.body
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as AuditLine);
}

/** Strings only tenant B has: every id in its audit chain, its tenant id and its slug. */
async function fingerprints(h: TestHarness, side: Side): Promise<string[]> {
  const lines = await exportAudit(h, side.admin);
  const ids = lines.flatMap((l) => [l.id, l.actorId, l.targetId]).filter((v): v is string => v !== null);
  return [
    ...new Set([
      ...ids,
      side.tenant.id,
      side.tenant.slug,
      side.customerId,
      side.operatorId,
      side.apiKeyId,
      side.deviceId,
      side.verificationId,
    ]),
  ];
}

function assertNoLeak(body: string, leaks: string[], context: string): void {
  const found = leaks.filter((marker) => body.includes(marker));
  assert.deepEqual(found, [], `${context} shows another tenant's data`);
}

/** The six digits an authenticator app with this secret shows at the harness clock's time. */
const operatorCode = (h: TestHarness, secret: string) =>
  totpCodeForStep(seedFromBase32(secret), totpStep(h.clock.now()));

/**
 * Sets up an authenticator app from the operator's working session, as the console does; answers
 * its secret. The code used to confirm it is spent for this time step.
 */
async function enrolOperatorTotp(h: TestHarness, client: OperatorClient): Promise<string> {
  const caller = operatorCaller('enrolling operator', client);
  const started = await call(h.app, caller, 'POST', '/v1/auth/second-factor/totp');
  assert.equal(started.statusCode, 201, started.body);
  const { secret } = started.json() as { secret: string };
  const confirmed = await call(h.app, caller, 'POST', '/v1/auth/second-factor/totp/confirm', {
    code: operatorCode(h, secret),
  });
  assert.equal(confirmed.statusCode, 204, confirmed.body);
  return secret;
}

/** A software authenticator for the server's own origin, whose credentials the server accepts. */
function operatorAuthenticator(h: TestHarness): SoftAuthenticator {
  const { origin, hostname: rpId } = new URL(h.config.publicUrl);
  return createSoftAuthenticator({ origin, rpId, userVerification: true });
}

/** Registers a new passkey from the operator's working session; answers its authenticator. */
async function enrolOperatorPasskey(h: TestHarness, client: OperatorClient): Promise<SoftAuthenticator> {
  const caller = operatorCaller('enrolling operator', client);
  const authenticator = operatorAuthenticator(h);
  const options = await call(h.app, caller, 'POST', '/v1/auth/second-factor/passkey/registration-options');
  assert.equal(options.statusCode, 200, options.body);
  const registered = await call(h.app, caller, 'POST', '/v1/auth/second-factor/passkey', {
    response: authenticator.register((options.json() as { options: { challenge: string } }).options),
  });
  assert.equal(registered.statusCode, 204, registered.body);
  return authenticator;
}

// ---------------------------------------------------------------------------------------------

const operations: Operation[] = (await loadDocumentedOperations()).map((op) => ({
  ...op,
  idParams: op.pathParams.map((p) => ({ name: p.name, kind: idKindOfPattern(p.schema.pattern) })),
}));

const idOperations = operations.filter((op) => op.idParams.length > 0);
const collectionReads = operations.filter(
  (op) => op.method === 'GET' && op.idParams.length === 0 && op.security.length > 0,
);
const cookieWrites = operations.filter((op) => op.method !== 'GET' && op.security.includes('session'));

for (const kind of databaseKinds) {
  describe(`tenant isolation and authorisation on ${kind}`, {
    skip: kind === 'postgres' ? await postgresSkip() : false,
  }, () => {
    let h: TestHarness;
    let a: Side;
    let b: Side;
    let leaksOfB: string[];

    before(async () => {
      h = await startTestHarness(kind);
      discovery = await startIssuerDiscovery();
      a = await populate(h, 'tenant-a', 0);
      b = await populate(h, 'tenant-b', 2);
      leaksOfB = await fingerprints(h, b);
    });
    after(async () => {
      await discovery?.close();
      await h?.close();
    });

    /** The side's callers of an operation; without one, its admin and its API key. */
    const callersOf = (side: Side, op?: Operation): Caller[] =>
      op ? callerRoles(op).map((role) => side[role]) : [side.admin, side.key];
    const callersOfA = (op?: Operation) => callersOf(a, op);

    /** Sends an operation's request as the caller; a public route gets only its signed body. */
    async function send(caller: Caller, op: Operation, side: Side): Promise<LightMyRequestResponse> {
      const body = await requestBody(op, caller, pathIds(op, side));
      const sender = op.security.length > 0 ? caller : anonymous;
      return call(h.app, sender, op.method, fillPath(op, side), body, { streams: op.streams });
    }

    describe("another tenant's objects, by id", () => {
      const covered = new Set<string>();

      for (const op of idOperations) {
        it(`${op.method} ${op.path} with B's id -> 404 NOT_FOUND for ${callerNames(op)}; B unchanged`, async () => {
          const callers = callersOfA(op);
          assert.ok(callers.length > 0, `no caller for ${op.id}: add its security scheme to callerRoles`);
          const initial = await snapshot(h, b);
          for (const caller of callers) {
            const response = await send(caller, op, b);
            assertError(response, 404, 'NOT_FOUND', `${caller.name}: ${op.method} ${fillPath(op, b)}`);
            assertNoLeak(response.body, leaksOfB, `${caller.name}: ${op.id}`);
          }
          assertUnchanged(initial, await snapshot(h, b), `A's ${op.id} on B's object`);
          await assertDeviceAndRequestIntact(h, b, `A's ${op.id} on B's objects`);
          covered.add(op.id);
        });
      }

      it("a decision signed by another customer's device of the same tenant -> 404 NOT_FOUND; the request stays pending", async () => {
        const { customerId, device: neighbour } = await customerWithDevice(h, a, 'Neighbour in A');
        const { code } = await h.runtime.services.verifications.get(a.tenant.id, a.verificationId);
        assert.ok(code, "A's request should be pending with a code");
        const initial = await snapshot(h, a);
        const url = `/v1/device/verifications/${a.verificationId}`;
        assertError(await call(h.app, neighbour, 'GET', url), 404, 'NOT_FOUND', `neighbour opens ${url}`);
        // Even knowing the code read out on the call, every decision is refused.
        const decisions = [
          ['approve', code],
          ['deny', null],
          ['report_fraud', null],
        ] as const;
        for (const [decision, typed] of decisions) {
          const signedDecision = await neighbour.device!.decide(a.verificationId, decision, { code: typed });
          const response = await call(h.app, anonymous, 'POST', `${url}/decision`, { signedDecision });
          assertError(response, 404, 'NOT_FOUND', `neighbour's ${decision}`);
        }
        assertUnchanged(initial, await snapshot(h, a), "the neighbour's device on the twin's request");
        await assertDeviceAndRequestIntact(h, a, "the neighbour's device on the twin's request");

        // The same device decides its own customer's request: the refusals were about whose it is.
        const own = await startRequest(h, a.tenant.id, customerId);
        const signedDecision = await neighbour.device!.decide(own, 'deny');
        const response = await call(h.app, anonymous, 'POST', `/v1/device/verifications/${own}/decision`, {
          signedDecision,
        });
        assert.equal(response.statusCode, 200, response.body);
        assert.deepEqual(response.json(), { id: own, status: 'denied' });
      });

      it("B's own callers still read the same objects (the ids were real)", async () => {
        for (const op of idOperations.filter((o) => o.method === 'GET')) {
          const caller = callersOf(b, op)[0]!;
          assertOk(await send(caller, op, b), `${caller.name} ${op.id}`);
        }
        assertOk(await call(h.app, b.key, 'GET', `/v1/customers/${b.customerId}`), "B's key still works");
      });

      it('covered every id-taking operation in the OpenAPI document', () => {
        assert.ok(idOperations.length >= 7, `only ${idOperations.length} id-taking operations found`);
        assert.deepEqual([...covered].sort(), idOperations.map((op) => op.id).sort());
      });
    });

    describe('lists, searches and audit reads', () => {
      const covered = new Set<string>();

      // A's admin has an authenticator app, B's admin two passkeys: their second-factor views differ.
      before(async () => {
        await enrolOperatorTotp(h, a.tenant.clients.admin);
        await enrolOperatorPasskey(h, b.tenant.clients.admin);
        await enrolOperatorPasskey(h, b.tenant.clients.admin);
      });

      /** What A must see of itself, so an empty answer cannot pass as isolation. */
      const ownDataChecks: Record<
        string,
        (response: LightMyRequestResponse, caller: Caller) => Promise<void>
      > = {
        getSession: async (response) => {
          const body = response.json() as { operator: { id: string }; tenant: { slug: string } };
          assert.equal(body.operator.id, a.tenant.clients.admin.operatorId);
          assert.equal(body.tenant.slug, a.tenant.slug);
        },
        getTenant: async (response) => assert.equal((response.json() as { id: string }).id, a.tenant.id),
        getSecondFactor: async (response) => {
          assert.deepEqual(response.json(), { required: false, totp: true, passkeys: 0 });
          // B's admin, asking the same, sees its own passkeys: what A must not have been shown.
          const ofB = await call(h.app, b.admin, 'GET', '/v1/auth/second-factor');
          assert.deepEqual(ofB.json(), { required: false, totp: false, passkeys: 2 });
        },
        listOperators: async (response) => {
          const ids = (response.json() as { items: Array<{ id: string }> }).items.map((o) => o.id);
          assert.ok(ids.includes(a.operatorId) && ids.includes(a.tenant.clients.admin.operatorId));
        },
        listApiKeys: async (response) => {
          const ids = (response.json() as { items: Array<{ id: string }> }).items.map((k) => k.id);
          assert.ok(ids.includes(a.apiKeyId));
        },
        listCustomers: async (response) => {
          const ids = (response.json() as { items: Array<{ id: string }> }).items.map((c) => c.id);
          assert.ok(ids.includes(a.customerId));
        },
        getOperatorSso: async (response) => {
          const body = response.json() as { issuer: string; redirectUri: string };
          assert.equal(body.issuer, discovery.issuer(a.tenant.slug));
          assert.ok(body.redirectUri.endsWith(`/v1/auth/oidc/${a.tenant.slug}/callback`));
        },
        listCampaigns: async (response) => {
          const ids = (response.json() as { items: Array<{ id: string }> }).items.map((c) => c.id);
          assert.deepEqual(ids, [a.campaignId]);
        },
        listOidcClients: async (response) => {
          const ids = (response.json() as { items: Array<{ id: string }> }).items.map((c) => c.id);
          assert.deepEqual(ids, [a.oidcClientId]);
        },
        getPushCredentials: async (response) => {
          const body = response.json() as { fcm: { projectId: string }; apns: { bundleId: string } };
          assert.equal(body.fcm.projectId, `push-${a.tenant.slug}`);
          assert.equal(body.apns.bundleId, `com.${a.tenant.slug}.app`);
          assert.doesNotMatch(response.body, /PRIVATE KEY/);
        },
        getKeycloakChannel: async (response) => {
          assert.equal((response.json() as { realm: string }).realm, 'tenant-a');
        },
        listWebhooks: async (response) => {
          const ids = (response.json() as { items: Array<{ id: string }> }).items.map((w) => w.id);
          assert.ok(ids.includes(a.webhookId));
        },
        getPolicy: async (response) => {
          const body = response.json() as { version: number; policy: { failuresPerHour: number } };
          assert.equal(body.policy.failuresPerHour, 91);
        },
        listPolicyVersions: async (response) => {
          const { versions } = response.json() as { versions: Array<{ updatedBy: { id: string } }> };
          assert.ok(versions.length > 0);
          assert.ok(versions.every((v) => v.updatedBy.id === a.tenant.clients.admin.operatorId));
        },
        listDevOutbox: async (response) => {
          const { messages } = response.json() as { messages: Array<{ body: string }> };
          assert.ok(messages.length > 0);
          assert.ok(messages.every((m) => m.body.startsWith(`Tenant ${a.tenant.slug}:`)));
        },
        listAuditEvents: async (response) => {
          const items = (response.json() as { items: Array<{ target: { id: string } | null }> }).items;
          assert.ok(items.some((e) => e.target?.id === a.customerId));
        },
        exportAuditEvents: async (response) => {
          const lines = response.body
            .split('\n')
            .filter(Boolean)
            .map((l) => JSON.parse(l) as AuditLine);
          assert.ok(lines.length > 0);
          assert.deepEqual([...new Set(lines.map((l) => l.tenantId))], [a.tenant.id]);
        },
        verifyAuditChain: async (response, caller) => {
          const ownEntries = (await exportAudit(h, caller)).length;
          const otherEntries = (await exportAudit(h, b.admin)).length;
          assert.notEqual(ownEntries, otherEntries, 'the two chains should differ in length for this check');
          assert.deepEqual(response.json(), {
            ok: true,
            checked: ownEntries,
            headSeq: ownEntries,
            unsealed: 0,
          });
        },
        getOwnDevice: async (response) => {
          const { device } = response.json() as { device: { id: string; customerId: string } };
          assert.deepEqual([device.id, device.customerId], [a.deviceId, a.customerId]);
        },
        listDeviceRequests: async (response) => {
          const { verifications } = response.json() as {
            verifications: Array<{ id: string; request: string }>;
          };
          assert.deepEqual(
            verifications.map((v) => v.id),
            [a.verificationId],
          );
          // The signed request names A's customer, whom the device checks it belongs to.
          assert.deepEqual(
            verifications.map((v) => decodeJwt(v.request).sub),
            [a.customerId],
          );
        },
        // The server's signing keys belong to no tenant: A sees the one that signs, and no tenant data.
        listServerKeys: async (response) => {
          const { keys } = response.json() as { keys: Array<{ kid: string; status: string }> };
          assert.equal(keys.filter((k) => k.status === 'signing').length, 1);
        },
        getServerKeySets: async (response) => {
          const body = response.json() as { version: number; keySets: string[] };
          assert.equal(body.keySets.length, body.version);
        },
        listCallNotices: async (response, caller) => {
          const items = (response.json() as { items: Array<{ id: string; customerId: string }> }).items;
          assert.ok(items.some((n) => n.id === a.callNoticeId && n.customerId === a.customerId));
          const filtered = await call(h.app, caller, 'GET', `/v1/call-notices?customerId=${b.customerId}`);
          assert.equal(filtered.statusCode, 200, filtered.body);
          assert.deepEqual((filtered.json() as { items: unknown[] }).items, []);
        },
        getCurrentCallNotice: async (response) => {
          const { notice } = response.json() as { notice: { id: string; jws: string } | null };
          assert.equal(notice?.id, a.callNoticeId);
          assert.deepEqual(
            [decodeJwt(notice.jws).sub, decodeJwt(notice.jws).aud],
            [a.customerId, a.deviceId],
          );
        },
        getAnalyticsDashboard: async (response) => {
          const body = response.json() as { total: number; daily: Array<{ count: number }> };
          assert.ok(body.total > 0, "A's own verifications are counted");
          assert.equal(
            body.daily.reduce((sum, r) => sum + r.count, 0),
            body.total,
          );
        },
        exportAnalytics: async (response) => {
          const lines = response.body.trim().split('\r\n');
          assert.equal(lines[0], 'day,method,status,count');
          assert.ok(lines.length > 1, "A's own verifications are exported");
        },
        getAnalyticsSettings: async (response) => {
          assert.equal(
            typeof (response.json() as { questionsBaselineSeconds: number }).questionsBaselineSeconds,
            'number',
          );
        },
        listFraudCases: async (response, caller) => {
          const items = (response.json() as { items: Array<{ id: string; customerId: string }> }).items;
          assert.ok(items.some((c) => c.id === a.fraudCaseId && c.customerId === a.customerId));
          const filtered = await call(h.app, caller, 'GET', `/v1/fraud-cases?customerId=${b.customerId}`);
          assert.equal(filtered.statusCode, 200, filtered.body);
          assert.deepEqual((filtered.json() as { items: unknown[] }).items, []);
        },
        getTourState: async (response, caller) => {
          assert.deepEqual(response.json(), { seenAt: null });
          // B's admin finishing the tour changes nothing for A's.
          assert.equal((await call(h.app, b.admin, 'PUT', '/v1/practice/tour')).statusCode, 200);
          const again = await call(h.app, caller, 'GET', '/v1/practice/tour');
          assert.deepEqual(again.json(), { seenAt: null });
        },
        listPracticeScenarios: async (response) => {
          assert.ok((response.json() as { items: string[] }).items.includes('reports_fraud'));
        },
        listPracticeSessions: async (response) => {
          const ids = (response.json() as { items: Array<{ id: string }> }).items.map((s) => s.id);
          assert.deepEqual(ids, [a.practiceSessionId]);
        },
        listVerifications: async (response, caller) => {
          const items = (response.json() as { items: Array<{ id: string; customerId: string }> }).items;
          assert.ok(items.some((v) => v.id === a.verificationId && v.customerId === a.customerId));
          // Asking for B's customer by id finds nothing rather than B's requests.
          const filtered = await call(h.app, caller, 'GET', `/v1/verifications?customerId=${b.customerId}`);
          assert.equal(filtered.statusCode, 200, filtered.body);
          assert.deepEqual((filtered.json() as { items: unknown[] }).items, []);
        },
      };

      /** Starts a verification over HTTP as the caller; answers its id. */
      async function startAs(caller: Caller, customerId: string, reason: string): Promise<string> {
        const response = await call(h.app, caller, 'POST', '/v1/verifications', { customerId, reason });
        assert.equal(response.statusCode, 201, `${caller.name} starts a verification: ${response.body}`);
        return (response.json() as { id: string }).id;
      }

      /**
       * For event streams, opened by A's caller: B starts verifications and they must not show
       * up; then A does something the stream must carry, so a dead stream cannot pass as isolation.
       */
      const streamChecks: Record<string, (stream: LiveStream, caller: Caller) => Promise<void>> = {
        // The verifications the caller starts.
        starterEvents: async (stream, caller) => {
          const inB = await customerWithDevice(h, b, `Streamed in B for ${caller.name}`);
          const ofB = [
            await startAs(b.admin, inB.customerId, 'B admin'),
            await startAs(b.key, inB.customerId, 'B key'),
          ];
          await sleep(300);
          const inA = await customerWithDevice(h, a, `Streamed in A for ${caller.name}`);
          const ofA = await startAs(caller, inA.customerId, 'A');
          assert.ok(
            await stream.waitFor((text) => text.includes(ofA), 2000),
            `${caller.name}'s own verification never arrived: ${stream.text()}`,
          );
          assertNoLeak(stream.text(), ofB, `${caller.name}: a B verification on its stream`);
        },
        // The tenant's fraud queue: B's new case must not show, A's must.
        fraudCaseEvents: async (stream, caller) => {
          const inB = await h.runtime.services.customers.create(
            b.tenant.id,
            { displayName: 'Case in B' },
            cliActor,
          );
          const ofB = await openCase(h, b.tenant.id, inB.id);
          await sleep(300);
          const inA = await h.runtime.services.customers.create(
            a.tenant.id,
            { displayName: 'Case in A' },
            cliActor,
          );
          const ofA = await openCase(h, a.tenant.id, inA.id);
          assert.ok(
            await stream.waitFor((text) => text.includes(ofA), 2000),
            `${caller.name}'s own case never arrived: ${stream.text()}`,
          );
          assertNoLeak(stream.text(), [ofB, inB.id], `${caller.name}: a B case on its stream`);
        },
        // The device's customer's requests: B asks its twin, A its own.
        deviceEvents: async (stream, caller) => {
          const ofB = await startAs(b.admin, b.customerId, 'B asks its twin');
          b.verificationId = ofB;
          await sleep(300);
          const ofA = await startAs(a.admin, a.customerId, 'A asks its twin');
          a.verificationId = ofA;
          assert.ok(
            await stream.waitFor((text) => text.includes(`"id":"${ofA}"`), 2000),
            `${caller.name}'s own request never arrived: ${stream.text()}`,
          );
          assertNoLeak(stream.text(), [ofB], `${caller.name}: a B verification on its stream`);
        },
      };

      for (const op of collectionReads) {
        it(`${op.method} ${op.path} shows only A's data to ${callerNames(op)}`, async () => {
          const callers = callersOfA(op);
          assert.ok(callers.length > 0, `no caller for ${op.id}: add its security scheme to callerRoles`);
          for (const caller of callers) {
            if (op.streams) {
              const check = streamChecks[op.id];
              assert.ok(check, `no isolation check for the stream ${op.id}: add one to streamChecks`);
              const stream = await openStream(h.app, caller, op.path);
              try {
                assert.equal(stream.response.statusCode, 200, `${caller.name}: ${stream.text()}`);
                assert.match(String(stream.response.headers['content-type']), /^text\/event-stream/);
                await check(stream, caller);
                assertNoLeak(stream.text(), leaksOfB, `${caller.name}: ${op.id}`);
              } finally {
                stream.close();
              }
              continue;
            }
            const check = ownDataChecks[op.id];
            assert.ok(check, `no isolation check for ${op.id}: add one to ownDataChecks`);
            const response = await call(h.app, caller, 'GET', op.path);
            assert.equal(response.statusCode, 200, `${caller.name}: ${response.body}`);
            assertNoLeak(response.body, leaksOfB, `${caller.name}: ${op.id}`);
            await check(response, caller);
          }
          covered.add(op.id);
        });
      }

      it("listing A's customer's devices shows A's device and nothing of B", async () => {
        for (const caller of callersOfA()) {
          const response = await call(h.app, caller, 'GET', `/v1/customers/${a.customerId}/devices`);
          assert.equal(response.statusCode, 200, `${caller.name}: ${response.body}`);
          assertNoLeak(response.body, leaksOfB, caller.name);
          const items = (response.json() as { items: Array<{ id: string; customerId: string }> }).items;
          assert.ok(items.some((d) => d.id === a.deviceId));
          assert.deepEqual([...new Set(items.map((d) => d.customerId))], [a.customerId]);
        }
      });

      it("searching customers by B's name, phone, e-mail or external id finds only A's twin", async () => {
        const searches = [
          `q=${encodeURIComponent(twin.displayName)}`,
          'q=zoe',
          'q=TWIN',
          `q=${encodeURIComponent(twin.externalId)}`,
          `q=${encodeURIComponent('zoe.twin@')}`,
          'q=446681800',
          `phone=${encodeURIComponent(twin.phone)}`,
          `email=${encodeURIComponent(twin.email)}`,
          `externalId=${encodeURIComponent(twin.externalId)}`,
          'q=Only%20in',
        ];
        for (const caller of callersOfA()) {
          for (const query of searches) {
            const response = await call(h.app, caller, 'GET', `/v1/customers?${query}`);
            assert.equal(response.statusCode, 200, `${caller.name} ${query}: ${response.body}`);
            assertNoLeak(response.body, leaksOfB, `${caller.name} ?${query}`);
            const ids = (response.json() as { items: Array<{ id: string }> }).items.map((c) => c.id);
            assert.deepEqual(ids, query === 'q=Only%20in' ? [] : [a.customerId], `${caller.name} ?${query}`);
          }
        }
      });

      it("filtering the audit log by B's actors or targets finds nothing", async () => {
        const filters = [
          `targetId=${b.customerId}`,
          `targetId=${b.apiKeyId}`,
          `actorId=${b.tenant.clients.admin.operatorId}`,
          'action=customer.created',
          'action=api_key.created&limit=200',
        ];
        for (const caller of callersOfA()) {
          for (const filter of filters) {
            const response = await call(h.app, caller, 'GET', `/v1/audit-events?${filter}`);
            assert.equal(response.statusCode, 200, `${caller.name} ${filter}: ${response.body}`);
            assertNoLeak(response.body, leaksOfB, `${caller.name} ?${filter}`);
            const count = (response.json() as { items: unknown[] }).items.length;
            assert.equal(count > 0, filter.startsWith('action='), `${caller.name} ?${filter} found ${count}`);
          }
        }
      });

      it('covered every list and audit read in the OpenAPI document', () => {
        assert.ok(collectionReads.length >= 8, `only ${collectionReads.length} collection reads found`);
        assert.deepEqual([...covered].sort(), collectionReads.map((op) => op.id).sort());
      });
    });

    describe('roles and API key scopes', () => {
      async function createKey(scopes: string[]): Promise<{ id: string; caller: Caller }> {
        const response = await call(h.app, a.admin, 'POST', '/v1/api-keys', { name: 'scoped', scopes });
        assert.equal(response.statusCode, 201, response.body);
        const body = response.json() as { apiKey: { id: string }; key: string };
        return { id: body.apiKey.id, caller: keyCaller(`key ${scopes.join(',')}`, body.key) };
      }

      /** Runs refused requests and proves tenant A is exactly as it was. */
      async function assertRefusedWithoutChange(
        caller: Caller,
        requests: Array<[InjectOptions['method'], string, unknown?]>,
        status: number,
        code: ErrorCode,
      ): Promise<void> {
        const initial = await snapshot(h, a);
        for (const [method, url, body] of requests) {
          assertError(
            await call(h.app, caller, method, url, body),
            status,
            code,
            `${caller.name} ${method} ${url}`,
          );
        }
        assertUnchanged(initial, await snapshot(h, a), caller.name);
      }

      it('an agent can read customers but not create, change or delete them (403 FORBIDDEN)', async () => {
        const agent = operatorCaller('agent', a.tenant.clients.agent);
        assertOk(await call(h.app, agent, 'GET', `/v1/customers/${a.customerId}`), 'agent reads a customer');
        await assertRefusedWithoutChange(
          agent,
          [
            ['POST', '/v1/customers', { displayName: 'Made by an agent' }],
            ['PATCH', `/v1/customers/${a.customerId}`, { displayName: 'Renamed by an agent' }],
            ['DELETE', `/v1/customers/${a.customerId}`],
          ],
          403,
          'FORBIDDEN',
        );
      });

      it('an auditor can list API keys but not create or revoke them (403 FORBIDDEN)', async () => {
        const auditor = operatorCaller('auditor', a.tenant.clients.auditor);
        assertOk(await call(h.app, auditor, 'GET', '/v1/api-keys'), 'auditor lists keys');
        await assertRefusedWithoutChange(
          auditor,
          [
            ['POST', '/v1/api-keys', { name: 'by an auditor', scopes: ['audit:read'] }],
            ['DELETE', `/v1/api-keys/${a.apiKeyId}`],
          ],
          403,
          'FORBIDDEN',
        );
      });

      it('a supervisor can write customers but not read the audit log (403 FORBIDDEN)', async () => {
        const supervisor = operatorCaller('supervisor', a.tenant.clients.supervisor);
        assertOk(await call(h.app, supervisor, 'GET', '/v1/customers'), 'supervisor lists customers');
        for (const url of ['/v1/audit-events', '/v1/audit-events/export', '/v1/audit-events/verification']) {
          assertError(await call(h.app, supervisor, 'GET', url), 403, 'FORBIDDEN', `supervisor GET ${url}`);
        }
      });

      it('an API key is refused what its scopes do not cover (403 FORBIDDEN)', async () => {
        const { caller } = await createKey(['customers:read']);
        assertOk(await call(h.app, caller, 'GET', '/v1/customers'), 'in scope');
        await assertRefusedWithoutChange(
          caller,
          [
            ['POST', '/v1/customers', { displayName: 'Made by a read-only key' }],
            ['DELETE', `/v1/customers/${a.customerId}`],
            ['GET', '/v1/audit-events'],
            ['GET', '/v1/operators'],
            ['POST', '/v1/api-keys', { name: 'escalated', scopes: ['customers:read'] }],
            ['GET', '/v1/auth/session'],
          ],
          403,
          'FORBIDDEN',
        );
      });

      it('an API key cannot grant scopes it does not hold (403 FORBIDDEN)', async () => {
        const { caller } = await createKey(['api-keys:read', 'api-keys:write']);
        await assertRefusedWithoutChange(
          caller,
          [
            ['POST', '/v1/api-keys', { name: 'wider', scopes: ['audit:read'] }],
            ['POST', '/v1/api-keys', { name: 'wider', scopes: ['api-keys:read', 'customers:write'] }],
            ['POST', '/v1/api-keys', { name: 'wider', scopes: [...permissions] }],
          ],
          403,
          'FORBIDDEN',
        );
        const within = await call(h.app, caller, 'POST', '/v1/api-keys', {
          name: 'narrower',
          scopes: ['api-keys:read'],
        });
        assert.equal(within.statusCode, 201, `granting a held scope: ${within.body}`);
      });

      it('a revoked API key gets 401 UNAUTHENTICATED at once', async () => {
        const { id, caller } = await createKey(['customers:read', 'customers:write']);
        assertOk(await call(h.app, caller, 'GET', '/v1/customers'), 'before revocation');
        assertOk(await call(h.app, a.admin, 'DELETE', `/v1/api-keys/${id}`), 'revocation');
        await assertRefusedWithoutChange(
          caller,
          [
            ['GET', '/v1/customers'],
            ['GET', `/v1/customers/${a.customerId}`],
            ['POST', '/v1/customers', { displayName: 'Made by a revoked key' }],
          ],
          401,
          'UNAUTHENTICATED',
        );
        const response = await call(h.app, caller, 'GET', '/v1/customers');
        assert.match(String(response.headers['www-authenticate']), /^Bearer /);
      });
    });

    describe('CSRF on cookie-authenticated writes', () => {
      const covered = new Set<string>();
      let counter = 0;

      interface Write {
        url: string;
        body?: unknown;
        /** More URLs whose answers must not change, beyond the snapshot's (read by A's admin). */
        watch?: string[];
        /**
         * The session that sends the requests, when the write needs one of its own making (one
         * that has begun setting up a factor, or has shown only its password); a fresh admin's
         * otherwise. The bad tokens are tried on its cookie, the right one is its own.
         */
        client?: OperatorClient;
        /**
         * State that only one particular session can read (an operator's own view of its factors
         * or of its session): it must stay the same through the refusals and change with the right
         * token.
         */
        state?: () => Promise<string>;
      }

      /** What the client's session reads at the URL: status and body. */
      const readAs = (client: OperatorClient, url: string) => async () => {
        const response = await call(h.app, operatorCaller('watcher', client), 'GET', url);
        return `${response.statusCode} ${response.body}`;
      };

      /**
       * A new admin of A who set up a factor in a session of their own (`working`), then signed
       * in again with only the password (`pending`: that session waits for the factor).
       */
      async function adminWithFactor(factor: 'totp' | 'passkey') {
        const email = `csrf-${++counter}@tenant-a.example`;
        const { id } = await h.createOperator(a.tenant, 'admin', email);
        const working = await h.signIn(a.tenant, email);
        const secret = factor === 'totp' ? await enrolOperatorTotp(h, working) : undefined;
        const authenticator = factor === 'passkey' ? await enrolOperatorPasskey(h, working) : undefined;
        const pending = await h.signIn(a.tenant, email);
        const session = await call(
          h.app,
          operatorCaller('password only', pending),
          'GET',
          '/v1/auth/session',
        );
        assert.equal((session.json() as { pendingStep: string | null }).pendingStep, 'second_factor');
        return { id, working, pending, secret, authenticator };
      }

      /** A customer of A with a phone, and what the fallback methods need of it. */
      async function fallbackCustomer(): Promise<string> {
        const customer = await h.runtime.services.customers.create(
          a.tenant.id,
          { displayName: 'CSRF fallback target', phone: '+41446681801' },
          cliActor,
        );
        return customer.id;
      }
      async function smsChallenge(): Promise<{ id: string; code: string }> {
        const { oneTimeCodes } = h.runtime.services.fallbacks;
        const customerId = await fallbackCustomer();
        const challenge = await oneTimeCodes.start(
          a.tenant.id,
          { customerId, channel: 'sms', action: 'verify_caller' },
          cliActor,
        );
        const [message] = await oneTimeCodes.outbox(a.tenant.id, 1);
        return { id: challenge.id, code: /\b(\d{6})\b/.exec(message!.body)![1]! };
      }
      async function totpCustomer(confirm: boolean) {
        const { totp } = h.runtime.services.fallbacks;
        const customerId = await fallbackCustomer();
        const begun = await totp.beginEnrollment(a.tenant.id, customerId, cliActor);
        const seed = seedFromBase32(begun.secret);
        const code = () => totpCodeForStep(seed, totpStep(h.clock.now()));
        if (confirm) {
          await totp.confirmEnrollment(
            a.tenant.id,
            customerId,
            { enrollmentId: begun.enrollmentId, code: code() },
            cliActor,
          );
          h.clock.advance(30_000);
        }
        return { customerId, enrollmentId: begun.enrollmentId, code };
      }

      /** A request per state-changing operation that would succeed with the right token. */
      /** A campaign of A's in the given state, for the campaign actions' CSRF checks. */
      async function campaignIn(status: 'draft' | 'running' | 'paused'): Promise<string> {
        const { campaigns } = h.runtime.services;
        const { campaign } = await campaigns.create(
          a.tenant.id,
          { name: `CSRF ${status}`, kind: 'invitation', channel: 'sms', audience: { kind: 'all' } },
          cliActor,
        );
        if (status !== 'draft') await campaigns.change(a.tenant.id, campaign.id, 'start', cliActor);
        if (status === 'paused') await campaigns.change(a.tenant.id, campaign.id, 'pause', cliActor);
        return campaign.id;
      }

      const writes: Record<string, () => Promise<Write>> = {
        createPracticeSession: async () => ({
          url: '/v1/practice/sessions',
          body: { scenarios: ['no_smartphone'] },
          watch: ['/v1/practice/sessions'],
        }),
        startPracticeSession: async () => {
          const { client, id, state } = await practiseAs(true);
          return { url: `/v1/practice/sessions/${id}/start`, client, state };
        },
        markTourSeen: async () => {
          const client = await freshAdmin();
          return { url: '/v1/practice/tour', client, state: readAs(client, '/v1/practice/tour') };
        },
        createPracticeWidgetToken: async () => {
          const { client, id } = await practiseAs(false);
          return { url: `/v1/practice/sessions/${id}/widget-token`, client };
        },
        resetPracticeSpace: async () => {
          // The reset takes the session away with the rest of A's practice space.
          const { client, state } = await practiseAs(false);
          return { url: '/v1/practice/reset', body: {}, client, state };
        },
        concludePracticeStep: async () => {
          const { client, id, state } = await practiseAs(false);
          return {
            url: `/v1/practice/sessions/${id}/conclusion`,
            body: { step: 0, conclusion: 'verified' },
            client,
            state,
          };
        },
        updatePolicy: async () => {
          const current = (await call(h.app, a.admin, 'GET', '/v1/policy')).json() as {
            version: number;
            policy: { failuresPerHour: number };
          };
          return {
            url: '/v1/policy',
            body: { expectedVersion: current.version, policy: { ...current.policy, failuresPerHour: 90 } },
            watch: ['/v1/policy', '/v1/policy/versions'],
          };
        },
        validatePolicy: async () => ({ url: '/v1/policy/validate', body: { policy: {} } }),
        clearPushLock: async () => {
          const id = await fallbackCustomer();
          return { url: `/v1/customers/${id}/push-lock`, watch: [`/v1/customers/${id}/locks`] };
        },
        unlockSecurityQuestions: async () => {
          const id = await fallbackCustomer();
          return { url: `/v1/customers/${id}/security-questions/lock`, watch: [`/v1/customers/${id}/locks`] };
        },
        startOtpChallenge: async () => ({
          url: '/v1/otp-challenges',
          body: { customerId: await fallbackCustomer(), channel: 'sms', action: 'verify_caller' },
          watch: ['/v1/dev/outbox'],
        }),
        verifyOtpChallenge: async () => {
          const { id, code } = await smsChallenge();
          return {
            url: `/v1/otp-challenges/${id}/verify`,
            body: { code },
            watch: [`/v1/otp-challenges/${id}`],
          };
        },
        resendOtpChallenge: async () => {
          const { id } = await smsChallenge();
          h.clock.advance(30_000);
          return {
            url: `/v1/otp-challenges/${id}/resend`,
            watch: [`/v1/otp-challenges/${id}`, '/v1/dev/outbox'],
          };
        },
        cancelOtpChallenge: async () => {
          const { id } = await smsChallenge();
          return { url: `/v1/otp-challenges/${id}/cancel`, watch: [`/v1/otp-challenges/${id}`] };
        },
        startTotpEnrollment: async () => {
          const id = await fallbackCustomer();
          return { url: `/v1/customers/${id}/totp`, watch: [`/v1/customers/${id}/totp`] };
        },
        confirmTotpEnrollment: async () => {
          const { customerId, enrollmentId, code } = await totpCustomer(false);
          return {
            url: `/v1/customers/${customerId}/totp/confirm`,
            body: { enrollmentId, code: code() },
            watch: [`/v1/customers/${customerId}/totp`],
          };
        },
        removeTotp: async () => {
          const { customerId } = await totpCustomer(true);
          return { url: `/v1/customers/${customerId}/totp`, watch: [`/v1/customers/${customerId}/totp`] };
        },
        verifyTotp: async () => {
          const { customerId, code } = await totpCustomer(true);
          return {
            url: `/v1/customers/${customerId}/totp/verify`,
            body: { code: code(), action: 'verify_caller' },
            watch: [`/v1/customers/${customerId}/locks`],
          };
        },
        verifyAppCode: async () => {
          const customerId = await fallbackCustomer();
          const device = await enrolDevice(h, a.tenant.id, customerId, 'CSRF app-code phone');
          const seed = seedFromBase32(device.offlineSecret);
          return {
            url: `/v1/customers/${customerId}/app-code/verify`,
            body: { code: totpCodeForStep(seed, totpStep(h.clock.now())), action: 'verify_caller' },
            watch: [`/v1/customers/${customerId}/locks`],
          };
        },
        setSecurityQuestions: async () => {
          const id = await fallbackCustomer();
          return {
            url: `/v1/customers/${id}/security-questions`,
            body: { questions: [{ question: 'Name of your first pet?', answer: 'Rex' }] },
            watch: [`/v1/customers/${id}/security-questions`],
          };
        },
        checkSecurityQuestions: async () => {
          const id = await fallbackCustomer();
          const answers = ['Rex', 'Paris', 'Hugo'];
          const set = await h.runtime.services.fallbacks.securityQuestions.set(
            a.tenant.id,
            id,
            answers.map((answer, i) => ({ question: `Security question ${i + 1}?`, answer })),
            cliActor,
          );
          return {
            url: `/v1/customers/${id}/security-questions/check`,
            body: {
              action: 'account_enquiry',
              answers: set.map((q, i) => ({ questionId: q.id, answer: answers[i] })),
            },
            watch: [`/v1/customers/${id}/locks`],
          };
        },
        signOut: async () => ({ url: '/v1/auth/sign-out' }),
        changePassword: async () => ({
          url: '/v1/auth/password',
          body: { currentPassword: testPassword, newPassword: 'an entirely different passphrase 42' },
        }),
        updateTenant: async () => ({ url: '/v1/tenant', body: { name: 'Renamed through CSRF' } }),
        setFcmCredentials: async () => ({
          url: '/v1/tenant/push-credentials/fcm',
          body: { serviceAccountJson: serviceAccountFor('planted-by-csrf') },
          watch: ['/v1/tenant/push-credentials'],
        }),
        setApnsCredentials: async () => ({
          url: '/v1/tenant/push-credentials/apns',
          body: apnsKeyFor('planted-by-csrf'),
          watch: ['/v1/tenant/push-credentials'],
        }),
        deleteFcmCredentials: async () => {
          await configurePushCredentials(h, a.admin, a.tenant.slug);
          return { url: '/v1/tenant/push-credentials/fcm', watch: ['/v1/tenant/push-credentials'] };
        },
        deleteApnsCredentials: async () => {
          await configurePushCredentials(h, a.admin, a.tenant.slug);
          return { url: '/v1/tenant/push-credentials/apns', watch: ['/v1/tenant/push-credentials'] };
        },
        sendTestPush: async () => {
          const { device } = await customerWithDevice(h, a, 'CSRF test push target');
          const url = `/v1/devices/${device.device!.id}`;
          return { url: `${url}/test-push`, watch: [url] };
        },
        createOperator: async () => ({
          url: '/v1/operators',
          body: { email: `planted-${counter}@tenant-a.example`, displayName: 'Planted', role: 'admin' },
        }),
        updateOperator: async () => ({ url: `/v1/operators/${a.operatorId}`, body: { role: 'admin' } }),
        createApiKey: async () => ({
          url: '/v1/api-keys',
          body: { name: 'exfiltrated', scopes: [...permissions] },
        }),
        revokeApiKey: async () => {
          const created = await call(h.app, a.admin, 'POST', '/v1/api-keys', {
            name: 'to revoke',
            scopes: ['tenant:read'],
          });
          return { url: `/v1/api-keys/${(created.json() as { apiKey: { id: string } }).apiKey.id}` };
        },
        createCustomer: async () => ({ url: '/v1/customers', body: { displayName: 'Planted customer' } }),
        createCampaign: async () => ({
          url: '/v1/campaigns',
          body: { name: 'Planted campaign', kind: 'invitation', channel: 'sms', audience: { kind: 'all' } },
          watch: ['/v1/campaigns'],
        }),
        previewCampaign: async () => ({
          url: '/v1/campaigns/preview',
          body: { kind: 'invitation', languages: ['en'] },
        }),
        startCampaign: async () => {
          const id = await campaignIn('draft');
          return { url: `/v1/campaigns/${id}/start`, watch: ['/v1/campaigns', `/v1/campaigns/${id}`] };
        },
        pauseCampaign: async () => {
          const id = await campaignIn('running');
          return { url: `/v1/campaigns/${id}/pause`, watch: ['/v1/campaigns', `/v1/campaigns/${id}`] };
        },
        resumeCampaign: async () => {
          const id = await campaignIn('paused');
          return { url: `/v1/campaigns/${id}/resume`, watch: ['/v1/campaigns', `/v1/campaigns/${id}`] };
        },
        cancelCampaign: async () => {
          const id = await campaignIn('draft');
          return { url: `/v1/campaigns/${id}/cancel`, watch: ['/v1/campaigns', `/v1/campaigns/${id}`] };
        },
        importCustomers: async () => ({
          url: '/v1/customers/import',
          body: { csv: 'display_name\nPlanted by import\n' },
        }),
        updateCustomer: async () => ({
          url: `/v1/customers/${await freshCustomer()}`,
          body: { displayName: 'Renamed' },
        }),
        deleteCustomer: async () => ({ url: `/v1/customers/${await freshCustomer()}` }),
        createActivation: async () => ({
          url: `/v1/customers/${await freshCustomer()}/activations`,
          body: { inBranchCheck: { note: 'Passport seen at the counter' } },
        }),
        updateAnalyticsSettings: async () => ({
          url: '/v1/analytics/settings',
          body: { questionsBaselineSeconds: 75 + ++counter },
          watch: ['/v1/analytics/settings'],
        }),
        assignFraudCase: async () => {
          const customer = await fallbackCustomer();
          const id = await openCase(h, a.tenant.id, customer);
          return {
            url: `/v1/fraud-cases/${id}/assign`,
            body: { assigneeId: a.tenant.clients.supervisor.operatorId, expectedAssigneeId: null },
            watch: [`/v1/fraud-cases/${id}`],
          };
        },
        addFraudCaseNote: async () => {
          const id = await openCase(h, a.tenant.id, await fallbackCustomer());
          return {
            url: `/v1/fraud-cases/${id}/notes`,
            body: { body: 'Called the customer back.' },
            watch: [`/v1/fraud-cases/${id}`],
          };
        },
        resolveFraudCase: async () => {
          const id = await openCase(h, a.tenant.id, await fallbackCustomer());
          return {
            url: `/v1/fraud-cases/${id}/resolve`,
            body: {
              resolution: 'genuine_mistake',
              note: 'Pressed the wrong button.',
              pushLock: 'clear',
              questionsLock: 'clear',
            },
            watch: [`/v1/fraud-cases/${id}`],
          };
        },
        resolveFraudReport: async () => {
          const id = await fallbackCustomer();
          // What the push flow records when the customer reports fraud from their phone.
          await h.runtime.database.db
            .updateTable('customers')
            .set({ fraud_reported_at: h.clock.now() - 1000 })
            .where('id', '=', id)
            .execute();
          return {
            url: `/v1/customers/${id}/fraud-report/resolve`,
            body: { note: 'Called the customer back on the number on file.' },
            watch: [`/v1/customers/${id}`],
          };
        },
        sendActivation: async () => {
          const customer = await call(h.app, a.admin, 'POST', '/v1/customers', {
            displayName: 'CSRF activation target',
            phone: '+447911123497',
          });
          const id = (customer.json() as { id: string }).id;
          return { url: `/v1/customers/${id}/activations/send`, body: { channel: 'sms' } };
        },
        updateDevice: async () => {
          const { device } = await customerWithDevice(h, a, 'CSRF device owner');
          const url = `/v1/devices/${device.device!.id}`;
          return { url, body: { label: 'Renamed through CSRF' }, watch: [url] };
        },
        revokeDevice: async () => {
          const { device } = await customerWithDevice(h, a, 'CSRF device owner');
          const url = `/v1/devices/${device.device!.id}`;
          return { url, watch: [url] };
        },
        startVerification: async () => {
          const { customerId } = await customerWithDevice(h, a, 'CSRF verification target');
          return {
            url: '/v1/verifications',
            body: { customerId, reason: 'Started through CSRF' },
            watch: [`/v1/verifications?customerId=${customerId}`],
          };
        },
        createWebhook: async () => ({
          url: '/v1/webhooks',
          body: { url: 'https://hooks.example.com/csrf', events: ['device.enrolled'] },
          watch: ['/v1/webhooks'],
        }),
        updateWebhook: async () => {
          const { webhookId } = await createWebhookWithDelivery(h, a.admin, 'csrf');
          return { url: `/v1/webhooks/${webhookId}`, body: { enabled: false }, watch: ['/v1/webhooks'] };
        },
        deleteWebhook: async () => {
          const { webhookId } = await createWebhookWithDelivery(h, a.admin, 'csrf');
          return { url: `/v1/webhooks/${webhookId}`, watch: ['/v1/webhooks'] };
        },
        rotateWebhookSecret: async () => {
          const { webhookId } = await createWebhookWithDelivery(h, a.admin, 'csrf');
          return { url: `/v1/webhooks/${webhookId}/rotate-secret`, watch: ['/v1/webhooks'] };
        },
        sendWebhookTest: async () => {
          const { webhookId } = await createWebhookWithDelivery(h, a.admin, 'csrf');
          return { url: `/v1/webhooks/${webhookId}/test`, watch: [`/v1/webhooks/${webhookId}/deliveries`] };
        },
        redeliverWebhook: async () => {
          const { webhookId, webhookDeliveryId } = await createWebhookWithDelivery(h, a.admin, 'csrf');
          const url = `/v1/webhooks/${webhookId}/deliveries/${webhookDeliveryId}`;
          return { url: `${url}/redeliver`, watch: [url] };
        },
        createOidcClient: async () => ({
          url: '/v1/oidc-clients',
          body: { name: 'CSRF desk', tokenEndpointAuthMethod: 'client_secret_basic', deliveryMode: 'poll' },
          watch: [],
        }),
        updateOidcClient: async () => ({
          url: `/v1/oidc-clients/${a.oidcClientId}`,
          body: { name: 'Renamed by CSRF' },
          watch: [],
        }),
        rotateOidcClientSecret: async () => ({ url: `/v1/oidc-clients/${a.oidcClientId}/secret`, watch: [] }),
        revokeOidcClient: async () => {
          const created = await call(h.app, a.admin, 'POST', '/v1/oidc-clients', {
            name: 'CSRF target',
            tokenEndpointAuthMethod: 'client_secret_basic',
            deliveryMode: 'poll',
          });
          const { id } = (created.json() as { client: { id: string } }).client;
          return { url: `/v1/oidc-clients/${id}`, watch: [] };
        },
        configureKeycloakChannel: async () => ({
          url: '/v1/keycloak-channel',
          body: {
            baseUrl: 'https://sso.tenant-a.example',
            realm: 'tenant-a',
            requesterName: 'Renamed by CSRF',
          },
          watch: ['/v1/keycloak-channel'],
        }),
        removeKeycloakChannel: async () => ({ url: '/v1/keycloak-channel', watch: ['/v1/keycloak-channel'] }),
        updateOperatorSso: async () => ({
          url: '/v1/tenant/sso',
          body: { jitProvisioning: true, defaultRole: 'admin' },
          watch: ['/v1/tenant/sso'],
        }),
        deleteOperatorSso: async () => ({ url: '/v1/tenant/sso', watch: ['/v1/tenant/sso'] }),
        rotateServerKeys: async () => ({ url: '/v1/server-keys/rotate', watch: ['/v1/server-keys'] }),
        startSecondFactorTotp: async () => ({ url: '/v1/auth/second-factor/totp' }),
        confirmSecondFactorTotp: async () => {
          const client = await freshAdmin();
          const started = await call(
            h.app,
            operatorCaller('enrolling', client),
            'POST',
            '/v1/auth/second-factor/totp',
          );
          assert.equal(started.statusCode, 201, started.body);
          const { secret } = started.json() as { secret: string };
          return {
            client,
            url: '/v1/auth/second-factor/totp/confirm',
            body: { code: operatorCode(h, secret) },
            state: readAs(client, '/v1/auth/second-factor'),
          };
        },
        passkeyRegistrationOptions: async () => ({
          url: '/v1/auth/second-factor/passkey/registration-options',
        }),
        registerPasskey: async () => {
          const client = await freshAdmin();
          const options = await call(
            h.app,
            operatorCaller('enrolling', client),
            'POST',
            '/v1/auth/second-factor/passkey/registration-options',
          );
          assert.equal(options.statusCode, 200, options.body);
          const { challenge } = (options.json() as { options: { challenge: string } }).options;
          return {
            client,
            url: '/v1/auth/second-factor/passkey',
            body: { response: operatorAuthenticator(h).register({ challenge }), label: 'CSRF key' },
            state: readAs(client, '/v1/auth/second-factor'),
          };
        },
        // The factor after the password: sent by a session that has shown only the password.
        passkeyAssertionOptions: async () => {
          const { pending } = await adminWithFactor('passkey');
          return { client: pending, url: '/v1/auth/second-factor/passkey/assertion-options' };
        },
        verifyPasskey: async () => {
          const { pending, authenticator } = await adminWithFactor('passkey');
          const options = await call(
            h.app,
            operatorCaller('password only', pending),
            'POST',
            '/v1/auth/second-factor/passkey/assertion-options',
          );
          assert.equal(options.statusCode, 200, options.body);
          const { challenge } = (options.json() as { options: { challenge: string } }).options;
          return {
            client: pending,
            url: '/v1/auth/second-factor/passkey/verify',
            body: { response: authenticator!.assert(challenge) },
            state: readAs(pending, '/v1/auth/session'),
          };
        },
        verifySecondFactor: async () => {
          const { pending, secret } = await adminWithFactor('totp');
          // The enrolment's code is spent: the next time step's.
          h.clock.advance(30_000);
          return {
            client: pending,
            url: '/v1/auth/second-factor/verify',
            body: { code: operatorCode(h, secret!) },
            state: readAs(pending, '/v1/auth/session'),
          };
        },
        // Its own view of its factors, from its working session, which the reset also ends.
        resetOperatorSecondFactor: async () => {
          const { id, working } = await adminWithFactor('totp');
          return {
            url: `/v1/operators/${id}/second-factor`,
            state: readAs(working, '/v1/auth/second-factor'),
          };
        },
        startCallNotice: async () => {
          const id = await freshCustomer();
          return {
            url: `/v1/customers/${id}/call-notices`,
            body: { reason: 'About your card' },
            watch: [`/v1/customers/${id}/call-notices/active`],
          };
        },
        endCallNotice: async () => {
          const id = await freshCustomer();
          const notice = await h.runtime.services.calls.start(
            a.tenant.id,
            { customerId: id, reason: 'About your card' },
            { actor: cliActor, agentName: 'CSRF agent', role: null },
          );
          return { url: `/v1/call-notices/${notice.id}/end`, watch: [`/v1/call-notices/${notice.id}`] };
        },
        checkCallCode: async () => {
          const { customerId } = await customerWithDevice(h, a, 'CSRF call target');
          const notice = await h.runtime.services.calls.start(
            a.tenant.id,
            { customerId, reason: 'About your card', mutualCode: 'customer_reads' },
            { actor: cliActor, agentName: 'CSRF agent', role: null },
          );
          const [device] = await h.runtime.services.devices.deliveryTargets(a.tenant.id, customerId);
          const signed = await h.runtime.services.calls.open(
            { id: device!.deviceId, tenantId: a.tenant.id, customerId },
            notice.id,
          );
          return {
            url: `/v1/call-notices/${notice.id}/code`,
            body: { code: decodeJwt(signed.jws).code },
            watch: [`/v1/call-notices/${notice.id}`],
          };
        },
        cancelVerification: async () => {
          const { customerId } = await customerWithDevice(h, a, 'CSRF verification target');
          const id = await startRequest(h, a.tenant.id, customerId);
          return { url: `/v1/verifications/${id}/cancel`, watch: [`/v1/verifications/${id}`] };
        },
      };

      /** A fresh admin of A with a practice session of its own (assigned by A's admin, or started itself). */
      async function practiseAs(assigned: boolean) {
        const client = await freshAdmin();
        const created = await call(
          h.app,
          operatorCaller(assigned ? "A's admin" : 'fresh admin', assigned ? a.tenant.clients.admin : client),
          'POST',
          '/v1/practice/sessions',
          { scenarios: ['no_smartphone'], ...(assigned ? { operatorId: client.operatorId } : {}) },
        );
        assert.equal(created.statusCode, 201, created.body);
        const id = (created.json() as { id: string }).id;
        const state = async () =>
          (await call(h.app, operatorCaller('fresh admin', client), 'GET', `/v1/practice/sessions/${id}`))
            .body;
        return { client, id, state };
      }

      /** A new admin of A with a session of its own, which sign-out or a password change may end. */
      async function freshAdmin(): Promise<OperatorClient> {
        const email = `csrf-${++counter}@tenant-a.example`;
        await h.createOperator(a.tenant, 'admin', email);
        return h.signIn(a.tenant, email);
      }

      async function freshCustomer(): Promise<string> {
        const response = await call(h.app, a.admin, 'POST', '/v1/customers', { displayName: 'CSRF target' });
        return (response.json() as { id: string }).id;
      }

      for (const op of cookieWrites) {
        it(`${op.method} ${op.path} without the right x-csrf-token -> 403 CSRF_FAILED, nothing changes`, async () => {
          const makeWrite = writes[op.id];
          assert.ok(makeWrite, `no CSRF request for ${op.id}: add one to writes`);
          const write = await makeWrite();
          const client = write.client ?? (await freshAdmin());
          const withToken = operatorCaller('right token', client);
          const { url, body, watch, state } = write;
          const initialState = await state?.();
          const cookies = { hda_session: client.cookie };
          const badTokens: Array<[string, Record<string, string>]> = [
            ['no header', {}],
            ['an empty token', { 'x-csrf-token': '' }],
            ['a wrong token', { 'x-csrf-token': 'A'.repeat(client.csrfToken.length) }],
            ["another session's token", { 'x-csrf-token': a.tenant.clients.admin.csrfToken }],
          ];
          const initial = await snapshot(h, a, watch);
          for (const [label, headers] of badTokens) {
            const caller: Caller = { name: label, auth: () => ({ cookies, headers }) };
            assertError(
              await call(h.app, caller, op.method, url, body),
              403,
              'CSRF_FAILED',
              `${op.id} with ${label}`,
            );
          }
          assertUnchanged(initial, await snapshot(h, a, watch), `${op.id} without the right token`);
          if (state) assert.equal(await state(), initialState, `${op.id} without the right token`);
          assertOk(await call(h.app, withToken, 'GET', '/v1/auth/session'), 'the session survives');

          // The same request with the right token goes through, so the refusals were the token's doing.
          assertOk(await call(h.app, withToken, op.method, url, body), `${op.id} with the right token`);
          // And the watched state shows it, so its staying put above meant something.
          if (state) assert.notEqual(await state(), initialState, `${op.id} with the right token`);
          covered.add(op.id);
        });
      }

      it('covered every cookie-authenticated write in the OpenAPI document', () => {
        assert.ok(cookieWrites.length >= 10, `only ${cookieWrites.length} cookie writes found`);
        assert.deepEqual([...covered].sort(), cookieWrites.map((op) => op.id).sort());
      });
    });
  });
}
