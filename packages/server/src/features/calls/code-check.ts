// customer_reads mode: the agent types the code the customer reads from their app. Each try is
// reserved by one conditional UPDATE before the compare, so parallel wrong codes never pass the
// cap; the compare is of keyed hashes, in constant time.
import { AppError } from '@helpdesk-auth/core';
import { type Actor, appendAudit } from '../../platform/audit-log.ts';
import { constantTimeEqual, keyedHash } from '../../platform/secrets.ts';
import { inTransaction } from '../../storage/atomic.ts';
import type { CallNotice, CallRecord } from './model.ts';

export function createCodeCheck(record: CallRecord) {
  const { db, clock, encryptionKey, getRow, statusOf, toNotice, announce } = record;
  const locked = () =>
    new AppError(
      'CALL_CODE_LOCKED',
      'The code was typed wrong too often. Do not continue this call as verified; end it and call again.',
    );
  return {
    async checkCode(tenantId: string, id: string, code: string, actor: Actor): Promise<CallNotice> {
      const row = await getRow(db, tenantId, id);
      if (row.mutual_code !== 'customer_reads' || row.code_hash === null) {
        throw new AppError(
          'CALL_CODE_NOT_EXPECTED',
          'This call notice has no code for the customer to read out.',
        );
      }
      if (statusOf(row) !== 'active')
        throw new AppError('CALL_NOTICE_NOT_ACTIVE', 'The call notice has ended.');
      if (row.confirmation === 'confirmed') return toNotice(row, { revealCode: false });
      const now = clock();
      const reserved = await db
        .updateTable('call_notices')
        .set((eb) => ({ code_attempts: eb('code_attempts', '+', 1) }))
        .where('tenant_id', '=', tenantId)
        .where('id', '=', id)
        .where('status', '=', 'active')
        .where('confirmation', '=', 'pending')
        .where((eb) => eb('code_attempts', '<', eb.ref('code_max_attempts')))
        .returning(['code_attempts', 'code_max_attempts'])
        .executeTakeFirst();
      if (!reserved) {
        const current = await getRow(db, tenantId, id);
        if (current.confirmation === 'confirmed') return toNotice(current, { revealCode: false });
        if (statusOf(current) !== 'active')
          throw new AppError('CALL_NOTICE_NOT_ACTIVE', 'The call notice has ended.');
        throw locked();
      }
      const attemptsLeft = Number(reserved.code_max_attempts) - Number(reserved.code_attempts);
      if (constantTimeEqual(keyedHash(encryptionKey, code), row.code_hash)) {
        const confirmed = await inTransaction(db, async (tx) => {
          const result = await tx
            .updateTable('call_notices')
            .set({ confirmation: 'confirmed', confirmed_at: now })
            .where('tenant_id', '=', tenantId)
            .where('id', '=', id)
            .where('confirmation', '=', 'pending')
            .executeTakeFirst();
          if (Number(result.numUpdatedRows) !== 1) return false;
          await appendAudit(tx, {
            tenantId,
            actor,
            action: 'call.confirmed',
            target: { type: 'call_notice', id },
            data: { customerId: row.customer_id, by: 'agent' },
            now,
          });
          return true;
        });
        if (confirmed) announce(row, 'call.confirmed', { by: 'agent', at: new Date(now).toISOString() });
        return toNotice(await getRow(db, tenantId, id), { revealCode: false });
      }
      await inTransaction(db, (tx) =>
        appendAudit(tx, {
          tenantId,
          actor,
          action: 'call.code_failed',
          target: { type: 'call_notice', id },
          data: { customerId: row.customer_id, attemptsLeft },
          now,
        }),
      );
      announce(row, 'call.code_failed', { attemptsLeft });
      if (attemptsLeft === 0) throw locked();
      throw new AppError(
        'CALL_CODE_INVALID',
        `That is not the code the customer's app shows. ${attemptsLeft} ${attemptsLeft === 1 ? 'try' : 'tries'} left.`,
        { details: { attemptsLeft } },
      );
    },
  };
}
