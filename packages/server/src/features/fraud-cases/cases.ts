// The fraud queue's service: supervisors list cases (oldest first), read one, assign it, add notes
// and resolve it, clearing or keeping the customer's locks in the same transaction.
import { AppError, newId, notFound } from '@helpdesk-auth/core';
import { type Actor, appendAudit } from '../../platform/audit-log.ts';
import type { ServiceContext } from '../../platform/context.ts';
import { inTransaction } from '../../storage/atomic.ts';
import type { Db } from '../../storage/database.ts';
import type { FraudCaseRow } from '../../storage/schema.ts';
import type { CustomerMethodService } from '../policy/index.ts';
import {
  announceCaseChange,
  type FraudCaseResolution,
  type FraudSignalKind,
  type LockAction,
  resolveCaseRow,
} from './case-records.ts';

export interface FraudCase {
  id: string;
  customerId: string;
  customerName: string | null;
  status: 'open' | 'resolved';
  firstKind: string;
  signalCount: number;
  openedAt: number;
  lastSignalAt: number;
  assigneeId: string | null;
  assigneeName: string | null;
  assignedAt: number | null;
  resolution: string | null;
  resolvedAt: number | null;
  resolvedBy: { type: string; id: string | null } | null;
  pushLock: string | null;
  questionsLock: string | null;
}

export interface FraudCaseDetail extends FraudCase {
  signals: { id: string; kind: string; sourceId: string; occurredAt: number }[];
  notes: {
    id: string;
    authorType: string;
    authorId: string | null;
    authorName: string | null;
    body: string;
    createdAt: number;
  }[];
}

export interface CaseFilters {
  status: 'open' | 'resolved' | 'all';
  /** An operator's id, or `unassigned`. */
  assignee?: string;
  kind?: FraudSignalKind;
  customerId?: string;
  limit: number;
  after?: string;
}

/** The lock services a resolution uses (features/policy), given by the composition. */
export type CaseLocks = Pick<
  CustomerMethodService,
  'clearPushLock' | 'unlockSecurityQuestions' | 'resolveFraudReportIfOpen'
>;

type Joined = FraudCaseRow & { customer_name: string | null; assignee_name: string | null };

function view(row: Joined): FraudCase {
  return {
    id: row.id,
    customerId: row.customer_id,
    customerName: row.customer_name,
    status: row.status,
    firstKind: row.first_kind,
    signalCount: Number(row.signal_count),
    openedAt: Number(row.opened_at),
    lastSignalAt: Number(row.last_signal_at),
    assigneeId: row.assignee_id,
    assigneeName: row.assignee_name,
    assignedAt: row.assigned_at === null ? null : Number(row.assigned_at),
    resolution: row.resolution,
    resolvedAt: row.resolved_at === null ? null : Number(row.resolved_at),
    resolvedBy: row.resolved_by_type ? { type: row.resolved_by_type, id: row.resolved_by_id } : null,
    pushLock: row.push_lock,
    questionsLock: row.questions_lock,
  };
}

function casesWithNames(db: Db, tenantId: string) {
  return db
    .selectFrom('fraud_cases as c')
    .leftJoin('customers as cu', (j) =>
      j.onRef('cu.id', '=', 'c.customer_id').on('cu.tenant_id', '=', tenantId),
    )
    .leftJoin('operators as o', (j) => j.onRef('o.id', '=', 'c.assignee_id').on('o.tenant_id', '=', tenantId))
    .selectAll('c')
    .select(['cu.display_name as customer_name', 'o.display_name as assignee_name'])
    .where('c.tenant_id', '=', tenantId);
}

export function createFraudCaseService({ db, clock, events }: ServiceContext, deps: { locks: CaseLocks }) {
  async function find(executor: Db, tenantId: string, caseId: string): Promise<FraudCase> {
    const row = await casesWithNames(executor, tenantId).where('c.id', '=', caseId).executeTakeFirst();
    if (!row) throw notFound('Fraud case');
    return view(row as Joined);
  }

  /** Why a conditional change on an open case matched nothing: no such case, or resolved. */
  async function refusal(executor: Db, tenantId: string, caseId: string): Promise<never> {
    const current = await find(executor, tenantId, caseId);
    if (current.status !== 'open') throw new AppError('FRAUD_CASE_NOT_OPEN', 'The case is resolved already.');
    throw new AppError(
      'FRAUD_CASE_ASSIGNMENT_CHANGED',
      'Someone else changed who the case is assigned to; reload it and try again.',
    );
  }

  return {
    /** The queue, oldest first (the id is time-ordered), one page at a time. */
    async list(
      tenantId: string,
      filters: CaseFilters,
    ): Promise<{ items: FraudCase[]; nextAfter: string | null }> {
      let query = casesWithNames(db, tenantId);
      if (filters.status !== 'all') query = query.where('c.status', '=', filters.status);
      if (filters.assignee === 'unassigned') query = query.where('c.assignee_id', 'is', null);
      else if (filters.assignee) query = query.where('c.assignee_id', '=', filters.assignee);
      if (filters.customerId) query = query.where('c.customer_id', '=', filters.customerId);
      if (filters.kind) {
        const kind = filters.kind;
        query = query.where((eb) =>
          eb.exists(
            eb
              .selectFrom('fraud_case_signals as s')
              .select('s.id')
              .whereRef('s.case_id', '=', 'c.id')
              .where('s.tenant_id', '=', tenantId)
              .where('s.kind', '=', kind),
          ),
        );
      }
      if (filters.after) query = query.where('c.id', '>', filters.after);
      const rows = (await query
        .orderBy('c.id', 'asc')
        .limit(filters.limit + 1)
        .execute()) as Joined[];
      const more = rows.length > filters.limit;
      const items = rows.slice(0, filters.limit).map(view);
      return { items, nextAfter: more ? items[items.length - 1]!.id : null };
    },

    async get(tenantId: string, caseId: string): Promise<FraudCaseDetail> {
      const current = await find(db, tenantId, caseId);
      const [signals, notes] = await Promise.all([
        db
          .selectFrom('fraud_case_signals')
          .select(['id', 'kind', 'source_id', 'occurred_at'])
          .where('tenant_id', '=', tenantId)
          .where('case_id', '=', caseId)
          .orderBy('id', 'asc')
          .execute(),
        db
          .selectFrom('fraud_case_notes as n')
          .leftJoin('operators as o', (j) =>
            j.onRef('o.id', '=', 'n.author_id').on('o.tenant_id', '=', tenantId),
          )
          .select([
            'n.id',
            'n.author_type',
            'n.author_id',
            'n.body',
            'n.created_at',
            'o.display_name as author_name',
          ])
          .where('n.tenant_id', '=', tenantId)
          .where('n.case_id', '=', caseId)
          .orderBy('n.id', 'asc')
          .execute(),
      ]);
      return {
        ...current,
        signals: signals.map((s) => ({
          id: s.id,
          kind: s.kind,
          sourceId: s.source_id,
          occurredAt: Number(s.occurred_at),
        })),
        notes: notes.map((n) => ({
          id: n.id,
          authorType: n.author_type,
          authorId: n.author_id,
          authorName: n.author_name,
          body: n.body,
          createdAt: Number(n.created_at),
        })),
      };
    },

    /**
     * Assigns an open case to a supervisor or admin of the tenant, or back to nobody, as a
     * compare-and-set on the assignee the caller saw: of two supervisors taking the same case at
     * once one wins, the other gets FRAUD_CASE_ASSIGNMENT_CHANGED. Audited (fraud_case.assigned).
     */
    async assign(
      tenantId: string,
      caseId: string,
      input: { assigneeId: string | null; expectedAssigneeId: string | null },
      actor: Actor,
    ): Promise<FraudCase> {
      const now = clock();
      // An unknown case is a 404 whoever it names.
      await find(db, tenantId, caseId);
      if (input.assigneeId !== null) {
        const operator = await db
          .selectFrom('operators')
          .select(['role', 'status'])
          .where('tenant_id', '=', tenantId)
          .where('id', '=', input.assigneeId)
          .executeTakeFirst();
        if (operator?.status !== 'active' || !['supervisor', 'admin'].includes(operator.role)) {
          throw new AppError(
            'VALIDATION_FAILED',
            'A case can be assigned only to an active supervisor or admin of this tenant.',
          );
        }
      }
      return inTransaction(db, async (tx) => {
        const moved = await tx
          .updateTable('fraud_cases')
          .set({ assignee_id: input.assigneeId, assigned_at: input.assigneeId ? now : null, updated_at: now })
          .where('tenant_id', '=', tenantId)
          .where('id', '=', caseId)
          .where('status', '=', 'open')
          .where((eb) =>
            input.expectedAssigneeId === null
              ? eb('assignee_id', 'is', null)
              : eb('assignee_id', '=', input.expectedAssigneeId),
          )
          .returning(['customer_id'])
          .executeTakeFirst();
        if (!moved) return refusal(tx, tenantId, caseId);
        if (input.assigneeId !== input.expectedAssigneeId) {
          await appendAudit(tx, {
            tenantId,
            actor,
            action: 'fraud_case.assigned',
            target: { type: 'fraud_case', id: caseId },
            data: { customerId: moved.customer_id, assigneeId: input.assigneeId },
            now,
          });
          announceCaseChange(tx, events, {
            tenantId,
            caseId,
            customerId: moved.customer_id,
            change: 'assigned',
            assigneeId: input.assigneeId,
            at: now,
          });
        }
        return find(tx, tenantId, caseId);
      });
    },

    /** Adds a note to a case, open or resolved (a follow-up). Audited (fraud_case.noted) with its text. */
    async addNote(
      tenantId: string,
      caseId: string,
      body: string,
      actor: Actor,
    ): Promise<{ id: string; createdAt: number }> {
      const now = clock();
      return inTransaction(db, async (tx) => {
        const current = await find(tx, tenantId, caseId);
        const id = newId('fraudCaseNote', now);
        await tx
          .insertInto('fraud_case_notes')
          .values({
            id,
            tenant_id: tenantId,
            case_id: caseId,
            author_type: actor.type,
            author_id: actor.id,
            body,
            created_at: now,
          })
          .execute();
        await tx.updateTable('fraud_cases').set({ updated_at: now }).where('id', '=', caseId).execute();
        await appendAudit(tx, {
          tenantId,
          actor,
          action: 'fraud_case.noted',
          target: { type: 'fraud_case', id: caseId },
          data: { customerId: current.customerId, noteId: id, note: body },
          now,
        });
        announceCaseChange(tx, events, {
          tenantId,
          caseId,
          customerId: current.customerId,
          change: 'noted',
          noteId: id,
          at: now,
        });
        return { id, createdAt: now };
      });
    },

    /**
     * Resolves an open case in one transaction: the case's compare-and-set (of parallel
     * resolutions one applies, the others get FRAUD_CASE_NOT_OPEN), the customer's open fraud
     * report resolved with the same note, and the push lock and the security-question lockout
     * cleared or kept as asked, each by the policy's own audited service. A failure anywhere
     * leaves all of it as it was.
     */
    async resolve(
      tenantId: string,
      caseId: string,
      input: {
        resolution: FraudCaseResolution;
        note: string;
        pushLock: LockAction;
        questionsLock: LockAction;
      },
      actor: Actor,
    ): Promise<FraudCase> {
      const now = clock();
      return inTransaction(db, async (tx) => {
        const resolved = await resolveCaseRow(tx, events, { tenantId, caseId }, { ...input, actor, now });
        if (!resolved) {
          await find(tx, tenantId, caseId);
          throw new AppError('FRAUD_CASE_NOT_OPEN', 'The case is resolved already.');
        }
        const { customerId } = resolved;
        const customer = await tx
          .selectFrom('customers')
          .select('id')
          .where('tenant_id', '=', tenantId)
          .where('id', '=', customerId)
          .executeTakeFirst();
        // A customer removed since the case opened has no report or locks left to handle.
        if (customer) {
          await deps.locks.resolveFraudReportIfOpen(tx, tenantId, customerId, input.note, actor);
          if (input.pushLock === 'clear') await deps.locks.clearPushLock(tenantId, customerId, actor, tx);
          if (input.questionsLock === 'clear') {
            await deps.locks.unlockSecurityQuestions(tenantId, customerId, actor, tx);
          }
        }
        return find(tx, tenantId, caseId);
      });
    },
  };
}

export type FraudCaseService = ReturnType<typeof createFraudCaseService>;
