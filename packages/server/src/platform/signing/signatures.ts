/**
 * The device-protocol signatures (verifying proofs and signed decisions, signing the requests a
 * device shows) run with jose on a worker thread, not on the thread that serves HTTP.
 *
 * Why: WebCrypto runs the ECDSA arithmetic on libuv's pool, but preparing each job costs the
 * calling thread 40 to 50 µs per verification (measured in Node 24), and jose's parsing and
 * base64 work more on top. Three signature operations per push flow made that about a fifth of
 * the main thread's time under load, and the main thread was the limit. A message to the worker
 * and back costs the main thread a few microseconds.
 *
 * The worker runs exactly the jose calls the main thread ran before, with the same options; its
 * answers are plain data. Public keys travel as their JWK text (the `public_jwk` column) and are
 * imported once per key in the worker. A private signing key is sent once per key id, as a
 * KeyObject. On the worker, the ES256 arithmetic itself runs on the worker's thread through
 * node:crypto rather than as a WebCrypto job on libuv's pool (one-shot-ecdsa.ts). If the worker
 * dies, every call in flight fails with an error and the next call starts a new worker.
 */
import type { KeyObject } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import type { JWTPayload } from 'jose';

export interface VerifyJwtOptions {
  /** The required `typ` header. */
  typ: string;
  /** The server's time, ms since the epoch: the reference for `exp`, `nbf` and `iat`. */
  currentDate: number;
}

export interface SignJwtInput {
  header: { alg: 'ES256'; typ: string; kid: string };
  claims: JWTPayload;
  /** A KeyObject: the worker signs with node:crypto, which takes KeyObjects. */
  key: { kid: string; privateKey: KeyObject };
}

/** The request/reply messages between this module and signatures-thread.ts. */
export type SignatureRequest =
  | { id: number; op: 'verifyJwt'; jws: string; jwk: string; options: VerifyJwtOptions }
  | { id: number; op: 'compactVerify'; jws: string; jwk: string }
  | {
      id: number;
      op: 'signJwt';
      header: SignJwtInput['header'];
      claims: JWTPayload;
      kid: string;
      privateKey?: KeyObject;
    };

export type SignatureReply =
  | { id: number; ok: true; value: JWTPayload | Uint8Array | string }
  | { id: number; ok: false; message: string };

/** A signature that did not verify, or a token that is malformed or fails its claim checks. */
export class SignatureRejected extends Error {}

/**
 * Waits for a signature check and turns a rejection into the caller's own refusal. Any other
 * failure (a worker that stopped) passes through unchanged: that is the server's fault, not the
 * signature's, and stays a 500.
 */
export async function refuseIfRejected<T>(check: Promise<T>, refusal: () => Error): Promise<T> {
  try {
    return await check;
  } catch (error) {
    if (error instanceof SignatureRejected) throw refusal();
    throw error;
  }
}

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

class SignatureThread {
  readonly #worker: Worker;
  readonly #pending = new Map<number, Pending>();
  readonly #sentKeys = new Set<string>();
  #next = 0;
  #dead = false;

  constructor(onExit: () => void) {
    // The name is the thread's name in `ps`, `top -H` and /proc (the benchmark reads its CPU).
    this.#worker = new Worker(new URL('./signatures-thread.ts', import.meta.url), { name: 'signatures' });
    this.#worker.on('message', (reply: SignatureReply) => {
      const pending = this.#pending.get(reply.id);
      if (!pending) return;
      this.#pending.delete(reply.id);
      if (this.#pending.size === 0) this.#worker.unref();
      if (reply.ok) pending.resolve(reply.value);
      else pending.reject(new SignatureRejected(reply.message));
    });
    const fail = (error: Error) => {
      if (this.#dead) return;
      this.#dead = true;
      onExit();
      for (const pending of this.#pending.values()) pending.reject(error);
      this.#pending.clear();
    };
    this.#worker.on('error', fail);
    this.#worker.on('exit', (code) => fail(new Error(`The signature worker stopped (exit code ${code}).`)));
    // Idle, the worker does not keep the process alive; with calls in flight it does. (After the
    // listeners: adding a message listener refs the worker again.)
    this.#worker.unref();
  }

  call<T>(request: SignatureRequest): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      // Posted first: a message that cannot be sent leaves nothing pending and no key marked as
      // sent. The answer cannot arrive before this function returns.
      this.#worker.postMessage(request);
      if (request.op === 'signJwt' && request.privateKey) this.#sentKeys.add(request.kid);
      if (this.#pending.size === 0) this.#worker.ref();
      this.#pending.set(request.id, { resolve: resolve as (value: unknown) => void, reject });
    });
  }

  nextId(): number {
    return this.#next++;
  }

  /** Whether this signing key still has to be sent to the worker. */
  needsKey(kid: string): boolean {
    return !this.#sentKeys.has(kid);
  }

  terminate(): Promise<number> {
    return this.#worker.terminate();
  }
}

// One worker per process: it holds no tenant data, only imported keys, which are keyed by their
// full text, so every server (and every test) in the process can share it.
let thread: SignatureThread | undefined;
function current(): SignatureThread {
  thread ??= new SignatureThread(() => {
    thread = undefined;
  });
  return thread;
}

/** jose `jwtVerify` with ES256 only, the given `typ` and clock; answers the claims. */
export function verifyJwt(jws: string, publicJwk: string, options: VerifyJwtOptions): Promise<JWTPayload> {
  const worker = current();
  return worker.call({ id: worker.nextId(), op: 'verifyJwt', jws, jwk: publicJwk, options });
}

/** jose `compactVerify` with ES256 only; answers the signed payload's bytes. */
export function verifyCompact(jws: string, publicJwk: string): Promise<Uint8Array> {
  const worker = current();
  return worker.call({ id: worker.nextId(), op: 'compactVerify', jws, jwk: publicJwk });
}

/** jose `SignJWT` with these header and claims, signed by the key. */
export function signJwt({ header, claims, key }: SignJwtInput): Promise<string> {
  const worker = current();
  const privateKey = worker.needsKey(key.kid) ? key.privateKey : undefined;
  return worker.call({ id: worker.nextId(), op: 'signJwt', header, claims, kid: key.kid, privateKey });
}

/** Starts the worker ahead of the first call (loading jose there takes a moment). */
export function startSignatureWorker(): void {
  current();
}

/** Stops the worker (the next call starts a new one). For tests of the restart. */
export async function stopSignatureWorker(): Promise<void> {
  const stopping = thread;
  thread = undefined;
  await stopping?.terminate();
}
