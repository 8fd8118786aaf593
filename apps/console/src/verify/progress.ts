import type { Delivery, VerificationEvent, VerificationStatus } from '../api/types.ts';

export const finalStatuses: ReadonlySet<string> = new Set<VerificationStatus>([
  'approved',
  'denied',
  'fraud_reported',
  'expired',
  'cancelled',
  'failed',
]);

/** Delivery news in the order it can happen; `unreachable` stands apart. */
const order: Delivery[] = ['pending', 'sent', 'delivered', 'opened'];

export interface Progress {
  /** The furthest step reached: sent, delivered (live channel) or opened on a device. */
  reached: Delivery;
  unreachable: boolean;
  /** Set after a wrong code: how many tries remain. */
  attemptsLeft: number | null;
  /** The final status once it arrives. */
  final: VerificationStatus | null;
}

export const initialProgress: Progress = {
  reached: 'pending',
  unreachable: false,
  attemptsLeft: null,
  final: null,
};

function further(a: Delivery, b: Delivery): Delivery {
  return order.indexOf(b) > order.indexOf(a) ? b : a;
}

/** Folds one live event of the verification's stream into what the panel shows. */
export function applyEvent(progress: Progress, event: VerificationEvent): Progress {
  const { type, data } = event;
  if (type === 'state') {
    const next = { ...progress };
    if (data.delivery === 'unreachable') next.unreachable = true;
    else if (data.delivery) next.reached = further(progress.reached, data.delivery);
    if (data.status && finalStatuses.has(data.status)) next.final = data.status;
    return next;
  }
  if (type === 'sent' || type === 'delivered' || type === 'opened') {
    // A device that got the request is reachable after all.
    return { ...progress, reached: further(progress.reached, type), unreachable: false };
  }
  if (type === 'unreachable')
    return { ...progress, unreachable: progress.reached === 'pending' || progress.reached === 'sent' };
  if (type === 'wrong_code') return { ...progress, attemptsLeft: data.attemptsLeft ?? null };
  if (finalStatuses.has(type)) return { ...progress, final: type as VerificationStatus };
  return progress;
}

/** Whether a step is done, given the furthest step reached. */
export function stepDone(progress: Progress, step: 'sent' | 'delivered' | 'opened'): boolean {
  if (step === 'sent') return progress.reached !== 'pending';
  if (step === 'delivered') return progress.reached === 'delivered' || progress.reached === 'opened';
  return progress.reached === 'opened';
}
