// Tests of the device protocol's shared values.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { activationCodeAlphabet, isDevicePlatform, jwsTypes, noncePattern } from '../protocol.ts';

describe('protocol values', () => {
  it('gives every signed message its own typ', () => {
    assert.equal(new Set(Object.values(jwsTypes)).size, Object.values(jwsTypes).length);
  });

  it('knows the device platforms and nothing else', () => {
    assert.ok(isDevicePlatform('web'));
    assert.ok(!isDevicePlatform('Web'));
    assert.ok(!isDevicePlatform('windows'));
  });

  it('takes base64url nonces of 16 to 128 characters', () => {
    assert.match('A'.repeat(16), noncePattern);
    assert.match('a-b_c'.repeat(25).slice(0, 128), noncePattern);
    assert.doesNotMatch('A'.repeat(15), noncePattern);
    assert.doesNotMatch('A'.repeat(129), noncePattern);
    assert.doesNotMatch(`${'A'.repeat(16)}=`, noncePattern);
  });

  it('leaves the confusable letters out of activation codes', () => {
    assert.equal(activationCodeAlphabet.length, 32);
    assert.doesNotMatch(activationCodeAlphabet, /[ILOU]/);
  });
});
