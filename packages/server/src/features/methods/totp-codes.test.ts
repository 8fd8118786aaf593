// Tests of TOTP codes against the RFC 6238 test vectors.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  matchTotpStep,
  seedFromBase32,
  seedToBase32,
  totpCodeForStep,
  totpEnrollmentUri,
  totpStep,
} from './totp-codes.ts';

// RFC 6238 Appendix B: the seeds are the ASCII digits "1234567890" repeated to the hash's length.
const seeds = {
  SHA1: new TextEncoder().encode('12345678901234567890'),
  SHA256: new TextEncoder().encode('12345678901234567890123456789012'),
  SHA512: new TextEncoder().encode('1234567890123456789012345678901234567890123456789012345678901234'),
} as const;

const vectors: [number, string, string, string][] = [
  [59, '94287082', '46119246', '90693936'],
  [1111111109, '07081804', '68084774', '25091201'],
  [1111111111, '14050471', '67062674', '99943326'],
  [1234567890, '89005924', '91819424', '93441116'],
  [2000000000, '69279037', '90698825', '38618901'],
  [20000000000, '65353130', '77737706', '47863826'],
];

describe('TOTP (RFC 6238)', () => {
  it('produces every test vector of RFC 6238 Appendix B', () => {
    for (const [seconds, sha1, sha256, sha512] of vectors) {
      const step = totpStep(seconds * 1000);
      assert.equal(
        totpCodeForStep(seeds.SHA1, step, { algorithm: 'SHA1', digits: 8 }),
        sha1,
        `SHA1 at ${seconds}`,
      );
      assert.equal(
        totpCodeForStep(seeds.SHA256, step, { algorithm: 'SHA256', digits: 8 }),
        sha256,
        `SHA256 at ${seconds}`,
      );
      assert.equal(
        totpCodeForStep(seeds.SHA512, step, { algorithm: 'SHA512', digits: 8 }),
        sha512,
        `SHA512 at ${seconds}`,
      );
    }
  });

  it('uses the RFC time steps: T = floor(unix seconds / 30)', () => {
    assert.equal(totpStep(59_000), 1);
    assert.equal(totpStep(1111111109_000), 0x23523ec);
    assert.equal(totpStep(20000000000_000), 0x27bc86aa);
  });

  it('accepts a code one step either side of now and nothing further', () => {
    const now = 1234567890_000;
    const step = totpStep(now);
    for (const offset of [-1, 0, 1]) {
      assert.equal(
        matchTotpStep(seeds.SHA1, totpCodeForStep(seeds.SHA1, step + offset), now, 1),
        step + offset,
      );
    }
    assert.equal(matchTotpStep(seeds.SHA1, totpCodeForStep(seeds.SHA1, step - 2), now, 1), null);
    assert.equal(matchTotpStep(seeds.SHA1, totpCodeForStep(seeds.SHA1, step + 2), now, 1), null);
    assert.equal(matchTotpStep(seeds.SHA1, totpCodeForStep(seeds.SHA1, step - 1), now, 0), null);
  });

  it('round-trips seeds through base32 and builds the otpauth URI apps scan', () => {
    assert.equal(seedToBase32(seeds.SHA1), 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ');
    assert.deepEqual(seedFromBase32('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ'), seeds.SHA1);
    const uri = new URL(totpEnrollmentUri(seeds.SHA1, 'Acme Bank', 'cus-42'));
    assert.equal(uri.protocol, 'otpauth:');
    assert.equal(uri.host, 'totp');
    assert.equal(decodeURIComponent(uri.pathname), '/Acme Bank:cus-42');
    assert.equal(uri.searchParams.get('secret'), 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ');
    assert.equal(uri.searchParams.get('issuer'), 'Acme Bank');
    assert.equal(uri.searchParams.get('digits'), '6');
    assert.equal(uri.searchParams.get('period'), '30');
  });
});
