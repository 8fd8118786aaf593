// Runs docs/vectors/verify.py, the protocol's second implementation (Python, python3-cryptography),
// over the published vectors: it must agree with every expected outcome. Skips loudly without
// Python or the package, except under CI=true, where it fails.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { vectorsPath } from '../../../../../../docs/vectors/generate.ts';

const script = fileURLToPath(new URL('../../../../../../docs/vectors/verify.py', import.meta.url));
// Debian's interpreter first: .ci/run installs python3-cryptography for it.
const python = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
const probe = spawnSync(python, ['-c', 'import cryptography'], { encoding: 'utf8' });
const missing =
  probe.error || probe.status !== 0 ? `${python} with the cryptography package is not available` : '';
if (missing && process.env.CI !== 'true') {
  console.warn(
    `SKIPPED: the Python test-vector check (${missing}; apt-get install -y python3-cryptography).`,
  );
}

describe('the Python implementation (docs/vectors/verify.py)', {
  skip: missing && process.env.CI !== 'true' ? missing : false,
}, () => {
  const vectors = JSON.parse(readFileSync(vectorsPath, 'utf8')) as Record<string, unknown[]>;

  it('verifies every vector with the expected outcome', () => {
    assert.equal(missing, '', missing);
    const run = spawnSync(python, [script, fileURLToPath(vectorsPath)], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
    const summary = run.stdout.trim().split('\n').at(-1);
    assert.equal(
      summary,
      `checked ${vectors.requests!.length} requests, ${vectors.decisions!.length} decisions, ` +
        `${vectors.webauthnChallenges!.length} webauthnChallenges; 0 failed`,
    );
  });

  it('fails when a vector is changed, so agreement means something', () => {
    const tampered = JSON.parse(readFileSync(vectorsPath, 'utf8'));
    tampered.decisions[0].expected = { outcome: 'refused', status: 401, code: 'DECISION_SIGNATURE_INVALID' };
    const folder = mkdtempSync(join(tmpdir(), 'hda-vectors-'));
    try {
      const path = join(folder, 'tampered.json');
      writeFileSync(path, JSON.stringify(tampered));
      const run = spawnSync(python, [script, path], { encoding: 'utf8', timeout: 60_000 });
      assert.equal(run.status, 1, run.stderr);
      assert.match(run.stdout, /; 1 failed$/m);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
