// Tests of the normalisation of security-question answers.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normaliseAnswer } from '../policy-answers.ts';

describe('security-answer normalisation', () => {
  it('ignores case, spaces and punctuation', () => {
    assert.equal(normaliseAnswer("  St. Mary's  School "), normaliseAnswer('st marys school'));
    assert.equal(normaliseAnswer('New-York'), normaliseAnswer('new york'));
    assert.equal(normaliseAnswer('Fluffy!!!'), 'fluffy');
  });

  it('folds Unicode compatibility forms (NFKC) and keeps letters of every script', () => {
    assert.equal(normaliseAnswer('Ｆｌｕｆｆｙ'), 'fluffy'); // full-width
    assert.equal(normaliseAnswer('ﬁsh'), 'fish'); // ligature
    assert.equal(normaliseAnswer('Mu\u0308ller'), normaliseAnswer('Müller')); // combining vs precomposed
    assert.equal(normaliseAnswer('Ἀθῆναι'), 'ἀθῆναι');
  });

  it('keeps answers that differ in letters or digits apart', () => {
    assert.notEqual(normaliseAnswer('Müller'), normaliseAnswer('Muller'));
    assert.notEqual(normaliseAnswer('1984'), normaliseAnswer('1985'));
    assert.equal(normaliseAnswer(' .,;!? '), '');
  });
});
