// The practice space's API (docs/api.md, "Practice"): sessions, the caller's lines, conclusions.
import { createTransport } from '../api/client.ts';

export const practiceScenarios = [
  'approves',
  'denies',
  'reports_fraud',
  'unreachable',
  'wrong_code',
  'no_smartphone',
  'fails_questions',
] as const;
export type PracticeScenario = (typeof practiceScenarios)[number];
export type PracticeConclusion = 'verified' | 'not_verified' | 'handed_to_supervisor';
export const practiceConclusions: PracticeConclusion[] = ['verified', 'not_verified', 'handed_to_supervisor'];

export interface PracticeStep {
  index: number;
  /** Null while the agent is on the call, so the scenario is not given away. */
  scenario: PracticeScenario | null;
  customerId: string;
  displayName: string;
  startedAt: string | null;
  concludedAt: string | null;
  conclusion: PracticeConclusion | null;
  result: { methodsUsed: string[]; methodRight: boolean; reactionRight: boolean; seconds: number } | null;
}

export interface PracticeSession {
  id: string;
  operatorId: string;
  assignedBy: string | null;
  status: 'assigned' | 'active' | 'finished';
  currentStep: number | null;
  steps: PracticeStep[];
  score: { steps: number; methodsRight: number; reactionsRight: number; totalSeconds: number } | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

/** What a reset of the practice space removed. */
export interface PracticeRemoved {
  sessions: number;
  customers: number;
  messages: number;
}

export interface CallerLines {
  answers: { question: string; answer: string }[];
  messages: { channel: string; text: string; at: string }[];
}

export function createPracticeApi(csrfToken: string) {
  const { json } = createTransport(() => ({ 'x-csrf-token': csrfToken }));
  const id = encodeURIComponent;
  return {
    sessions: (operatorId?: string) =>
      json<{ items: PracticeSession[] }>(
        'GET',
        `/v1/practice/sessions${operatorId ? `?operatorId=${id(operatorId)}` : ''}`,
      ),
    session: (sid: string) => json<PracticeSession>('GET', `/v1/practice/sessions/${id(sid)}`),
    create: (input: { scenarios?: PracticeScenario[]; operatorId?: string }) =>
      json<PracticeSession>('POST', '/v1/practice/sessions', input),
    widgetToken: (sid: string) =>
      json<{ token: string; expiresAt: string; customerId: string }>(
        'POST',
        `/v1/practice/sessions/${id(sid)}/widget-token`,
      ),
    tourState: () => json<{ seenAt: string | null }>('GET', '/v1/practice/tour'),
    markTourSeen: () => json<{ seenAt: string }>('PUT', '/v1/practice/tour'),
    start: (sid: string) => json<PracticeSession>('POST', `/v1/practice/sessions/${id(sid)}/start`),
    caller: (sid: string) => json<CallerLines>('GET', `/v1/practice/sessions/${id(sid)}/caller`),
    conclude: (sid: string, step: number, conclusion: PracticeConclusion) =>
      json<PracticeSession>('POST', `/v1/practice/sessions/${id(sid)}/conclusion`, { step, conclusion }),
    /** An admin empties the tenant's practice space; the answer counts what went. */
    reset: () => json<PracticeRemoved>('POST', '/v1/practice/reset'),
  };
}

export type PracticeApi = ReturnType<typeof createPracticeApi>;

/** The active session whose current call is this customer, if the operator has one. */
export async function sessionForCustomer(
  api: PracticeApi,
  customerId: string,
): Promise<PracticeSession | null> {
  const { items } = await api.sessions();
  return (
    items.find(
      (s) =>
        s.status === 'active' && s.currentStep !== null && s.steps[s.currentStep]?.customerId === customerId,
    ) ?? null
  );
}
