// Security questions: answers stored as hashes, checks under a lockout.
import { AppError, newId, normaliseAnswer, securityQuestionLimits } from '@helpdesk-auth/core';
import { type Actor, appendAudit } from '../../platform/audit-log.ts';
import type { ServiceContext } from '../../platform/context.ts';
import { recordVerification } from '../../platform/metrics.ts';
import { hashPassword, verifyAgainstDecoy, verifyPassword } from '../../platform/passwords.ts';
import {
  inTransaction,
  releaseQuestionCheck,
  reserveQuestionCheck,
  settleQuestionFailure,
  settleQuestionPass,
} from '../../storage/atomic.ts';
import { openFraudCase } from '../fraud-cases/index.ts';
import type { CustomerNotifier } from '../policy/index.ts';
import {
  type AttemptReservation,
  type CustomerMethodService,
  findCustomer,
  loadPolicy,
  reserveAttempt,
} from '../policy/index.ts';
import { type MethodOutcome, recordMethodOutcome } from './outcomes.ts';
import type { FallbackResult } from './totp.ts';

export interface SecurityQuestion {
  id: string;
  position: number;
  question: string;
}

/**
 * Security questions, the legacy fallback (DESIGN section 5: low assurance, off for high-risk
 * actions by default). Answers are normalised (policy-answers.ts) and stored only as argon2id
 * hashes, with the same parameters as operator passwords. The agent sees the questions, types
 * what the caller says, and learns only pass or fail: never which answer was wrong, never an
 * answer. Failed checks lock the method for the customer until an admin unlocks it.
 */
export function createSecurityQuestionService(
  context: ServiceContext,
  deps: { methods: CustomerMethodService; notifier?: CustomerNotifier },
) {
  const { db, clock, events } = context;

  async function list(tenantId: string, customerId: string): Promise<SecurityQuestion[]> {
    const rows = await db
      .selectFrom('security_questions')
      .select(['id', 'position', 'question'])
      .where('tenant_id', '=', tenantId)
      .where('customer_id', '=', customerId)
      .orderBy('position')
      .execute();
    return rows;
  }

  return {
    async list(tenantId: string, customerId: string) {
      await findCustomer(db, tenantId, customerId);
      const { policy } = await loadPolicy(db, tenantId);
      return {
        questions: await list(tenantId, customerId),
        ask: policy.securityQuestions.ask,
        required: policy.securityQuestions.required,
      };
    },

    /** Replaces all of the customer's questions and answers (the customer, or an admin import). */
    async set(
      tenantId: string,
      customerId: string,
      entries: { question: string; answer: string }[],
      actor: Actor,
    ): Promise<SecurityQuestion[]> {
      await findCustomer(db, tenantId, customerId);
      const { questions, normalisedMinLength } = securityQuestionLimits;
      const problems: string[] = [];
      if (entries.length < questions.min || entries.length > questions.max) {
        problems.push(`Give ${questions.min} to ${questions.max} questions.`);
      }
      const seen = new Set<string>();
      const prepared = entries.map((entry, index) => {
        const question = entry.question.trim().replace(/\s+/g, ' ');
        const answer = normaliseAnswer(entry.answer);
        if (question.length < securityQuestionLimits.questionLength.min) {
          problems.push(`Question ${index + 1} is too short.`);
        }
        if (seen.has(question.toLowerCase()))
          problems.push(`Question ${index + 1} repeats an earlier question.`);
        seen.add(question.toLowerCase());
        // Never echo the answer: say which one, not what it was.
        if ([...answer].length < normalisedMinLength) {
          problems.push(
            `The answer to question ${index + 1} needs at least ${normalisedMinLength} letters or digits.`,
          );
        }
        return { question, answer };
      });
      if (problems.length > 0) throw new AppError('VALIDATION_FAILED', problems.join(' '));
      const hashes = await Promise.all(prepared.map((p) => hashPassword(p.answer)));
      const now = clock();
      return inTransaction(db, async (tx) => {
        await tx
          .deleteFrom('security_questions')
          .where('tenant_id', '=', tenantId)
          .where('customer_id', '=', customerId)
          .execute();
        await tx
          .insertInto('security_questions')
          .values(
            prepared.map((p, index) => ({
              id: newId('securityQuestion', now),
              tenant_id: tenantId,
              customer_id: customerId,
              position: index + 1,
              question: p.question,
              answer_hash: hashes[index]!,
              created_at: now,
            })),
          )
          .execute();
        await appendAudit(tx, {
          tenantId,
          actor,
          action: 'security_questions.set',
          target: { type: 'customer', id: customerId },
          data: { questions: prepared.length },
          now,
        });
        const rows = await tx
          .selectFrom('security_questions')
          .select(['id', 'position', 'question'])
          .where('tenant_id', '=', tenantId)
          .where('customer_id', '=', customerId)
          .orderBy('position')
          .execute();
        return rows;
      });
    },

    /**
     * The agent submits what the caller said for exactly `ask` different questions; the check
     * passes when at least `required` are right (k of n). Every answer is hashed, right or wrong,
     * so the time taken does not tell how many were right.
     */
    async check(
      tenantId: string,
      customerId: string,
      input: { action: string; answers: { questionId: string; answer: string }[] },
      actor: Actor,
    ): Promise<FallbackResult> {
      const { policy } = await deps.methods.assertAvailable(
        tenantId,
        customerId,
        input.action,
        'security_questions',
      );
      const { ask, required, maxFailures } = policy.securityQuestions;
      const stored = await db
        .selectFrom('security_questions')
        .select(['id', 'answer_hash'])
        .where('tenant_id', '=', tenantId)
        .where('customer_id', '=', customerId)
        .execute();
      const byId = new Map(stored.map((q) => [q.id, q.answer_hash]));
      const ids = input.answers.map((a) => a.questionId);
      if (ids.length !== ask || new Set(ids).size !== ask) {
        throw new AppError('VALIDATION_FAILED', `Give answers to exactly ${ask} different questions.`);
      }
      if (ids.some((id) => !byId.has(id))) {
        throw new AppError('VALIDATION_FAILED', "Every questionId must be one of this customer's questions.");
      }
      const now = clock();
      const where = { tenantId, customerId, now };
      // Reserve the try before hashing anything (as push codes, SMS codes, TOTP and sign-in do):
      // checks sent in parallel would otherwise all be evaluated against a failure count none of
      // them had raised yet, and right answers could pass after the lockout.
      const slot = await reserveQuestionCheck(db, { ...where, cap: maxFailures });
      if (!slot.reserved) {
        if (slot.locked) {
          throw new AppError(
            'METHOD_UNAVAILABLE',
            'Security questions are locked for this customer; an admin must unlock them.',
            { details: { reason: 'QUESTIONS_LOCKED' } },
          );
        }
        throw new AppError(
          'RATE_LIMITED',
          "Other checks of this customer's answers are still running; try again in a moment.",
          { retryAfterSeconds: 1 },
        );
      }
      let reservation: AttemptReservation;
      try {
        reservation = await reserveAttempt(db, {
          ...where,
          method: 'security_questions',
          limit: policy.failuresPerHour,
        });
      } catch (error) {
        await releaseQuestionCheck(db, where);
        throw error;
      }
      let results: boolean[];
      try {
        results = await Promise.all(
          input.answers.map(async ({ questionId, answer }) => {
            const normalised = normaliseAnswer(answer);
            // An empty normalised answer is wrong, but costs the same time as any other.
            if (normalised.length === 0) return verifyAgainstDecoy(answer);
            return verifyPassword(normalised, byId.get(questionId)!);
          }),
        );
      } catch (error) {
        // Not evaluated: the try goes back, the hourly reservation stays (as for a wrong answer).
        await releaseQuestionCheck(db, where);
        throw error;
      }
      const correct = results.filter(Boolean).length;
      const assurance = policy.methods.find((m) => m.method === 'security_questions')!.assurance;
      // Each check is a verification of its own (outcomes.ts), in the transaction that settles it.
      const outcome = (status: 'approved' | 'failed', failedAttempts: number): MethodOutcome => ({
        tenantId,
        customerId,
        method: 'security_questions',
        action: input.action,
        status,
        assurance,
        actor,
        startedAt: now,
        expiresAt: now,
        now,
        failedAttempts,
        maxAttempts: 1,
        codeLength: 0,
      });
      if (correct >= required) {
        await reservation.succeeded();
        let practice = false;
        const verificationId = await inTransaction(db, async (tx) => {
          await settleQuestionPass(tx, where);
          ({ practice } = await appendAudit(tx, {
            tenantId,
            actor,
            action: 'security_questions.verified',
            target: { type: 'customer', id: customerId },
            data: { action: input.action, assurance },
            now,
          }));
          return recordMethodOutcome(tx, outcome('approved', 0));
        });
        recordVerification('security_questions', 'passed', { practice });
        // Best effort: a notification that cannot be sent never undoes the verification.
        await deps.notifier?.notify(tenantId, customerId, 'verified', now).catch(() => undefined);
        return {
          method: 'security_questions',
          action: input.action,
          result: 'passed',
          assurance,
          verifiedAt: now,
          verificationId,
        };
      }
      let practice = false;
      const failure = await inTransaction(db, async (tx) => {
        const state = await settleQuestionFailure(tx, { ...where, cap: maxFailures });
        ({ practice } = await appendAudit(tx, {
          tenantId,
          actor,
          action: state.locked ? 'security_questions.locked' : 'security_questions.failed',
          target: { type: 'customer', id: customerId },
          data: { action: input.action, failures: state.failures },
          now,
        }));
        const verificationId = await recordMethodOutcome(tx, outcome('failed', 1));
        if (state.locked) {
          await openFraudCase(tx, events, {
            tenantId,
            customerId,
            kind: 'questions_locked',
            sourceId: verificationId,
            at: now,
          });
        }
        return { ...state, verificationId };
      });
      recordVerification('security_questions', failure.locked ? 'locked' : 'failed', { practice });
      const attemptsLeft = Math.max(0, maxFailures - failure.failures);
      throw new AppError(
        'ANSWERS_REJECTED',
        failure.locked
          ? 'Not enough correct answers. Security questions are now locked for this customer; an admin must unlock them.'
          : 'Not enough correct answers.',
        { details: { attemptsLeft, verificationId: failure.verificationId } },
      );
    },
  };
}

export type SecurityQuestionService = ReturnType<typeof createSecurityQuestionService>;
