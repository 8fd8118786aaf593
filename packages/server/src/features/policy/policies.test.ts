// Tests of the policy in force, read from its stored document.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultVerificationPolicy, type VerificationPolicy } from '@helpdesk-auth/core';
import { policyFromDocument } from './policies.ts';

function documentWith(change: (policy: VerificationPolicy) => void): string {
  const policy = structuredClone(defaultVerificationPolicy) as VerificationPolicy;
  change(policy);
  return JSON.stringify(policy);
}

const withDenialWindow = (hours: number) =>
  documentWith((p) => {
    p.push.denialWindowHours = hours;
  });

describe('the policy in force, from its stored document', () => {
  it('answers the default for a tenant that never saved one', () => {
    const policy = policyFromDocument(null);
    assert.deepEqual(policy, defaultVerificationPolicy);
    assert.ok(Object.isFrozen(policy));
  });

  it('parses a document once, and answers the same frozen policy for the same text', () => {
    const document = withDenialWindow(7);
    const first = policyFromDocument(document);
    assert.equal(first.push.denialWindowHours, 7);
    assert.equal(policyFromDocument(document), first);
    // Deeply frozen: one caller cannot change the policy another one enforces.
    assert.ok(Object.isFrozen(first) && Object.isFrozen(first.push));
    assert.throws(() => {
      (first.push as { denialWindowHours: number }).denialWindowHours = 1;
    }, TypeError);
  });

  it('answers a new version at once: a changed text is a different policy', () => {
    const before = policyFromDocument(withDenialWindow(5));
    const after = policyFromDocument(withDenialWindow(6));
    assert.equal(before.push.denialWindowHours, 5);
    assert.equal(after.push.denialWindowHours, 6);
  });

  it('refuses an invalid stored document on every read, never keeping it', () => {
    const broken = withDenialWindow(-3);
    for (let read = 0; read < 2; read++) {
      assert.throws(() => policyFromDocument(broken), /Stored verification policy is invalid/);
    }
  });

  it('keeps a bounded number of texts, dropping the one read least recently', () => {
    const busy = withDenialWindow(100);
    const idle = withDenialWindow(101);
    const busyFirst = policyFromDocument(busy);
    const idleFirst = policyFromDocument(idle);
    // 300 other texts, more than are kept; the busy tenant's text is read again now and then.
    for (let i = 0; i < 300; i++) {
      policyFromDocument(withDenialWindow(400 + i));
      if (i % 50 === 0) policyFromDocument(busy);
    }
    assert.equal(policyFromDocument(busy), busyFirst, 'read recently, so still kept');
    const idleAgain = policyFromDocument(idle);
    assert.notEqual(idleAgain, idleFirst, 'dropped, so parsed again');
    assert.deepEqual(idleAgain, idleFirst);
  });
});
