/**
 * Supervisor analytics on SQLite and PostgreSQL, from real flows through the API (pushes approved,
 * denied, cancelled and reported as fraud by a device; security questions checked by agents): every
 * figure is checked against the stored verifications, each reason push was not used comes out as
 * the flow made it, and the filters, the CSV export, the baseline setting, permissions and tenant
 * isolation hold.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { cliActor } from '../../platform/audit-log.ts';
import {
  databaseKinds,
  type OperatorClient,
  startTestHarness,
  type TestHarness,
} from '../../test-support/harness.ts';
import { postgresSkip } from '../../test-support/postgres.ts';
import { enrollTestDevice, type TestDevice } from '../../test-support/test-device.ts';
import { quantileOfHistogram } from './analytics.ts';

// biome-ignore lint/suspicious/noExplicitAny: answers are checked field by field
type Json = any;

const rightAnswers = ['Rex', 'Paris', 'Lycee Victor Hugo'];

for (const kind of databaseKinds) {
  describe(`supervisor analytics on ${kind}`, {
    skip: kind === 'postgres' ? await postgresSkip() : false,
  }, () => {
    let h: TestHarness;
    let tenantId: string;
    let clients: Record<'agent' | 'supervisor' | 'admin' | 'auditor', OperatorClient>;
    let blue: OperatorClient;
    let red: OperatorClient;
    let otherSupervisor: OperatorClient;
    let from: string;

    const call = async (
      client: OperatorClient,
      method: 'GET' | 'POST' | 'PUT' | 'PATCH',
      url: string,
      payload?: object,
    ) => {
      const response = await h.app.inject({ method, url, ...client.auth(), ...(payload ? { payload } : {}) });
      return {
        status: response.statusCode,
        headers: response.headers,
        text: response.body,
        body:
          response.body && response.headers['content-type']?.toString().includes('json')
            ? (response.json() as Json)
            : undefined,
      };
    };

    let count = 0;
    async function customer(withDevice: boolean): Promise<{ id: string; phone?: TestDevice }> {
      const created = await h.runtime.services.customers.create(
        tenantId,
        { displayName: `Caller ${++count}` },
        cliActor,
      );
      const set = await call(clients.supervisor, 'PUT', `/v1/customers/${created.id}/security-questions`, {
        questions: [
          { question: 'Name of your first pet?', answer: rightAnswers[0] },
          { question: 'City you were born in?', answer: rightAnswers[1] },
          { question: 'Your first school?', answer: rightAnswers[2] },
        ],
      });
      assert.equal(set.status, 200, set.text);
      if (!withDevice) return { id: created.id };
      const activation = await h.runtime.services.devices.createActivation(tenantId, created.id, cliActor);
      const phone = await enrollTestDevice(h.app, {
        publicUrl: h.config.publicUrl,
        activationCode: activation.code,
        now: h.clock.now,
      });
      return { id: created.id, phone };
    }

    async function push(agent: OperatorClient, customerId: string): Promise<{ id: string; code: string }> {
      const started = await call(agent, 'POST', '/v1/verifications', { customerId, reason: 'Card limit' });
      assert.equal(started.status, 201, started.text);
      return started.body;
    }

    async function decide(
      phone: TestDevice,
      id: string,
      decision: 'approve' | 'deny' | 'report_fraud',
      code?: string,
    ) {
      const decided = await h.app.inject({
        method: 'POST',
        url: `/v1/device/verifications/${id}/decision`,
        payload: { signedDecision: await phone.decide(id, decision, code ? { code } : {}) },
      });
      assert.equal(decided.statusCode, 200, decided.body);
    }

    async function questions(agent: OperatorClient, customerId: string): Promise<void> {
      const list = await call(agent, 'GET', `/v1/customers/${customerId}/security-questions`);
      assert.equal(list.status, 200, list.text);
      const ids: string[] = list.body.questions.map((q: { id: string }) => q.id);
      const checked = await call(agent, 'POST', `/v1/customers/${customerId}/security-questions/check`, {
        action: 'account_enquiry',
        answers: ids.map((questionId, i) => ({ questionId, answer: rightAnswers[i] })),
      });
      assert.equal(checked.status, 200, checked.text);
    }

    before(async () => {
      h = await startTestHarness(kind);
      const tenant = await h.tenantWithOperators('insight');
      tenantId = tenant.id;
      clients = tenant.clients;
      const makeAgent = async (email: string, team: string) => {
        const op = await h.createOperator(tenant, 'agent', email);
        const patched = await call(clients.admin, 'PATCH', `/v1/operators/${op.id}`, { team });
        assert.equal(patched.status, 200, patched.text);
        assert.equal(patched.body.team, team);
        return h.signIn(tenant, email);
      };
      blue = await makeAgent('blue@insight.example', 'Blue');
      red = await makeAgent('red@insight.example', 'Red');
      otherSupervisor = (await h.tenantWithOperators('insight-other')).clients.supervisor;
      from = new Date(h.clock.now() - 1000).toISOString();

      // Approved by the phone 12 s after the start (Blue).
      const a = await customer(true);
      const approved = await push(blue, a.id);
      h.clock.advance(12_000);
      await decide(a.phone!, approved.id, 'approve', approved.code);

      // Denied, then security questions: push was not used because it was denied (Blue).
      const b = await customer(true);
      const denied = await push(blue, b.id);
      h.clock.advance(5_000);
      await decide(b.phone!, denied.id, 'deny');
      h.clock.advance(20_000);
      await questions(blue, b.id);

      // No device at all: security questions (Red).
      const c = await customer(false);
      await questions(red, c.id);

      // The push was cancelled unanswered, then security questions: unreachable (Red).
      const d = await customer(true);
      const cancelled = await push(red, d.id);
      h.clock.advance(30_000);
      assert.equal((await call(red, 'POST', `/v1/verifications/${cancelled.id}/cancel`)).status, 200);
      await questions(red, d.id);

      // A fraud report, and 20 minutes later security questions while push is locked (Blue).
      const e = await customer(true);
      const reported = await push(blue, e.id);
      await decide(e.phone!, reported.id, 'report_fraud');
      h.clock.advance(20 * 60_000);
      await questions(blue, e.id);

      // A device and no lock, yet the agent asked the questions: not tried (Red).
      const f = await customer(true);
      await questions(red, f.id);
      h.clock.advance(1000);
    });
    after(async () => h?.close());

    const dashboard = async (query = '', client = clients.supervisor) => {
      const answer = await call(
        client,
        'GET',
        `/v1/analytics/dashboard?from=${encodeURIComponent(from)}${query}`,
      );
      assert.equal(answer.status, 200, answer.text);
      return answer.body as Json;
    };

    it('counts match the stored verifications, by day, method and outcome', async () => {
      const d = await dashboard();
      const stored = await h.runtime.database.db
        .selectFrom('verifications')
        .select(['method', 'status', 'created_at', 'finished_at', 'started_by_id'])
        .where('tenant_id', '=', tenantId)
        .execute();
      assert.equal(d.total, stored.length);
      assert.equal(d.total, 9, 'four pushes and five question checks');
      const key = (r: { method: string; status: string }) => `${r.method}/${r.status}`;
      const expected: Record<string, number> = {};
      for (const r of stored) expected[key(r)] = (expected[key(r)] ?? 0) + 1;
      const got: Record<string, number> = {};
      for (const r of d.daily) got[key(r)] = (got[key(r)] ?? 0) + r.count;
      assert.deepEqual(got, expected);
      assert.deepEqual(got, {
        'push/approved': 1,
        'push/denied': 1,
        'push/cancelled': 1,
        'push/fraud_reported': 1,
        'security_questions/approved': 5,
      });
      assert.equal(d.fraud.fraudReports, 1);
      assert.equal(d.fraud.denials, 1);
      assert.equal(d.fraud.casesOpened, 2, 'the fraud report and the denial during a call');
      assert.equal(d.fallback.push, 4);
      assert.equal(d.fallback.fallbacks, 5);
      assert.ok(Math.abs(d.fallback.rate - 5 / 9) < 1e-9);
    });

    it('says why push was not used, as each flow made it', async () => {
      const d = await dashboard();
      assert.deepEqual(d.fallback.reasons, {
        denied: 1,
        no_device: 1,
        unreachable: 1,
        locked: 1,
        not_tried: 1,
      });
    });

    it('measures time to verify against the baseline, and the share of reachable customers', async () => {
      const d = await dashboard();
      const pushTime = d.timeToVerify.find((m: Json) => m.method === 'push');
      assert.deepEqual(pushTime, { method: 'push', approved: 1, medianSeconds: 12, p90Seconds: 12 });
      assert.equal(d.baselineSeconds, 90);
      assert.equal(d.secondsSaved, 90 - 12);
      const set = await call(clients.admin, 'PUT', '/v1/analytics/settings', {
        questionsBaselineSeconds: 120,
      });
      assert.equal(set.status, 200, set.text);
      assert.equal(
        (await call(clients.supervisor, 'PUT', '/v1/analytics/settings', { questionsBaselineSeconds: 5 }))
          .status,
        403,
      );
      assert.equal(
        (await call(clients.admin, 'PUT', '/v1/analytics/settings', { questionsBaselineSeconds: 0 })).status,
        400,
      );
      const after = await dashboard();
      assert.equal(after.baselineSeconds, 120);
      assert.equal(after.secondsSaved, 120 - 12);
      // Five customers enrolled a phone (test devices carry no push channel), one has none.
      assert.equal(after.devices.customers, 6);
      const reachable = await h.runtime.database.db
        .selectFrom('devices')
        .select((eb) => eb.fn.count<number>('customer_id').distinct().as('n'))
        .where('tenant_id', '=', tenantId)
        .where('status', '=', 'active')
        .where('push_kind', 'is not', null)
        .executeTakeFirst();
      assert.equal(after.devices.reachable, Number(reachable?.n ?? 0));
    });

    it('breaks the figures down per agent and per team, and filters by team, agent and method', async () => {
      const d = await dashboard();
      const byName = Object.fromEntries(d.agents.map((a: Json) => [a.team, a]));
      assert.equal(byName.Blue.total, 5);
      assert.equal(byName.Blue.approved, 3);
      assert.equal(byName.Blue.denied, 1);
      assert.equal(byName.Blue.fraudReported, 1);
      assert.equal(byName.Red.total, 4);
      assert.equal(byName.Red.fallbacks, 3);
      assert.deepEqual(
        d.teams.map((t: Json) => [t.team, t.total]),
        [
          ['Blue', 5],
          ['Red', 4],
        ],
      );
      const onlyRed = await dashboard('&team=Red');
      assert.equal(onlyRed.total, 4);
      assert.deepEqual(onlyRed.fallback.reasons, {
        denied: 0,
        no_device: 1,
        unreachable: 1,
        locked: 0,
        not_tried: 1,
      });
      const onlyBlue = await dashboard(`&agentId=${blue.operatorId}`);
      assert.equal(onlyBlue.total, 5);
      const pushes = await dashboard('&method=push');
      assert.equal(pushes.total, 4);
      // A team is text or nothing; blank text is refused, an empty one clears it.
      const extra = await h.createOperator(
        { id: tenantId, slug: 'insight' },
        'agent',
        'extra@insight.example',
      );
      const blank = await call(clients.admin, 'PATCH', `/v1/operators/${extra.id}`, { team: '   ' });
      assert.equal(blank.status, 400);
      const set = await call(clients.admin, 'PATCH', `/v1/operators/${extra.id}`, { team: ' Green ' });
      assert.equal(set.body.team, 'Green');
      const cleared = await call(clients.admin, 'PATCH', `/v1/operators/${extra.id}`, { team: '' });
      assert.equal(cleared.body.team, null);
      assert.equal(
        (await call(clients.supervisor, 'PATCH', `/v1/operators/${extra.id}`, { team: 'X' })).status,
        403,
      );
      const nobody = await dashboard('&team=Green');
      assert.equal(nobody.total, 0);
      assert.equal(nobody.fallback.rate, 0);
    });

    it('exports CSV tables', async () => {
      const daily = await call(
        clients.supervisor,
        'GET',
        `/v1/analytics/export.csv?from=${encodeURIComponent(from)}`,
      );
      assert.equal(daily.status, 200);
      assert.match(String(daily.headers['content-type']), /^text\/csv/);
      assert.match(String(daily.headers['content-disposition']), /attachment; filename="analytics-daily-/);
      const lines = daily.text.trim().split('\r\n');
      assert.equal(lines[0], 'day,method,status,count');
      assert.equal(
        lines.slice(1).reduce((sum, line) => sum + Number(line.split(',')[3]), 0),
        9,
      );
      const agents = await call(
        clients.auditor,
        'GET',
        `/v1/analytics/export.csv?table=agents&from=${encodeURIComponent(from)}`,
      );
      assert.equal(agents.status, 200);
      assert.match(agents.text, /,Blue,5,3,/);
    });

    it('refuses bad periods, agents and other tenants see nothing of it', async () => {
      for (const query of [
        '?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z',
        '?from=2024-01-01T00:00:00Z&to=2026-01-01T00:00:00Z',
        '?from=yesterday',
        '?method=carrier-pigeon',
        '?agentId=nope',
      ]) {
        const answer = await call(clients.supervisor, 'GET', `/v1/analytics/dashboard${query}`);
        assert.equal(answer.status, 400, query);
      }
      assert.equal((await call(clients.agent, 'GET', '/v1/analytics/dashboard')).status, 403);
      assert.equal((await call(clients.agent, 'GET', '/v1/analytics/export.csv')).status, 403);
      const other = await dashboard('', otherSupervisor);
      assert.equal(other.total, 0);
      assert.deepEqual(other.agents, []);
      const filtered = await dashboard(`&agentId=${blue.operatorId}`, otherSupervisor);
      assert.equal(filtered.total, 0);
    });
  });
}

describe('quantiles of a histogram', () => {
  it('takes the nearest rank', () => {
    const buckets = [
      { seconds: 2, count: 5 },
      { seconds: 10, count: 4 },
      { seconds: 60, count: 1 },
    ];
    assert.equal(quantileOfHistogram(buckets, 0.5), 2);
    assert.equal(quantileOfHistogram(buckets, 0.9), 10);
    assert.equal(quantileOfHistogram(buckets, 1), 60);
    assert.equal(quantileOfHistogram([], 0.5), 0);
  });
});
