/**
 * The whole push verification over real HTTP, on each database: an agent creates an activation,
 * the device SDK enrolls with it (with a Web Push subscription at a local push service), the
 * agent starts a verification, the push service receives the encrypted id, the device's live
 * channel hears of it, the device fetches and verifies the signed request, approves with the
 * code the agent reads out, and the agent's event stream shows each step up to "approved".
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { verifyAuditChain } from '@helpdesk-auth/core/audit-chain';
import { createDeviceClient, createMemoryKeyStore, type DeviceEvent } from '@helpdesk-auth/device-sdk';
import { readAuditChain } from '../../../platform/audit-log.ts';
import { openEventStream } from '../../../test-support/event-stream-client.ts';
import {
  databaseKinds,
  type OperatorClient,
  startTestHarness,
  type TestHarness,
} from '../../../test-support/harness.ts';
import { postgresSkip } from '../../../test-support/postgres.ts';
import { startTestPushService, type TestPushService } from '../../../test-support/stand-ins/push-service.ts';

for (const kind of databaseKinds) {
  describe(`push verification end to end on ${kind}`, {
    skip: kind === 'postgres' ? await postgresSkip() : false,
  }, () => {
    let h: TestHarness;
    let push: TestPushService;
    let agent: OperatorClient;
    let tenantId: string;

    /** The agent's browser: session cookie, and the CSRF token on writes. */
    const asAgent = (write = false): Record<string, string> => ({
      cookie: `hda_session=${agent.cookie}`,
      ...(write ? { 'x-csrf-token': agent.csrfToken, 'content-type': 'application/json' } : {}),
    });

    before(async () => {
      push = await startTestPushService();
      // The local push service listens on loopback, which push endpoints may reach only in development.
      h = await startTestHarness(
        kind,
        { pushAllowLoopback: true },
        { listen: true, realClock: true, pushAgent: push.agent },
      );
      const tenant = await h.createTenant('acme');
      tenantId = tenant.id;
      const op = await h.createOperator(tenant, 'agent', 'ada@acme.example');
      agent = await h.signIn(tenant, op.email);
    });
    after(async () => {
      await h?.close();
      await push?.close();
    });

    async function customerWithActivation(displayName: string) {
      const system = { type: 'system', id: null } as const;
      const customer = await h.runtime.services.customers.create(tenantId, { displayName }, system);
      const { code } = await h.runtime.services.devices.createActivation(tenantId, customer.id, system);
      return { customer, activationCode: code };
    }

    it('enrolls, starts, delivers, fetches, approves with the code, and the agent sees each step live', async () => {
      const customer = await h.runtime.services.customers.create(
        tenantId,
        { displayName: 'Alice Example' },
        { type: 'system', id: null },
      );

      // The agent creates an activation for a customer at the counter (an operator's QR code needs
      // an identity check); the customer opens the link on the device.
      const activationResponse = await fetch(`${h.baseUrl}/v1/customers/${customer.id}/activations`, {
        method: 'POST',
        headers: asAgent(true),
        body: JSON.stringify({ inBranchCheck: { note: 'Passport seen at the counter' } }),
      });
      assert.equal(activationResponse.status, 201);
      const activation = (await activationResponse.json()) as { link: string; code: string };
      assert.match(activation.link, new RegExp(`^${h.baseUrl}/app/activate#code=`));

      const pushConfig = (await (await fetch(`${h.baseUrl}/v1/device/push-config`)).json()) as {
        webPush: { vapidPublicKey: string };
      };
      const subscription = push.createSubscription({
        applicationServerKey: pushConfig.webPush.vapidPublicKey,
      });
      const device = createDeviceClient({ store: createMemoryKeyStore(), baseUrl: h.baseUrl });
      const state = await device.enroll(activation.link, {
        label: "Alice's phone",
        platform: 'cli',
        push: { kind: 'webpush', subscription },
      });
      assert.equal(state.customerId, customer.id);
      assert.equal(state.tenant.name, 'Tenant acme');

      // The device keeps its live channel open; the agent watches their own verifications.
      const deviceEvents: DeviceEvent[] = [];
      const stopListening = new AbortController();
      const listening = device.listen({
        onEvent: (e) => void deviceEvents.push(e),
        signal: stopListening.signal,
      });
      const agentStream = await openEventStream(`${h.baseUrl}/v1/events`, asAgent());
      assert.equal(agentStream.status, 200);
      assert.match(agentStream.contentType ?? '', /^text\/event-stream/);
      // The device's stream is open once the server counts a listener for it.
      for (
        let i = 0;
        i < 200 && h.runtime.services.context.events.listenerCount(`device:${state.deviceId}`) === 0;
        i++
      ) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }

      const started = await fetch(`${h.baseUrl}/v1/verifications`, {
        method: 'POST',
        headers: asAgent(true),
        body: JSON.stringify({
          customerId: customer.id,
          reason: 'Card replacement',
          callReference: 'CALL-1',
        }),
      });
      assert.equal(started.status, 201);
      const verification = (await started.json()) as {
        id: string;
        code: string;
        status: string;
        codeLength: number;
      };
      assert.equal(verification.status, 'pending');
      assert.match(verification.code, /^\d{2}$/);

      // Web Push: the push service got exactly the id, encrypted to the device, VAPID-signed.
      const [message] = await push.waitForMessages(1, 5000);
      assert.deepEqual(message!.payload, { type: 'verification', id: verification.id });
      assert.equal(message!.urgency, 'high');
      assert.equal(message!.vapidPublicKey, pushConfig.webPush.vapidPublicKey);

      await agentStream.waitFor((e) => e.type === 'delivered' && e.data.channel === 'live');
      await agentStream.waitFor((e) => e.type === 'sent' && e.data.channel === 'webpush');

      // The device fetches the request and checks the server's signature against its pinned keys.
      const request = await device.fetchRequest(verification.id);
      assert.equal(request.reason, 'Card replacement');
      assert.equal(request.agentName, 'agent of acme');
      assert.equal(request.tenantName, 'Tenant acme');
      assert.equal(request.codeLength, 2);
      assert.equal(request.status, 'pending');
      await agentStream.waitFor((e) => e.type === 'opened' && e.data.verificationId === verification.id);

      const outcome = await device.decide(request, { decision: 'approve', code: verification.code });
      assert.equal(outcome.status, 'approved');

      const approved = await agentStream.waitFor((e) => e.type === 'approved');
      assert.equal(approved.data.verificationId, verification.id);
      assert.equal(approved.data.deviceId, state.deviceId);
      assert.ok(
        deviceEvents.some(
          (e) => e.type === 'verification' && e.id === verification.id && e.status === 'pending',
        ),
        'the live channel announced the request',
      );

      const detail = await fetch(`${h.baseUrl}/v1/verifications/${verification.id}`, { headers: asAgent() });
      const body = (await detail.json()) as {
        status: string;
        code: string | null;
        assurance: string;
        delivery: string;
        decidedByDeviceId: string;
        timeline: { type: string }[];
      };
      assert.equal(body.status, 'approved');
      assert.equal(body.code, null, 'the code is not shown once the verification is final');
      assert.equal(body.assurance, 'substantial');
      assert.equal(body.delivery, 'opened');
      assert.equal(body.decidedByDeviceId, state.deviceId);
      assert.deepEqual(
        body.timeline.map((e) => e.type).filter((t) => t !== 'sent' && t !== 'delivered'),
        ['started', 'opened', 'approved'],
      );

      // The evidence: audited in the same transactions, chain intact, no code in the log.
      const entries = [];
      for await (const entry of readAuditChain(h.runtime.database.db, tenantId)) entries.push(entry);
      const actions = entries.map((e) => e.action);
      for (const action of [
        'device.activation_created',
        'device.enrolled',
        'verification.started',
        'verification.approved',
      ]) {
        assert.ok(actions.includes(action), `audit has ${action}`);
      }
      assert.equal(verifyAuditChain(tenantId, entries).ok, true);
      const startEntry = entries.find(
        (e) => e.action === 'verification.started' && e.targetId === verification.id,
      );
      assert.deepEqual(Object.keys(JSON.parse(startEntry!.data)).sort(), [
        'actionSummary',
        'callReference',
        'customerId',
        'method',
        'purpose',
        'reason',
      ]);
      for (const line of h.logLines) assert.ok(!line.includes(activation.code), 'no activation code in logs');

      stopListening.abort();
      await listening;
      await agentStream.close();
      // A client that hangs up leaves no subscription behind.
      const hub = h.runtime.services.context.events;
      for (let i = 0; i < 200 && hub.listenerCount(`device:${state.deviceId}`) > 0; i++) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      assert.equal(hub.listenerCount(`device:${state.deviceId}`), 0);
      assert.equal(hub.listenerCount(`starter:${tenantId}:${agent.operatorId}`), 0);
    });

    it('a push subscription the push service calls gone (410) is removed; the device is then unreachable', async () => {
      const { customer, activationCode } = await customerWithActivation('Gina');
      const subscription = push.createSubscription();
      const device = createDeviceClient({ store: createMemoryKeyStore(), baseUrl: h.baseUrl });
      const state = await device.enroll(activationCode, {
        label: 'Old phone',
        platform: 'cli',
        push: { kind: 'webpush', subscription },
      });
      push.respondWith(subscription.endpoint, 410);
      const start = () =>
        fetch(`${h.baseUrl}/v1/verifications`, {
          method: 'POST',
          headers: asAgent(true),
          body: JSON.stringify({ customerId: customer.id, reason: 'Lost card' }),
        }).then((r) => r.json() as Promise<{ id: string }>);
      const first = await start();
      const detail = async (id: string) =>
        (await (await fetch(`${h.baseUrl}/v1/verifications/${id}`, { headers: asAgent() })).json()) as {
          delivery: string;
          timeline: { type: string; detail: string | null; channel: string | null }[];
        };
      let firstDetail = await detail(first.id);
      for (let i = 0; i < 200 && firstDetail.delivery === 'pending'; i++) {
        await new Promise((resolve) => setTimeout(resolve, 10));
        firstDetail = await detail(first.id);
      }
      assert.equal(firstDetail.delivery, 'unreachable');
      const unreachable = firstDetail.timeline.find((e) => e.type === 'unreachable') as Record<
        string,
        unknown
      >;
      assert.equal(unreachable.deviceId, state.deviceId);
      assert.equal(unreachable.channel, 'webpush');
      assert.equal(unreachable.detail, 'subscription gone');
      assert.equal((await device.device()).push, null, 'the gone subscription was removed');
      const received = push.received.length;
      const second = await start();
      const secondDetail = await detail(second.id);
      assert.equal(secondDetail.delivery, 'unreachable');
      assert.equal(push.received.length, received, 'nothing more is sent to a removed subscription');
    });

    it("one verification's event stream starts with its state and ends with its final status", async () => {
      const { customer, activationCode } = await customerWithActivation('Hana');
      const device = createDeviceClient({ store: createMemoryKeyStore(), baseUrl: h.baseUrl });
      await device.enroll(activationCode, { label: 'Hana phone', platform: 'cli' });
      const started = (await (
        await fetch(`${h.baseUrl}/v1/verifications`, {
          method: 'POST',
          headers: asAgent(true),
          body: JSON.stringify({ customerId: customer.id, reason: 'Limit change' }),
        })
      ).json()) as { id: string; code: string };
      const stream = await openEventStream(`${h.baseUrl}/v1/verifications/${started.id}/events`, asAgent());
      const state = await stream.waitFor((e) => e.type === 'state');
      assert.equal(state.data.status, 'pending');
      const request = await device.fetchRequest(started.id);
      await device.decide(request, { decision: 'report_fraud' });
      await stream.waitFor((e) => e.type === 'fraud_reported');
      await stream.untilEnded();
      assert.deepEqual(
        stream.events.map((e) => e.type),
        ['state', 'opened', 'fraud_reported'],
      );
      // A finished verification's stream gives its final state and ends at once.
      const late = await openEventStream(`${h.baseUrl}/v1/verifications/${started.id}/events`, asAgent());
      await late.untilEnded();
      assert.deepEqual(late.events, [
        { type: 'state', data: { verificationId: started.id, status: 'fraud_reported', delivery: 'opened' } },
      ]);
    });

    it("a new enrollment is announced on the customer's other devices; a revoked device's channel ends", async () => {
      const { customer, activationCode } = await customerWithActivation('Ivo');
      const first = createDeviceClient({ store: createMemoryKeyStore(), baseUrl: h.baseUrl });
      const firstState = await first.enroll(activationCode, { label: 'Ivo phone', platform: 'cli' });
      const heard: DeviceEvent[] = [];
      const listening = first.listen({ onEvent: (e) => void heard.push(e) });
      for (
        let i = 0;
        i < 200 && h.runtime.services.context.events.listenerCount(`device:${firstState.deviceId}`) === 0;
        i++
      ) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      const second = await h.runtime.services.devices.createActivation(tenantId, customer.id, {
        type: 'system',
        id: null,
      });
      const secondDevice = createDeviceClient({ store: createMemoryKeyStore(), baseUrl: h.baseUrl });
      const secondState = await secondDevice.enroll(second.code, { label: 'Ivo tablet', platform: 'web' });
      for (let i = 0; i < 200 && !heard.some((e) => e.type === 'device-enrolled'); i++) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      assert.deepEqual(
        heard.find((e) => e.type === 'device-enrolled'),
        { type: 'device-enrolled', deviceId: secondState.deviceId, label: 'Ivo tablet', platform: 'web' },
      );
      // The agent revokes the first device: its live channel says so and ends.
      const revoke = await fetch(`${h.baseUrl}/v1/devices/${firstState.deviceId}`, {
        method: 'DELETE',
        headers: asAgent(true),
      });
      assert.equal(revoke.status, 200);
      await listening;
      assert.deepEqual(heard.at(-1), { type: 'device-revoked', deviceId: firstState.deviceId });
      await assert.rejects(first.device(), (error: { code?: string }) => error.code === 'DEVICE_REVOKED');
    });

    it('a long-poll (?wait=) answers as soon as the device decides', async () => {
      const { customer, activationCode } = await customerWithActivation('Bob');
      const device = createDeviceClient({ store: createMemoryKeyStore(), baseUrl: h.baseUrl });
      await device.enroll(activationCode, { label: 'Bob phone', platform: 'cli' });
      const key = await h.createApiKey({ id: tenantId, slug: 'acme' }, [
        'verifications:read',
        'verifications:write',
      ]);
      const auth = { authorization: `Bearer ${key}` };
      const started = (await (
        await fetch(`${h.baseUrl}/v1/verifications`, {
          method: 'POST',
          headers: { ...auth, 'content-type': 'application/json' },
          body: JSON.stringify({
            customerId: customer.id,
            reason: 'Address change',
            agentName: 'Zed from Zendesk',
          }),
        })
      ).json()) as { id: string; code: string };
      const waiting = fetch(`${h.baseUrl}/v1/verifications/${started.id}?wait=30`, { headers: auth });
      const [request] = await device.pendingRequests();
      assert.equal(request!.id, started.id);
      assert.equal(request!.agentName, 'Zed from Zendesk');
      await device.decide(request!, { decision: 'deny' });
      const answer = (await (await waiting).json()) as { status: string; assurance: string | null };
      assert.equal(answer.status, 'denied');
      assert.equal(answer.assurance, null);
    });
  });
}
