// Tests of push verification's rules: statuses, codes, push settings, decisions, expiry and the
// payload a device signs.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type AssuranceLevel,
  applyDecision,
  assuranceForPush,
  assuranceLevels,
  canCancel,
  type DecisionPayloadInput,
  decisionChallenge,
  decisionPayload,
  decisionPayloadMembers,
  decisionSigningPayload,
  defaultPushSettings,
  expireIfDue,
  finalStatuses,
  generateVerificationCode,
  isFinal,
  meetsAssurance,
  type RandomByteSource,
  resolvePushSettings,
  sha256Base64url,
  type VerificationState,
  validateActionSummary,
  validatePushSettings,
  verificationDecisions,
  verificationStatuses,
} from '../verification.ts';

/** A byte source that returns the given values in order, then fails the test if asked for more. */
function bytes(values: number[]): RandomByteSource {
  let i = 0;
  return () => {
    if (i >= values.length) throw new Error('random source exhausted');
    return values[i++]!;
  };
}

/** A byte source that cycles through `values` forever, and counts how often it was called. */
function cycling(values: number[]): RandomByteSource & { calls: () => number } {
  let i = 0;
  const source = () => values[i++ % values.length]!;
  return Object.assign(source, { calls: () => i });
}

function digitCounts(codes: string[]): number[] {
  const counts = Array.from({ length: 10 }, () => 0);
  for (const code of codes) for (const ch of code) counts[Number(ch)]!++;
  return counts;
}

function chiSquare(counts: number[]): number {
  const total = counts.reduce((a, b) => a + b, 0);
  const expected = total / counts.length;
  return counts.reduce((sum, c) => sum + (c - expected) ** 2 / expected, 0);
}

// Chi-square with 9 degrees of freedom exceeds 60 with probability about 1.3e-9, so a uniform
// source fails this check about once in a billion runs; a clearly biased one fails it always.
const chiSquareBound = 60;

function looksUniform(counts: number[]): boolean {
  return chiSquare(counts) < chiSquareBound;
}

describe('statuses', () => {
  it('has pending as the only non-final status', () => {
    assert.deepEqual(
      verificationStatuses.filter((s) => !isFinal(s)),
      ['pending'],
    );
    assert.deepEqual([...finalStatuses].sort(), [
      'approved',
      'cancelled',
      'denied',
      'expired',
      'failed',
      'fraud_reported',
    ]);
  });

  it('lets only a pending verification be cancelled', () => {
    for (const status of verificationStatuses) assert.equal(canCancel(status), status === 'pending', status);
  });
});

describe('validateActionSummary', () => {
  it('requires a summary to confirm an action', () => {
    assert.deepEqual(validateActionSummary('confirm_action', 'Change postal address to 1 Main St'), []);
    for (const missing of [undefined, null, '', '   ']) {
      assert.deepEqual(validateActionSummary('confirm_action', missing), [
        'actionSummary is required when purpose is confirm_action.',
      ]);
    }
  });

  it('refuses a summary on a plain authentication', () => {
    assert.deepEqual(validateActionSummary('authenticate', undefined), []);
    assert.deepEqual(validateActionSummary('authenticate', null), []);
    assert.deepEqual(validateActionSummary('authenticate', 'Change address'), [
      'actionSummary is only allowed when purpose is confirm_action.',
    ]);
  });

  it('limits the length, counting characters rather than UTF-16 units', () => {
    assert.deepEqual(validateActionSummary('confirm_action', 'a'.repeat(200)), []);
    assert.deepEqual(validateActionSummary('confirm_action', '€'.repeat(200)), []);
    assert.deepEqual(validateActionSummary('confirm_action', '😀'.repeat(200)), []);
    assert.deepEqual(validateActionSummary('confirm_action', 'a'.repeat(201)), [
      'actionSummary must be at most 200 characters (got 201).',
    ]);
  });

  it('refuses control and bidirectional override characters that could disguise the text', () => {
    for (const sneaky of [
      'Pay \u202eEBGB',
      'line\nbreak',
      'tab\there',
      'isolate \u2066x\u2069',
      'nul\u0000',
      'del\u007f',
      'next line\u0085',
      'mark\u200f',
    ]) {
      assert.deepEqual(validateActionSummary('confirm_action', sneaky), [
        'actionSummary must not contain control or bidirectional formatting characters.',
      ]);
    }
    assert.deepEqual(validateActionSummary('confirm_action', 'Adresse ändern: Straße 5, 東京'), []);
  });
});

describe('generateVerificationCode', () => {
  it('returns exactly `length` ASCII digits for every allowed length', () => {
    for (let length = 2; length <= 6; length++) {
      for (let i = 0; i < 200; i++) {
        assert.match(generateVerificationCode(length), new RegExp(`^[0-9]{${length}}$`));
      }
    }
  });

  it('refuses lengths outside 2..6 and fractional lengths', () => {
    for (const length of [-1, 0, 1, 7, 12, 2.5, Number.NaN]) {
      assert.throws(() => generateVerificationCode(length), RangeError, String(length));
    }
  });

  it('keeps leading zeros', () => {
    assert.equal(generateVerificationCode(2, bytes([0, 0])), '00');
    assert.equal(generateVerificationCode(6, bytes([10, 20, 30, 40, 0, 9])), '000009');
  });

  it('skips the bytes 250..255 instead of folding them onto 0..5 (no modulo bias)', () => {
    // With `% 10` these would become "0" and "5"; redrawn, the code comes from 7 and 3.
    assert.equal(generateVerificationCode(2, bytes([250, 255, 7, 251, 252, 253, 254, 3])), '73');
    // 249 is the last accepted byte.
    assert.equal(generateVerificationCode(2, bytes([249, 255, 249])), '99');
  });

  it('gives every digit exactly the same weight over a full cycle of byte values', () => {
    // Feeding each byte value 0..255 equally often: with rejection sampling the 250 accepted
    // values map 25 times to each digit; with `% 10` digits 0-5 would get 26 and 6-9 only 25.
    // The cycle starts with the rejected values, so 10 full cycles give exactly 2,500 digits.
    const source = cycling(Array.from({ length: 256 }, (_, i) => (i + 250) % 256));
    const codes = Array.from({ length: 1250 }, () => generateVerificationCode(2, source));
    assert.equal(source.calls(), 2560);
    assert.deepEqual(
      digitCounts(codes),
      Array.from({ length: 10 }, () => 250),
    );
  });

  it('draws uniform digits from the real CSPRNG', () => {
    const codes = Array.from({ length: 10_000 }, () => generateVerificationCode(2));
    const counts = digitCounts(codes);
    assert.equal(
      counts.reduce((a, b) => a + b, 0),
      20_000,
    );
    assert.ok(looksUniform(counts), `digit counts ${counts.join(',')} chi-square ${chiSquare(counts)}`);
    // Both positions vary: the first digit is not stuck (e.g. never 0).
    assert.ok(looksUniform(digitCounts(codes.map((c) => c[0]!))));
  });

  it('has a uniformity check that catches a biased source', () => {
    // 0 appears twice in every 11 bytes, so it comes out about twice as often as other digits.
    const biased = cycling([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0]);
    const counts = digitCounts(Array.from({ length: 10_000 }, () => generateVerificationCode(2, biased)));
    assert.equal(looksUniform(counts), false);
  });

  it('fails instead of hanging on a source that only returns rejected values', () => {
    assert.throws(() => generateVerificationCode(2, () => 255), /not random/);
  });

  it('refuses a source that returns something other than a byte', () => {
    for (const bad of [256, -1, 1.5, Number.NaN]) {
      assert.throws(() => generateVerificationCode(2, () => bad), RangeError, String(bad));
    }
  });
});

describe('validatePushSettings', () => {
  const valid = { ...defaultPushSettings };

  it('accepts the defaults', () => {
    assert.deepEqual(defaultPushSettings, {
      codeLength: 2,
      expirySeconds: 120,
      maxCodeAttempts: 3,
      pushRequestsPerWindow: 5,
      pushWindowSeconds: 600,
      requireUserVerification: false,
    });
    assert.deepEqual(validatePushSettings(valid), []);
    assert.deepEqual(validatePushSettings({ ...valid, requireUserVerification: true }), []);
    assert.ok(Object.isFrozen(defaultPushSettings));
  });

  it('accepts the bounds of each range', () => {
    for (const change of [
      { codeLength: 6 },
      { codeLength: 2, maxCodeAttempts: 1 },
      { expirySeconds: 30 },
      { expirySeconds: 600 },
      { codeLength: 3, maxCodeAttempts: 10 },
      { pushRequestsPerWindow: 1 },
      { pushRequestsPerWindow: 20 },
      { pushWindowSeconds: 60 },
      { pushWindowSeconds: 86_400 },
    ]) {
      assert.deepEqual(validatePushSettings({ ...valid, ...change }), [], JSON.stringify(change));
    }
  });

  it('names each setting outside its range, with the range and the value given', () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ codeLength: 1 }, 'codeLength must be a whole number from 2 to 6 (got 1).'],
      [{ codeLength: 7 }, 'codeLength must be a whole number from 2 to 6 (got 7).'],
      [{ codeLength: 2.5 }, 'codeLength must be a whole number from 2 to 6 (got 2.5).'],
      [{ codeLength: '4' }, 'codeLength must be a whole number from 2 to 6 (got "4").'],
      [{ expirySeconds: 29 }, 'expirySeconds must be a whole number from 30 to 600 (got 29).'],
      [{ expirySeconds: 601 }, 'expirySeconds must be a whole number from 30 to 600 (got 601).'],
      [{ maxCodeAttempts: 0 }, 'maxCodeAttempts must be a whole number from 1 to 10 (got 0).'],
      [{ maxCodeAttempts: 11 }, 'maxCodeAttempts must be a whole number from 1 to 10 (got 11).'],
      [{ pushRequestsPerWindow: 0 }, 'pushRequestsPerWindow must be a whole number from 1 to 20 (got 0).'],
      [{ pushWindowSeconds: 59 }, 'pushWindowSeconds must be a whole number from 60 to 86400 (got 59).'],
      [{ expirySeconds: null }, 'expirySeconds must be a whole number from 30 to 600 (got null).'],
      [{ requireUserVerification: 'yes' }, 'requireUserVerification must be true or false (got "yes").'],
      [{ requireUserVerification: 1 }, 'requireUserVerification must be true or false (got 1).'],
    ];
    for (const [change, message] of cases) {
      assert.deepEqual(validatePushSettings({ ...valid, ...change }), [message]);
    }
  });

  it('reports every problem at once, including missing and unknown settings', () => {
    assert.deepEqual(validatePushSettings({ codelength: 4, expirySeconds: 5 }), [
      'codelength is not a policy setting.',
      'codeLength is required.',
      'expirySeconds must be a whole number from 30 to 600 (got 5).',
      'maxCodeAttempts is required.',
      'pushRequestsPerWindow is required.',
      'pushWindowSeconds is required.',
      'requireUserVerification is required.',
    ]);
  });

  it('refuses anything that is not an object', () => {
    for (const input of [null, undefined, 3, 'policy', [valid]]) {
      assert.deepEqual(validatePushSettings(input), ['The policy must be an object.']);
    }
  });

  it('refuses an attempt cap that makes a short code guessable', () => {
    assert.deepEqual(validatePushSettings({ ...valid, maxCodeAttempts: 5 }), []);
    assert.deepEqual(validatePushSettings({ ...valid, maxCodeAttempts: 6 }), [
      'maxCodeAttempts 6 with a 2-digit code lets a guess succeed 6 times in 100; allow at most 5 attempts or use a longer code.',
    ]);
  });
});

describe('resolvePushSettings', () => {
  it('fills what a tenant never chose with the defaults, and keeps what it chose', () => {
    assert.deepEqual(resolvePushSettings({}), defaultPushSettings);
    assert.deepEqual(resolvePushSettings({ verification: { codeLength: 4, expirySeconds: 300 } }), {
      ...defaultPushSettings,
      codeLength: 4,
      expirySeconds: 300,
    });
  });

  it('refuses an invalid result: as a stored policy by default, as the caller says otherwise', () => {
    const guessable = { verification: { maxCodeAttempts: 6 } };
    assert.throws(
      () => resolvePushSettings(guessable),
      /^Error: Stored push settings are invalid: maxCodeAttempts 6/,
    );
    assert.throws(
      () => resolvePushSettings(guessable, (problems) => new RangeError(problems.join(' '))),
      (error: Error) => error instanceof RangeError && /^maxCodeAttempts 6/.test(error.message),
    );
  });
});

describe('applyDecision', () => {
  const expiresAt = 1_700_000_120_000;
  const before = expiresAt - 1;
  const pending: VerificationState = { status: 'pending', expiresAt, failedAttempts: 0, maxAttempts: 3 };

  it('follows the table for every status, decision, code match and expiry', () => {
    let rows = 0;
    for (const status of verificationStatuses) {
      for (const decision of verificationDecisions) {
        for (const codeMatches of [true, false]) {
          for (const expired of [false, true]) {
            const now = expired ? expiresAt : before;
            const result = applyDecision({ ...pending, status }, decision, { codeMatches, now });
            const label = `${status} ${decision} match=${codeMatches} expired=${expired}`;
            rows++;
            if (status === 'expired') {
              assert.deepEqual(
                result,
                {
                  outcome: 'rejected',
                  code: 'VERIFICATION_EXPIRED',
                  reason: 'The request has expired.',
                  expire: false,
                },
                label,
              );
            } else if (status !== 'pending') {
              assert.equal(result.outcome, 'rejected', label);
              assert.equal(result.outcome === 'rejected' && result.code, 'VERIFICATION_NOT_PENDING', label);
              assert.equal(result.outcome === 'rejected' && result.expire, false, label);
            } else if (expired) {
              assert.deepEqual(
                result,
                {
                  outcome: 'rejected',
                  code: 'VERIFICATION_EXPIRED',
                  reason: 'The request has expired.',
                  expire: true,
                },
                label,
              );
            } else if (decision === 'deny') {
              assert.deepEqual(result, { outcome: 'finalised', status: 'denied', failedAttempts: 0 }, label);
            } else if (decision === 'report_fraud') {
              assert.deepEqual(
                result,
                { outcome: 'finalised', status: 'fraud_reported', failedAttempts: 0 },
                label,
              );
            } else if (codeMatches) {
              assert.deepEqual(
                result,
                { outcome: 'finalised', status: 'approved', failedAttempts: 0 },
                label,
              );
            } else {
              assert.deepEqual(result, { outcome: 'wrong_code', failedAttempts: 1, attemptsLeft: 2 }, label);
            }
          }
        }
      }
    }
    assert.equal(rows, 7 * 3 * 2 * 2);
  });

  it('says which final state blocks the decision', () => {
    const result = applyDecision({ ...pending, status: 'fraud_reported' }, 'approve', {
      codeMatches: true,
      now: before,
    });
    assert.deepEqual(result, {
      outcome: 'rejected',
      code: 'VERIFICATION_NOT_PENDING',
      reason: 'The request is already fraud reported.',
      expire: false,
    });
  });

  /** Runs decisions one after another, storing each result the way the server would. */
  function run(maxAttempts: number, steps: { decision: 'approve' | 'deny'; codeMatches: boolean }[]) {
    let state: VerificationState = { ...pending, maxAttempts };
    const results = [];
    for (const step of steps) {
      const result = applyDecision(state, step.decision, { codeMatches: step.codeMatches, now: before });
      results.push(result);
      if (result.outcome === 'finalised')
        state = { ...state, status: result.status, failedAttempts: result.failedAttempts };
      if (result.outcome === 'wrong_code') state = { ...state, failedAttempts: result.failedAttempts };
    }
    return results;
  }
  const wrong = { decision: 'approve', codeMatches: false } as const;
  const right = { decision: 'approve', codeMatches: true } as const;

  it('approves after two wrong codes when three attempts are allowed', () => {
    assert.deepEqual(run(3, [wrong, wrong, right]), [
      { outcome: 'wrong_code', failedAttempts: 1, attemptsLeft: 2 },
      { outcome: 'wrong_code', failedAttempts: 2, attemptsLeft: 1 },
      { outcome: 'finalised', status: 'approved', failedAttempts: 2 },
    ]);
  });

  it('fails on the third wrong code and rejects anything after it', () => {
    const results = run(3, [wrong, wrong, wrong, right]);
    assert.deepEqual(results[2], { outcome: 'finalised', status: 'failed', failedAttempts: 3 });
    assert.deepEqual(results[3], {
      outcome: 'rejected',
      code: 'VERIFICATION_NOT_PENDING',
      reason: 'The request is already failed.',
      expire: false,
    });
  });

  it('fails on the first wrong code when only one attempt is allowed', () => {
    assert.deepEqual(run(1, [wrong]), [{ outcome: 'finalised', status: 'failed', failedAttempts: 1 }]);
  });

  it('lets a customer deny after wrong codes without spending an attempt', () => {
    assert.deepEqual(run(3, [wrong, wrong, { decision: 'deny', codeMatches: false }]).at(-1), {
      outcome: 'finalised',
      status: 'denied',
      failedAttempts: 2,
    });
  });

  it('treats the expiry instant itself as expired and 1 ms before as still open', () => {
    const at = applyDecision(pending, 'approve', { codeMatches: true, now: expiresAt });
    assert.equal(at.outcome === 'rejected' && at.code, 'VERIFICATION_EXPIRED');
    const just = applyDecision(pending, 'approve', { codeMatches: true, now: expiresAt - 1 });
    assert.equal(just.outcome === 'finalised' && just.status, 'approved');
  });

  it('refuses corrupt state and times that are not numbers', () => {
    const bad: [VerificationState, number][] = [
      [{ ...pending, failedAttempts: 3 }, before],
      [{ ...pending, failedAttempts: -1 }, before],
      [{ ...pending, maxAttempts: 0 }, before],
      [{ ...pending, maxAttempts: 2.5 }, before],
      [{ ...pending, expiresAt: Number.NaN }, before],
      [pending, Number.NaN],
    ];
    for (const [state, now] of bad) {
      assert.throws(() => applyDecision(state, 'deny', { codeMatches: false, now }), RangeError);
    }
  });
});

describe('expireIfDue', () => {
  const expiresAt = 1_700_000_120_000;

  it('expires a pending verification at the expiry instant, not 1 ms before', () => {
    assert.equal(expireIfDue('pending', expiresAt, expiresAt - 1), 'pending');
    assert.equal(expireIfDue('pending', expiresAt, expiresAt), 'expired');
    assert.equal(expireIfDue('pending', expiresAt, expiresAt + 60_000), 'expired');
  });

  it('never changes a final status', () => {
    for (const status of finalStatuses) assert.equal(expireIfDue(status, expiresAt, expiresAt + 1), status);
  });

  it('refuses a time that is not a number', () => {
    assert.throws(() => expireIfDue('pending', expiresAt, Number.NaN), RangeError);
  });
});

describe('decision signing payload', () => {
  const base: DecisionPayloadInput = {
    verificationId: 'ver_01HZX3JQ6Q7M6B3Y0W9T7G6K2D',
    decision: 'approve',
    code: '07',
    nonce: 'q8Z1bX0-fA_2mK9pL3tR7w',
    iat: 1_700_000_050,
    actionSummary: 'Change postal address to 1 Main St',
  };

  it('is the RFC 8785 canonical form: members sorted by name, explicit nulls, no white space', () => {
    assert.equal(
      decisionSigningPayload(base),
      '{"actionSummary":"Change postal address to 1 Main St","code":"07","decision":"approve",' +
        '"iat":1700000050,"nonce":"q8Z1bX0-fA_2mK9pL3tR7w","typ":"helpdesk-auth/decision/v1",' +
        '"verificationId":"ver_01HZX3JQ6Q7M6B3Y0W9T7G6K2D"}',
    );
    const denial = decisionSigningPayload({
      ...base,
      decision: 'deny',
      code: null,
      actionSummary: undefined,
    });
    assert.equal(
      denial,
      '{"actionSummary":null,"code":null,"decision":"deny","iat":1700000050,' +
        '"nonce":"q8Z1bX0-fA_2mK9pL3tR7w","typ":"helpdesk-auth/decision/v1",' +
        '"verificationId":"ver_01HZX3JQ6Q7M6B3Y0W9T7G6K2D"}',
    );
  });

  it('writes "/", "&", "<", non-ASCII letters and emoji as themselves (RFC 8785 section 3.2.2.2)', () => {
    const summary = 'Pay 5 € to A/B & <Söhne> 🎉';
    const text = decisionSigningPayload({ ...base, actionSummary: summary });
    assert.ok(text.startsWith(`{"actionSummary":"${summary}",`), text);
    // Only the quote, the backslash and control characters are escaped.
    const quoted = decisionSigningPayload({ ...base, actionSummary: 'Say "yes" \\ no' });
    assert.ok(quoted.startsWith('{"actionSummary":"Say \\"yes\\" \\\\ no",'), quoted);
  });

  it('refuses a summary with a lone surrogate, which has no UTF-8 form', () => {
    assert.throws(() => decisionSigningPayload({ ...base, actionSummary: 'broken \ud83c' }), TypeError);
  });

  it('decisionPayload answers the seven members, with explicit nulls', () => {
    assert.deepEqual(decisionPayload({ ...base, code: null, actionSummary: undefined }), {
      typ: 'helpdesk-auth/decision/v1',
      verificationId: base.verificationId,
      decision: 'approve',
      code: null,
      nonce: base.nonce,
      iat: base.iat,
      actionSummary: null,
    });
    assert.deepEqual(Object.keys(decisionPayload(base)).sort(), [...decisionPayloadMembers].sort());
  });

  it('does not depend on the order the caller lists the fields in', () => {
    const reordered: DecisionPayloadInput = {
      actionSummary: base.actionSummary,
      iat: base.iat,
      nonce: base.nonce,
      code: base.code,
      decision: base.decision,
      verificationId: base.verificationId,
    };
    assert.equal(decisionSigningPayload(reordered), decisionSigningPayload(base));
  });

  it('treats an omitted summary exactly like a null one', () => {
    const { actionSummary: _, ...withoutSummary } = base;
    assert.equal(
      decisionSigningPayload(withoutSummary),
      decisionSigningPayload({ ...base, actionSummary: null }),
    );
  });

  it('gives the same challenge for the same input', async () => {
    const challenge = await decisionChallenge(base);
    assert.equal(await decisionChallenge({ ...base }), challenge);
    assert.equal(challenge, await sha256Base64url(decisionSigningPayload(base)));
    // 32 bytes of SHA-256 as unpadded base64url.
    assert.match(challenge, /^[A-Za-z0-9_-]{43}$/);
  });

  it('hashes with SHA-256 of the UTF-8 bytes', async () => {
    // SHA-256("abc") from FIPS 180-2, appendix B.1, in base64url.
    assert.equal(await sha256Base64url('abc'), 'ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0');
  });

  it('changes the challenge when any field changes', async () => {
    const changes: Partial<DecisionPayloadInput>[] = [
      { verificationId: 'ver_01HZX3JQ6Q7M6B3Y0W9T7G6K2E' },
      { decision: 'deny' },
      { decision: 'report_fraud' },
      { code: '70' },
      { code: '007' },
      { code: null },
      { nonce: 'q8Z1bX0-fA_2mK9pL3tR7x' },
      { iat: base.iat + 1 },
      { actionSummary: 'Change postal address to 2 Main St' },
      { actionSummary: 'Change postal address to 1 Main St ' },
      { actionSummary: null },
    ];
    const original = await decisionChallenge(base);
    const seen = new Set([original]);
    for (const change of changes) {
      const challenge = await decisionChallenge({ ...base, ...change });
      assert.notEqual(challenge, original, JSON.stringify(change));
      seen.add(challenge);
    }
    assert.equal(seen.size, changes.length + 1);
  });

  it('refuses malformed fields', () => {
    const bad: Partial<Record<keyof DecisionPayloadInput, unknown>>[] = [
      { verificationId: '' },
      { decision: 'maybe' },
      { code: '' },
      { code: '1234567' },
      { code: '0x' },
      { code: '٠٧' },
      { code: 7 },
      { nonce: 'short' },
      { nonce: 'has+plus/and=pad=====' },
      { iat: 1.5 },
      { iat: -1 },
      { iat: Number.NaN },
      { actionSummary: 42 },
    ];
    for (const change of bad) {
      assert.throws(
        () => decisionSigningPayload({ ...base, ...change } as DecisionPayloadInput),
        TypeError,
        JSON.stringify(change),
      );
    }
  });
});

describe('assurance', () => {
  it('orders the levels low < moderate < substantial < high', () => {
    assert.deepEqual(assuranceLevels, ['low', 'moderate', 'substantial', 'high']);
    for (const [i, actual] of assuranceLevels.entries()) {
      for (const [j, required] of assuranceLevels.entries()) {
        assert.equal(meetsAssurance(actual, required), i >= j, `${actual} meets ${required}`);
      }
    }
  });

  it('rates a push high only with user verification', () => {
    assert.equal(assuranceForPush({ userVerified: true }), 'high');
    assert.equal(assuranceForPush({ userVerified: false }), 'substantial');
    const needsHigh: AssuranceLevel = 'high';
    assert.equal(meetsAssurance(assuranceForPush({ userVerified: false }), needsHigh), false);
  });
});
