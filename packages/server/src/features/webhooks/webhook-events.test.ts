// Tests of the webhook events made from audit entries.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { newId } from '@helpdesk-auth/core';
import type { AuditEventRow } from '../../storage/schema.ts';
import { eventsForAuditEntry } from './webhook-events.ts';

function entry(action: string, target: string | null, data: Record<string, unknown>): AuditEventRow {
  return {
    id: newId('audit', Date.UTC(2026, 10, 24, 16, 0, 0)),
    tenant_id: 'ten_01M876HXB0A04Z448HGS16RQHZ',
    seq: 7,
    occurred_at: Date.UTC(2026, 10, 24, 16, 0, 0),
    actor_type: 'operator',
    actor_id: 'opr_01M876HXB0A04Z448HGS16RQHZ',
    action,
    target_type: null,
    target_id: target,
    data: JSON.stringify(data),
    prev_hash: '0'.repeat(64),
    hash: '0'.repeat(64),
  };
}

describe('webhook events from audit entries', () => {
  it('keeps free text and personal data out: reason and action summary never leave', () => {
    const [event] = eventsForAuditEntry(
      entry('verification.started', 'ver_01M876HXB0A04Z448HGS16RQHZ', {
        customerId: 'cus_1',
        method: 'push',
        purpose: 'confirm_action',
        reason: 'Card replacement for Alice Example',
        actionSummary: 'Change postal address to 1 Main Street',
        callReference: null,
      }),
    );
    assert.deepEqual(event!.data, {
      verificationId: 'ver_01M876HXB0A04Z448HGS16RQHZ',
      status: 'pending',
      customerId: 'cus_1',
      method: 'push',
      purpose: 'confirm_action',
    });
    assert.equal(event!.createdAt, '2026-11-24T16:00:00.000Z');
    assert.match(event!.id, /^evt_[0-9A-HJKMNP-TV-Z]{26}$/);
  });

  it('gives an entry the same event ids every time, distinct for the derived customer event', () => {
    const row = entry('verification.fraud_reported', 'ver_1', { customerId: 'cus_1', deviceId: 'dev_1' });
    const first = eventsForAuditEntry(row);
    const again = eventsForAuditEntry(row);
    assert.deepEqual(
      first.map((e) => e.id),
      again.map((e) => e.id),
    );
    assert.deepEqual(
      first.map((e) => e.type),
      ['verification.fraud_reported', 'customer.fraud_reported'],
    );
    assert.notEqual(first[0]!.id, first[1]!.id);
    assert.equal(first[0]!.id.slice(0, 14), first[1]!.id.slice(0, 14), 'same time part');
  });

  it('maps lockouts and unlocks of a customer, and nothing for other entries', () => {
    assert.deepEqual(
      eventsForAuditEntry(entry('security_questions.locked', 'cus_1', { failures: 5 }))[0]!.data,
      {
        customerId: 'cus_1',
        method: 'security_questions',
      },
    );
    assert.deepEqual(
      eventsForAuditEntry(entry('customer.push_lock_cleared', 'cus_1', {})).map((e) => [
        e.type,
        e.data.method,
      ]),
      [['customer.unlocked', 'push']],
    );
    for (const action of [
      'verification.wrong_code',
      'customer.updated',
      'operator.signed_in',
      'webhook.created',
    ]) {
      assert.deepEqual(eventsForAuditEntry(entry(action, 'x_1', {})), [], action);
    }
  });

  it('maps every fraud case change to its event, without the note text', () => {
    const resolved = eventsForAuditEntry(
      entry('fraud_case.resolved', 'frc_1', {
        customerId: 'cus_1',
        resolution: 'confirmed_fraud',
        pushLock: 'keep',
        questionsLock: 'clear',
        noteId: 'frn_1',
        note: 'Called the customer: they were not on the phone.',
      }),
    );
    assert.deepEqual(
      resolved.map((e) => [e.type, e.data]),
      [
        [
          'fraud_case.resolved',
          {
            caseId: 'frc_1',
            customerId: 'cus_1',
            resolution: 'confirmed_fraud',
            pushLock: 'keep',
            questionsLock: 'clear',
            noteId: 'frn_1',
          },
        ],
      ],
    );
    for (const action of [
      'fraud_case.opened',
      'fraud_case.signal_added',
      'fraud_case.assigned',
      'fraud_case.noted',
    ]) {
      const events = eventsForAuditEntry(
        entry(action, 'frc_2', { customerId: 'cus_2', signalKind: 'fraud_report', note: 'Private text' }),
      );
      assert.deepEqual(
        events.map((e) => e.type),
        [action],
      );
      assert.equal(events[0]!.data.caseId, 'frc_2');
      assert.equal(JSON.stringify(events).includes('Private text'), false);
    }
    assert.deepEqual(eventsForAuditEntry(entry('fraud_case.unknown', 'frc_3', {})), []);
  });
});
