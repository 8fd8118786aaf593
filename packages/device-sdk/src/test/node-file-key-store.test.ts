// Tests of the Node file key store: file modes, atomic writes, refused files.
import assert from 'node:assert/strict';
import { chmod, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DeviceSdkError } from '../errors.ts';
import { type DeviceState, deviceKeyAlgorithm, generateDeviceKeyPair } from '../key-store.ts';
import { createFileKeyStore } from '../node-file-key-store.ts';

const state: DeviceState = {
  deviceId: 'dev_1',
  customerId: 'cus_1',
  tenant: { id: 'ten_1', name: 'Acme Bank' },
  issuer: 'http://localhost:8080',
  baseUrl: 'http://localhost:8080',
  jwks: { keys: [{ kty: 'EC', crv: 'P-256', x: 'x', y: 'y', kid: 'k1' }] },
  label: "Alice's laptop",
  platform: 'cli',
};

const posix = process.platform !== 'win32';

describe('createFileKeyStore', () => {
  let root: string;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'device-sdk-'));
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('answers null before anything is saved', async () => {
    const store = createFileKeyStore(join(root, 'empty', 'device.json'));
    assert.equal(await store.loadKey(), null);
    assert.equal(await store.loadState(), null);
  });

  it('writes the file 0600 in a new 0700 directory, atomically, and leaves no temporary file', async () => {
    const directory = join(root, 'fresh', 'nested');
    const file = join(directory, 'device.json');
    const store = createFileKeyStore(file);
    const pair = await store.generateKey!();
    await Promise.all([store.saveKey(pair), store.saveState(state)]);
    if (posix) {
      assert.equal((await stat(file)).mode & 0o777, 0o600);
      assert.equal((await stat(directory)).mode & 0o777, 0o700);
    }
    assert.deepEqual(await readdir(directory), ['device.json']);
    const content = JSON.parse(await readFile(file, 'utf8'));
    assert.equal(typeof content.privateKey.d, 'string');
    assert.deepEqual(content.state, state);
  });

  it('loads a key that signs, with a non-extractable private half, and the state back', async () => {
    const file = join(root, 'round-trip.json');
    const store = createFileKeyStore(file);
    const original = await store.generateKey!();
    await store.saveKey(original);
    await store.saveState(state);

    const reopened = createFileKeyStore(file);
    const loaded = await reopened.loadKey();
    assert.ok(loaded);
    assert.equal(loaded.privateKey.extractable, false);
    assert.deepEqual(await reopened.loadState(), state);

    const data = new TextEncoder().encode('hello');
    const signature = await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, loaded.privateKey, data);
    const ecdsa = { name: 'ECDSA', hash: 'SHA-256' };
    assert.equal(await crypto.subtle.verify(ecdsa, original.publicKey, signature, data), true);
    const other = await crypto.subtle.sign(ecdsa, original.privateKey, data);
    assert.equal(await crypto.subtle.verify(ecdsa, loaded.publicKey, other, data), true);
    assert.deepEqual(loaded.publicKey.algorithm, { ...deviceKeyAlgorithm });
  });

  it('refuses a file the group or others can read', { skip: !posix }, async () => {
    const file = join(root, 'insecure.json');
    const store = createFileKeyStore(file);
    await store.saveKey(await store.generateKey!());
    await chmod(file, 0o644);
    for (const load of [() => store.loadKey(), () => store.loadState()]) {
      await assert.rejects(load, (error: unknown) => {
        assert.ok(error instanceof DeviceSdkError);
        assert.equal(error.code, 'KEY_FILE_INSECURE');
        return true;
      });
    }
    await chmod(file, 0o640);
    await assert.rejects(store.loadKey(), { code: 'KEY_FILE_INSECURE' });
    await chmod(file, 0o600);
    assert.ok(await store.loadKey());
  });

  it('refuses a private key it cannot write out', async () => {
    const store = createFileKeyStore(join(root, 'non-extractable.json'));
    await assert.rejects(store.saveKey(await generateDeviceKeyPair(false)), TypeError);
  });

  it('clear removes the file, and clearing twice is fine', async () => {
    const file = join(root, 'clear.json');
    const store = createFileKeyStore(file);
    await store.saveState(state);
    await store.clear();
    await store.clear();
    await assert.rejects(stat(file), { code: 'ENOENT' });
    assert.equal(await store.loadState(), null);
  });
});
