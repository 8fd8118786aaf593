/**
 * One live code per customer and channel as a database guarantee, on each database: SMS codes
 * started at once for one customer each cancel the code before them, so exactly one stays
 * pending and no cancelled code can be checked.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  databaseKinds,
  type OperatorClient,
  startTestHarness,
  type TestHarness,
} from '../../../test-support/harness.ts';
import { postgresSkip } from '../../../test-support/postgres.ts';
import { codeIn } from '../../../test-support/stand-ins/test-vendors.ts';
import { otpStartsPerHour } from '../one-time-codes.ts';

// biome-ignore lint/suspicious/noExplicitAny: answers are checked field by field
type Json = any;
const system = { type: 'system', id: null } as const;

for (const kind of databaseKinds) {
  describe(`one pending code per customer and channel on ${kind}`, {
    skip: kind === 'postgres' ? await postgresSkip() : false,
  }, () => {
    let h: TestHarness;
    let tenantId: string;
    let agent: OperatorClient;

    before(async () => {
      h = await startTestHarness(kind);
      const tenant = await h.tenantWithOperators('acme');
      tenantId = tenant.id;
      agent = tenant.clients.agent;
    });
    after(async () => h?.close());

    const call = async (method: 'GET' | 'POST', url: string, payload?: object) => {
      const response = await h.app.inject({ method, url, ...agent.auth(), ...(payload ? { payload } : {}) });
      return {
        status: response.statusCode,
        body: response.body === '' ? undefined : (response.json() as Json),
      };
    };

    it(`leaves exactly one pending code after ${otpStartsPerHour} SMS starts at once`, async () => {
      const customer = await h.runtime.services.customers.create(
        tenantId,
        { displayName: 'Sam Parallel', phone: '+4915112345999' },
        system,
      );
      const started = await Promise.all(
        Array.from({ length: otpStartsPerHour }, () =>
          call('POST', '/v1/otp-challenges', {
            customerId: customer.id,
            channel: 'sms',
            action: 'verify_caller',
          }),
        ),
      );
      for (const s of started) assert.equal(s.status, 201, JSON.stringify(s.body));
      const rows = await h.runtime.database.db
        .selectFrom('otp_challenges')
        .select(['id', 'status'])
        .where('tenant_id', '=', tenantId)
        .where('customer_id', '=', customer.id)
        .execute();
      assert.equal(rows.length, otpStartsPerHour);
      const pending = rows.filter((r) => r.status === 'pending');
      assert.equal(pending.length, 1, JSON.stringify(rows));
      assert.ok(rows.filter((r) => r.status !== 'pending').every((r) => r.status === 'cancelled'));

      const outbox = await call('GET', `/v1/dev/outbox?limit=${otpStartsPerHour}`);
      const codes: string[] = outbox.body.messages.map((m: { body: string }) => codeIn(m.body));
      assert.equal(codes.length, otpStartsPerHour);
      // No cancelled challenge takes any of the codes sent.
      for (const cancelled of rows.filter((r) => r.status === 'cancelled')) {
        for (const code of codes) {
          const tried = await call('POST', `/v1/otp-challenges/${cancelled.id}/verify`, { code });
          assert.equal(tried.status, 409, JSON.stringify(tried.body));
          assert.equal(tried.body.error.code, 'VERIFICATION_NOT_PENDING');
        }
      }
    });
  });
}
