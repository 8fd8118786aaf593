// Outbound call notices ("is this really my bank calling?"): the fixed values the server, the
// device SDK and the apps share (docs/call-notices.md).

/**
 * How the two sides of the call prove themselves to each other, beyond the signed notice:
 * `none`: the notice alone; `agent_reads`: the agent reads out the code the customer's app shows;
 * `customer_reads`: the customer reads the app's code to the agent, who types it in.
 */
export const callMutualCodeModes = ['none', 'agent_reads', 'customer_reads'] as const;
export type CallMutualCode = (typeof callMutualCodeModes)[number];

export const callNoticeStatuses = ['active', 'ended', 'expired'] as const;
export type CallNoticeStatus = (typeof callNoticeStatuses)[number];

/** What the customer (or, in `customer_reads` mode, the agent's code check) said about the call. */
export const callConfirmations = ['pending', 'confirmed', 'mismatch'] as const;
export type CallConfirmation = (typeof callConfirmations)[number];

/** What a device answers about a notice it shows: it is the call I am on, or it is not. */
export const callDeviceOutcomes = ['confirmed', 'mismatch'] as const;
export type CallDeviceOutcome = (typeof callDeviceOutcomes)[number];

/** Roles that may be allowed to start notices; auditors read and never call. */
export const callStarterRoles = ['agent', 'supervisor', 'admin'] as const;
export type CallStarterRole = (typeof callStarterRoles)[number];

/**
 * Digits of a mutual code: read aloud once in each direction, so short; with three tries a
 * guess succeeds 3 times in a million.
 */
export const callCodeLength = 6;
/** Wrong codes the agent may type (customer_reads) before the notice can no longer be confirmed by code. */
export const callCodeMaxAttempts = 3;

export const callNoticeLimits = {
  reason: { min: 1, max: 140 },
  team: { max: 60 },
  /** The number the customer will see, E.164. */
  expectedMinutes: { min: 1, max: 120, default: 15 },
  numberSeen: { max: 32 },
  note: { max: 500 },
} as const;

/** How long a device's signed "is anyone calling?" answer is good for, in seconds. */
export const callStatusLifetimeSeconds = 60;

export function isCallMutualCode(value: unknown): value is CallMutualCode {
  return (callMutualCodeModes as readonly unknown[]).includes(value);
}
