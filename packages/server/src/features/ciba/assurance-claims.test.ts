// Tests of the acr and amr claims of CIBA tokens.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { acrFor, amrFor, knownRequestedLevels, meetsRequestedLevels } from './assurance-claims.ts';

describe('acr and amr of CIBA tokens', () => {
  it('names the assurance level and the methods of a push approval', () => {
    assert.equal(acrFor('substantial'), 'urn:helpdesk-auth:acr:substantial');
    assert.deepEqual(amrFor('substantial'), ['swk', 'user']);
    assert.deepEqual(amrFor('high'), ['hwk', 'user', 'mfa']);
  });

  it('reads only the acr values it knows from acr_values', () => {
    assert.deepEqual(knownRequestedLevels(null), []);
    assert.deepEqual(
      knownRequestedLevels('urn:example:gold urn:helpdesk-auth:acr:high urn:helpdesk-auth:acr:bogus'),
      ['high'],
    );
  });

  it('an approval must reach the lowest level asked for; nothing asked, anything goes', () => {
    assert.equal(meetsRequestedLevels('substantial', []), true);
    assert.equal(meetsRequestedLevels('substantial', ['high']), false);
    assert.equal(meetsRequestedLevels('substantial', ['high', 'substantial']), true);
    assert.equal(meetsRequestedLevels('high', ['substantial']), true);
    assert.equal(meetsRequestedLevels('low', ['moderate']), false);
  });
});
