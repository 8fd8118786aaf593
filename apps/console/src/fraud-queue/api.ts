// The fraud queue's API calls and shapes (docs/fraud-queue.md), with the session cookie and its
// CSRF token; the live stream reads the queue's server-sent events.
import { createTransport } from '../api/client.ts';
import type { Page } from '../api/types.ts';

export const signalKinds = ['fraud_report', 'push_denied', 'questions_locked', 'fake_call'] as const;
export type SignalKind = (typeof signalKinds)[number];
export const resolutions = ['genuine_mistake', 'confirmed_fraud', 'escalated'] as const;
export type Resolution = (typeof resolutions)[number];
export type LockAction = 'clear' | 'keep';

export interface FraudCase {
  id: string;
  customerId: string;
  customerName: string | null;
  status: 'open' | 'resolved';
  firstKind: SignalKind;
  signalCount: number;
  openedAt: string;
  lastSignalAt: string;
  assignee: { id: string; name: string | null } | null;
  assignedAt: string | null;
  resolution: Resolution | null;
  resolvedAt: string | null;
  resolvedBy: { type: string; id: string | null } | null;
  pushLock: LockAction | null;
  questionsLock: LockAction | null;
}

export interface FraudCaseDetail extends FraudCase {
  signals: { id: string; kind: SignalKind; sourceId: string; occurredAt: string }[];
  notes: {
    id: string;
    author: { type: string; id: string | null; name: string | null };
    body: string;
    createdAt: string;
  }[];
}

/** One change in the queue, as the live stream carries it. */
export interface FraudCaseChange {
  caseId: string;
  customerId: string;
  change: 'opened' | 'signal_added' | 'assigned' | 'noted' | 'resolved';
  signalKind?: SignalKind;
  at: string;
}

export interface CaseFilter {
  status?: 'open' | 'resolved' | 'all';
  assignee?: string;
  kind?: SignalKind;
  customerId?: string;
  cursor?: string;
  limit?: number;
}

export function createFraudApi(csrfToken: string) {
  const transport = createTransport(() => ({ 'x-csrf-token': csrfToken }));
  const { json } = transport;
  const id = encodeURIComponent;
  return {
    list: (filter: CaseFilter) => {
      const params = new URLSearchParams();
      for (const [name, value] of Object.entries(filter)) {
        if (value !== undefined && value !== '') params.set(name, String(value));
      }
      return json<Page<FraudCase>>('GET', `/v1/fraud-cases?${params.toString()}`);
    },
    get: (caseId: string) => json<FraudCaseDetail>('GET', `/v1/fraud-cases/${id(caseId)}`),
    assign: (caseId: string, assigneeId: string | null, expectedAssigneeId: string | null) =>
      json<FraudCase>('POST', `/v1/fraud-cases/${id(caseId)}/assign`, { assigneeId, expectedAssigneeId }),
    addNote: (caseId: string, body: string) =>
      json<{ id: string }>('POST', `/v1/fraud-cases/${id(caseId)}/notes`, { body }),
    resolve: (
      caseId: string,
      input: { resolution: Resolution; note: string; pushLock: LockAction; questionsLock: LockAction },
    ) => json<FraudCase>('POST', `/v1/fraud-cases/${id(caseId)}/resolve`, input),
    /** The queue's changes, live, until `signal` aborts or the server ends the stream. */
    events: (onChange: (change: FraudCaseChange) => void, signal: AbortSignal) =>
      transport.stream(
        '/v1/fraud-cases/events',
        (event) => {
          if (event.type === 'fraud_case') onChange(event.data as unknown as FraudCaseChange);
        },
        signal,
      ),
  };
}

export type FraudApi = ReturnType<typeof createFraudApi>;
