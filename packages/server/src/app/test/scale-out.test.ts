/**
 * Two server processes behind one PostgreSQL database and one Redis, as in a scaled-out
 * installation: the agent's event stream is held by one, the device talks to the other, and the
 * agent still sees the request delivered and approved, live; and a signing-key rotation on one
 * is followed by the other at once; a practice caller's simulated phone answers once, whichever
 * process heard the request, also after the process that enrolled it stopped.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createDeviceClient, createMemoryKeyStore } from '@helpdesk-auth/device-sdk';
import { openFraudCase } from '../../features/fraud-cases/index.ts';
import { sealAuditBacklog } from '../../platform/audit-log.ts';
import { inTransaction } from '../../storage/atomic.ts';
import { openEventStream } from '../../test-support/event-stream-client.ts';
import { type OperatorClient, startTestHarness, type TestHarness } from '../../test-support/harness.ts';
import { postgresSkip } from '../../test-support/postgres.ts';
import { redisSkip, testRedisUrl } from '../../test-support/redis.ts';

const skip = (await postgresSkip()) || (await redisSkip());

describe('two server processes sharing PostgreSQL and Redis', { skip }, () => {
  let a: TestHarness;
  let b: TestHarness;
  let agent: OperatorClient;
  let tenantId: string;
  /** The practice case stops A before the end; the others run before it. */
  let aStopped = false;

  before(async () => {
    // Both processes share what they would in production: the encryption key, and the public
    // URL (a load balancer's; here B's address, which is where the device goes).
    const shared = { redisUrl: testRedisUrl, encryptionKey: randomBytes(32).toString('base64') };
    b = await startTestHarness('postgres', shared, { listen: true, realClock: true });
    a = await startTestHarness(
      'postgres',
      { ...shared, databaseUrl: b.config.databaseUrl, publicUrl: b.config.publicUrl },
      { listen: true, realClock: true },
    );
    const tenant = await a.createTenant('scale');
    tenantId = tenant.id;
    const operator = await a.createOperator(tenant, 'agent');
    agent = await a.signIn(tenant, operator.email);
  });
  after(async () => {
    if (!aStopped) await a?.close();
    await b?.close();
  });

  it('an agent on one process sees the decision a device makes on the other', async () => {
    const system = { type: 'system', id: null } as const;
    const customer = await a.runtime.services.customers.create(tenantId, { displayName: 'Jo' }, system);
    const activation = await a.runtime.services.devices.createActivation(tenantId, customer.id, system);
    // The device knows only process B.
    const device = createDeviceClient({ store: createMemoryKeyStore(), baseUrl: b.baseUrl });
    const state = await device.enroll(activation.code, { label: 'Jo phone', platform: 'cli' });
    const stopListening = new AbortController();
    const pending: string[] = [];
    const listening = device.listen({
      signal: stopListening.signal,
      onEvent: (event) => {
        if (event.type === 'verification' && event.status === 'pending') pending.push(event.id);
      },
    });
    for (
      let i = 0;
      i < 200 && !(await a.runtime.services.context.events.isListening(`device:${state.deviceId}`));
      i++
    ) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }

    const cookie = { cookie: `hda_session=${agent.cookie}` };
    const stream = await openEventStream(`${a.baseUrl}/v1/events`, cookie);
    const started = await fetch(`${a.baseUrl}/v1/verifications`, {
      method: 'POST',
      headers: { ...cookie, 'x-csrf-token': agent.csrfToken, 'content-type': 'application/json' },
      body: JSON.stringify({ customerId: customer.id, reason: 'Address change' }),
    });
    assert.equal(started.status, 201);
    const verification = (await started.json()) as { id: string; code: string; delivery: string };
    assert.equal(verification.delivery, 'delivered', "A knows B holds the device's live channel");

    for (let i = 0; i < 200 && !pending.includes(verification.id); i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    assert.ok(pending.includes(verification.id), 'the device heard of the request through B');
    const request = await device.fetchRequest(verification.id);
    assert.equal(
      (await device.decide(request, { decision: 'approve', code: verification.code })).status,
      'approved',
    );

    const approved = await stream.waitFor((e) => e.type === 'approved');
    assert.equal(approved.data.verificationId, verification.id);
    assert.ok(
      stream.events.some((e) => e.type === 'opened'),
      "B's 'opened' reached A's stream",
    );

    stopListening.abort();
    await listening;
    await stream.close();
  });

  it('a call notice started on one process reaches the device on the other, its answer reaches the agent, and it expires once', async () => {
    const system = { type: 'system', id: null } as const;
    const customer = await a.runtime.services.customers.create(tenantId, { displayName: 'Cal' }, system);
    const activation = await a.runtime.services.devices.createActivation(tenantId, customer.id, system);
    const device = createDeviceClient({ store: createMemoryKeyStore(), baseUrl: b.baseUrl });
    const state = await device.enroll(activation.code, { label: 'Cal phone', platform: 'cli' });
    const heard: string[] = [];
    const stopListening = new AbortController();
    const listening = device.listen({
      signal: stopListening.signal,
      onEvent: (event) => {
        if (event.type === 'call_notice') heard.push(event.id);
      },
    });
    for (
      let i = 0;
      i < 200 && !(await a.runtime.services.context.events.isListening(`device:${state.deviceId}`));
      i++
    ) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const cookie = { cookie: `hda_session=${agent.cookie}` };
    const started = await fetch(`${a.baseUrl}/v1/customers/${customer.id}/call-notices`, {
      method: 'POST',
      headers: { ...cookie, 'x-csrf-token': agent.csrfToken, 'content-type': 'application/json' },
      body: JSON.stringify({ reason: 'About your card', mutualCode: 'agent_reads' }),
    });
    assert.equal(started.status, 201);
    const notice = (await started.json()) as { id: string; code: string; delivery: { result: string }[] };
    assert.deepEqual(
      notice.delivery.map((d) => d.result),
      ['delivered'],
      "A knows B holds the device's live channel",
    );
    const stream = await openEventStream(`${a.baseUrl}/v1/call-notices/${notice.id}/events`, cookie);
    for (let i = 0; i < 200 && !heard.includes(notice.id); i++) await new Promise((r) => setTimeout(r, 10));
    assert.ok(heard.includes(notice.id), 'the device heard of the notice through B');
    const shown = await device.fetchCallNotice(notice.id);
    assert.equal(shown.code, notice.code);
    await device.confirmCall(shown, 'confirmed');
    await stream.waitFor((e) => e.type === 'call.confirmed');
    assert.ok(
      stream.events.some((e) => e.type === 'call.viewed'),
      "B's 'viewed' reached A's stream",
    );
    stopListening.abort();
    await listening;

    // Its time runs out while both processes sweep: one expiry, one audit entry.
    await a.runtime.database.db
      .updateTable('call_notices')
      .set({ expires_at: Date.now() - 1000 })
      .where('id', '=', notice.id)
      .execute();
    const swept = await Promise.all([
      a.runtime.services.calls.expireDue(),
      b.runtime.services.calls.expireDue(),
      a.runtime.services.calls.expireDue(),
      b.runtime.services.calls.expireDue(),
    ]);
    assert.equal(
      swept.reduce((x, y) => x + y, 0),
      1,
    );
    await stream.waitFor((e) => e.type === 'call.expired');
    await stream.close();
    await sealAuditBacklog(a.runtime.database.db);
    const expired = await a.runtime.database.db
      .selectFrom('audit_events')
      .select('id')
      .where('target_id', '=', notice.id)
      .where('action', '=', 'call.expired')
      .execute();
    assert.equal(expired.length, 1);
  });

  it("a supervisor's fraud queue on one process hears of a fraud report made through the other", async () => {
    const system = { type: 'system', id: null } as const;
    const tenant = { id: tenantId, slug: 'scale' };
    const operator = await a.createOperator(tenant, 'supervisor', 'supervisor@scale.example');
    const supervisor = await a.signIn(tenant, operator.email);
    const customer = await a.runtime.services.customers.create(tenantId, { displayName: 'Fi' }, system);
    const activation = await a.runtime.services.devices.createActivation(tenantId, customer.id, system);
    const device = createDeviceClient({ store: createMemoryKeyStore(), baseUrl: b.baseUrl });
    await device.enroll(activation.code, { label: 'Fi phone', platform: 'cli' });

    const stream = await openEventStream(`${a.baseUrl}/v1/fraud-cases/events`, {
      cookie: `hda_session=${supervisor.cookie}`,
    });
    const started = await fetch(`${b.baseUrl}/v1/verifications`, {
      method: 'POST',
      headers: {
        cookie: `hda_session=${agent.cookie}`,
        'x-csrf-token': agent.csrfToken,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ customerId: customer.id, reason: 'Card limit' }),
    });
    assert.equal(started.status, 201);
    const { id } = (await started.json()) as { id: string };
    const request = await device.fetchRequest(id);
    assert.equal((await device.decide(request, { decision: 'report_fraud' })).status, 'fraud_reported');

    const alert = await stream.waitFor((e) => e.type === 'fraud_case' && e.data.customerId === customer.id);
    assert.equal(alert.data.change, 'opened');
    await stream.close();
  });

  it('two processes recording the same fraud signals at once open one case and count each signal once', async () => {
    const system = { type: 'system', id: null } as const;
    const customer = await a.runtime.services.customers.create(tenantId, { displayName: 'Twice' }, system);
    const record = (h: TestHarness, sourceId: string) =>
      inTransaction(h.runtime.database.db, (tx) =>
        openFraudCase(tx, h.runtime.services.context.events, {
          tenantId,
          customerId: customer.id,
          kind: 'fake_call',
          sourceId,
          at: Date.now(),
        }),
      );
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) => record(i % 2 ? a : b, `notice-${Math.floor(i / 4)}`)),
    );
    assert.equal(results.filter((r) => r !== null).length, 3, 'each of the 3 signals recorded once');
    assert.equal(results.filter((r) => r?.opened).length, 1, 'one case opened');
    const cases = await a.runtime.database.db
      .selectFrom('fraud_cases')
      .select(['signal_count'])
      .where('customer_id', '=', customer.id)
      .execute();
    assert.deepEqual(cases, [{ signal_count: 3 }]);
  });

  it('after a rotation on one process, both sign with the new key at once, and a device enrolled before verifies', async () => {
    const system = { type: 'system', id: null } as const;
    const customer = await a.runtime.services.customers.create(tenantId, { displayName: 'Ro' }, system);
    const activation = await a.runtime.services.devices.createActivation(tenantId, customer.id, system);
    const device = createDeviceClient({ store: createMemoryKeyStore(), baseUrl: b.baseUrl });
    await device.enroll(activation.code, { label: 'Ro phone', platform: 'cli' });
    const before = (await b.runtime.services.serverKeys.signingKey()).kid;
    assert.equal((await a.runtime.services.serverKeys.signingKey()).kid, before);

    const rotation = await a.runtime.services.serverKeys.rotate({ tenantIds: [tenantId], actor: system });
    assert.notEqual(rotation.kid, before);
    // B hears of it through Redis, not after its 30-second check.
    let onB = before;
    for (let i = 0; i < 200 && onB !== rotation.kid; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      onB = (await b.runtime.services.serverKeys.signingKey()).kid;
    }
    assert.equal(onB, rotation.kid, 'B signs with the key A made');

    const kidOf = async (id: string) => {
      const row = await a.runtime.database.db
        .selectFrom('verifications')
        .select('request_jws')
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
      return JSON.parse(Buffer.from(row.request_jws.split('.')[0]!, 'base64url').toString()).kid as string;
    };
    for (const [name, server] of [
      ['B', b],
      ['A', a],
    ] as const) {
      const started = await server.runtime.services.verifications.start(
        tenantId,
        { customerId: customer.id, purpose: 'authenticate', reason: `Started on ${name}`, agentName: 'Desk' },
        system,
      );
      assert.equal(await kidOf(started.id), rotation.kid, `${name} signed with the new key`);
      const request = await device.fetchRequest(started.id);
      assert.equal(request.reason, `Started on ${name}`);
      assert.equal(
        (await device.decide(request, { decision: 'approve', code: started.code! })).status,
        'approved',
      );
    }
    assert.equal((await device.state())!.keySetVersion, rotation.version);
  });
  it('a practice session started on one process is answered once through the other, also after the process that enrolled its phones stopped', async () => {
    const cookie = { cookie: `hda_session=${agent.cookie}` };
    const send = async (server: TestHarness, method: 'GET' | 'POST', url: string, body?: unknown) => {
      const response = await fetch(`${server.baseUrl}${url}`, {
        method,
        headers: { ...cookie, 'x-csrf-token': agent.csrfToken, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: response.status, json: (await response.json()) as Record<string, unknown> };
    };
    type Step = { customerId: string };
    const verification = async (id: string) =>
      (await send(b, 'GET', `/v1/verifications/${id}`)).json as {
        status: string;
        failedAttempts: number;
        delivery: string;
        decidedByDeviceId: string | null;
      };
    const settled = async (id: string, sweep?: () => Promise<unknown>) => {
      for (let i = 0; i < 100; i++) {
        const v = await verification(id);
        if (v.status !== 'pending') return v;
        await sweep?.();
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      throw new Error('The practice phone never answered.');
    };

    // A makes the session, enrolls its phones and listens for the first; B adopts it in its sweep.
    const created = await send(a, 'POST', '/v1/practice/sessions', { scenarios: ['wrong_code', 'approves'] });
    assert.equal(created.status, 201, JSON.stringify(created.json));
    const session = created.json as { id: string; steps: Step[] };
    await b.runtime.services.practicePhones.sweep();

    // Started through B, heard by both: one wrong code, then the right one, each given once.
    const first = await send(b, 'POST', '/v1/verifications', { customerId: session.steps[0]!.customerId });
    assert.equal(first.status, 201, JSON.stringify(first.json));
    const firstId = first.json.id as string;
    assert.equal(first.json.delivery, 'delivered');
    const answered = await settled(firstId);
    assert.equal(answered.status, 'approved');
    assert.equal(answered.failedAttempts, 1, 'one wrong code, not one per process');
    await sealAuditBacklog(a.runtime.database.db);
    const approvals = await a.runtime.database.db
      .selectFrom('audit_events')
      .select('id')
      .where('target_id', '=', firstId)
      .where('action', '=', 'verification.approved')
      .execute();
    assert.equal(approvals.length, 1);

    // Concluded through A, which now listens for the next caller's phone; B has not looked yet.
    const concluded = await send(a, 'POST', `/v1/practice/sessions/${session.id}/conclusion`, {
      step: 0,
      conclusion: 'verified',
    });
    assert.equal(concluded.status, 200, JSON.stringify(concluded.json));
    const second = await send(b, 'POST', '/v1/verifications', { customerId: session.steps[1]!.customerId });
    assert.equal(second.status, 201, JSON.stringify(second.json));
    const secondId = second.json.id as string;
    assert.equal(second.json.delivery, 'delivered', "B knows A holds the phone's live channel");
    // A heard it (the answer is kept), then stops before the answer is due.
    for (
      let i = 0;
      i < 200 &&
      !(await b.runtime.database.db
        .selectFrom('practice_answers')
        .select('verification_id')
        .where('verification_id', '=', secondId)
        .executeTakeFirst());
      i++
    ) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    aStopped = true;
    await a.close();
    assert.equal((await verification(secondId)).status, 'pending');
    // B's sweep (every second in a server) gives the answer when it is due.
    const afterStop = await settled(secondId, () => b.runtime.services.practicePhones.sweep());
    assert.equal(afterStop.status, 'approved');
    const phone = await b.runtime.database.db
      .selectFrom('practice_devices')
      .select('device_id')
      .where('customer_id', '=', session.steps[1]!.customerId)
      .executeTakeFirstOrThrow();
    assert.equal(afterStop.decidedByDeviceId, phone.device_id, 'the phone A enrolled, answered through B');
  });
});
