// Shared steps of the CIBA and Keycloak test suites.
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeJwt } from 'jose';
import { cliActor } from '../platform/audit-log.ts';
import type { TestHarness, TestTenant } from './harness.ts';
import { enrollTestDevice, type TestDevice } from './test-device.ts';

/**
 * Shared steps of the CIBA and Keycloak suites: a tenant with an admin, a customer whose phone
 * is a raw-protocol test device, OpenID clients registered through the admin API, and the phone's
 * side of a request (find it, read what it shows, approve or deny).
 */
export interface CibaSide {
  tenant: TestTenant;
  adminKey: string;
  customerId: string;
  device: TestDevice;
}

export async function cibaSide(
  h: TestHarness,
  slug: string,
  customer: { externalId: string; email: string; phone: string },
): Promise<CibaSide> {
  const tenant = await h.createTenant(slug);
  const adminKey = await h.createApiKey(tenant, [
    'oidc-clients:read',
    'oidc-clients:write',
    'verifications:read',
    'customers:read',
  ]);
  const created = await h.runtime.services.customers.create(
    tenant.id,
    { displayName: `Customer of ${slug}`, ...customer },
    cliActor,
  );
  return { tenant, adminKey, customerId: created.id, device: await enrollPhone(h, tenant, created.id) };
}

export async function enrollPhone(
  h: TestHarness,
  tenant: TestTenant,
  customerId: string,
): Promise<TestDevice> {
  const activation = await h.runtime.services.devices.createActivation(tenant.id, customerId, cliActor);
  return enrollTestDevice(h.app, {
    publicUrl: h.config.publicUrl,
    activationCode: activation.code,
    // The server's own clock: the test's, or the real one when the harness runs in real time.
    now: h.runtime.services.context.clock,
  });
}

export async function registerClient(
  h: TestHarness,
  side: CibaSide,
  body: Record<string, unknown>,
): Promise<{ id: string; secret: string | null }> {
  const response = await h.app.inject({
    method: 'POST',
    url: '/v1/oidc-clients',
    headers: { authorization: `Bearer ${side.adminKey}` },
    payload: body,
  });
  assert.equal(response.statusCode, 201, response.body);
  const created = response.json() as { client: { id: string }; clientSecret: string | null };
  return { id: created.client.id, secret: created.clientSecret };
}

/** What the phone shows: its pending requests, each decoded from the server-signed JWS. */
export async function pendingOnPhone(
  h: TestHarness,
  device: TestDevice,
): Promise<Array<{ id: string; reason: string; agentName: string; tenantName: string }>> {
  const response = await h.app.inject({
    method: 'GET',
    url: '/v1/device/verifications',
    headers: { 'device-proof': await device.proof('GET', '/v1/device/verifications') },
  });
  assert.equal(response.statusCode, 200, response.body);
  const { verifications } = response.json() as { verifications: Array<{ id: string; request: string }> };
  return verifications.map((v) => {
    const claims = decodeJwt(v.request) as { reason: string; agentName: string; tenantName: string };
    return { id: v.id, reason: claims.reason, agentName: claims.agentName, tenantName: claims.tenantName };
  });
}

/** The customer answers on the phone: approve with the code heard on the call, or deny. */
export async function answerOnPhone(
  h: TestHarness,
  device: TestDevice,
  verificationId: string,
  answer: { approveWith: string } | 'deny' | 'report_fraud',
): Promise<void> {
  const signedDecision =
    typeof answer === 'object'
      ? await device.decide(verificationId, 'approve', { code: answer.approveWith })
      : await device.decide(verificationId, answer);
  const response = await h.app.inject({
    method: 'POST',
    url: `/v1/device/verifications/${verificationId}/decision`,
    payload: { signedDecision },
  });
  assert.equal(response.statusCode, 200, response.body);
}

export interface ReceivedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * A local HTTP server standing in for a party this server calls (a CIBA client's notification
 * endpoint). `respond` decides each answer; every request is kept.
 */
export async function startReceiver(
  respond: (request: ReceivedRequest) => { status: number; body?: unknown } = () => ({ status: 204 }),
): Promise<{
  url: string;
  received: ReceivedRequest[];
  next(): Promise<ReceivedRequest>;
  close(): Promise<void>;
}> {
  const received: ReceivedRequest[] = [];
  const waiting: Array<(request: ReceivedRequest) => void> = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      received.push(request);
      const answer = respond(request);
      res.writeHead(answer.status, answer.body === undefined ? {} : { 'content-type': 'application/json' });
      res.end(answer.body === undefined ? undefined : JSON.stringify(answer.body));
      waiting.shift()?.(request);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  let seen = 0;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    /** The next request not yet returned by next(), waiting for it if need be. */
    next() {
      const index = seen++;
      const already = received[index];
      if (already) return Promise.resolve(already);
      return new Promise((resolve) => waiting.push(resolve));
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A form-encoded POST to a protocol endpoint, as an OAuth client sends it. */
export function formPost(
  h: TestHarness,
  url: string,
  params: Record<string, string>,
  headers: Record<string, string> = {},
) {
  return h.app.inject({
    method: 'POST',
    url,
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    payload: new URLSearchParams(params).toString(),
  });
}

export const basicAuth = (id: string, secret: string) =>
  `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

/**
 * Clears the push lock a denial or fraud report may have set for the side's customer, as an
 * admin does after review (docs/policy.md), so the next test starts from a usable push.
 */
export async function clearPushLock(h: TestHarness, side: CibaSide): Promise<void> {
  h.clock.advance(1);
  await h.runtime.services.fallbacks.methods.clearPushLock(side.tenant.id, side.customerId, cliActor);
}
