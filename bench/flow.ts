/**
 * The hot loop: virtual users, each cycling through its own devices, run the whole push flow
 * (start, device fetch, decide, agent reads the result) over keep-alive connections.
 */
import type { Pool } from 'undici';
import { type CpuSnapshot, type CpuUse, cpuBetween, snapshot } from './cpu.ts';
import { type BenchDevice, proof, signedApproval } from './device.ts';
import { Samples, sleep } from './stats.ts';

export const steps = ['start', 'fetch', 'decide', 'read'] as const;
export type Step = (typeof steps)[number];

export interface FlowRun {
  /** Flows that ended with the agent reading `approved` inside the measured window. */
  completed: number;
  measuredSeconds: number;
  /** Every step's HTTP round trip (ms), and the whole flow including the client's signing. */
  latency: Record<Step | 'flow', Samples>;
  /** Failures inside the measured window, by step, status and error code. */
  errors: Map<string, number>;
  /** Flows started over the whole run (warm-up included) for the busiest customer. */
  maxStartsPerCustomer: number;
  /** CPU used during the measured window, in cores. */
  cpu: CpuUse;
  /** Every flow of the run, warm-up and the last ones to finish included: how each ended. */
  whole: { approved: number; failed: number };
  /** Of the flows run one at a time after the run, how many ended approved. */
  sequentialApproved: number;
}

export interface FlowOptions {
  pool: Pool;
  /**
   * With several server processes, one pool per process: each step of a flow goes to the next
   * process in turn, so every flow crosses processes (start on one, device fetch on the next…).
   */
  pools?: Pool[] | undefined;
  publicUrl: string;
  apiKey: string;
  devices: readonly BenchDevice[];
  concurrency: number;
  warmupSeconds: number;
  seconds: number;
  /** The server process, for its CPU time (or several). */
  serverPid: number | number[] | undefined;
  /** PostgreSQL: the database's name, whose backends' CPU is measured. */
  databaseName?: string | undefined;
  /** Called when the measured window opens. */
  onMeasureStart?: (() => void) | undefined;
  /** Called when it closes. */
  onMeasureEnd?: (() => void) | undefined;
  /**
   * After the run: this many more flows, one at a time, between `onCountStart` and `onCountEnd`,
   * so the server's statements per flow can be counted exactly (under load, flows in flight at the
   * edges of the window blur the count).
   */
  sequentialFlows?: number | undefined;
  onCountStart?: (() => void) | undefined;
  onCountEnd?: (() => void) | undefined;
}

class StepError extends Error {
  readonly key: string;
  constructor(key: string) {
    super(key);
    this.key = key;
  }
}

async function failure(step: Step, statusCode: number, text: string): Promise<StepError> {
  let code = '';
  try {
    code = (JSON.parse(text) as { error?: { code?: string } }).error?.code ?? '';
  } catch {
    code = text.slice(0, 60);
  }
  return new StepError(`${step}: ${statusCode} ${code}`.trim());
}

export async function runFlows(options: FlowOptions): Promise<FlowRun> {
  const { publicUrl, devices, concurrency } = options;
  const pools = options.pools && options.pools.length > 0 ? options.pools : [options.pool];
  let turn = 0;
  const auth = `Bearer ${options.apiKey}`;
  const latency = {
    start: new Samples(),
    fetch: new Samples(),
    decide: new Samples(),
    read: new Samples(),
    flow: new Samples(),
  };
  const errors = new Map<string, number>();
  const starts = new Map<string, number>();
  let completed = 0;
  const whole = { approved: 0, failed: 0 };

  const begin = performance.now();
  const windowStart = begin + options.warmupSeconds * 1000;
  const windowEnd = windowStart + options.seconds * 1000;
  const inWindow = (t: number) => t >= windowStart && t <= windowEnd;
  const snapshots: CpuSnapshot[] = [];
  const cpuTimers = [windowStart, windowEnd].map((t) =>
    setTimeout(
      () => {
        if (t === windowStart) options.onMeasureStart?.();
        else options.onMeasureEnd?.();
        snapshots.push(snapshot(options.serverPid, options.databaseName));
      },
      Math.max(0, t - performance.now()),
    ),
  );

  /** One HTTP round trip; answers the parsed body and the elapsed ms, or throws a StepError. */
  async function call(
    step: Step,
    expected: number,
    request: Parameters<Pool['request']>[0],
  ): Promise<{ json: Record<string, unknown>; ms: number }> {
    const t0 = performance.now();
    const pool = pools[turn++ % pools.length]!;
    const { statusCode, body } = await pool.request(request);
    const text = await body.text();
    const ms = performance.now() - t0;
    if (statusCode !== expected) throw await failure(step, statusCode, text);
    return { json: JSON.parse(text) as Record<string, unknown>, ms };
  }

  async function flow(device: BenchDevice): Promise<void> {
    const t0 = performance.now();
    starts.set(device.customerId, (starts.get(device.customerId) ?? 0) + 1);
    const started = await call('start', 201, {
      method: 'POST',
      path: '/v1/verifications',
      headers: { authorization: auth, 'content-type': 'application/json' },
      body: JSON.stringify({ customerId: device.customerId, reason: 'Benchmark' }),
    });
    const id = started.json.id as string;
    const code = started.json.code as string;

    const devicePath = `/v1/device/verifications/${id}`;
    const fetched = await call('fetch', 200, {
      method: 'GET',
      path: devicePath,
      headers: { 'device-proof': await proof(device, publicUrl, 'GET', devicePath) },
    });
    if (fetched.json.status !== 'pending') throw new StepError(`fetch: status ${fetched.json.status}`);

    const decided = await call('decide', 200, {
      method: 'POST',
      path: `${devicePath}/decision`,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ signedDecision: await signedApproval(device, id, code) }),
    });
    if (decided.json.status !== 'approved') throw new StepError(`decide: status ${decided.json.status}`);

    const read = await call('read', 200, {
      method: 'GET',
      path: `/v1/verifications/${id}`,
      headers: { authorization: auth },
    });
    if (read.json.status !== 'approved') throw new StepError(`read: status ${read.json.status}`);

    const t1 = performance.now();
    whole.approved++;
    if (!inWindow(t1)) return;
    completed++;
    latency.start.add(started.ms);
    latency.fetch.add(fetched.ms);
    latency.decide.add(decided.ms);
    latency.read.add(read.ms);
    latency.flow.add(t1 - t0);
  }

  async function virtualUser(own: readonly BenchDevice[]): Promise<void> {
    for (let i = 0; performance.now() < windowEnd; i++) {
      try {
        await flow(own[i % own.length]!);
      } catch (error) {
        whole.failed++;
        if (!inWindow(performance.now())) continue;
        const key = error instanceof StepError ? error.key : `exception: ${(error as Error).message}`;
        errors.set(key, (errors.get(key) ?? 0) + 1);
        // A refused flow is fast; do not let a broken setup spin the client.
        if (!(error instanceof StepError)) await sleep(10);
      }
    }
  }

  // Device j belongs to user j mod C: no two users ever use one customer at once.
  const users = Array.from({ length: concurrency }, (_, u) =>
    virtualUser(devices.filter((_, j) => j % concurrency === u)),
  );
  await Promise.all(users);
  for (const timer of cpuTimers) clearTimeout(timer);
  const sequential = options.sequentialFlows ?? 0;
  let sequentialApproved = 0;
  if (sequential > 0) {
    // Let the last answers' after-work (pushes, notices) settle before counting.
    await sleep(200);
    options.onCountStart?.();
    for (let i = 0; i < sequential; i++) {
      try {
        await flow(devices[(i * 7) % devices.length]!);
        sequentialApproved++;
      } catch {
        // Counted as not approved.
      }
    }
    await sleep(200);
    options.onCountEnd?.();
  }
  if (snapshots.length < 2) throw new Error('the CPU snapshots did not run');
  return {
    completed,
    measuredSeconds: options.seconds,
    latency,
    errors,
    maxStartsPerCustomer: Math.max(0, ...starts.values()),
    cpu: cpuBetween(snapshots[0]!, snapshots[1]!),
    whole,
    sequentialApproved,
  };
}
