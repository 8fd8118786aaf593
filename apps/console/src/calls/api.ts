/**
 * Outbound call notices (docs/call-notices.md): the shapes the console and the widget read, and
 * the backends they call, the operator API with the session and the widget API with its token.
 */
import { createTransport } from '../api/client.ts';

export type MutualCode = 'none' | 'agent_reads' | 'customer_reads';
export const mutualCodes: readonly MutualCode[] = ['agent_reads', 'customer_reads', 'none'];

export interface CallDelivery {
  deviceId: string;
  /** Null when the device has no push channel and was not listening. */
  channel: 'webpush' | 'fcm' | 'apns' | 'live' | null;
  result: string;
}

export interface CallNotice {
  id: string;
  customerId: string;
  status: 'active' | 'ended' | 'expired';
  reason: string;
  team: string | null;
  fromNumber: string | null;
  agent: { id: string | null; displayName: string };
  mutualCode: MutualCode;
  /** agent_reads only: the code the agent reads out. */
  code: string | null;
  confirmation: 'pending' | 'confirmed' | 'mismatch' | null;
  /** customer_reads: wrong codes the agent may still type. */
  codeAttemptsLeft: number | null;
  viewedAt: string | null;
  confirmedAt: string | null;
  createdAt: string;
  expiresAt: string;
  endedAt: string | null;
  delivery?: CallDelivery[];
}

export interface StartCallNotice {
  reason: string;
  team?: string;
  fromNumber?: string;
  expectedMinutes?: number;
  mutualCode?: MutualCode;
}

/** A live event of one notice: `call.confirmed`, `call.mismatch`, `call.viewed`, `call.ended`, `call.expired`. */
export interface CallEvent {
  type: string;
  data: unknown;
}

/** What the call panel needs from a server; the console and the widget each provide one. */
export interface CallBackend {
  start(input: StartCallNotice): Promise<CallNotice>;
  get(id: string): Promise<CallNotice>;
  end(id: string): Promise<CallNotice>;
  /** customer_reads: the code the customer read out, checked by the server. */
  submitCode(id: string, code: string): Promise<CallNotice>;
  /** The customer's active notice, so a reopened page resumes it. */
  active(): Promise<CallNotice | null>;
  events(id: string, onEvent: (event: CallEvent) => void, signal: AbortSignal): Promise<void>;
}

type Transport = ReturnType<typeof createTransport>;
const enc = encodeURIComponent;

function streamOf(
  transport: Transport,
  path: string,
  onEvent: (event: CallEvent) => void,
  signal: AbortSignal,
) {
  // The stream reader is typed for verification events; a call event has the same framing.
  return transport.stream(path, onEvent as Parameters<Transport['stream']>[1], signal);
}

/** The operator API (session cookie and CSRF token) for one customer. */
export function createConsoleCallBackend(csrfToken: string, customerId: string): CallBackend {
  const transport = createTransport(() => ({ 'x-csrf-token': csrfToken }));
  const { json } = transport;
  return {
    start: (input) => json<CallNotice>('POST', `/v1/customers/${enc(customerId)}/call-notices`, input),
    get: (id) => json<CallNotice>('GET', `/v1/call-notices/${enc(id)}`),
    end: (id) => json<CallNotice>('POST', `/v1/call-notices/${enc(id)}/end`),
    submitCode: (id, code) => json<CallNotice>('POST', `/v1/call-notices/${enc(id)}/code`, { code }),
    active: async () =>
      (
        await json<{ active: boolean; notice: CallNotice | null }>(
          'GET',
          `/v1/customers/${enc(customerId)}/call-notices/active`,
        )
      ).notice,
    events: (id, onEvent, signal) =>
      streamOf(transport, `/v1/call-notices/${enc(id)}/events`, onEvent, signal),
  };
}

/** The widget API, with the widget token its host obtained (always for one customer). */
export function createWidgetCallBackend(
  token: () => string,
  guard: <T>(call: () => Promise<T>) => Promise<T>,
): CallBackend {
  const transport = createTransport((): Record<string, string> => ({ authorization: `Bearer ${token()}` }));
  const { json } = transport;
  return {
    start: (input) => guard(() => json<CallNotice>('POST', '/v1/widget/call-notices', input)),
    get: (id) => guard(() => json<CallNotice>('GET', `/v1/widget/call-notices/${enc(id)}`)),
    end: (id) => guard(() => json<CallNotice>('POST', `/v1/widget/call-notices/${enc(id)}/end`)),
    submitCode: (id, code) =>
      guard(() => json<CallNotice>('POST', `/v1/widget/call-notices/${enc(id)}/code`, { code })),
    active: async () =>
      (
        await guard(() =>
          json<{ active: boolean; notice: CallNotice | null }>('GET', '/v1/widget/call-notices/active'),
        )
      ).notice,
    events: (id, onEvent, signal) =>
      guard(() => streamOf(transport, `/v1/widget/call-notices/${enc(id)}/events`, onEvent, signal)),
  };
}

/** A customer's notices, newest first (the customer page's history). */
export function listCallNotices(csrfToken: string, customerId: string, limit = 5) {
  const transport = createTransport(() => ({ 'x-csrf-token': csrfToken }));
  return transport.json<{ items: CallNotice[]; nextCursor: string | null }>(
    'GET',
    `/v1/call-notices?customerId=${enc(customerId)}&limit=${limit}`,
  );
}

/** The call-notice part of the policy in force, when the server has one (read defensively). */
export interface CallPolicy {
  defaultMutualCode: MutualCode | null;
  maxMinutes: number;
}

export function readCallPolicy(policy: Record<string, unknown> | null | undefined): CallPolicy {
  const section = (policy?.callNotices ?? null) as Record<string, unknown> | null;
  const mode = section?.defaultMutualCode;
  const max = section?.maxMinutes;
  return {
    defaultMutualCode:
      typeof mode === 'string' && (mutualCodes as string[]).includes(mode) ? (mode as MutualCode) : null,
    maxMinutes: typeof max === 'number' && max >= 1 ? Math.min(max, 120) : 120,
  };
}
