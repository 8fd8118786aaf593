// Offline codes in the SDK: RFC 6238 test vectors, base32, the secret's shape, and the stores that
// keep the secret beside the key and forget it with the device.
import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createMemoryKeyStore } from '../key-store.ts';
import { createFileKeyStore } from '../node-file-key-store.ts';
import { base32ToBytes, hotp, isOfflineSecret, type OfflineSecret, offlineCodeAt } from '../offline-code.ts';

// RFC 6238 appendix B: the SHA-1 seed is the ASCII "12345678901234567890".
const rfc: OfflineSecret = {
  secret: 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ',
  algorithm: 'SHA1',
  digits: 8,
  period: 30,
};

describe('offline codes (RFC 6238)', () => {
  it('gives the RFC 6238 appendix B codes for SHA-1', async () => {
    const vectors: [number, string][] = [
      [59, '94287082'],
      [1_111_111_109, '07081804'],
      [1_111_111_111, '14050471'],
      [1_234_567_890, '89005924'],
      [2_000_000_000, '69279037'],
      [20_000_000_000, '65353130'],
    ];
    for (const [seconds, expected] of vectors) {
      assert.equal((await offlineCodeAt(rfc, seconds * 1000)).code, expected, `T = ${seconds}`);
    }
  });

  it('gives the RFC 4226 appendix D HOTP values', async () => {
    const key = new TextEncoder().encode('12345678901234567890');
    const expected = [
      '755224',
      '287082',
      '359152',
      '969429',
      '338314',
      '254676',
      '287922',
      '162583',
      '399871',
      '520489',
    ];
    for (const [counter, code] of expected.entries()) assert.equal(await hotp(key, counter, 6), code);
  });

  it('says how long the code stays and when the next one starts', async () => {
    const six = { ...rfc, digits: 6 };
    const at = await offlineCodeAt(six, 30_000 * 10 + 12_500);
    assert.equal(at.secondsLeft, 18);
    assert.equal(at.nextAt, 30_000 * 11);
    assert.equal(at.period, 30);
    assert.match(at.code, /^\d{6}$/);
    assert.equal((await offlineCodeAt(six, 30_000 * 11 - 1)).secondsLeft, 1);
    assert.equal((await offlineCodeAt(six, 30_000 * 11)).secondsLeft, 30);
  });

  it('decodes base32 in any case, with padding and spaces, and refuses other letters', () => {
    assert.deepEqual([...base32ToBytes('MZXW6YTBOI======')], [...new TextEncoder().encode('foobar')]);
    assert.deepEqual([...base32ToBytes('mzxw 6ytb oi')], [...new TextEncoder().encode('foobar')]);
    assert.throws(() => base32ToBytes('MZXW1'), { code: 'UNEXPECTED_RESPONSE' });
  });

  it('accepts only a secret it can turn into codes', () => {
    assert.equal(isOfflineSecret({ secret: 'JBSWY3DP', algorithm: 'SHA1', digits: 6, period: 30 }), true);
    for (const bad of [
      null,
      { secret: 'JBSWY3DP', algorithm: 'SHA256', digits: 6, period: 30 },
      { secret: 'not base32!', algorithm: 'SHA1', digits: 6, period: 30 },
      { secret: 'JBSWY3DP', algorithm: 'SHA1', digits: 4, period: 30 },
      { secret: 'JBSWY3DP', algorithm: 'SHA1', digits: 6, period: 0 },
    ]) {
      assert.equal(isOfflineSecret(bad), false, JSON.stringify(bad));
    }
  });
});

describe('stores keep the offline-code secret and forget it with the device', () => {
  const secret: OfflineSecret = { secret: 'JBSWY3DPEHPK3PXP', algorithm: 'SHA1', digits: 6, period: 30 };
  let root: string | undefined;
  after(async () => {
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('memory store: a copy in, a copy out, gone after clear', async () => {
    const store = createMemoryKeyStore();
    assert.equal(await store.loadOfflineSecret!(), null);
    const mine = { ...secret };
    await store.saveOfflineSecret!(mine);
    mine.secret = 'CHANGED';
    assert.deepEqual(await store.loadOfflineSecret!(), secret);
    await store.clear();
    assert.equal(await store.loadOfflineSecret!(), null);
  });

  it('file store: kept in the 0600 key file, gone after clear', async () => {
    root = await mkdtemp(join(tmpdir(), 'device-sdk-offline-'));
    const file = join(root, 'device.json');
    const store = createFileKeyStore(file);
    assert.equal(await store.loadOfflineSecret!(), null);
    await store.saveOfflineSecret!(secret);
    assert.deepEqual(await createFileKeyStore(file).loadOfflineSecret!(), secret);
    if (process.platform !== 'win32') assert.equal((await stat(file)).mode & 0o077, 0);
    await store.clear();
    assert.equal(await store.loadOfflineSecret!(), null);
  });
});
