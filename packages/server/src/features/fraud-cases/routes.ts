// The fraud queue's routes: list and read cases, their live alerts, assignment, notes, resolution.
import { idPattern } from '@helpdesk-auth/core';
import { Type } from 'typebox';
import { requirePrincipal } from '../../http/authenticate.ts';
import { decodeCursor, encodeCursor } from '../../http/cursors.ts';
import { type EventStreams, eventStream } from '../../http/event-stream.ts';
import {
  Cursor,
  errorResponses,
  idParam,
  Limit,
  operatorOrApiKey,
  Timestamp,
  toIso,
  toIsoOrNull,
} from '../../http/schemas.ts';
import type { AppDependencies, TypedApp } from '../../http/types.ts';
import { topics } from '../../platform/live-events.ts';
import { fraudCaseResolutions, fraudSignalKinds, lockActions } from './case-records.ts';
import type { FraudCase, FraudCaseDetail } from './cases.ts';

const OperatorId = Type.String({ pattern: idPattern('operator') });
const Kind = Type.String({
  enum: [...fraudSignalKinds],
  description:
    "fraud_report: reported from the customer's device; push_denied: a push an operator started was denied; questions_locked: security questions locked after wrong answers; fake_call: the customer reported a call that was not the helpdesk.",
});
const Resolution = Type.String({
  enum: [...fraudCaseResolutions],
  description:
    'genuine_mistake: the customer erred (pressed the wrong button, forgot answers); confirmed_fraud: someone else tried to pass as the customer; escalated: handed to the fraud team.',
});
const LockAction = (what: string) =>
  Type.String({
    enum: [...lockActions],
    description: `clear: ${what} is lifted now; keep: it stays until cleared later.`,
  });
const NoteText = Type.String({
  minLength: 3,
  maxLength: 2000,
  pattern: '\\S',
  description: 'What was found and done; kept with the case and in the audit log.',
});

const CaseSchema = Type.Object({
  id: Type.String(),
  customerId: Type.String(),
  customerName: Type.Union([Type.String(), Type.Null()]),
  status: Type.String({ enum: ['open', 'resolved'] }),
  firstKind: Kind,
  signalCount: Type.Integer({
    description: 'Signals the case gathered while open (one open case per customer).',
  }),
  openedAt: Timestamp,
  lastSignalAt: Timestamp,
  assignee: Type.Union([
    Type.Object({ id: Type.String(), name: Type.Union([Type.String(), Type.Null()]) }),
    Type.Null(),
  ]),
  assignedAt: Type.Union([Timestamp, Type.Null()]),
  resolution: Type.Union([Resolution, Type.Null()]),
  resolvedAt: Type.Union([Timestamp, Type.Null()]),
  resolvedBy: Type.Union([
    Type.Object({ type: Type.String(), id: Type.Union([Type.String(), Type.Null()]) }),
    Type.Null(),
  ]),
  pushLock: Type.Union([Type.String({ enum: [...lockActions] }), Type.Null()], {
    description: 'What the resolution did with the push lock.',
  }),
  questionsLock: Type.Union([Type.String({ enum: [...lockActions] }), Type.Null()], {
    description: 'What the resolution did with the security-question lockout.',
  }),
});

const CaseDetailSchema = Type.Object({
  ...CaseSchema.properties,
  signals: Type.Array(
    Type.Object({ id: Type.String(), kind: Kind, sourceId: Type.String(), occurredAt: Timestamp }),
  ),
  notes: Type.Array(
    Type.Object({
      id: Type.String(),
      author: Type.Object({
        type: Type.String(),
        id: Type.Union([Type.String(), Type.Null()]),
        name: Type.Union([Type.String(), Type.Null()]),
      }),
      body: Type.String(),
      createdAt: Timestamp,
    }),
  ),
});

function caseView(c: FraudCase) {
  return {
    id: c.id,
    customerId: c.customerId,
    customerName: c.customerName,
    status: c.status,
    firstKind: c.firstKind,
    signalCount: c.signalCount,
    openedAt: toIso(c.openedAt),
    lastSignalAt: toIso(c.lastSignalAt),
    assignee: c.assigneeId ? { id: c.assigneeId, name: c.assigneeName } : null,
    assignedAt: toIsoOrNull(c.assignedAt),
    resolution: c.resolution,
    resolvedAt: toIsoOrNull(c.resolvedAt),
    resolvedBy: c.resolvedBy,
    pushLock: c.pushLock,
    questionsLock: c.questionsLock,
  };
}

function detailView(c: FraudCaseDetail) {
  return {
    ...caseView(c),
    signals: c.signals.map((s) => ({ ...s, occurredAt: toIso(s.occurredAt) })),
    notes: c.notes.map((n) => ({
      id: n.id,
      author: { type: n.authorType, id: n.authorId, name: n.authorName },
      body: n.body,
      createdAt: toIso(n.createdAt),
    })),
  };
}

const caseIdRegex = new RegExp(idPattern('fraudCase'));

export function registerFraudCaseRoutes(
  app: TypedApp,
  { services }: AppDependencies,
  streams: EventStreams,
): void {
  const cases = services.fraudCases;

  app.get(
    '/v1/fraud-cases',
    {
      config: { auth: 'fraud-cases:read' },
      schema: {
        tags: ['fraud-cases'],
        summary: 'The fraud queue (supervisors and admins): cases, oldest first; paginated.',
        description:
          'Every fraud report from a device, every push an operator started that the customer denied, and every security-question lockout opens a case; a customer has at most one open case, which gathers further signals (`signalCount`).',
        operationId: 'listFraudCases',
        security: operatorOrApiKey,
        querystring: Type.Object(
          {
            status: Type.Optional(Type.String({ enum: ['open', 'resolved', 'all'], default: 'open' })),
            assignee: Type.Optional(
              Type.Union([OperatorId, Type.String({ enum: ['me', 'unassigned'] })], {
                description: "An operator's id, `me` (the signed-in operator) or `unassigned`.",
              }),
            ),
            kind: Type.Optional(Kind),
            customerId: Type.Optional(Type.String({ pattern: idPattern('customer') })),
            limit: Type.Optional(Limit),
            cursor: Type.Optional(Cursor),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            items: Type.Array(CaseSchema),
            nextCursor: Type.Union([Type.String(), Type.Null()]),
          }),
          ...errorResponses(400, 401, 403),
        },
      },
    },
    async (request) => {
      const { tenantId, actor } = requirePrincipal(request);
      const { status, assignee, kind, customerId, limit, cursor } = request.query;
      const page = await cases.list(tenantId, {
        status: (status ?? 'open') as 'open' | 'resolved' | 'all',
        assignee: assignee === 'me' ? (actor.id ?? undefined) : assignee,
        kind: kind as (typeof fraudSignalKinds)[number] | undefined,
        customerId,
        limit: limit ?? 50,
        after: cursor ? decodeCursor(cursor, caseIdRegex) : undefined,
      });
      return {
        items: page.items.map(caseView),
        nextCursor: page.nextAfter ? encodeCursor(page.nextAfter) : null,
      };
    },
  );

  app.get(
    '/v1/fraud-cases/events',
    {
      config: { auth: 'fraud-cases:read' },
      schema: {
        tags: ['fraud-cases'],
        summary: "Live changes to the tenant's fraud queue (server-sent events).",
        description:
          'One `fraud_case` event per change: `{caseId, customerId, change, at, ...}` with change `opened`, `signal_added`, `assigned`, `noted` or `resolved`. Events travel between server processes through Redis where configured; a client re-reads the queue after reconnecting.',
        operationId: 'fraudCaseEvents',
        security: operatorOrApiKey,
        response: { 200: eventStream, ...errorResponses(401, 403) },
      },
    },
    async (request, reply) => {
      const { tenantId } = requirePrincipal(request);
      streams.open(request, reply, { topics: [topics.fraudCases(tenantId)] });
    },
  );

  app.get(
    '/v1/fraud-cases/:id',
    {
      config: { auth: 'fraud-cases:read' },
      schema: {
        tags: ['fraud-cases'],
        summary: 'One fraud case with its signals and notes.',
        operationId: 'getFraudCase',
        security: operatorOrApiKey,
        params: idParam('fraudCase', 'Fraud case id.'),
        response: { 200: CaseDetailSchema, ...errorResponses(401, 403, 404) },
      },
    },
    async (request) => {
      const { tenantId } = requirePrincipal(request);
      return detailView(await cases.get(tenantId, request.params.id));
    },
  );

  app.post(
    '/v1/fraud-cases/:id/assign',
    {
      config: { auth: 'fraud-cases:write' },
      schema: {
        tags: ['fraud-cases'],
        summary: 'Assign an open case to a supervisor or admin (or to nobody), as a compare-and-set.',
        description:
          '`expectedAssigneeId` is the assignee the caller saw (null: unassigned). When it no longer holds, because someone else took the case first, nothing changes and the answer is 409 FRAUD_CASE_ASSIGNMENT_CHANGED. Audited (fraud_case.assigned).',
        operationId: 'assignFraudCase',
        security: operatorOrApiKey,
        params: idParam('fraudCase', 'Fraud case id.'),
        body: Type.Object(
          {
            assigneeId: Type.Union([OperatorId, Type.Null()]),
            expectedAssigneeId: Type.Union([OperatorId, Type.Null()]),
          },
          { additionalProperties: false },
        ),
        response: { 200: CaseSchema, ...errorResponses(400, 401, 403, 404, 409, 413, 415) },
      },
    },
    async (request) => {
      const { tenantId, actor } = requirePrincipal(request);
      return caseView(await cases.assign(tenantId, request.params.id, request.body, actor));
    },
  );

  app.post(
    '/v1/fraud-cases/:id/notes',
    {
      config: { auth: 'fraud-cases:write' },
      schema: {
        tags: ['fraud-cases'],
        summary: 'Add a note to a case (open or resolved). Audited (fraud_case.noted).',
        operationId: 'addFraudCaseNote',
        security: operatorOrApiKey,
        params: idParam('fraudCase', 'Fraud case id.'),
        body: Type.Object({ body: NoteText }, { additionalProperties: false }),
        response: {
          201: Type.Object({ id: Type.String(), createdAt: Timestamp }),
          ...errorResponses(400, 401, 403, 404, 413, 415),
        },
      },
    },
    async (request, reply) => {
      const { tenantId, actor } = requirePrincipal(request);
      const note = await cases.addNote(tenantId, request.params.id, request.body.body.trim(), actor);
      return reply.status(201).send({ id: note.id, createdAt: toIso(note.createdAt) });
    },
  );

  app.post(
    '/v1/fraud-cases/:id/resolve',
    {
      config: { auth: 'fraud-cases:write' },
      schema: {
        tags: ['fraud-cases'],
        summary: "Resolve a case, clearing or keeping the customer's locks, in one transaction.",
        description:
          "Resolves the customer's open fraud report with the same note (customer.fraud_report_resolved), clears or keeps the push lock (customer.push_lock_cleared) and the security-question lockout (customer.security_questions_unlocked), and audits fraud_case.resolved. 409 FRAUD_CASE_NOT_OPEN when the case is resolved already, also for the second of two parallel requests.",
        operationId: 'resolveFraudCase',
        security: operatorOrApiKey,
        params: idParam('fraudCase', 'Fraud case id.'),
        body: Type.Object(
          {
            resolution: Resolution,
            note: NoteText,
            pushLock: LockAction('the push lock (after a fraud report or denials)'),
            questionsLock: LockAction('the security-question lockout'),
          },
          { additionalProperties: false },
        ),
        response: { 200: CaseSchema, ...errorResponses(400, 401, 403, 404, 409, 413, 415) },
      },
    },
    async (request) => {
      const { tenantId, actor } = requirePrincipal(request);
      const body = request.body;
      return caseView(
        await cases.resolve(
          tenantId,
          request.params.id,
          {
            resolution: body.resolution as (typeof fraudCaseResolutions)[number],
            note: body.note.trim(),
            pushLock: body.pushLock as 'clear' | 'keep',
            questionsLock: body.questionsLock as 'clear' | 'keep',
          },
          actor,
        ),
      );
    },
  );
}
