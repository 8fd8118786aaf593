/**
 * Call notices over HTTP on each database: starting, reading, ending, the history; the device's
 * "is anyone calling?" with and without a notice (and the IVR's check by API key); the customer's
 * answer; customer_reads codes and their attempt cap under parallel tries; the code never shown
 * where it must not be; the policy's refusals; expiry that fires once; bad input.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { defaultVerificationPolicy, jwsTypes } from '@helpdesk-auth/core';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { sealAuditBacklog } from '../../../platform/audit-log.ts';
import {
  databaseKinds,
  type OperatorClient,
  startTestHarness,
  type TestHarness,
  type TestTenant,
} from '../../../test-support/harness.ts';
import { postgresSkip } from '../../../test-support/postgres.ts';
import { enrollTestDevice, nonce, type TestDevice } from '../../../test-support/test-device.ts';

const system = { type: 'system', id: null } as const;

for (const kind of databaseKinds) {
  describe(`call notices over HTTP on ${kind}`, {
    skip: kind === 'postgres' ? await postgresSkip() : false,
  }, () => {
    let h: TestHarness;
    let tenant: TestTenant & { clients: Record<string, OperatorClient> };
    let customerId: string;
    let device: TestDevice;

    const as = (client: OperatorClient) => client.auth();
    const errorOf = (response: { json(): unknown }) =>
      (response.json() as { error: { code: string; details?: Record<string, unknown> } }).error;

    async function start(
      body: Record<string, unknown> = {},
      client = tenant.clients.agent!,
      customer = customerId,
    ) {
      return h.app.inject({
        method: 'POST',
        url: `/v1/customers/${customer}/call-notices`,
        ...as(client),
        payload: { reason: 'About your card', team: 'Card Services', fromNumber: '+4930123456', ...body },
      });
    }
    async function startOk(body: Record<string, unknown> = {}) {
      const response = await start(body);
      assert.equal(response.statusCode, 201, response.body);
      return response.json() as { id: string; code: string | null; mutualCode: string; delivery: unknown[] };
    }
    const deviceGet = async (d: TestDevice, path: string) =>
      h.app.inject({ method: 'GET', url: path, headers: { 'device-proof': await d.proof('GET', path) } });
    const devicePost = async (d: TestDevice, path: string, payload: Record<string, unknown>) =>
      h.app.inject({
        method: 'POST',
        url: path,
        headers: { 'device-proof': await d.proof('POST', path) },
        payload,
      });
    const end = (id: string) =>
      h.app.inject({ method: 'POST', url: `/v1/call-notices/${id}/end`, ...as(tenant.clients.agent!) });

    async function newCustomerWithDevice(name: string) {
      const customer = await h.runtime.services.customers.create(tenant.id, { displayName: name }, system);
      const { code } = await h.runtime.services.devices.createActivation(tenant.id, customer.id, system);
      const d = await enrollTestDevice(h.app, {
        publicUrl: h.config.publicUrl,
        activationCode: code,
        now: h.clock.now,
      });
      return { customerId: customer.id, device: d };
    }

    before(async () => {
      h = await startTestHarness(kind);
      tenant = await h.tenantWithOperators('acme');
    });
    after(async () => {
      await h?.close();
    });
    beforeEach(async () => {
      ({ customerId, device } = await newCustomerWithDevice('Alice Example'));
    });

    it('starts a notice that the device reads signed for itself, and ends it', async () => {
      const notice = await startOk();
      assert.equal(notice.mutualCode, 'none');
      assert.equal(notice.code, null);
      const opened = await deviceGet(device, `/v1/device/call-notices/${notice.id}`);
      assert.equal(opened.statusCode, 200, opened.body);
      const { jws } = opened.json() as { jws: string };
      assert.equal(decodeProtectedHeader(jws).typ, jwsTypes.callNotice);
      const claims = decodeJwt(jws);
      assert.equal(claims.aud, device.id);
      assert.equal(claims.jti, notice.id);
      assert.equal(claims.status, 'active');
      assert.deepEqual(claims.agent, { displayName: 'agent of acme' });
      assert.equal(claims.reason, 'About your card');
      assert.equal(claims.fromNumber, '+4930123456');

      const read = await h.app.inject({
        method: 'GET',
        url: `/v1/call-notices/${notice.id}`,
        ...as(tenant.clients.agent!),
      });
      assert.equal(read.statusCode, 200);
      assert.ok(
        (read.json() as { viewedAt: string | null }).viewedAt,
        'opening on the device counts as viewed',
      );

      const ended = await end(notice.id);
      assert.equal(ended.statusCode, 200, ended.body);
      assert.equal((ended.json() as { status: string }).status, 'ended');
      const again = await end(notice.id);
      assert.equal(again.statusCode, 409);
      assert.equal(errorOf(again).code, 'CALL_NOTICE_NOT_ACTIVE');
      const after = decodeJwt(
        ((await deviceGet(device, `/v1/device/call-notices/${notice.id}`)).json() as { jws: string }).jws,
      );
      assert.equal(after.status, 'ended');
    });

    it('answers "is anyone calling?" on the device and for the IVR, with and without a notice', async () => {
      const ivr = await h.createApiKey(tenant, ['calls:read']);
      const ivrCheck = () =>
        h.app.inject({
          method: 'GET',
          url: `/v1/customers/${customerId}/call-notices/active`,
          headers: { authorization: `Bearer ${ivr}` },
        });
      const freshness = nonce();
      const none = await deviceGet(device, `/v1/device/call-notices/current?nonce=${freshness}`);
      assert.equal(none.statusCode, 200, none.body);
      const noneBody = none.json() as { notice: unknown; statement: string };
      assert.equal(noneBody.notice, null);
      assert.equal(decodeProtectedHeader(noneBody.statement).typ, jwsTypes.callStatus);
      const noneClaims = decodeJwt(noneBody.statement);
      assert.deepEqual(
        {
          active: noneClaims.active,
          noticeId: noneClaims.noticeId,
          aud: noneClaims.aud,
          nonce: noneClaims.nonce,
        },
        { active: false, noticeId: null, aud: device.id, nonce: freshness },
      );
      assert.deepEqual((await ivrCheck()).json(), { active: false, notice: null });

      const notice = await startOk({ mutualCode: 'agent_reads' });
      assert.match(notice.code ?? '', /^[0-9]{6}$/);
      const some = (await deviceGet(device, '/v1/device/call-notices/current')).json() as {
        notice: { id: string; jws: string };
        statement: string;
      };
      assert.equal(some.notice.id, notice.id);
      assert.equal(decodeJwt(some.notice.jws).code, notice.code, 'the app shows the code the agent reads');
      assert.deepEqual(
        { active: decodeJwt(some.statement).active, noticeId: decodeJwt(some.statement).noticeId },
        { active: true, noticeId: notice.id },
      );
      const check = (await ivrCheck()).json() as {
        active: boolean;
        notice: { id: string; code: string | null };
      };
      assert.equal(check.active, true);
      assert.equal(check.notice.id, notice.id);
      assert.equal(check.notice.code, null, 'the IVR never gets a code');
      // An auditor reads the notice, but not its code.
      const audited = await h.app.inject({
        method: 'GET',
        url: `/v1/call-notices/${notice.id}`,
        ...as(tenant.clients.auditor!),
      });
      assert.equal((audited.json() as { code: string | null }).code, null);
      const agentRead = await h.app.inject({
        method: 'GET',
        url: `/v1/call-notices/${notice.id}`,
        ...as(tenant.clients.agent!),
      });
      assert.equal((agentRead.json() as { code: string | null }).code, notice.code);
      // The history never lists codes.
      const list = await h.app.inject({
        method: 'GET',
        url: `/v1/call-notices?customerId=${customerId}`,
        ...as(tenant.clients.agent!),
      });
      assert.equal(list.statusCode, 200, list.body);
      const items = (list.json() as { items: { id: string; code: string | null }[] }).items;
      assert.deepEqual(
        items.map((i) => [i.id, i.code]),
        [[notice.id, null]],
      );
    });

    it('one active notice per customer, also when two agents start at once', async () => {
      const [a, b] = await Promise.all([start(), start({}, tenant.clients.supervisor!)]);
      const statuses = [a.statusCode, b.statusCode].sort();
      assert.deepEqual(statuses, [201, 409]);
      const refused = a.statusCode === 409 ? a : b;
      const won = (a.statusCode === 201 ? a : b).json() as { id: string };
      assert.equal(errorOf(refused).code, 'CALL_NOTICE_ACTIVE');
      assert.equal(errorOf(refused).details?.noticeId, won.id);
    });

    it('agent_reads: the customer confirms on the device, or reports a mismatch as a fake call', async () => {
      const notice = await startOk({ mutualCode: 'agent_reads' });
      const confirmed = await devicePost(device, `/v1/device/call-notices/${notice.id}/confirm`, {
        outcome: 'confirmed',
      });
      assert.equal(confirmed.statusCode, 200, confirmed.body);
      assert.deepEqual(confirmed.json(), { confirmation: 'confirmed', reportId: null });
      await end(notice.id);

      const second = await startOk({ mutualCode: 'agent_reads' });
      const mismatch = await devicePost(device, `/v1/device/call-notices/${second.id}/confirm`, {
        outcome: 'mismatch',
      });
      assert.equal(mismatch.statusCode, 200, mismatch.body);
      const body = mismatch.json() as { confirmation: string; reportId: string };
      assert.equal(body.confirmation, 'mismatch');
      assert.match(body.reportId, /^clr_/);
      const customer = await h.runtime.database.db
        .selectFrom('customers')
        .select('fraud_reported_at')
        .where('id', '=', customerId)
        .executeTakeFirstOrThrow();
      assert.ok(customer.fraud_reported_at, 'a mismatch is a fraud report');
    });

    it('customer_reads: the code is never returned to operators, and parallel wrong codes never pass the cap', async () => {
      const notice = await startOk({ mutualCode: 'customer_reads' });
      assert.equal(notice.code, null, 'the customer reads this code; the agent must hear it');
      const read = await h.app.inject({
        method: 'GET',
        url: `/v1/call-notices/${notice.id}`,
        ...as(tenant.clients.admin!),
      });
      assert.equal((read.json() as { code: unknown }).code, null);
      const code = decodeJwt(
        ((await deviceGet(device, `/v1/device/call-notices/${notice.id}`)).json() as { jws: string }).jws,
      ).code as string;
      assert.match(code, /^[0-9]{6}$/);
      const wrong = code === '000000' ? '111111' : '000000';
      const tries = await Promise.all(
        Array.from({ length: 8 }, () =>
          h.app.inject({
            method: 'POST',
            url: `/v1/call-notices/${notice.id}/code`,
            ...as(tenant.clients.agent!),
            payload: { code: wrong },
          }),
        ),
      );
      const codes = tries.map((t) => errorOf(t).code).sort();
      assert.equal(codes.filter((c) => c === 'CALL_CODE_INVALID').length, 2, codes.join());
      assert.equal(codes.filter((c) => c === 'CALL_CODE_LOCKED').length, 6, codes.join());
      const stored = await h.runtime.database.db
        .selectFrom('call_notices')
        .select('code_attempts')
        .where('id', '=', notice.id)
        .executeTakeFirstOrThrow();
      assert.equal(Number(stored.code_attempts), 3);
      // The right code after the cap is refused too.
      const late = await h.app.inject({
        method: 'POST',
        url: `/v1/call-notices/${notice.id}/code`,
        ...as(tenant.clients.agent!),
        payload: { code },
      });
      assert.equal(errorOf(late).code, 'CALL_CODE_LOCKED');
      // The device cannot confirm in this mode.
      const tap = await devicePost(device, `/v1/device/call-notices/${notice.id}/confirm`, {
        outcome: 'confirmed',
      });
      assert.equal(errorOf(tap).code, 'CALL_CODE_NOT_EXPECTED');
      assert.ok(!h.logLines.some((line) => line.includes(code)), 'the code is never logged');
    });

    it('customer_reads: the right code confirms the call, and the agent sees attempts left after a wrong one', async () => {
      const notice = await startOk({ mutualCode: 'customer_reads' });
      const code = decodeJwt(
        ((await deviceGet(device, `/v1/device/call-notices/${notice.id}`)).json() as { jws: string }).jws,
      ).code as string;
      const wrong = await h.app.inject({
        method: 'POST',
        url: `/v1/call-notices/${notice.id}/code`,
        ...as(tenant.clients.agent!),
        payload: { code: code === '000000' ? '111111' : '000000' },
      });
      assert.equal(wrong.statusCode, 422);
      assert.deepEqual(errorOf(wrong), {
        ...errorOf(wrong),
        code: 'CALL_CODE_INVALID',
        details: { attemptsLeft: 2 },
      });
      const right = await h.app.inject({
        method: 'POST',
        url: `/v1/call-notices/${notice.id}/code`,
        ...as(tenant.clients.agent!),
        payload: { code },
      });
      assert.equal(right.statusCode, 200, right.body);
      assert.equal((right.json() as { confirmation: string }).confirmation, 'confirmed');
      const audit = await h.runtime.database.db
        .selectFrom('audit_events')
        .select(['action', 'data'])
        .where('target_id', '=', notice.id)
        .execute();
      assert.ok(audit.some((a) => a.action === 'call.confirmed'));
      assert.ok(audit.some((a) => a.action === 'call.code_failed'));
      assert.ok(!audit.some((a) => a.data.includes(code)), 'the code is never audited');
    });

    it('the device reports a call nobody from the bank made: a fraud report', async () => {
      const report = await devicePost(device, '/v1/device/call-reports', {
        numberSeen: '+49 30 1234',
        note: 'Asked for my TAN',
      });
      assert.equal(report.statusCode, 201, report.body);
      const { reportId } = report.json() as { reportId: string };
      const customer = await h.runtime.database.db
        .selectFrom('customers')
        .select('fraud_reported_at')
        .where('id', '=', customerId)
        .executeTakeFirstOrThrow();
      assert.ok(customer.fraud_reported_at);
      const entry = await h.runtime.database.db
        .selectFrom('audit_events')
        .select(['action', 'data'])
        .where('target_id', '=', reportId)
        .executeTakeFirstOrThrow();
      assert.equal(entry.action, 'call.reported');
      assert.equal(JSON.parse(entry.data).numberSeen, '+49 30 1234');
      // The report is a case in the supervisors' fraud queue, with the report as its signal.
      const signal = await h.runtime.database.db
        .selectFrom('fraud_case_signals')
        .innerJoin('fraud_cases', 'fraud_cases.id', 'fraud_case_signals.case_id')
        .select(['fraud_case_signals.kind', 'fraud_cases.customer_id', 'fraud_cases.status'])
        .where('fraud_case_signals.source_id', '=', reportId)
        .executeTakeFirstOrThrow();
      assert.deepEqual([signal.kind, signal.customer_id, signal.status], ['fake_call', customerId, 'open']);
      // Push is locked for the customer, as after "report fraud" on a push request.
      const locks = await h.app.inject({
        method: 'GET',
        url: `/v1/customers/${customerId}/locks`,
        ...as(tenant.clients.supervisor!),
      });
      if (locks.statusCode === 200)
        assert.equal((locks.json() as { push: { reason: string } }).push.reason, 'PUSH_LOCKED_FRAUD');
    });

    it('a repeated mismatch is one report, and a device may report at most 10 calls an hour', async () => {
      const notice = await startOk({ mutualCode: 'agent_reads' });
      const path = `/v1/device/call-notices/${notice.id}/confirm`;
      const first = await devicePost(device, path, { outcome: 'mismatch' });
      const again = await devicePost(device, path, { outcome: 'mismatch' });
      assert.match((first.json() as { reportId: string }).reportId, /^clr_/);
      assert.equal((again.json() as { reportId: string | null }).reportId, null);
      const reports = async () =>
        Number(
          (
            await h.runtime.database.db
              .selectFrom('call_reports')
              .select((eb) => eb.fn.countAll().as('n'))
              .where('customer_id', '=', customerId)
              .executeTakeFirstOrThrow()
          ).n,
        );
      assert.equal(await reports(), 1);
      // Two of the device's ten reports an hour are used (the second mismatch counted as an attempt).
      const answers = [];
      for (let i = 0; i < 9; i++)
        answers.push((await devicePost(device, '/v1/device/call-reports', {})).statusCode);
      assert.deepEqual(answers, [201, 201, 201, 201, 201, 201, 201, 201, 429]);
      assert.equal(await reports(), 9);
      // Another device of the customer has its own allowance.
      const { code } = await h.runtime.services.devices.createActivation(tenant.id, customerId, system);
      const tablet = await enrollTestDevice(h.app, {
        publicUrl: h.config.publicUrl,
        activationCode: code,
        now: h.clock.now,
      });
      assert.equal((await devicePost(tablet, '/v1/device/call-reports', {})).statusCode, 201);
    });

    it('the policy decides who may start notices, and how long they may run', async () => {
      const current = await h.runtime.services.fallbacks.policies.current(tenant.id);
      const policy = structuredClone(current.policy);
      policy.callNotices = {
        startRoles: ['supervisor'],
        apiKeys: false,
        defaultMutualCode: 'customer_reads',
        maxMinutes: 10,
      };
      const saved = await h.app.inject({
        method: 'PUT',
        url: '/v1/policy',
        ...as(tenant.clients.admin!),
        payload: { expectedVersion: current.version, policy },
      });
      assert.equal(saved.statusCode, 200, saved.body);
      try {
        const agent = await start();
        assert.equal(agent.statusCode, 403);
        assert.equal(errorOf(agent).code, 'CALL_NOTICES_NOT_ALLOWED');
        const key = await h.createApiKey(tenant, ['calls:write', 'calls:read']);
        const byKey = await h.app.inject({
          method: 'POST',
          url: `/v1/customers/${customerId}/call-notices`,
          headers: { authorization: `Bearer ${key}` },
          payload: { reason: 'About your card', agentName: 'Jane' },
        });
        assert.equal(errorOf(byKey).code, 'CALL_NOTICES_NOT_ALLOWED');
        const tooLong = await start({ expectedMinutes: 11 }, tenant.clients.supervisor!);
        assert.equal(tooLong.statusCode, 400);
        assert.equal(errorOf(tooLong).code, 'VALIDATION_FAILED');
        const ok = await start({}, tenant.clients.supervisor!);
        assert.equal(ok.statusCode, 201, ok.body);
        assert.equal(
          (ok.json() as { mutualCode: string }).mutualCode,
          'customer_reads',
          'the policy default',
        );
        const bad = await h.app.inject({
          method: 'PUT',
          url: '/v1/policy',
          ...as(tenant.clients.admin!),
          payload: {
            expectedVersion: current.version + 1,
            policy: { ...policy, callNotices: { ...policy.callNotices, startRoles: ['auditor'] } },
          },
        });
        assert.equal(bad.statusCode, 400, bad.body);
      } finally {
        const now = await h.runtime.services.fallbacks.policies.current(tenant.id);
        await h.app.inject({
          method: 'PUT',
          url: '/v1/policy',
          ...as(tenant.clients.admin!),
          payload: {
            expectedVersion: now.version,
            policy: { ...now.policy, callNotices: defaultVerificationPolicy.callNotices },
          },
        });
      }
    });

    it('expires once, however many sweeps and timers race for it', async () => {
      const notice = await startOk({ expectedMinutes: 1 });
      h.clock.advance(61_000);
      const results = await Promise.all([
        h.runtime.services.calls.expireDue(),
        h.runtime.services.calls.expireDue(),
        h.runtime.services.calls.expireDue(),
      ]);
      // Entries are sealed into the chain right after their commit (deferred on PostgreSQL).
      await sealAuditBacklog(h.runtime.database.db);
      const entries = await h.runtime.database.db
        .selectFrom('audit_events')
        .select('action')
        .where('target_id', '=', notice.id)
        .where('action', '=', 'call.expired')
        .execute();
      assert.equal(entries.length, 1);
      assert.ok(results.reduce((a, b) => a + b, 0) <= 1);
      const read = await h.app.inject({
        method: 'GET',
        url: `/v1/call-notices/${notice.id}`,
        ...as(tenant.clients.agent!),
      });
      assert.equal((read.json() as { status: string }).status, 'expired');
      const current = (await deviceGet(device, '/v1/device/call-notices/current')).json() as {
        notice: unknown;
      };
      assert.equal(current.notice, null);
    });

    it('refuses bad input with typed 4xx', async () => {
      for (const body of [
        { reason: '' },
        { reason: 'x'.repeat(141) },
        { fromNumber: '030 123' },
        { expectedMinutes: 0 },
        { expectedMinutes: 121 },
        { mutualCode: 'both' },
        { extra: true },
      ]) {
        const response = await start(body);
        assert.equal(response.statusCode, 400, JSON.stringify(body));
        assert.equal(errorOf(response).code, 'VALIDATION_FAILED');
      }
      const unknown = await start({}, tenant.clients.agent!, 'cus_00000000000000000000000000');
      assert.equal(unknown.statusCode, 404);
      const notice = await startOk({ mutualCode: 'customer_reads' });
      const shortCode = await h.app.inject({
        method: 'POST',
        url: `/v1/call-notices/${notice.id}/code`,
        ...as(tenant.clients.agent!),
        payload: { code: '12' },
      });
      assert.equal(shortCode.statusCode, 400);
      const badOutcome = await devicePost(device, `/v1/device/call-notices/${notice.id}/confirm`, {
        outcome: 'maybe',
      });
      assert.equal(badOutcome.statusCode, 400);
      const badCursor = await h.app.inject({
        method: 'GET',
        url: '/v1/call-notices?cursor=abc',
        ...as(tenant.clients.agent!),
      });
      assert.equal(errorOf(badCursor).code, 'INVALID_CURSOR');
      const auditorStart = await start({}, tenant.clients.auditor!);
      assert.equal(auditorStart.statusCode, 403);
    });

    it("another customer's or tenant's notice is unknown to a device and to operators", async () => {
      const notice = await startOk();
      const other = await newCustomerWithDevice('Bob Other');
      const foreign = await deviceGet(other.device, `/v1/device/call-notices/${notice.id}`);
      assert.equal(foreign.statusCode, 404);
      const foreignConfirm = await devicePost(other.device, `/v1/device/call-notices/${notice.id}/confirm`, {
        outcome: 'mismatch',
      });
      assert.equal(foreignConfirm.statusCode, 404);
      const otherTenant = await h.tenantWithOperators(`other-${Math.random().toString(36).slice(2, 8)}`);
      for (const request of [
        { method: 'GET' as const, url: `/v1/call-notices/${notice.id}` },
        { method: 'POST' as const, url: `/v1/call-notices/${notice.id}/end` },
        { method: 'GET' as const, url: `/v1/customers/${customerId}/call-notices/active` },
        {
          method: 'POST' as const,
          url: `/v1/customers/${customerId}/call-notices`,
          payload: { reason: 'x' },
        },
      ]) {
        const response = await h.app.inject({ ...request, ...otherTenant.clients.admin!.auth() });
        assert.equal(response.statusCode, 404, `${request.method} ${request.url}`);
      }
    });
  });
}
