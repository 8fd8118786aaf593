/**
 * The security-question lockout under parallel checks, on each database: every check reserves
 * its try before the answers are hashed, so checks sent together evaluate no more guesses than
 * the policy's `maxFailures`, and once the method locks nothing passes, the right answers
 * included.
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

// biome-ignore lint/suspicious/noExplicitAny: answers are checked field by field
type Json = any;

const system = { type: 'system', id: null } as const;
/** The default policy's security-question lockout (core/policy.ts). */
const maxFailures = 3;
const rightAnswers = ['Rex', 'Paris', 'Lycee Victor Hugo'];
const wrongAnswers = ['Fido', 'London', 'nope'];

for (const kind of databaseKinds) {
  describe(`security-question lockout under parallel checks on ${kind}`, {
    skip: kind === 'postgres' ? await postgresSkip() : false,
  }, () => {
    let h: TestHarness;
    let tenantId: string;
    let agent: OperatorClient;
    let supervisor: OperatorClient;

    before(async () => {
      h = await startTestHarness(kind);
      const tenant = await h.tenantWithOperators('acme');
      tenantId = tenant.id;
      agent = tenant.clients.agent;
      supervisor = tenant.clients.supervisor;
    });
    after(async () => h?.close());

    const call = async (
      client: OperatorClient,
      method: 'GET' | 'PUT' | 'POST',
      url: string,
      payload?: object,
    ) => {
      const response = await h.app.inject({ method, url, ...client.auth(), ...(payload ? { payload } : {}) });
      return {
        status: response.statusCode,
        body: response.body === '' ? undefined : (response.json() as Json),
      };
    };

    let customers = 0;
    async function customerWithQuestions() {
      const customer = await h.runtime.services.customers.create(
        tenantId,
        { displayName: `Questioned ${++customers}` },
        system,
      );
      const set = await call(supervisor, 'PUT', `/v1/customers/${customer.id}/security-questions`, {
        questions: [
          { question: 'Name of your first pet?', answer: rightAnswers[0] },
          { question: 'City you were born in?', answer: rightAnswers[1] },
          { question: 'Your first school?', answer: rightAnswers[2] },
        ],
      });
      assert.equal(set.status, 200, JSON.stringify(set.body));
      const ids: string[] = set.body.questions.map((q: { id: string }) => q.id);
      const check = (answers: string[]) =>
        call(agent, 'POST', `/v1/customers/${customer.id}/security-questions/check`, {
          action: 'account_enquiry',
          answers: ids.map((questionId, i) => ({ questionId, answer: answers[i] })),
        });
      return { id: customer.id, check };
    }

    /** The customer's security-question audit entries, in the order they were written. */
    async function auditTrail(customerId: string): Promise<string[]> {
      const rows = await h.runtime.database.db
        .selectFrom('audit_events')
        .select(['action'])
        .where('tenant_id', '=', tenantId)
        .where('target_id', '=', customerId)
        .where('action', 'like', 'security_questions.%')
        .where('action', '!=', 'security_questions.set')
        .orderBy('seq')
        .execute();
      return rows.map((r) => r.action);
    }

    /** Each answer is either evaluated (200 passed, 422 rejected) or refused before evaluation. */
    function sortAnswers(answers: { status: number; body: Json }[]) {
      for (const a of answers) {
        assert.ok(
          a.status === 200 ||
            (a.status === 422 && a.body.error.code === 'ANSWERS_REJECTED') ||
            (a.status === 409 && a.body.error.details?.reason === 'QUESTIONS_LOCKED') ||
            (a.status === 429 && a.body.error.code === 'RATE_LIMITED'),
          JSON.stringify(a),
        );
      }
      return {
        passed: answers.filter((a) => a.status === 200).length,
        rejected: answers.filter((a) => a.status === 422).length,
      };
    }

    it(`evaluates at most ${maxFailures} of 29 wrong checks sent at once, then locks`, async () => {
      const customer = await customerWithQuestions();
      const answers = await Promise.all(Array.from({ length: 29 }, () => customer.check(wrongAnswers)));
      const { passed, rejected } = sortAnswers(answers);
      assert.equal(passed, 0);
      assert.ok(rejected <= maxFailures, `${rejected} wrong checks were evaluated`);
      const trail = await auditTrail(customer.id);
      assert.ok(trail.length <= maxFailures, trail.join(', '));
      // The lock may come from later checks once the first ones settled; never more than the cap.
      for (let i = 0; i < maxFailures && !trail.includes('security_questions.locked'); i++) {
        await customer.check(wrongAnswers);
      }
      const after = await auditTrail(customer.id);
      assert.equal(after.length, maxFailures, after.join(', '));
      assert.equal(after.at(-1), 'security_questions.locked');
      const right = await customer.check(rightAnswers);
      assert.equal(right.status, 409, JSON.stringify(right.body));
      assert.equal(right.body.error.details.reason, 'QUESTIONS_LOCKED');
      const locks = await call(supervisor, 'GET', `/v1/customers/${customer.id}/locks`);
      assert.deepEqual(locks.body.securityQuestions.failures, maxFailures);
      assert.equal(locks.body.securityQuestions.locked, true);
    });

    it('lets nothing pass after the lock, and evaluates no more than the cap between passes, with 5 right checks among 29 wrong ones', async () => {
      const customer = await customerWithQuestions();
      // Right answers among the first checks sent and spread among the rest, so some are
      // evaluated beside the wrong ones and some arrive once the wrong ones may have settled.
      const rightAt = new Set([1, 5, 12, 20, 33]);
      const checks = Array.from({ length: 34 }, (_, i) => (rightAt.has(i) ? rightAnswers : wrongAnswers));
      const answers = await Promise.all(checks.map((answers) => customer.check(answers)));
      const { passed, rejected } = sortAnswers(answers);
      const trail = await auditTrail(customer.id);
      assert.equal(trail.length, passed + rejected, trail.join(', '));
      // In the order they were recorded: never more than `maxFailures` failures without a pass
      // between them, and no pass once the method locked.
      let failuresInRow = 0;
      let locked = false;
      for (const action of trail) {
        assert.ok(!locked, `"${action}" after the lock: ${trail.join(', ')}`);
        if (action === 'security_questions.verified') failuresInRow = 0;
        else failuresInRow += 1;
        assert.ok(failuresInRow <= maxFailures, trail.join(', '));
        if (action === 'security_questions.locked') locked = true;
      }
      // A pass clears earlier failures, but not the tries still being evaluated beside it.
      assert.ok(rejected <= maxFailures * (passed + 1), `${rejected} wrong, ${passed} passed`);
      if (locked) {
        const right = await customer.check(rightAnswers);
        assert.equal(right.status, 409, JSON.stringify(right.body));
      }
    });
  });
}
