// The audit routes: list entries, export the chain, verify it.
import { Readable } from 'node:stream';
import { AppError, idPattern } from '@helpdesk-auth/core';
import type { AuditEntry } from '@helpdesk-auth/core/audit-chain';
import { Type } from 'typebox';
import { requirePrincipal } from '../../http/authenticate.ts';
import { Cursor, errorResponses, Limit, operatorOrApiKey, Timestamp, toIso } from '../../http/schemas.ts';
import type { AppDependencies, TypedApp } from '../../http/types.ts';
import { listAudit, readAuditChain, verifyTenantAuditChain } from '../../platform/audit-log.ts';
import { type AuditNames, resolveAuditNames } from './names.ts';

// The filters of the list and the export: the export hands over exactly what the list shows.
const AuditQueryFilters = {
  action: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'e.g. customer.updated' })),
  actorId: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  targetId: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  customerId: Type.Optional(
    Type.String({
      pattern: idPattern('customer'),
      description:
        'Entries about this customer: the customer, its verifications, one-time codes and devices.',
    }),
  ),
  from: Type.Optional(Type.String({ format: 'date-time', description: 'Inclusive.' })),
  to: Type.Optional(Type.String({ format: 'date-time', description: 'Exclusive.' })),
};

const AuditEventSchema = Type.Object(
  {
    id: Type.String(),
    seq: Type.Integer(),
    occurredAt: Timestamp,
    actor: Type.Object({
      type: Type.String(),
      id: Type.Union([Type.String(), Type.Null()]),
      name: Type.Optional(
        Type.Union([Type.String(), Type.Null()], {
          description: "The operator's, API key's or client's current name; null when it no longer exists.",
        }),
      ),
    }),
    action: Type.String(),
    target: Type.Union([
      Type.Object({
        type: Type.String(),
        id: Type.String(),
        name: Type.Optional(
          Type.Union([Type.String(), Type.Null()], {
            description:
              'The current name of what was acted on (customer, operator, device, ...), if it has one.',
          }),
        ),
      }),
      Type.Null(),
    ]),
    customer: Type.Optional(
      Type.Union(
        [
          Type.Object({
            id: Type.String(),
            name: Type.Union([Type.String(), Type.Null()]),
            externalId: Type.Union([Type.String(), Type.Null()]),
          }),
          Type.Null(),
        ],
        {
          description:
            'The customer the entry concerns (its target, or the customer of the verification or device), with current names. Not part of the hashed entry.',
        },
      ),
    ),
    data: Type.Object({}, { additionalProperties: true }),
    prevHash: Type.String(),
    hash: Type.String(),
  },
  { $id: 'AuditEvent', title: 'AuditEvent' },
);

function auditView(entry: AuditEntry, names?: AuditNames) {
  return {
    id: entry.id,
    seq: entry.seq,
    occurredAt: toIso(entry.occurredAt),
    actor: { type: entry.actorType, id: entry.actorId, name: names?.actorName ?? null },
    action: entry.action,
    target:
      entry.targetType && entry.targetId
        ? { type: entry.targetType, id: entry.targetId, name: names?.targetName ?? null }
        : null,
    customer: names?.customer ?? null,
    data: JSON.parse(entry.data) as Record<string, unknown>,
    prevHash: entry.prevHash,
    hash: entry.hash,
  };
}

function parseTime(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new AppError('VALIDATION_FAILED', `${name} must be an ISO 8601 date-time.`);
  return ms;
}

export function registerAuditRoutes(app: TypedApp, { services }: AppDependencies): void {
  const { db } = services.context;

  app.get(
    '/v1/audit-events',
    {
      config: { auth: 'audit:read' },
      schema: {
        tags: ['audit'],
        summary: 'Audit log, newest first, with filters.',
        operationId: 'listAuditEvents',
        security: operatorOrApiKey,
        querystring: Type.Object(
          {
            ...AuditQueryFilters,
            limit: Type.Optional(Limit),
            cursor: Type.Optional(Cursor),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            items: Type.Array(AuditEventSchema),
            nextCursor: Type.Union([Type.String(), Type.Null()]),
          }),
          ...errorResponses(401, 403),
        },
      },
    },
    async (request) => {
      const { tenantId } = requirePrincipal(request);
      const q = request.query;
      let beforeSeq: number | undefined;
      if (q.cursor) {
        beforeSeq = Number(Buffer.from(q.cursor, 'base64url').toString('utf8'));
        if (!Number.isSafeInteger(beforeSeq) || beforeSeq < 1) {
          throw new AppError('INVALID_CURSOR', 'The cursor is not one this API gave out.');
        }
      }
      const limit = q.limit ?? 50;
      const entries = await listAudit(db, tenantId, {
        action: q.action,
        actorId: q.actorId,
        targetId: q.targetId,
        customerId: q.customerId,
        from: parseTime(q.from, 'from'),
        to: parseTime(q.to, 'to'),
        beforeSeq,
        limit: limit + 1,
      });
      const page = entries.slice(0, limit);
      const last = page[page.length - 1];
      const names = await resolveAuditNames(db, tenantId, page);
      return {
        items: page.map((entry, i) => auditView(entry, names[i])),
        nextCursor:
          entries.length > limit && last ? Buffer.from(String(last.seq)).toString('base64url') : null,
      };
    },
  );

  app.get(
    '/v1/audit-events/export',
    {
      config: { auth: 'audit:read' },
      schema: {
        tags: ['audit'],
        summary: 'The audit chain as JSON Lines, oldest first, exactly as stored (re-verifiable).',
        description:
          'Without filters, the whole chain, which re-verifies as a chain. With the same filters as the list, only the entries they match: each still carries its own hash and the hash before it, so each can be checked against the whole chain.',
        operationId: 'exportAuditEvents',
        security: operatorOrApiKey,
        querystring: Type.Object(AuditQueryFilters, { additionalProperties: false }),
        response: {
          200: {
            description: 'One stored entry per line; `data` is the JSON text the hash covers.',
            content: { 'application/x-ndjson': { schema: Type.String() } },
          },
          ...errorResponses(401, 403),
        },
      },
    },
    async (request, reply) => {
      const { tenantId } = requirePrincipal(request);
      const q = request.query;
      // Checked before the answer starts, so a bad date is a 400, not a broken download.
      const filter = {
        action: q.action,
        actorId: q.actorId,
        targetId: q.targetId,
        customerId: q.customerId,
        from: parseTime(q.from, 'from'),
        to: parseTime(q.to, 'to'),
      };
      async function* lines() {
        for await (const entry of readAuditChain(db, tenantId, { filter }))
          yield `${JSON.stringify(entry)}\n`;
      }
      reply
        .header('content-type', 'application/x-ndjson; charset=utf-8')
        .header('content-disposition', 'attachment; filename="audit.jsonl"');
      // A stream bypasses the serializer; the declared schema documents what each line holds.
      return reply.send(Readable.from(lines()) as unknown as string);
    },
  );

  app.get(
    '/v1/audit-events/verification',
    {
      config: { auth: 'audit:read' },
      schema: {
        tags: ['audit'],
        summary:
          'Seal the entries committed so far, verify the hash chain of your tenant and report the first broken entry, if any.',
        operationId: 'verifyAuditChain',
        security: operatorOrApiKey,
        response: {
          200: Type.Object({
            ok: Type.Boolean(),
            checked: Type.Integer({ description: 'Entries verified before the first break (or all).' }),
            headSeq: Type.Integer({
              description:
                'Sequence number of the newest sealed entry: the chain is sealed and verified up to here.',
            }),
            unsealed: Type.Integer({
              description:
                'Entries committed but not yet sealed into the chain when it was checked (those that committed during the check).',
            }),
            firstBroken: Type.Optional(
              Type.Object({
                seq: Type.Integer(),
                id: Type.String(),
                reason: Type.String({
                  enum: ['hash_mismatch', 'prev_hash_mismatch', 'sequence_gap', 'tenant_mismatch'],
                }),
              }),
            ),
          }),
          ...errorResponses(401, 403),
        },
      },
    },
    async (request) => verifyTenantAuditChain(db, requirePrincipal(request).tenantId),
  );
}
