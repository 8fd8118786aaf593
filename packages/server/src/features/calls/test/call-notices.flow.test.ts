/**
 * A call notice end to end over real HTTP, on each database, with the real device SDK on the
 * customer's side: the agent starts it, the device gets a Web Push (local RFC 8030 push service)
 * and a live-channel event, fetches and verifies the notice against its pinned keys, the agent's
 * stream shows it viewed and confirmed; forged and replayed notices (another key, another
 * device's, expired, ended) are refused by the SDK; "is anyone calling?" answers with and without
 * a notice on the device and for an IVR's API key; a reported fake call is a fraud report that
 * reaches a real webhook receiver as call.reported and customer.fraud_reported.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { jwsTypes } from '@helpdesk-auth/core';
import {
  createDeviceClient,
  createMemoryKeyStore,
  type DeviceEvent,
  type DeviceState,
  isDeviceSdkError,
  usableServerKeys,
  verifyCallNotice,
} from '@helpdesk-auth/device-sdk';
import { decodeJwt, decodeProtectedHeader, generateKeyPair, SignJWT } from 'jose';
import { openEventStream } from '../../../test-support/event-stream-client.ts';
import {
  databaseKinds,
  type OperatorClient,
  startTestHarness,
  type TestHarness,
} from '../../../test-support/harness.ts';
import { postgresSkip } from '../../../test-support/postgres.ts';
import { startTestPushService, type TestPushService } from '../../../test-support/stand-ins/push-service.ts';
import {
  startWebhookReceiver,
  type WebhookReceiver,
} from '../../../test-support/stand-ins/webhook-receiver.ts';

const system = { type: 'system', id: null } as const;

async function refusedWith(promise: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(isDeviceSdkError(error), String(error));
    assert.equal(error.code, code, error.message);
    return true;
  });
}

for (const kind of databaseKinds) {
  describe(`call notices end to end on ${kind}`, {
    skip: kind === 'postgres' ? await postgresSkip() : false,
  }, () => {
    let h: TestHarness;
    let push: TestPushService;
    let receiver: WebhookReceiver;
    let agent: OperatorClient;
    let tenantId: string;
    const noticeResponses = new Map<string, string>();
    /** Answers GET /v1/device/call-notices/{id} with an old body instead of the server's (a replay). */
    const replays = new Map<string, string>();

    const asAgent = (write = false): Record<string, string> => ({
      cookie: `hda_session=${agent.cookie}`,
      ...(write ? { 'x-csrf-token': agent.csrfToken, 'content-type': 'application/json' } : {}),
    });

    /** The device's HTTP, recording each notice the server sent and replaying one when told to. */
    const recordingFetch: typeof fetch = async (input, init) => {
      const url = String(input);
      const id = /\/v1\/device\/call-notices\/(cal_[0-9A-Z]+)$/.exec(new URL(url).pathname)?.[1];
      if (id && replays.has(id)) {
        return new Response(replays.get(id), {
          status: 200,
          headers: { 'content-type': 'application/json' },
        });
      }
      const response = await fetch(input, init);
      if (id && response.ok) noticeResponses.set(id, await response.clone().text());
      return response;
    };

    async function enrolled(customerId: string, label: string, webPush: boolean) {
      const { code } = await h.runtime.services.devices.createActivation(tenantId, customerId, system);
      const pushConfig = (await (await fetch(`${h.baseUrl}/v1/device/push-config`)).json()) as {
        webPush: { vapidPublicKey: string };
      };
      const client = createDeviceClient({
        store: createMemoryKeyStore(),
        baseUrl: h.baseUrl,
        fetch: recordingFetch,
      });
      const state = await client.enroll(code, {
        label,
        platform: 'cli',
        ...(webPush
          ? {
              push: {
                kind: 'webpush' as const,
                subscription: push.createSubscription({
                  applicationServerKey: pushConfig.webPush.vapidPublicKey,
                }),
              },
            }
          : {}),
      });
      return { client, state };
    }

    async function startNotice(customerId: string, body: Record<string, unknown>) {
      const response = await fetch(`${h.baseUrl}/v1/customers/${customerId}/call-notices`, {
        method: 'POST',
        headers: asAgent(true),
        body: JSON.stringify({
          reason: 'About your card',
          team: 'Card Services',
          fromNumber: '+4930123456',
          ...body,
        }),
      });
      assert.equal(response.status, 201, await response.clone().text());
      return (await response.json()) as {
        id: string;
        code: string | null;
        delivery: { deviceId: string; channel: string; result: string }[];
      };
    }

    const trustOf = (state: DeviceState, id: string, now = Date.now()) => ({
      id,
      jwks: usableServerKeys(state, now),
      issuer: state.issuer,
      customerId: state.customerId,
      deviceId: state.deviceId,
      now,
    });

    /** Until the server counts the device's live channel as open (a cold start may take seconds). */
    async function waitForListener(deviceId: string) {
      const events = h.runtime.services.context.events;
      for (let i = 0; i < 1000 && events.listenerCount(`device:${deviceId}`) === 0; i++) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      assert.ok(events.listenerCount(`device:${deviceId}`) > 0, 'the live channel opened');
    }

    before(async () => {
      push = await startTestPushService();
      receiver = await startWebhookReceiver();
      h = await startTestHarness(
        kind,
        { pushAllowLoopback: true, webhookAllowLoopback: true },
        { listen: true, realClock: true, pushAgent: push.agent },
      );
      const tenant = await h.createTenant('acme');
      tenantId = tenant.id;
      const op = await h.createOperator(tenant, 'agent', 'jane@acme.example');
      agent = await h.signIn(tenant, op.email);
      const admin = await h.signIn(
        tenant,
        (await h.createOperator(tenant, 'admin', 'admin@acme.example')).email,
      );
      const created = await h.app.inject({
        method: 'POST',
        url: '/v1/webhooks',
        ...admin.auth(),
        payload: {
          url: receiver.url,
          events: [
            'call.started',
            'call.confirmed',
            'call.ended',
            'call.reported',
            'customer.fraud_reported',
          ],
        },
      });
      assert.equal(created.statusCode, 201, created.body);
      receiver.secrets = [(created.json() as { secret: string }).secret];
    });
    after(async () => {
      await h?.close();
      await push?.close();
      await receiver?.close();
    });

    it('reaches the device by push and live channel, verifies, is confirmed live, and ends everywhere', async () => {
      const customer = await h.runtime.services.customers.create(
        tenantId,
        { displayName: 'Alice Example' },
        system,
      );
      const phone = await enrolled(customer.id, "Alice's phone", true);
      const tablet = await enrolled(customer.id, "Alice's tablet", false);
      const events: DeviceEvent[] = [];
      const stop = new AbortController();
      const listening = phone.client.listen({ onEvent: (e) => void events.push(e), signal: stop.signal });
      try {
        await waitForListener(phone.state.deviceId);

        const notice = await startNotice(customer.id, { mutualCode: 'agent_reads' });
        assert.match(notice.code ?? '', /^[0-9]{6}$/);
        const delivery = Object.fromEntries(notice.delivery.map((d) => [d.deviceId, [d.channel, d.result]]));
        assert.deepEqual(
          delivery[phone.state.deviceId],
          ['live', 'delivered'],
          JSON.stringify(notice.delivery),
        );
        assert.deepEqual(
          delivery[tablet.state.deviceId],
          [null, 'unreachable'],
          JSON.stringify(notice.delivery),
        );
        const agentStream = await openEventStream(
          `${h.baseUrl}/v1/call-notices/${notice.id}/events`,
          asAgent(),
        );
        assert.equal(agentStream.status, 200);

        // Web Push: the push service got the notice's id only, encrypted to the device, urgent.
        const messages = await push.waitForMessages(1, 5000);
        const message = messages.find((m) => (m.payload as { id?: string }).id === notice.id);
        assert.deepEqual(
          message?.payload,
          { type: 'call_notice', id: notice.id },
          JSON.stringify(push.received),
        );
        assert.equal(message?.urgency, 'high');
        // The live channel: the event names the notice.
        for (let i = 0; i < 300 && !events.some((e) => e.type === 'call_notice'); i++)
          await new Promise((r) => setTimeout(r, 10));
        assert.ok(
          events.some((e) => e.type === 'call_notice' && e.id === notice.id),
          JSON.stringify(events),
        );
        await agentStream.waitFor((e) => e.type === 'state' && e.data.status === 'active');

        // The device fetches the notice and checks the server's signature against its pinned keys.
        const shown = await phone.client.fetchCallNotice(notice.id);
        assert.deepEqual(
          [shown.tenant.name, shown.agentName, shown.team, shown.reason, shown.fromNumber, shown.code],
          ['Tenant acme', 'agent of acme', 'Card Services', 'About your card', '+4930123456', notice.code],
        );
        await agentStream.waitFor(
          (e) => e.type === 'call.viewed' && e.data.deviceId === phone.state.deviceId,
        );

        // "Is anyone calling?" answers with this notice, verified.
        const check = await phone.client.currentCall();
        assert.equal(check.active, true);
        assert.equal(check.notice?.id, notice.id);

        // Replays: the tablet's copy shown on the phone, a forgery under the server's key id.
        const tabletCopy = await tablet.client.fetchCallNotice(notice.id);
        assert.equal(tabletCopy.id, notice.id);
        const tabletJws = (JSON.parse(noticeResponses.get(notice.id)!) as { jws: string }).jws;
        assert.equal(decodeJwt(tabletJws).aud, tablet.state.deviceId);
        await refusedWith(
          verifyCallNotice(tabletJws, trustOf(phone.state, notice.id)),
          'CALL_NOTICE_INVALID',
        );
        const forger = await generateKeyPair('ES256');
        const forged = await new SignJWT({ ...decodeJwt(tabletJws), aud: phone.state.deviceId })
          .setProtectedHeader({
            alg: 'ES256',
            typ: jwsTypes.callNotice,
            kid: decodeProtectedHeader(tabletJws).kid!,
          })
          .sign(forger.privateKey);
        await refusedWith(verifyCallNotice(forged, trustOf(phone.state, notice.id)), 'CALL_NOTICE_INVALID');
        // The phone's own genuine copy, after its time: expired.
        const phoneJws = (
          await (async () => {
            await phone.client.fetchCallNotice(notice.id);
            return JSON.parse(noticeResponses.get(notice.id)!) as { jws: string };
          })()
        ).jws;
        const expiresAt = (decodeJwt(phoneJws).exp as number) * 1000;
        await refusedWith(
          verifyCallNotice(phoneJws, trustOf(phone.state, notice.id, expiresAt + 61_000)),
          'CALL_NOTICE_EXPIRED',
        );

        // The customer heard the code the app shows: confirmed, live on the agent's screen.
        const answer = await phone.client.confirmCall(shown, 'confirmed');
        assert.deepEqual(answer, { confirmation: 'confirmed', reportId: null });
        await agentStream.waitFor(
          (e) => e.type === 'call.confirmed' && e.data.deviceId === phone.state.deviceId,
        );

        // The agent ends the call: the stream ends with it, the device hears it live.
        const ended = await fetch(`${h.baseUrl}/v1/call-notices/${notice.id}/end`, {
          method: 'POST',
          headers: asAgent(true),
        });
        assert.equal(ended.status, 200);
        await agentStream.waitFor((e) => e.type === 'call.ended');
        for (let i = 0; i < 300 && !events.some((e) => e.type === 'call_notice_ended'); i++)
          await new Promise((r) => setTimeout(r, 10));
        assert.ok(events.some((e) => e.type === 'call_notice_ended' && e.id === notice.id));
        await agentStream.close();

        // After the end: the server signs the notice as ended, and an old active copy replayed to the
        // device is refused because the device heard it end.
        await refusedWith(phone.client.fetchCallNotice(notice.id), 'CALL_NOTICE_ENDED');
        replays.set(notice.id, JSON.stringify({ id: notice.id, jws: phoneJws }));
        await refusedWith(phone.client.fetchCallNotice(notice.id), 'CALL_NOTICE_ENDED');
        replays.delete(notice.id);
        const none = await phone.client.currentCall();
        assert.deepEqual([none.active, none.notice], [false, null]);
      } finally {
        stop.abort();
        await listening;
      }
    });

    it('answers the IVR by API key, with and without a genuine call', async () => {
      const customer = await h.runtime.services.customers.create(
        tenantId,
        { displayName: 'Ivy Ivr' },
        system,
      );
      const key = await h.createApiKey({ id: tenantId, slug: 'acme' }, ['calls:read']);
      const ask = async () =>
        (await (
          await fetch(`${h.baseUrl}/v1/customers/${customer.id}/call-notices/active`, {
            headers: { authorization: `Bearer ${key}` },
          })
        ).json()) as { active: boolean; notice: { id: string; code: string | null; reason: string } | null };
      assert.deepEqual(await ask(), { active: false, notice: null });
      // A customer without any device still gets the notice, for this check.
      const notice = await startNotice(customer.id, { mutualCode: 'agent_reads' });
      assert.deepEqual(notice.delivery, []);
      const answer = await ask();
      assert.equal(answer.active, true);
      assert.equal(answer.notice?.id, notice.id);
      assert.equal(answer.notice?.code, null);
      await fetch(`${h.baseUrl}/v1/call-notices/${notice.id}/end`, {
        method: 'POST',
        headers: asAgent(true),
      });
      assert.deepEqual(await ask(), { active: false, notice: null });
    });

    it('a fake call the customer reports becomes a fraud report, delivered to a real webhook receiver', async () => {
      const customer = await h.runtime.services.customers.create(
        tenantId,
        { displayName: 'Fred Fraud' },
        system,
      );
      const phone = await enrolled(customer.id, "Fred's phone", false);
      const check = await phone.client.currentCall();
      assert.equal(check.active, false, 'nobody from the bank is calling');
      const { reportId } = await phone.client.reportCall({
        numberSeen: '+49 30 9999 0000',
        note: 'Wanted my TAN',
      });
      assert.match(reportId, /^clr_/);

      const flagged = await h.app.inject({
        method: 'GET',
        url: `/v1/customers/${customer.id}/methods?action=verify_caller`,
        headers: asAgent(),
      });
      assert.equal(flagged.statusCode, 200, flagged.body);
      const push = (
        flagged.json() as { methods: { method: string; reasons: { code: string }[] }[] }
      ).methods.find((m) => m.method === 'push');
      assert.ok(
        push?.reasons.some((r) => r.code === 'PUSH_LOCKED_FRAUD'),
        'push is locked as after any fraud report',
      );

      await h.runtime.services.webhooks.runOnce();
      const received = receiver.received.filter((r) => r.event.data.customerId === customer.id);
      const types = received.map((r) => r.event.type).sort();
      assert.deepEqual(types, ['call.reported', 'customer.fraud_reported']);
      for (const r of received) assert.equal(r.validSignatures, 1);
      const reported = received.find((r) => r.event.type === 'call.reported')!;
      assert.equal(reported.event.data.reportId, reportId);
      assert.equal(reported.event.data.deviceId, phone.state.deviceId);
      assert.ok(!reported.body.includes('9999'), 'the number the customer saw stays out of webhooks');
      const fraud = received.find((r) => r.event.type === 'customer.fraud_reported')!;
      assert.equal(fraud.event.data.callReportId, reportId);
    });
  });
}
