/**
 * The per-tenant policy engine: which methods may verify a caller, in which order, how much
 * assurance each gives, what each action needs, and the risk rules that take a method off the
 * table for one customer (DESIGN section 5). Pure rules only: the server loads the facts about a
 * customer and asks `evaluateMethods` what the agent may use and why not the rest.
 *
 * The push settings (code length, expiry, attempts, push cap) stay in `PushSettings`
 * (verification.ts, changed with PATCH /v1/tenant, resolved by `resolvePushSettings`);
 * this policy decides whether push may be used at all for a customer and an action.
 */
import {
  type CallMutualCode,
  type CallStarterRole,
  callMutualCodeModes,
  callStarterRoles,
  isCallMutualCode,
} from './call-notices.ts';
import { type AssuranceLevel, assuranceLevels, meetsAssurance } from './verification.ts';

// ---------------------------------------------------------------------------------------------
// Methods and assurance
// ---------------------------------------------------------------------------------------------

export const verificationMethods = [
  'push',
  'app_code',
  'totp',
  'sms_otp',
  'email_otp',
  'security_questions',
] as const;

export type VerificationMethod = (typeof verificationMethods)[number];

export function isVerificationMethod(value: string): value is VerificationMethod {
  return (verificationMethods as readonly string[]).includes(value);
}

/**
 * The most assurance each method can ever give. A tenant may rate a method lower, never higher:
 * - push: high with biometric user verification, substantial without (assuranceForPush);
 * - app_code: substantial, the offline code the enrolled device shows: possession of a
 *   single-factor OTP device (NIST SP 800-63B rev 4 section 3.1.4); the server cannot tell
 *   whether the app was unlocked, so no user verification is proven and it never reaches high;
 * - totp: substantial, a single-factor OTP device (NIST SP 800-63B rev 4 section 3.1.4);
 * - sms_otp: moderate at most, because NIST SP 800-63B rev 4 section 3.1.3.3 calls the public
 *   telephone network a "restricted" authenticator (SIM swap, number porting);
 * - email_otp and security_questions: low; OWASP ASVS 5.0 V6 does not accept e-mail as an
 *   authentication factor and NIST forbids knowledge-based verification.
 */
export const methodAssuranceCeiling: Readonly<Record<VerificationMethod, AssuranceLevel>> = Object.freeze({
  push: 'high',
  app_code: 'substantial',
  totp: 'substantial',
  sms_otp: 'moderate',
  email_otp: 'low',
  security_questions: 'low',
});

// ---------------------------------------------------------------------------------------------
// The policy document
// ---------------------------------------------------------------------------------------------

export interface MethodSetting {
  method: VerificationMethod;
  enabled: boolean;
  /** What a success with this method proves; at most `methodAssuranceCeiling[method]`. */
  assurance: AssuranceLevel;
}

export interface ActionRule {
  /** The least assurance a verification must reach before the agent does this. */
  requiredAssurance: AssuranceLevel;
  /** High-risk actions (changing contact details, credentials) refuse security questions by default. */
  highRisk: boolean;
}

export const otpDeliveryModes = ['read_to_agent', 'customer_link'] as const;
export type OtpDeliveryMode = (typeof otpDeliveryModes)[number];

export interface VerificationPolicy {
  /** Every method once, in the order the console offers them. */
  methods: MethodSetting[];
  /** Actions an agent verifies for, by name (`verify_caller`, `change_phone_number`, ...). */
  actions: Record<string, ActionRule>;
  sms: {
    codeTtlSeconds: number;
    maxAttempts: number;
    maxResends: number;
    resendCooldownSeconds: number;
    /** The caller reads the code to the agent, or types it into the link the SMS carries. */
    delivery: OtpDeliveryMode;
    /** SMS is refused this many days after the phone number changed (SIM-swap risk); 0 turns it off. */
    simSwapDays: number;
  };
  email: {
    codeTtlSeconds: number;
    maxAttempts: number;
    maxResends: number;
    resendCooldownSeconds: number;
    delivery: OtpDeliveryMode;
  };
  totp: {
    /** Time steps accepted either side of now (RFC 6238 section 5.2): 0 or 1. */
    driftSteps: number;
  };
  /** The offline code the customer's enrolled app shows (docs/fallbacks.md, "Code from the customer's app"). */
  appCode: {
    /** Time steps accepted either side of now (RFC 6238 section 5.2): 0 or 1. */
    driftSteps: number;
    /** Wrong app codes per customer in a sliding hour before the method is refused; they count toward failuresPerHour too. */
    maxFailures: number;
  };
  securityQuestions: {
    /** Questions the agent asks. */
    ask: number;
    /** Correct answers needed among those asked (k of n). */
    required: number;
    /** Failed checks before the method locks for the customer until an admin unlocks it. */
    maxFailures: number;
    /** Off by default: knowledge is the weakest evidence there is. */
    allowForHighRisk: boolean;
  };
  push: {
    /** Denied push requests within `denialWindowHours` that lock push for the customer. */
    lockAfterDenials: number;
    denialWindowHours: number;
    /** A fraud report ("I am not on a call") locks push until an admin clears it. */
    lockOnFraudReport: boolean;
  };
  /** Failed attempts per customer per hour across all methods (NIST SP 800-63B rev 4 section 3.2.2: at most 100). */
  failuresPerHour: number;
  /**
   * Tell the customer, by SMS (or e-mail without a phone), after a successful helpdesk
   * verification, after a fraud report and after a new device was enrolled, so a fraudster who
   * got through is noticed.
   */
  notifications: {
    afterVerification: boolean;
    afterFraudReport: boolean;
    /** By SMS or e-mail as well as the push notice the customer's other devices always get. */
    afterDeviceEnrollment: boolean;
  };
  /** Outbound call notices (docs/call-notices.md): who may start them, and their defaults. */
  callNotices: {
    /** Operator roles that may start a notice (they also need the calls:write permission). */
    startRoles: CallStarterRole[];
    /** API keys with the calls:write scope may start notices (a dialler, the widget's host). */
    apiKeys: boolean;
    /** The mutual-code mode of a notice started without one. */
    defaultMutualCode: CallMutualCode;
    /** The longest a notice may be valid, in minutes; longer calls are ended and started again. */
    maxMinutes: number;
  };
}

type NumberLimits = { min: number; max: number };

/** Inclusive bounds of each number; the reason for each is in docs/policy.md. */
export const verificationPolicyLimits = {
  sms: {
    // DESIGN section 5: one-time codes live 10 minutes at most, 5 tries each.
    codeTtlSeconds: { min: 60, max: 600 },
    maxAttempts: { min: 1, max: 5 },
    maxResends: { min: 0, max: 5 },
    resendCooldownSeconds: { min: 0, max: 600 },
    simSwapDays: { min: 0, max: 90 },
  },
  email: {
    codeTtlSeconds: { min: 60, max: 600 },
    maxAttempts: { min: 1, max: 5 },
    maxResends: { min: 0, max: 5 },
    resendCooldownSeconds: { min: 0, max: 600 },
  },
  totp: { driftSteps: { min: 0, max: 1 } },
  appCode: { driftSteps: { min: 0, max: 1 }, maxFailures: { min: 1, max: 10 } },
  securityQuestions: {
    ask: { min: 1, max: 5 },
    required: { min: 1, max: 5 },
    maxFailures: { min: 1, max: 10 },
  },
  push: {
    lockAfterDenials: { min: 1, max: 20 },
    denialWindowHours: { min: 1, max: 720 },
  },
  failuresPerHour: { min: 1, max: 100 },
  callNotices: { maxMinutes: { min: 1, max: 120 } },
} as const;

export const actionNamePattern = /^[a-z][a-z0-9_]{0,39}$/;
export const maxActions = 50;

/** Six digits, as DESIGN section 5 requires of every one-time code. */
export const otpCodeLength = 6;

export const defaultVerificationPolicy: Readonly<VerificationPolicy> = Object.freeze({
  methods: [
    { method: 'push', enabled: true, assurance: 'high' },
    { method: 'app_code', enabled: true, assurance: 'substantial' },
    { method: 'totp', enabled: true, assurance: 'substantial' },
    { method: 'sms_otp', enabled: true, assurance: 'moderate' },
    { method: 'email_otp', enabled: false, assurance: 'low' },
    { method: 'security_questions', enabled: true, assurance: 'low' },
  ],
  actions: {
    account_enquiry: { requiredAssurance: 'low', highRisk: false },
    verify_caller: { requiredAssurance: 'moderate', highRisk: false },
    reset_credentials: { requiredAssurance: 'substantial', highRisk: true },
    change_phone_number: { requiredAssurance: 'high', highRisk: true },
    // Handing out a QR code or activation code in the console (docs/policy.md, "Enrolling a device").
    enroll_device: { requiredAssurance: 'substantial', highRisk: true },
  },
  sms: {
    codeTtlSeconds: 300,
    maxAttempts: 5,
    maxResends: 2,
    resendCooldownSeconds: 30,
    delivery: 'read_to_agent',
    simSwapDays: 7,
  },
  email: {
    codeTtlSeconds: 600,
    maxAttempts: 5,
    maxResends: 2,
    resendCooldownSeconds: 30,
    delivery: 'read_to_agent',
  },
  totp: { driftSteps: 1 },
  appCode: { driftSteps: 1, maxFailures: 5 },
  securityQuestions: { ask: 3, required: 2, maxFailures: 3, allowForHighRisk: false },
  push: { lockAfterDenials: 3, denialWindowHours: 24, lockOnFraudReport: true },
  failuresPerHour: 100,
  notifications: { afterVerification: false, afterFraudReport: true, afterDeviceEnrollment: true },
  callNotices: {
    startRoles: ['agent', 'supervisor', 'admin'],
    apiKeys: true,
    defaultMutualCode: 'none',
    maxMinutes: 60,
  },
} satisfies VerificationPolicy) as Readonly<VerificationPolicy>;

// ---------------------------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------------------------

type Problems = string[];

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkKeys(record: Record<string, unknown>, allowed: readonly string[], path: string, out: Problems) {
  for (const key of Object.keys(record)) {
    if (!allowed.includes(key)) out.push(`${path}${key} is not a policy setting.`);
  }
  for (const key of allowed) {
    if (record[key] === undefined) out.push(`${path}${key} is required.`);
  }
}

function checkNumbers(
  record: Record<string, unknown>,
  limits: Record<string, NumberLimits>,
  path: string,
  out: Problems,
) {
  for (const [key, { min, max }] of Object.entries(limits)) {
    const value = record[key];
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      out.push(`${path}${key} must be a whole number from ${min} to ${max} (got ${JSON.stringify(value)}).`);
    }
  }
}

function checkBoolean(record: Record<string, unknown>, key: string, path: string, out: Problems) {
  if (record[key] !== undefined && typeof record[key] !== 'boolean') {
    out.push(`${path}${key} must be true or false.`);
  }
}

function checkDelivery(record: Record<string, unknown>, path: string, out: Problems) {
  const value = record.delivery;
  if (value !== undefined && !(otpDeliveryModes as readonly unknown[]).includes(value)) {
    out.push(`${path}delivery must be one of ${otpDeliveryModes.join(', ')}.`);
  }
}

function checkSection(
  input: Record<string, unknown>,
  name: keyof VerificationPolicy,
  keys: readonly string[],
  out: Problems,
): Record<string, unknown> | undefined {
  const section = input[name];
  if (section === undefined) return undefined;
  if (!isRecord(section)) {
    out.push(`${name} must be an object.`);
    return undefined;
  }
  checkKeys(section, keys, `${name}.`, out);
  return section;
}

const policyKeys = [
  'methods',
  'actions',
  'sms',
  'email',
  'totp',
  'appCode',
  'securityQuestions',
  'push',
  'failuresPerHour',
  'notifications',
  'callNotices',
] as const satisfies readonly (keyof VerificationPolicy)[];

function checkMethods(value: unknown, out: Problems): MethodSetting[] | undefined {
  if (!Array.isArray(value)) {
    out.push('methods must be a list of every method, in the order the console offers them.');
    return undefined;
  }
  const seen = new Set<string>();
  let wellFormed = true;
  value.forEach((entry, index) => {
    const path = `methods[${index}].`;
    if (!isRecord(entry)) {
      out.push(`methods[${index}] must be an object.`);
      wellFormed = false;
      return;
    }
    const before = out.length;
    checkKeys(entry, ['method', 'enabled', 'assurance'], path, out);
    const { method, assurance } = entry;
    if (method !== undefined && (typeof method !== 'string' || !isVerificationMethod(method))) {
      out.push(`${path}method must be one of ${verificationMethods.join(', ')}.`);
    } else if (typeof method === 'string') {
      if (seen.has(method)) out.push(`${method} is listed twice in methods; list each method once.`);
      seen.add(method);
    }
    checkBoolean(entry, 'enabled', path, out);
    if (assurance !== undefined && !(assuranceLevels as readonly unknown[]).includes(assurance)) {
      out.push(`${path}assurance must be one of ${assuranceLevels.join(', ')}.`);
    }
    if (out.length > before) {
      wellFormed = false;
      return;
    }
    const setting = entry as unknown as MethodSetting;
    const ceiling = methodAssuranceCeiling[setting.method];
    if (!meetsAssurance(ceiling, setting.assurance)) {
      out.push(
        `${setting.method} cannot be rated ${setting.assurance}: the most it can prove is ${ceiling} ` +
          '(see docs/policy.md, "Assurance").',
      );
    }
  });
  for (const method of verificationMethods) {
    if (!seen.has(method)) out.push(`methods must list ${method} (set enabled: false to turn it off).`);
  }
  if (!wellFormed) return undefined;
  const methods = value as MethodSetting[];
  if (methods.length > 0 && !methods.some((m) => m.enabled)) {
    out.push('At least one method must be enabled, or no caller can ever be verified.');
  }
  return methods;
}

function checkActions(value: unknown, out: Problems): Record<string, ActionRule> | undefined {
  if (!isRecord(value)) {
    out.push('actions must be an object of action name to rule.');
    return undefined;
  }
  const names = Object.keys(value);
  if (names.length === 0) out.push('actions must name at least one action.');
  if (names.length > maxActions) out.push(`actions may name at most ${maxActions} actions.`);
  let wellFormed = true;
  for (const name of names) {
    const rule = value[name];
    if (!actionNamePattern.test(name)) {
      out.push(`Action name "${name}" must be 1 to 40 lower-case letters, digits and underscores.`);
      wellFormed = false;
    }
    if (!isRecord(rule)) {
      out.push(`actions.${name} must be an object.`);
      wellFormed = false;
      continue;
    }
    const before = out.length;
    checkKeys(rule, ['requiredAssurance', 'highRisk'], `actions.${name}.`, out);
    if (
      rule.requiredAssurance !== undefined &&
      !(assuranceLevels as readonly unknown[]).includes(rule.requiredAssurance)
    ) {
      out.push(`actions.${name}.requiredAssurance must be one of ${assuranceLevels.join(', ')}.`);
    }
    checkBoolean(rule, 'highRisk', `actions.${name}.`, out);
    if (out.length > before) wellFormed = false;
  }
  return wellFormed ? (value as Record<string, ActionRule>) : undefined;
}

/**
 * A policy written before a setting existed, with that setting's default filled in, so stored
 * versions and clients that do not know it yet keep working. Anything else is returned as it is.
 */
export function withNewPolicyDefaults(input: unknown): unknown {
  if (!isRecord(input)) return input;
  let out = input;
  if (isRecord(out.notifications) && out.notifications.afterDeviceEnrollment === undefined) {
    out = {
      ...out,
      notifications: {
        ...out.notifications,
        afterDeviceEnrollment: defaultVerificationPolicy.notifications.afterDeviceEnrollment,
      },
    };
  }
  // A policy from before app codes existed: the method is listed, turned off (an admin turns it
  // on; a bank's policy is not widened by an upgrade), right after push, with its defaults.
  if (
    Array.isArray(out.methods) &&
    !out.methods.some((m) => isRecord(m) && m.method === 'app_code') &&
    out.appCode === undefined
  ) {
    const methods = [...out.methods];
    const push = methods.findIndex((m) => isRecord(m) && m.method === 'push');
    methods.splice(push + 1, 0, {
      method: 'app_code',
      enabled: false,
      assurance: methodAssuranceCeiling.app_code,
    });
    out = { ...out, methods, appCode: { ...defaultVerificationPolicy.appCode } };
  }
  // A policy from before call notices: their defaults (any operator who may verify may call).
  if (out.callNotices === undefined) {
    const defaults = defaultVerificationPolicy.callNotices;
    out = { ...out, callNotices: { ...defaults, startRoles: [...defaults.startRoles] } };
  }
  return out;
}

/**
 * Problems with a policy, each a sentence an admin can act on; empty when the policy is valid.
 * Besides types and ranges, it refuses policies that contradict themselves: a method rated above
 * what it can prove, an action that no enabled method can ever satisfy, more correct answers
 * required than questions asked, no method enabled at all.
 */
export function validateVerificationPolicy(input: unknown): string[] {
  if (!isRecord(input)) return ['The policy must be an object.'];
  const out: Problems = [];
  checkKeys(input, policyKeys, '', out);

  const methods = input.methods === undefined ? undefined : checkMethods(input.methods, out);
  const actions = input.actions === undefined ? undefined : checkActions(input.actions, out);

  const sms = checkSection(
    input,
    'sms',
    ['codeTtlSeconds', 'maxAttempts', 'maxResends', 'resendCooldownSeconds', 'delivery', 'simSwapDays'],
    out,
  );
  if (sms) {
    checkNumbers(sms, verificationPolicyLimits.sms, 'sms.', out);
    checkDelivery(sms, 'sms.', out);
  }
  const email = checkSection(
    input,
    'email',
    ['codeTtlSeconds', 'maxAttempts', 'maxResends', 'resendCooldownSeconds', 'delivery'],
    out,
  );
  if (email) {
    checkNumbers(email, verificationPolicyLimits.email, 'email.', out);
    checkDelivery(email, 'email.', out);
  }
  const totp = checkSection(input, 'totp', ['driftSteps'], out);
  if (totp) checkNumbers(totp, verificationPolicyLimits.totp, 'totp.', out);
  const appCode = checkSection(input, 'appCode', ['driftSteps', 'maxFailures'], out);
  if (appCode) checkNumbers(appCode, verificationPolicyLimits.appCode, 'appCode.', out);
  const questions = checkSection(
    input,
    'securityQuestions',
    ['ask', 'required', 'maxFailures', 'allowForHighRisk'],
    out,
  );
  if (questions) {
    checkNumbers(questions, verificationPolicyLimits.securityQuestions, 'securityQuestions.', out);
    checkBoolean(questions, 'allowForHighRisk', 'securityQuestions.', out);
    const { ask, required } = questions;
    if (typeof ask === 'number' && typeof required === 'number' && required > ask) {
      out.push(
        `securityQuestions.required (${required}) cannot be more than securityQuestions.ask (${ask}): ` +
          'the caller could never pass.',
      );
    }
  }
  const push = checkSection(
    input,
    'push',
    ['lockAfterDenials', 'denialWindowHours', 'lockOnFraudReport'],
    out,
  );
  if (push) {
    checkNumbers(push, verificationPolicyLimits.push, 'push.', out);
    checkBoolean(push, 'lockOnFraudReport', 'push.', out);
  }
  checkNumbers(input, { failuresPerHour: verificationPolicyLimits.failuresPerHour }, '', out);
  const notifications = checkSection(
    input,
    'notifications',
    ['afterVerification', 'afterFraudReport', 'afterDeviceEnrollment'],
    out,
  );
  if (notifications) {
    checkBoolean(notifications, 'afterVerification', 'notifications.', out);
    checkBoolean(notifications, 'afterFraudReport', 'notifications.', out);
    checkBoolean(notifications, 'afterDeviceEnrollment', 'notifications.', out);
  }

  const calls = checkSection(
    input,
    'callNotices',
    ['startRoles', 'apiKeys', 'defaultMutualCode', 'maxMinutes'],
    out,
  );
  if (calls) {
    checkNumbers(calls, verificationPolicyLimits.callNotices, 'callNotices.', out);
    checkBoolean(calls, 'apiKeys', 'callNotices.', out);
    const { startRoles, defaultMutualCode } = calls;
    if (
      startRoles !== undefined &&
      (!Array.isArray(startRoles) ||
        !startRoles.every((role) => (callStarterRoles as readonly unknown[]).includes(role)) ||
        new Set(startRoles).size !== startRoles.length)
    ) {
      out.push(`callNotices.startRoles must list each of ${callStarterRoles.join(', ')} at most once.`);
    }
    if (defaultMutualCode !== undefined && !isCallMutualCode(defaultMutualCode)) {
      out.push(`callNotices.defaultMutualCode must be one of ${callMutualCodeModes.join(', ')}.`);
    }
  }

  if (out.length === 0 && methods && actions) {
    const policy = input as unknown as VerificationPolicy;
    for (const [name, rule] of Object.entries(actions)) {
      const usable = methods.filter(
        (m) =>
          m.enabled &&
          meetsAssurance(m.assurance, rule.requiredAssurance) &&
          !(m.method === 'security_questions' && rule.highRisk && !policy.securityQuestions.allowForHighRisk),
      );
      if (usable.length === 0) {
        const candidates = verificationMethods.filter((m) =>
          meetsAssurance(methodAssuranceCeiling[m], rule.requiredAssurance),
        );
        out.push(
          `Action ${name} needs ${rule.requiredAssurance} assurance, but no enabled method reaches it: ` +
            `enable or raise one of ${candidates.join(', ')}, or lower the requirement.`,
        );
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Risk rules
// ---------------------------------------------------------------------------------------------

const hourMs = 3_600_000;
const dayMs = 24 * hourMs;

/**
 * Why a method cannot be used right now. Stable codes: the console translates them and the API
 * documents each (docs/policy.md).
 */
export const unavailableReasons = [
  'METHOD_DISABLED',
  'ASSURANCE_TOO_LOW',
  'HIGH_RISK_ACTION',
  'NO_DEVICE',
  'NO_PHONE_NUMBER',
  'NO_EMAIL_ADDRESS',
  'NOT_ENROLLED',
  'NO_SECURITY_QUESTIONS',
  'SIM_SWAP_WINDOW',
  'PUSH_LOCKED_DENIALS',
  'PUSH_LOCKED_FRAUD',
  'QUESTIONS_LOCKED',
  'APP_CODE_FAILURES',
  'FAILURE_LIMIT',
  'PROVIDER_NOT_CONFIGURED',
] as const;

export type UnavailableReason = (typeof unavailableReasons)[number];

export interface UnavailableBecause {
  code: UnavailableReason;
  message: string;
  /** When the reason lapses by itself (milliseconds since the epoch); null when only an admin can lift it. */
  until: number | null;
}

export interface PushLockFacts {
  /** When the customer last reported fraud from a device, or null. */
  fraudReportedAt: number | null;
  /** Times of denied push requests, newest first or in any order. */
  denialTimes: readonly number[];
  /** When an admin last cleared the push lock, or null. */
  clearedAt: number | null;
}

export type PushAvailability =
  | { available: true }
  | { available: false; reason: UnavailableBecause & { code: 'PUSH_LOCKED_DENIALS' | 'PUSH_LOCKED_FRAUD' } };

/**
 * Whether push may be used for a customer, after DESIGN section 5: repeated denials and fraud
 * reports lock push until an admin clears it. Only events after the last clear count, so an
 * admin's clear is not undone by the denials that caused the lock.
 */
export function pushAvailability(
  facts: PushLockFacts,
  policy: VerificationPolicy,
  now: number,
): PushAvailability {
  const clearedAt = facts.clearedAt ?? Number.NEGATIVE_INFINITY;
  if (policy.push.lockOnFraudReport && facts.fraudReportedAt !== null && facts.fraudReportedAt > clearedAt) {
    return {
      available: false,
      reason: {
        code: 'PUSH_LOCKED_FRAUD',
        message:
          'The customer reported fraud from their device; a supervisor or admin must clear the push lock.',
        until: null,
      },
    };
  }
  const windowStart = Math.max(clearedAt, now - policy.push.denialWindowHours * hourMs);
  const denials = facts.denialTimes.filter((t) => t > windowStart && t <= now).length;
  if (denials >= policy.push.lockAfterDenials) {
    return {
      available: false,
      reason: {
        code: 'PUSH_LOCKED_DENIALS',
        message: `The customer denied ${denials} push requests recently; a supervisor or admin must clear the push lock.`,
        until: null,
      },
    };
  }
  return { available: true };
}

/**
 * When SMS is usable again after a phone-number change (NIST SP 800-63B rev 4 section 3.1.3.3:
 * check for a SIM change or porting before using the phone network). Null: not blocked.
 */
export function simSwapBlockedUntil(
  phoneChangedAt: number | null,
  policy: VerificationPolicy,
  now: number,
): number | null {
  if (phoneChangedAt === null || policy.sms.simSwapDays === 0) return null;
  const until = phoneChangedAt + policy.sms.simSwapDays * dayMs;
  return now < until ? until : null;
}

// ---------------------------------------------------------------------------------------------
// What the console may offer
// ---------------------------------------------------------------------------------------------

/** What the server knows about a customer, loaded before asking which methods are available. */
export interface CustomerMethodFacts {
  activeDevices: number;
  hasPhone: boolean;
  phoneChangedAt: number | null;
  hasEmail: boolean;
  totpEnrolled: boolean;
  /**
   * App codes: active devices holding an offline-code secret, and wrong app codes in the last hour
   * (and when the oldest leaves the window). Absent: no such device.
   */
  appCode?: { devices: number; failures: { count: number; oldestAt: number | null } };
  securityQuestions: number;
  /** When the questions locked (after `maxFailures` failed checks), or null. */
  questionsLockedAt: number | null;
  push: PushLockFacts;
  /** Failed attempts in the last hour across all methods, and when the oldest of them leaves the window. */
  failures: { count: number; oldestAt: number | null };
  /** Whether a message provider is configured for the channel. */
  providers: { sms: boolean; email: boolean };
}

export interface MethodOption {
  method: VerificationMethod;
  /** Position in the tenant's order, from 1. */
  rank: number;
  assurance: AssuranceLevel;
  available: boolean;
  /** Empty when available; otherwise every reason, most fundamental first. */
  reasons: UnavailableBecause[];
}

export interface MethodEvaluation {
  action: string;
  requiredAssurance: AssuranceLevel;
  highRisk: boolean;
  /** Every method in policy order. */
  methods: MethodOption[];
  /** The first available method: what the console offers first. Null when none is. */
  recommended: VerificationMethod | null;
}

function reason(code: UnavailableReason, message: string, until: number | null = null): UnavailableBecause {
  return { code, message, until };
}

/**
 * For one customer and one action: every method in the tenant's order, whether the agent may use
 * it, and every reason it may not. Returns undefined for an action the policy does not name.
 */
export function evaluateMethods(
  policy: VerificationPolicy,
  action: string,
  facts: CustomerMethodFacts,
  now: number,
): MethodEvaluation | undefined {
  if (!Object.hasOwn(policy.actions, action)) return undefined;
  const rule = policy.actions[action]!;
  const failureLimitHit = facts.failures.count >= policy.failuresPerHour;
  const failuresUntil = facts.failures.oldestAt === null ? null : facts.failures.oldestAt + hourMs;

  const methods = policy.methods.map((setting, index): MethodOption => {
    const reasons: UnavailableBecause[] = [];
    const { method } = setting;
    if (!setting.enabled) reasons.push(reason('METHOD_DISABLED', `${method} is turned off in the policy.`));
    if (!meetsAssurance(setting.assurance, rule.requiredAssurance)) {
      reasons.push(
        reason(
          'ASSURANCE_TOO_LOW',
          `${method} gives ${setting.assurance} assurance; ${action} needs ${rule.requiredAssurance}.`,
        ),
      );
    }
    switch (method) {
      case 'push': {
        if (facts.activeDevices === 0)
          reasons.push(reason('NO_DEVICE', 'The customer has no enrolled device.'));
        const lock = pushAvailability(facts.push, policy, now);
        if (!lock.available) reasons.push(lock.reason);
        break;
      }
      case 'app_code': {
        if ((facts.appCode?.devices ?? 0) === 0) {
          reasons.push(
            reason('NOT_ENROLLED', 'The customer has no enrolled device that shows offline codes.'),
          );
        }
        const failures = facts.appCode?.failures;
        if (failures && failures.count >= policy.appCode.maxFailures) {
          reasons.push(
            reason(
              'APP_CODE_FAILURES',
              `${failures.count} wrong app codes in the last hour; the limit is ${policy.appCode.maxFailures}.`,
              failures.oldestAt === null ? null : failures.oldestAt + hourMs,
            ),
          );
        }
        break;
      }
      case 'totp':
        if (!facts.totpEnrolled) {
          reasons.push(reason('NOT_ENROLLED', 'The customer has not set up an authenticator app.'));
        }
        break;
      case 'sms_otp': {
        if (!facts.providers.sms)
          reasons.push(reason('PROVIDER_NOT_CONFIGURED', 'No SMS provider is configured.'));
        if (!facts.hasPhone)
          reasons.push(reason('NO_PHONE_NUMBER', 'The customer has no phone number on file.'));
        const until = simSwapBlockedUntil(facts.phoneChangedAt, policy, now);
        if (until !== null) {
          reasons.push(
            reason(
              'SIM_SWAP_WINDOW',
              `The phone number changed recently; SMS is blocked for ${policy.sms.simSwapDays} days after a change.`,
              until,
            ),
          );
        }
        break;
      }
      case 'email_otp':
        if (!facts.providers.email) {
          reasons.push(reason('PROVIDER_NOT_CONFIGURED', 'No e-mail provider is configured.'));
        }
        if (!facts.hasEmail)
          reasons.push(reason('NO_EMAIL_ADDRESS', 'The customer has no e-mail address on file.'));
        break;
      case 'security_questions':
        if (rule.highRisk && !policy.securityQuestions.allowForHighRisk) {
          reasons.push(
            reason(
              'HIGH_RISK_ACTION',
              `Security questions are not allowed for ${action}, a high-risk action.`,
            ),
          );
        }
        if (facts.securityQuestions < policy.securityQuestions.ask) {
          reasons.push(
            reason(
              'NO_SECURITY_QUESTIONS',
              `The customer has ${facts.securityQuestions} security questions; the policy asks ${policy.securityQuestions.ask}.`,
            ),
          );
        }
        if (facts.questionsLockedAt !== null) {
          reasons.push(
            reason(
              'QUESTIONS_LOCKED',
              'Too many failed security-question checks; a supervisor or admin must unlock them.',
            ),
          );
        }
        break;
    }
    if (failureLimitHit) {
      reasons.push(
        reason(
          'FAILURE_LIMIT',
          `${facts.failures.count} failed attempts in the last hour; the limit is ${policy.failuresPerHour}.`,
          failuresUntil,
        ),
      );
    }
    return {
      method,
      rank: index + 1,
      assurance: setting.assurance,
      available: reasons.length === 0,
      reasons,
    };
  });
  return {
    action,
    requiredAssurance: rule.requiredAssurance,
    highRisk: rule.highRisk,
    methods,
    recommended: methods.find((m) => m.available)?.method ?? null,
  };
}
