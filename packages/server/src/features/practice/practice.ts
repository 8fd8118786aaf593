// Practice sessions: an agent works through a sequence of scenarios on made-up customers and
// gets a score (right method, right reaction, time). Supervisors assign sessions and see scores.
import { AppError, newId } from '@helpdesk-auth/core';
import { type Actor, appendAudit } from '../../platform/audit-log.ts';
import type { ServiceContext } from '../../platform/context.ts';
import { randomToken } from '../../platform/secrets.ts';
import { practiceEmailDomain, practicePhonePrefix } from '../../providers/messages/practice-outbox.ts';
import { compareAndSet, inTransaction } from '../../storage/atomic.ts';
import type { FallbackServices } from '../methods/index.ts';
import { createPracticeCleanup } from './cleanup.ts';
import {
  type PracticeConclusion,
  type PracticeScenario,
  practiceNames,
  practiceQuestions,
  practiceScenarios,
  scenarioRules,
} from './scenarios.ts';
import type { SimulatedPhones } from './simulated-phone.ts';

export interface PracticeStep {
  scenario: PracticeScenario;
  customerId: string;
  displayName: string;
  startedAt: number | null;
  concludedAt: number | null;
  conclusion: PracticeConclusion | null;
  result: PracticeStepResult | null;
}

export interface PracticeStepResult {
  /** The methods the agent started, in order (consecutive repeats once). */
  methodsUsed: string[];
  methodRight: boolean;
  reactionRight: boolean;
  /** From the step's start to the agent's conclusion. */
  seconds: number;
}

export interface PracticeScore {
  steps: number;
  methodsRight: number;
  reactionsRight: number;
  totalSeconds: number;
}

export interface PracticeSession {
  id: string;
  operatorId: string;
  assignedBy: string | null;
  status: 'assigned' | 'active' | 'finished';
  steps: PracticeStep[];
  currentStep: number | null;
  score: PracticeScore | null;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
}

/** What the made-up caller says during the current step: answers to questions, codes read from their messages. */
export interface CallerLines {
  answers: { question: string; answer: string }[];
  messages: { channel: string; text: string; at: number }[];
}

/** Who is asking: an agent sees their own sessions; a supervisor (`canSeeAll`) sees and assigns every agent's. */
export interface PracticeViewer {
  operatorId: string;
  canSeeAll: boolean;
}

const maxSteps = 20;
const notFound = () => new AppError('NOT_FOUND', 'No such practice session.');

function toSession(row: {
  id: string;
  operator_id: string;
  assigned_by: string | null;
  status: string;
  steps: string;
  score: string | null;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
}): PracticeSession {
  const steps = JSON.parse(row.steps) as PracticeStep[];
  const status = row.status as PracticeSession['status'];
  const current = steps.findIndex((step) => step.conclusion === null);
  return {
    id: row.id,
    operatorId: row.operator_id,
    assignedBy: row.assigned_by,
    status,
    steps,
    currentStep: status === 'active' && current >= 0 ? current : null,
    score: row.score ? (JSON.parse(row.score) as PracticeScore) : null,
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
  };
}

export function scoreOf(steps: PracticeStep[]): PracticeScore {
  return {
    steps: steps.length,
    methodsRight: steps.filter((s) => s.result?.methodRight).length,
    reactionsRight: steps.filter((s) => s.result?.reactionRight).length,
    totalSeconds: steps.reduce((sum, s) => sum + (s.result?.seconds ?? 0), 0),
  };
}

export function createPracticeService(
  context: ServiceContext,
  deps: { phones: SimulatedPhones; securityQuestions: FallbackServices['securityQuestions'] },
) {
  const { db, clock } = context;

  async function loadRow(tenantId: string, id: string) {
    const row = await db
      .selectFrom('practice_sessions')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row) throw notFound();
    return row;
  }

  /** The session, if the viewer may see it; another agent's session is "not found", not "forbidden". */
  async function visible(tenantId: string, id: string, viewer: PracticeViewer) {
    const row = await loadRow(tenantId, id);
    if (!viewer.canSeeAll && row.operator_id !== viewer.operatorId) throw notFound();
    return row;
  }

  /** A made-up customer for one step, with what its scenario needs: a phone, a number, questions. */
  async function createCustomer(tenantId: string, scenario: PracticeScenario, index: number, actor: Actor) {
    const rules = scenarioRules[scenario];
    const now = clock();
    const id = newId('customer', now);
    const name = practiceNames[index % practiceNames.length]!;
    const displayName = `${name} (practice)`;
    const digits = String(Math.floor(Math.random() * 1000)).padStart(3, '0');
    await inTransaction(db, async (tx) => {
      await tx
        .insertInto('customers')
        .values({
          id,
          tenant_id: tenantId,
          external_id: null,
          display_name: displayName,
          name_folded: displayName.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase(),
          phone: rules.smsNumber ? `${practicePhonePrefix}${digits}` : null,
          phone_changed_at: null,
          email: `caller-${randomToken(6).toLowerCase()}@${practiceEmailDomain}`,
          locale: null,
          created_at: now,
          updated_at: now,
          practice: 1,
        })
        .execute();
      await appendAudit(tx, {
        tenantId,
        actor,
        action: 'practice.customer_created',
        target: { type: 'customer', id },
        data: { scenario },
        now,
      });
    });
    if (rules.questions) {
      await deps.securityQuestions.set(
        tenantId,
        id,
        practiceQuestions.map(({ question, answer }) => ({ question, answer })),
        actor,
      );
    }
    if (rules.phone !== 'none') await deps.phones.enroll(tenantId, id, scenario);
    return { customerId: id, displayName };
  }

  /** The methods the agent started for the customer, in order: push requests, codes sent, checks made. */
  async function methodsUsed(tenantId: string, customerId: string, after?: number) {
    const verifications = await db
      .selectFrom('verifications')
      .select(['method', 'created_at'])
      .where('tenant_id', '=', tenantId)
      .where('customer_id', '=', customerId)
      .execute();
    const codes = await db
      .selectFrom('otp_challenges')
      .select(['channel', 'created_at'])
      .where('tenant_id', '=', tenantId)
      .where('customer_id', '=', customerId)
      .execute();
    const started = [
      ...verifications.map((v) => ({ method: v.method, at: v.created_at })),
      ...codes.map((c) => ({ method: c.channel === 'sms' ? 'sms_otp' : 'email_otp', at: c.created_at })),
    ]
      .filter((entry) => after === undefined || entry.at >= after)
      .sort((a, b) => a.at - b.at);
    return started.map((s) => s.method).filter((method, i, all) => i === 0 || all[i - 1] !== method);
  }

  async function judge(tenantId: string, step: PracticeStep, conclusion: PracticeConclusion, now: number) {
    const rules = scenarioRules[step.scenario];
    const used = await methodsUsed(tenantId, step.customerId);
    const first = { push: 'push', sms: 'sms_otp', security_questions: 'security_questions' }[
      rules.firstMethod
    ];
    const methodRight = used[0] === first && (rules.fallback === undefined || used.includes('sms_otp'));
    let reactionRight = rules.rightConclusions.includes(conclusion);
    if (step.scenario === 'reports_fraud') {
      // After a fraud report, any further attempt to verify is the wrong reaction.
      const customer = await db
        .selectFrom('customers')
        .select('fraud_reported_at')
        .where('id', '=', step.customerId)
        .executeTakeFirst();
      const reportedAt = customer?.fraud_reported_at ?? null;
      if (reportedAt === null || (await methodsUsed(tenantId, step.customerId, reportedAt)).length > 0)
        reactionRight = false;
    }
    return {
      methodsUsed: used,
      methodRight,
      reactionRight,
      seconds: Math.max(0, Math.round((now - (step.startedAt ?? now)) / 1000)),
    };
  }

  const cleanup = createPracticeCleanup(context);

  const service = {
    scenarios: practiceScenarios,

    /** The retention sweep: sessions older than PRACTICE_RETENTION_DAYS go with their made-up customers (cleanup.ts). */
    purgeExpired: cleanup.purgeExpired,

    /** An admin empties the tenant's practice space (cleanup.ts). */
    reset: cleanup.reset,

    /**
     * A new session of `scenarios` (all of them, in order, by default) for `operatorId`: the
     * caller themselves (it starts at once) or, for a supervisor, any active operator of the
     * tenant (it waits until they start it).
     */
    async create(
      tenantId: string,
      input: { operatorId?: string | undefined; scenarios?: PracticeScenario[] | undefined },
      viewer: PracticeViewer,
      actor: Actor,
    ): Promise<PracticeSession> {
      const operatorId = input.operatorId ?? viewer.operatorId;
      const assigned = operatorId !== viewer.operatorId;
      if (assigned && !viewer.canSeeAll) {
        throw new AppError('FORBIDDEN', 'Only supervisors assign practice sessions to others.');
      }
      const operator = await db
        .selectFrom('operators')
        .select(['id', 'status'])
        .where('tenant_id', '=', tenantId)
        .where('id', '=', operatorId)
        .executeTakeFirst();
      if (!operator) throw new AppError('NOT_FOUND', 'No such operator.');
      if (operator.status !== 'active') throw new AppError('CONFLICT', 'The operator is disabled.');
      const scenarios = input.scenarios ?? [...practiceScenarios];
      if (scenarios.length < 1 || scenarios.length > maxSteps) {
        throw new AppError('VALIDATION_FAILED', `Give 1 to ${maxSteps} scenarios.`);
      }
      const steps: PracticeStep[] = [];
      for (const [index, scenario] of scenarios.entries()) {
        const customer = await createCustomer(tenantId, scenario, index, actor);
        steps.push({
          scenario,
          ...customer,
          startedAt: null,
          concludedAt: null,
          conclusion: null,
          result: null,
        });
      }
      const now = clock();
      if (!assigned) steps[0]!.startedAt = now;
      const id = newId('practiceSession', now);
      await inTransaction(db, async (tx) => {
        await tx
          .insertInto('practice_sessions')
          .values({
            id,
            tenant_id: tenantId,
            operator_id: operatorId,
            assigned_by: assigned ? viewer.operatorId : null,
            status: assigned ? 'assigned' : 'active',
            steps: JSON.stringify(steps),
            score: null,
            created_at: now,
            started_at: assigned ? null : now,
            finished_at: null,
          })
          .execute();
        await appendAudit(tx, {
          tenantId,
          actor,
          action: assigned ? 'practice.session_assigned' : 'practice.session_started',
          target: { type: 'practice_session', id },
          data: { practice: true, operatorId, scenarios },
          now,
        });
      });
      if (!assigned) await deps.phones.listen(tenantId, steps[0]!.customerId);
      return toSession(await loadRow(tenantId, id));
    },

    async list(
      tenantId: string,
      viewer: PracticeViewer,
      filter: { operatorId?: string | undefined; limit: number },
    ) {
      let query = db.selectFrom('practice_sessions').selectAll().where('tenant_id', '=', tenantId);
      if (!viewer.canSeeAll) query = query.where('operator_id', '=', viewer.operatorId);
      else if (filter.operatorId) query = query.where('operator_id', '=', filter.operatorId);
      const rows = await query.orderBy('id', 'desc').limit(filter.limit).execute();
      return rows.map(toSession);
    },

    /** The session; for its own agent, the phones of the current step answer from now on (after a restart too). */
    async get(tenantId: string, id: string, viewer: PracticeViewer): Promise<PracticeSession> {
      const session = toSession(await visible(tenantId, id, viewer));
      if (session.currentStep !== null && session.operatorId === viewer.operatorId) {
        await deps.phones.listen(tenantId, session.steps[session.currentStep]!.customerId);
      }
      return session;
    },

    /** What the caller of the current step says: their answers to the questions, the codes their messages carry. */
    async caller(tenantId: string, id: string, viewer: PracticeViewer): Promise<CallerLines> {
      const session = toSession(await visible(tenantId, id, viewer));
      if (session.currentStep === null) return { answers: [], messages: [] };
      const step = session.steps[session.currentStep]!;
      const rules = scenarioRules[step.scenario];
      const customer = await db
        .selectFrom('customers')
        .select(['phone', 'email'])
        .where('tenant_id', '=', tenantId)
        .where('id', '=', step.customerId)
        .executeTakeFirstOrThrow();
      const recipients = [customer.phone, customer.email].filter((r): r is string => r !== null);
      const messages = await db
        .selectFrom('practice_messages')
        .select(['channel', 'body', 'created_at'])
        .where('tenant_id', '=', tenantId)
        .where('recipient', 'in', recipients)
        .orderBy('id', 'desc')
        .limit(5)
        .execute();
      return {
        answers: rules.questions
          ? practiceQuestions.map((q) => ({
              question: q.question,
              answer: rules.questionsRight ? q.answer : q.wrong,
            }))
          : [],
        messages: messages.map((m) => ({ channel: m.channel, text: m.body, at: m.created_at })),
      };
    },

    /** The made-up customer of the current call, for the agent practising it (the widget's token). */
    async currentCustomer(tenantId: string, id: string, viewer: PracticeViewer): Promise<string> {
      const session = toSession(await visible(tenantId, id, viewer));
      if (session.operatorId !== viewer.operatorId)
        throw new AppError('FORBIDDEN', 'Only the agent practising opens the call.');
      if (session.currentStep === null)
        throw new AppError('CONFLICT', 'The session has no call in progress.');
      const customerId = session.steps[session.currentStep]!.customerId;
      await deps.phones.listen(tenantId, customerId);
      return customerId;
    },

    /** When the operator last finished or dismissed the console's first-run tour; null: never. */
    async tourSeenAt(tenantId: string, operatorId: string): Promise<number | null> {
      const row = await db
        .selectFrom('operators')
        .select('tour_seen_at')
        .where('tenant_id', '=', tenantId)
        .where('id', '=', operatorId)
        .executeTakeFirst();
      if (!row) throw new AppError('NOT_FOUND', 'No such operator.');
      return row.tour_seen_at;
    },

    /** Remembers that the operator has seen the tour, in every browser they use. */
    async markTourSeen(tenantId: string, operatorId: string): Promise<number> {
      const now = clock();
      await db
        .updateTable('operators')
        .set({ tour_seen_at: now })
        .where('tenant_id', '=', tenantId)
        .where('id', '=', operatorId)
        .execute();
      return now;
    },

    /** The assigned agent starts a session a supervisor gave them. */
    async start(
      tenantId: string,
      id: string,
      viewer: PracticeViewer,
      actor: Actor,
    ): Promise<PracticeSession> {
      const row = await visible(tenantId, id, viewer);
      if (row.operator_id !== viewer.operatorId)
        throw new AppError('FORBIDDEN', 'Only the assigned agent starts it.');
      const now = clock();
      const steps = JSON.parse(row.steps) as PracticeStep[];
      steps[0]!.startedAt = now;
      const started = await inTransaction(db, async (tx) => {
        const moved = await compareAndSet(tx, 'practice_sessions', {
          where: { id },
          expect: { status: 'assigned' },
          set: { status: 'active', started_at: now, steps: JSON.stringify(steps) },
        });
        if (!moved) return false;
        await appendAudit(tx, {
          tenantId,
          actor,
          action: 'practice.session_started',
          target: { type: 'practice_session', id },
          data: { practice: true, operatorId: row.operator_id },
          now,
        });
        return true;
      });
      if (!started) throw new AppError('CONFLICT', 'The session has already started.');
      await deps.phones.listen(tenantId, steps[0]!.customerId);
      return toSession(await loadRow(tenantId, id));
    },

    /**
     * The agent ends the current step with a conclusion; the step is judged, the next one's caller
     * is on the line, and after the last step the session is scored. Of two parallel requests for
     * the same step, one wins; the other gets 409.
     */
    async conclude(
      tenantId: string,
      id: string,
      index: number,
      conclusion: PracticeConclusion,
      viewer: PracticeViewer,
      actor: Actor,
    ): Promise<PracticeSession> {
      const row = await visible(tenantId, id, viewer);
      if (row.operator_id !== viewer.operatorId)
        throw new AppError('FORBIDDEN', 'Only the agent practising concludes a step.');
      const session = toSession(row);
      if (session.currentStep === null || session.currentStep !== index) {
        throw new AppError('CONFLICT', 'That step is not the current step of an active session.');
      }
      const now = clock();
      const steps = session.steps.map((s) => ({ ...s }));
      const step = steps[index]!;
      step.conclusion = conclusion;
      step.concludedAt = now;
      step.result = await judge(tenantId, step, conclusion, now);
      const last = index === steps.length - 1;
      if (!last) steps[index + 1]!.startedAt = now;
      const score = last ? scoreOf(steps) : null;
      const moved = await inTransaction(db, async (tx) => {
        const ok = await compareAndSet(tx, 'practice_sessions', {
          where: { id },
          expect: { steps: row.steps, status: 'active' },
          set: {
            steps: JSON.stringify(steps),
            ...(last ? { status: 'finished', finished_at: now, score: JSON.stringify(score) } : {}),
          },
        });
        if (!ok) return false;
        await appendAudit(tx, {
          tenantId,
          actor,
          action: 'practice.step_concluded',
          target: { type: 'practice_session', id },
          data: {
            practice: true,
            step: index,
            scenario: step.scenario,
            conclusion,
            methodRight: step.result!.methodRight,
            reactionRight: step.result!.reactionRight,
          },
          now,
        });
        if (last) {
          await appendAudit(tx, {
            tenantId,
            actor,
            action: 'practice.session_finished',
            target: { type: 'practice_session', id },
            data: { practice: true, ...score },
            now,
          });
        }
        return true;
      });
      if (!moved) throw new AppError('CONFLICT', 'The step was concluded meanwhile.');
      await deps.phones.stop(tenantId, step.customerId);
      if (!last) await deps.phones.listen(tenantId, steps[index + 1]!.customerId);
      return toSession(await loadRow(tenantId, id));
    },
  };
  return service;
}

export type PracticeService = ReturnType<typeof createPracticeService>;
