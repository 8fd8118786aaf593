/**
 * The floor no implementation can beat on this machine: what a bare Fastify endpoint serves
 * with the benchmark's own client, and what the signature operations of one flow cost.
 */
import { generateKeyPairSync, webcrypto } from 'node:crypto';
import { Pool } from 'undici';
import { es256Sign, es256Verify } from '../packages/server/src/platform/signing/one-shot-ecdsa.ts';
import { startChild, waitForLine } from './processes.ts';
import { sleep } from './stats.ts';

export interface BareResult {
  requestsPerSecond: number;
  errors: number;
}

/** Requests/s of `GET /ping` on a bare Fastify process, `concurrency` keep-alive connections. */
export async function measureBareFastify(
  concurrency: number,
  seconds: number,
  warmupSeconds = 1,
): Promise<BareResult> {
  const child = startChild(['bench/bare-server.ts'], { ...process.env, NODE_ENV: 'production' });
  try {
    const [, port] = await waitForLine(child, /listening (\d+)\n/);
    const pool = new Pool(`http://127.0.0.1:${port}`, { connections: concurrency, pipelining: 1 });
    let counting = false;
    let stop = false;
    let done = 0;
    let errors = 0;
    const worker = async () => {
      while (!stop) {
        try {
          const { statusCode, body } = await pool.request({ method: 'GET', path: '/ping' });
          await body.json();
          if (counting) {
            if (statusCode === 200) done++;
            else errors++;
          }
        } catch {
          if (counting) errors++;
        }
      }
    };
    const workers = Array.from({ length: concurrency }, worker);
    await sleep(warmupSeconds * 1000);
    counting = true;
    const started = performance.now();
    await sleep(seconds * 1000);
    const elapsed = (performance.now() - started) / 1000;
    counting = false;
    stop = true;
    await Promise.all(workers);
    await pool.close();
    return { requestsPerSecond: done / elapsed, errors };
  } finally {
    await child.stop();
  }
}

export interface CryptoCost {
  /** Microseconds per ECDSA P-256 (SHA-256) signature, node:crypto. */
  signUs: number;
  /** Microseconds per verification, node:crypto. */
  verifyUs: number;
  /** The same through WebCrypto (what jose uses), for information. */
  webCryptoSignUs: number;
  webCryptoVerifyUs: number;
}

/** Average cost of one ES256 sign and one verify over `runs` runs (after a warm-up). */
export async function measureCrypto(runs = 4000): Promise<CryptoCost> {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  // About the size of a proof's or a decision's JWS signing input.
  const data = Buffer.from(`${'eyJhbGciOiJFUzI1NiJ9'.repeat(6)}.${'x'.repeat(260)}`);
  // The server's own calls (signatures-thread.ts), so the floor is never above what it pays.
  const signature = es256Sign(data, privateKey);
  const time = (fn: () => void): number => {
    for (let i = 0; i < 200; i++) fn();
    const started = performance.now();
    for (let i = 0; i < runs; i++) fn();
    return ((performance.now() - started) * 1000) / runs;
  };
  const signUs = time(() => es256Sign(data, privateKey));
  const verifyUs = time(() => {
    if (!es256Verify(data, publicKey, signature)) {
      throw new Error('signature did not verify');
    }
  });

  const subtle = webcrypto.subtle;
  const pair = await subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify']);
  const algorithm = { name: 'ECDSA', hash: 'SHA-256' };
  const webSignature = await subtle.sign(algorithm, pair.privateKey, data);
  const timeAsync = async (fn: () => Promise<unknown>): Promise<number> => {
    for (let i = 0; i < 200; i++) await fn();
    const started = performance.now();
    for (let i = 0; i < runs; i++) await fn();
    return ((performance.now() - started) * 1000) / runs;
  };
  const webCryptoSignUs = await timeAsync(() => subtle.sign(algorithm, pair.privateKey, data));
  const webCryptoVerifyUs = await timeAsync(() =>
    subtle.verify(algorithm, pair.publicKey, webSignature, data),
  );
  return { signUs, verifyUs, webCryptoSignUs, webCryptoVerifyUs };
}

/** 4 requests per flow; the server signs the request once and verifies the proof and the decision. */
export function idealFlowsPerSecond(bareRps: number, cost: Pick<CryptoCost, 'signUs' | 'verifyUs'>): number {
  return 1 / (4 / bareRps + (cost.signUs + 2 * cost.verifyUs) / 1e6);
}
