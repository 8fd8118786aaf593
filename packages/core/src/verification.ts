/**
 * Push verification: the agent starts a verification, the customer's device shows it, the
 * customer types the short code the agent reads out and decides. This module holds the rules
 * only (statuses, codes, the push settings' limits, the decision state machine, the payload a device signs,
 * assurance); storage, signatures and clocks belong to the caller.
 *
 * Why a typed code at all: NIST SP 800-63B rev 4 (section 3.1.3, out-of-band authenticators)
 * does not accept a push that only asks the claimant to approve, because of push-fatigue
 * attacks: the approval has to carry a secret transferred from the primary channel. On a
 * helpdesk call the primary channel is the call, so only the person on the line hears the code.
 */

import canonicalize from 'canonicalize';
import type { MessageTemplates } from './customer-messages.ts';
import { noncePattern } from './protocol.ts';
import { secureRandomByte } from './random.ts';

// ---------------------------------------------------------------------------------------------
// Statuses, purposes, decisions
// ---------------------------------------------------------------------------------------------

/** Every status except `pending` is final: once reached it never changes (DESIGN section 4). */
export const finalStatuses = [
  'approved',
  'denied',
  'fraud_reported',
  'expired',
  'cancelled',
  'failed',
] as const;

export const verificationStatuses = ['pending', ...finalStatuses] as const;

export type VerificationStatus = (typeof verificationStatuses)[number];
export type FinalVerificationStatus = (typeof finalStatuses)[number];

export function isVerificationStatus(value: string): value is VerificationStatus {
  return (verificationStatuses as readonly string[]).includes(value);
}

export function isFinal(status: VerificationStatus): status is FinalVerificationStatus {
  return (finalStatuses as readonly string[]).includes(status);
}

/**
 * `authenticate`: is this caller the customer? `confirm_action`: does the customer approve this
 * specific change? The latter carries a summary that the device shows and the signature covers,
 * so the audit log holds evidence of what exactly was approved.
 */
export const verificationPurposes = ['authenticate', 'confirm_action'] as const;

export type VerificationPurpose = (typeof verificationPurposes)[number];

export function isVerificationPurpose(value: string): value is VerificationPurpose {
  return (verificationPurposes as readonly string[]).includes(value);
}

/** Long enough for "Change postal address to ..."; short enough to read on a phone screen. */
export const maxActionSummaryLength = 200;

// Control characters (\p{Cc}: C0, DEL, C1) and the Unicode bidirectional formatting characters
// (ALM, LRM, RLM, embeddings, overrides, isolates; not all of \p{Cf}, whose zero-width joiner
// emoji and several scripts need). A summary is shown to the customer as evidence of what
// they approve; a right-to-left override could make "IBAN ...1234" display as something else,
// so the displayed text and the signed text would disagree (the "Trojan Source" trick).
const unsafeSummaryCharacters = /[\p{Cc}\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/u;

/**
 * Problems with the action summary for a purpose; empty when it is acceptable. A summary is
 * required for `confirm_action` and refused for `authenticate`, so "the signed payload has a
 * summary" and "the customer confirmed an action" always mean the same thing.
 */
export function validateActionSummary(
  purpose: VerificationPurpose,
  actionSummary: string | null | undefined,
): string[] {
  const hasSummary = actionSummary !== null && actionSummary !== undefined;
  if (purpose === 'authenticate') {
    return hasSummary ? ['actionSummary is only allowed when purpose is confirm_action.'] : [];
  }
  if (!hasSummary || actionSummary.trim() === '') {
    return ['actionSummary is required when purpose is confirm_action.'];
  }
  const problems: string[] = [];
  // Counted in code points, like the UI counts what the customer sees.
  const length = [...actionSummary].length;
  if (length > maxActionSummaryLength) {
    problems.push(`actionSummary must be at most ${maxActionSummaryLength} characters (got ${length}).`);
  }
  if (unsafeSummaryCharacters.test(actionSummary)) {
    problems.push('actionSummary must not contain control or bidirectional formatting characters.');
  }
  return problems;
}

export const verificationDecisions = ['approve', 'deny', 'report_fraud'] as const;

export type VerificationDecision = (typeof verificationDecisions)[number];

export function isVerificationDecision(value: string): value is VerificationDecision {
  return (verificationDecisions as readonly string[]).includes(value);
}

/** The final status each decision leads to when it is accepted. */
export const decisionStatus = {
  approve: 'approved',
  deny: 'denied',
  report_fraud: 'fraud_reported',
} as const satisfies Record<VerificationDecision, FinalVerificationStatus>;

// ---------------------------------------------------------------------------------------------
// Push settings
// ---------------------------------------------------------------------------------------------

/** Per-tenant settings of push verification. */
export interface PushSettings {
  /** Digits in the code the agent reads out. */
  codeLength: number;
  /** Seconds from start until a pending verification expires. */
  expirySeconds: number;
  /** Wrong codes accepted before the verification fails. */
  maxCodeAttempts: number;
  /** Push requests per customer within `pushWindowSeconds` (against push bombing). */
  pushRequestsPerWindow: number;
  pushWindowSeconds: number;
  /**
   * Approvals must prove biometric (or device PIN) user verification: a WebAuthn assertion with
   * the UV flag (NIST SP 800-63B rev 4, section 3.1.3: a multi-factor out-of-band device).
   * Approvals signed only by the device key are refused. Denials and fraud reports are not.
   */
  requireUserVerification: boolean;
}

type NumericPushSetting = Exclude<keyof PushSettings, 'requireUserVerification'>;

/**
 * Inclusive bounds of each setting, and why:
 * - codeLength 2..6: one digit is a 1-in-10 guess; more than 6 is hard to hear and type during
 *   a call. The code binds the call to the approval; guessing is held off by the attempt cap.
 * - expirySeconds 30..600: under 30 s a customer cannot unlock and type in time; 10 minutes is
 *   the most DESIGN section 5 allows any one-time code to live.
 * - maxCodeAttempts 1..10: NIST SP 800-63B rev 4 (section 3.2.2) requires limiting failed
 *   attempts; DESIGN section 5 keeps each code to a handful of tries.
 * - push limits: at least one request per window, at most 20, over 1 minute to 1 day.
 */
export const pushSettingsLimits = {
  codeLength: { min: 2, max: 6 },
  expirySeconds: { min: 30, max: 600 },
  maxCodeAttempts: { min: 1, max: 10 },
  pushRequestsPerWindow: { min: 1, max: 20 },
  pushWindowSeconds: { min: 60, max: 86_400 },
} as const satisfies Record<NumericPushSetting, { min: number; max: number }>;

/**
 * Highest accepted chance that someone who does not know the code approves by guessing within
 * the attempt cap (maxCodeAttempts / 10^codeLength). The defaults give 3 in 100. A 2-digit code
 * with 10 tries would give 1 in 10, which would turn a push-fatigued "just make it stop"
 * customer into an approval; such settings are refused rather than silently accepted.
 */
export const maxGuessChance = 0.05;

export const defaultPushSettings: Readonly<PushSettings> = Object.freeze({
  codeLength: 2,
  expirySeconds: 120,
  maxCodeAttempts: 3,
  pushRequestsPerWindow: 5,
  pushWindowSeconds: 600,
  requireUserVerification: false,
});

/**
 * What a tenant stores in its settings (tenants.settings, JSON): of the push settings, only those
 * its admins chose, so a default changed later reaches every tenant that never chose otherwise.
 */
export interface TenantSettings {
  verification?: Partial<PushSettings>;
  /** The tenant's own texts for customers, per language (customer-messages.ts). */
  messageTemplates?: MessageTemplates;
}

const numericKeys = Object.keys(pushSettingsLimits) as NumericPushSetting[];
const booleanKeys = ['requireUserVerification'] as const;
const settingKeys: string[] = [...numericKeys, ...booleanKeys];

/**
 * Problems with push settings, each a sentence an admin can act on; empty when they are valid.
 * Takes `unknown` because settings arrive as JSON from the admin API and configuration files.
 * (The sentences call them "the policy", as the API has answered since before the name changed.)
 * Unknown settings are reported, so a typo ("codelength") is not silently ignored.
 */
export function validatePushSettings(input: unknown): string[] {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return ['The policy must be an object.'];
  }
  const record = input as Record<string, unknown>;
  const problems: string[] = [];
  for (const key of Object.keys(record)) {
    if (!settingKeys.includes(key)) problems.push(`${key} is not a policy setting.`);
  }
  for (const key of numericKeys) {
    const { min, max } = pushSettingsLimits[key];
    const value = record[key];
    if (value === undefined) {
      problems.push(`${key} is required.`);
    } else if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      problems.push(`${key} must be a whole number from ${min} to ${max} (got ${JSON.stringify(value)}).`);
    }
  }
  for (const key of booleanKeys) {
    const value = record[key];
    if (value === undefined) problems.push(`${key} is required.`);
    else if (typeof value !== 'boolean')
      problems.push(`${key} must be true or false (got ${JSON.stringify(value)}).`);
  }
  if (problems.length === 0) {
    const settings = record as unknown as PushSettings;
    const chance = settings.maxCodeAttempts / 10 ** settings.codeLength;
    if (chance > maxGuessChance) {
      const allowed = Math.floor(maxGuessChance * 10 ** settings.codeLength);
      problems.push(
        `maxCodeAttempts ${settings.maxCodeAttempts} with a ${settings.codeLength}-digit code lets a guess succeed ` +
          `${Math.round(chance * 100)} times in 100; allow at most ${allowed} attempts or use a longer code.`,
      );
    }
  }
  return problems;
}

/**
 * The push settings in force for a tenant: its stored choices over the defaults, validated. Every
 * place that reads or changes them resolves them here, so what is shown, what is saved and what
 * a push request starts with cannot differ. Stored settings were validated on the way in, so by
 * default invalid ones are a plain error: it must not silently weaken a check. A change being
 * saved passes `invalid` to answer the admin with the problems instead.
 */
export function resolvePushSettings(
  settings: TenantSettings,
  invalid: (problems: string[]) => Error = (problems) =>
    new Error(`Stored push settings are invalid: ${problems.join(' ')}`),
): PushSettings {
  const resolved = { ...defaultPushSettings, ...settings.verification };
  const problems = validatePushSettings(resolved);
  if (problems.length > 0) throw invalid(problems);
  return resolved;
}

// ---------------------------------------------------------------------------------------------
// Codes
// ---------------------------------------------------------------------------------------------

/** Returns one uniformly random integer from 0 to 255 (one byte of a CSPRNG). */
export type RandomByteSource = () => number;

const cryptoRandomByte: RandomByteSource = secureRandomByte;

// 250 is the largest multiple of 10 not above 256. Bytes 250..255 are redrawn: mapping them with
// `% 10` would make digits 0-5 slightly likelier than 6-9 (modulo bias).
const digitRejectionThreshold = 250;
// With a real CSPRNG, 64 rejections in a row happen with probability (6/256)^64 < 1e-100. A
// source that does this is broken (or stuck), and looping forever on it would hang the server.
const maxConsecutiveRejections = 64;

/**
 * A fresh verification code: `length` decimal digits, each uniform and independent, leading
 * zeros kept (so it is a string, never a number). The default source is the platform CSPRNG
 * (`crypto.getRandomValues`, through the pool in random.ts); tests inject their own. The code
 * is a secret: store it only as a keyed hash and never log it (DESIGN sections 5 and 6).
 */
export function generateVerificationCode(
  length: number,
  randomByte: RandomByteSource = cryptoRandomByte,
): string {
  const { min, max } = pushSettingsLimits.codeLength;
  if (!Number.isInteger(length) || length < min || length > max) {
    throw new RangeError(`Code length must be a whole number from ${min} to ${max}.`);
  }
  let code = '';
  while (code.length < length) {
    let rejections = 0;
    for (;;) {
      const byte = randomByte();
      if (!Number.isInteger(byte) || byte < 0 || byte > 255) {
        throw new RangeError('The random source must return whole numbers from 0 to 255.');
      }
      if (byte < digitRejectionThreshold) {
        code += String(byte % 10);
        break;
      }
      if (++rejections >= maxConsecutiveRejections) {
        throw new Error('The random source keeps returning rejected values; it is not random.');
      }
    }
  }
  return code;
}

// ---------------------------------------------------------------------------------------------
// State machine
// ---------------------------------------------------------------------------------------------

/** The part of a stored verification the decision rules depend on. */
export interface VerificationState {
  status: VerificationStatus;
  /** Milliseconds since the epoch; the verification is expired from this instant on. */
  expiresAt: number;
  failedAttempts: number;
  /** Copied from the push settings when the verification starts, so a change mid-call does not move it. */
  maxAttempts: number;
}

export interface DecisionContext {
  /**
   * Whether the code in the signed decision equals the verification's code. The caller computes
   * it with a constant-time comparison of keyed hashes, so response timing reveals nothing about
   * the code. Ignored for deny and report_fraud.
   */
  codeMatches: boolean;
  /** Milliseconds since the epoch. */
  now: number;
}

export type DecisionFinalStatus = (typeof decisionStatus)[VerificationDecision] | 'failed';

export type DecisionRejectionCode = 'VERIFICATION_NOT_PENDING' | 'VERIFICATION_EXPIRED';

export type DecisionResult =
  /** Store `status` (and `failedAttempts`); the verification is over. */
  | { outcome: 'finalised'; status: DecisionFinalStatus; failedAttempts: number }
  /** Store `failedAttempts`; the verification stays pending and the customer may try again. */
  | { outcome: 'wrong_code'; failedAttempts: number; attemptsLeft: number }
  /**
   * Nothing to store from the decision. When `expire` is true the verification is still stored as
   * pending but its time is up: move it to `expired`.
   */
  | { outcome: 'rejected'; code: DecisionRejectionCode; reason: string; expire: boolean };

function assertTime(name: string, value: number): void {
  // A NaN time would compare false against expiresAt and so never expire: fail instead.
  if (!Number.isFinite(value)) throw new RangeError(`${name} must be a finite number of milliseconds.`);
}

function assertState(state: VerificationState): void {
  assertTime('expiresAt', state.expiresAt);
  const { maxAttempts, failedAttempts } = state;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
    throw new RangeError('maxAttempts must be a whole number of at least 1.');
  }
  if (!Number.isInteger(failedAttempts) || failedAttempts < 0) {
    throw new RangeError('failedAttempts must be a whole number of at least 0.');
  }
  // The attempt that reaches the cap moves the verification to failed, so a pending one below
  // the cap is the only consistent state. Anything else is corrupt data, not a customer action.
  if (state.status === 'pending' && failedAttempts >= maxAttempts) {
    throw new RangeError('A pending verification cannot have used up its attempts.');
  }
}

/** True once `now` has reached `expiresAt`: the expiry instant itself is already too late. */
function isDue(expiresAt: number, now: number): boolean {
  return now >= expiresAt;
}

/**
 * What a customer's decision does to a verification. Checks, in order: the verification is
 * still pending (final states never change), it has not expired, and, for approve only, the
 * code matches. Deny and report fraud do not need the right code: a customer who is not on a
 * call does not know it, and must still be able to say "this was not me". Only approve proves
 * the customer is on the call, so only approve spends an attempt when the code is wrong; the
 * attempt that reaches `maxAttempts` fails the verification.
 *
 * The result is computed from one read of the state. The caller stores it with a compare-and-set
 * on the status *and* `failedAttempts` it read, so two wrong codes sent at once cannot both count
 * from the same base and give a guesser extra tries.
 */
export function applyDecision(
  state: VerificationState,
  decision: VerificationDecision,
  context: DecisionContext,
): DecisionResult {
  assertState(state);
  assertTime('now', context.now);

  if (state.status === 'expired') {
    // Same answer whether or not the expiry sweep has stored `expired` yet.
    return {
      outcome: 'rejected',
      code: 'VERIFICATION_EXPIRED',
      reason: 'The request has expired.',
      expire: false,
    };
  }
  if (state.status !== 'pending') {
    return {
      outcome: 'rejected',
      code: 'VERIFICATION_NOT_PENDING',
      reason: `The request is already ${state.status.replace('_', ' ')}.`,
      expire: false,
    };
  }
  if (isDue(state.expiresAt, context.now)) {
    return {
      outcome: 'rejected',
      code: 'VERIFICATION_EXPIRED',
      reason: 'The request has expired.',
      expire: true,
    };
  }

  if (decision !== 'approve') {
    return { outcome: 'finalised', status: decisionStatus[decision], failedAttempts: state.failedAttempts };
  }
  if (context.codeMatches) {
    return { outcome: 'finalised', status: 'approved', failedAttempts: state.failedAttempts };
  }
  const failedAttempts = state.failedAttempts + 1;
  if (failedAttempts >= state.maxAttempts) {
    return { outcome: 'finalised', status: 'failed', failedAttempts };
  }
  return { outcome: 'wrong_code', failedAttempts, attemptsLeft: state.maxAttempts - failedAttempts };
}

/**
 * The status a verification should have at `now`: a pending one whose time is up becomes
 * `expired`; every other status is returned unchanged (final states never change).
 */
export function expireIfDue(status: VerificationStatus, expiresAt: number, now: number): VerificationStatus {
  assertTime('expiresAt', expiresAt);
  assertTime('now', now);
  return status === 'pending' && isDue(expiresAt, now) ? 'expired' : status;
}

/**
 * Whether the agent (or the integrator) may still cancel. Only a pending verification can be
 * cancelled; run `expireIfDue` first so a verification past its time is reported as expired.
 */
export function canCancel(status: VerificationStatus): boolean {
  return status === 'pending';
}

// ---------------------------------------------------------------------------------------------
// What the device signs
// ---------------------------------------------------------------------------------------------

export interface DecisionPayloadInput {
  verificationId: string;
  decision: VerificationDecision;
  /** The digits the customer typed; null when they typed none (deny or report fraud). */
  code: string | null;
  /** Fresh per signed decision (base64url, at least 96 bits), so the server can refuse replays. */
  nonce: string;
  /** Issued at: whole seconds since the epoch, like a JWT NumericDate (RFC 7519 section 2). */
  iat: number;
  /** Exactly the summary the device was shown; absent (null) for purpose authenticate. */
  actionSummary?: string | null;
}

/** Names the payload format, so a decision cannot be mistaken for any other signed message. */
export const decisionPayloadType = 'helpdesk-auth/decision/v1';

/**
 * A decision payload: exactly these seven members, none optional (docs/device-protocol.md,
 * "Decisions"). `code` and `actionSummary` are explicit nulls when there is none.
 */
export interface DecisionPayload {
  typ: typeof decisionPayloadType;
  verificationId: string;
  decision: VerificationDecision;
  code: string | null;
  nonce: string;
  iat: number;
  actionSummary: string | null;
}

/** The members of a decision payload; any other member is refused. */
export const decisionPayloadMembers = [
  'typ',
  'verificationId',
  'decision',
  'code',
  'nonce',
  'iat',
  'actionSummary',
] as const satisfies readonly (keyof DecisionPayload)[];

const typedCodePattern = new RegExp(`^[0-9]{1,${pushSettingsLimits.codeLength.max}}$`);

// With the u flag a surrogate pair is one code point (an emoji, say), so only a lone surrogate
// has the general category Cs (String.prototype.isWellFormed, without needing ES2024's library).
const loneSurrogate = /\p{Cs}/u;

/**
 * The decision payload for these fields, checked: what a device signs (in any JSON form) and
 * what the server compares a signed payload with, member by member. Strings are used as given,
 * never normalised: the summary must be the stored text, code point for code point. Throws a
 * TypeError on a malformed field; the server's request schema should reject that first.
 */
export function decisionPayload(input: DecisionPayloadInput): DecisionPayload {
  const { verificationId, decision, code, nonce, iat } = input;
  const actionSummary = input.actionSummary ?? null;
  if (typeof verificationId !== 'string' || verificationId === '') {
    throw new TypeError('verificationId must be a non-empty string.');
  }
  if (typeof decision !== 'string' || !isVerificationDecision(decision)) {
    throw new TypeError('decision is not a known decision.');
  }
  if (code !== null && (typeof code !== 'string' || !typedCodePattern.test(code))) {
    throw new TypeError('code must be null or 1 to 6 ASCII digits.');
  }
  if (typeof nonce !== 'string' || !noncePattern.test(nonce)) {
    throw new TypeError('nonce must be 16 to 128 base64url characters.');
  }
  if (typeof iat !== 'number' || !Number.isSafeInteger(iat) || iat < 0) {
    throw new TypeError('iat must be whole seconds since the epoch.');
  }
  if (actionSummary !== null && typeof actionSummary !== 'string') {
    throw new TypeError('actionSummary must be a string or null.');
  }
  // Lone surrogates cannot be encoded as UTF-8, so no two implementations would agree on them.
  if (loneSurrogate.test(verificationId) || (actionSummary !== null && loneSurrogate.test(actionSummary))) {
    throw new TypeError('verificationId and actionSummary must be well-formed Unicode text.');
  }
  return { typ: decisionPayloadType, verificationId, decision, code, nonce, iat, actionSummary };
}

/**
 * The decision payload in its canonical form, RFC 8785 (JSON Canonicalization Scheme): members
 * sorted by name, no white space, ECMAScript string escaping. The device SDK signs this text; the
 * server accepts any JSON text of the same payload (it parses and compares members), but the
 * WebAuthn challenge is computed over these exact bytes, so device and server must agree on them.
 */
export function decisionSigningPayload(input: DecisionPayloadInput): string {
  const text = canonicalize(decisionPayload(input));
  if (text === undefined) throw new TypeError('The decision payload has no JSON form.');
  return text;
}

/**
 * The WebAuthn challenge of a decision: SHA-256 of the UTF-8 bytes of its RFC 8785 canonical
 * payload (`decisionSigningPayload`), base64url without padding (RFC 4648 section 5). The
 * authenticator's clientDataJSON then carries exactly this string as `challenge` (WebAuthn Level
 * 3, section 5.8.1), so the assertion signs over the decision.
 */
export async function decisionChallenge(input: DecisionPayloadInput): Promise<string> {
  return sha256Base64url(decisionSigningPayload(input));
}

/** SHA-256 of a text's UTF-8 bytes, base64url without padding. */
export async function sha256Base64url(text: string): Promise<string> {
  // WebCrypto, so the same function runs in the browser authenticator and on the server.
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)));
  let binary = '';
  for (const byte of digest) binary += String.fromCharCode(byte);
  return btoa(binary).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
}

// ---------------------------------------------------------------------------------------------
// Assurance
// ---------------------------------------------------------------------------------------------

/** Ordered weakest first; DESIGN section 5 assigns each method one of these. */
export const assuranceLevels = ['low', 'moderate', 'substantial', 'high'] as const;

export type AssuranceLevel = (typeof assuranceLevels)[number];

export function isAssuranceLevel(value: string): value is AssuranceLevel {
  return (assuranceLevels as readonly string[]).includes(value);
}

/** Whether a verification at `actual` is enough for an action that needs `required`. */
export function meetsAssurance(actual: AssuranceLevel, required: AssuranceLevel): boolean {
  return assuranceLevels.indexOf(actual) >= assuranceLevels.indexOf(required);
}

/**
 * Assurance of an approved push (DESIGN section 5): the typed code proves the customer is on the
 * call and holds the bound device; user verification (the authenticator's UV flag, WebAuthn
 * Level 3 section 6.1) adds that the device's owner unlocked it with biometrics or a PIN. Without
 * UV evidence anyone holding the unlocked phone could have approved.
 */
export function assuranceForPush(evidence: { userVerified: boolean }): AssuranceLevel {
  return evidence.userVerified ? 'high' : 'substantial';
}
