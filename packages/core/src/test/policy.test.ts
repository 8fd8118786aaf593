// Tests of the verification policy: validation, the push lock, the SIM-swap window, which methods
// an agent may use and why not the others.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type CustomerMethodFacts,
  defaultVerificationPolicy,
  evaluateMethods,
  pushAvailability,
  simSwapBlockedUntil,
  type VerificationPolicy,
  validateVerificationPolicy,
  withNewPolicyDefaults,
} from '../policy.ts';

const now = Date.UTC(2026, 5, 1, 12, 0, 0);
const hour = 3_600_000;
const day = 24 * hour;

function policy(change: (p: VerificationPolicy) => void = () => {}): VerificationPolicy {
  const p = structuredClone(defaultVerificationPolicy) as VerificationPolicy;
  change(p);
  return p;
}

function facts(change: Partial<CustomerMethodFacts> = {}): CustomerMethodFacts {
  return {
    activeDevices: 1,
    hasPhone: true,
    phoneChangedAt: null,
    hasEmail: true,
    totpEnrolled: true,
    appCode: { devices: 1, failures: { count: 0, oldestAt: null } },
    securityQuestions: 3,
    questionsLockedAt: null,
    push: { fraudReportedAt: null, denialTimes: [], clearedAt: null },
    failures: { count: 0, oldestAt: null },
    providers: { sms: true, email: true },
    ...change,
  };
}

describe('verification policy validation', () => {
  it('accepts the default policy', () => {
    assert.deepEqual(validateVerificationPolicy(defaultVerificationPolicy), []);
  });

  it('refuses a method rated above what it can prove, naming the ceiling', () => {
    const problems = validateVerificationPolicy(
      policy((p) => {
        p.methods.find((m) => m.method === 'sms_otp')!.assurance = 'high';
        p.methods.find((m) => m.method === 'email_otp')!.assurance = 'substantial';
      }),
    );
    assert.ok(
      problems.some((m) => /sms_otp cannot be rated high.*moderate/.test(m)),
      problems.join('\n'),
    );
    assert.ok(
      problems.some((m) => /email_otp cannot be rated substantial.*low/.test(m)),
      problems.join('\n'),
    );
  });

  it('refuses an action no enabled method can satisfy, and says which methods could', () => {
    const problems = validateVerificationPolicy(
      policy((p) => {
        p.methods.find((m) => m.method === 'push')!.enabled = false;
      }),
    );
    assert.equal(problems.length, 1, problems.join('\n'));
    assert.match(problems[0]!, /change_phone_number needs high.*no enabled method reaches it.*push/);
  });

  it('does not count security questions for a high-risk action unless allowed', () => {
    const onlyQuestions = (allow: boolean) =>
      validateVerificationPolicy(
        policy((p) => {
          for (const m of p.methods) m.enabled = m.method === 'security_questions';
          p.actions = { close_account: { requiredAssurance: 'low', highRisk: true } };
          p.securityQuestions.allowForHighRisk = allow;
        }),
      );
    assert.match(onlyQuestions(false).join(' '), /close_account needs low/);
    assert.deepEqual(onlyQuestions(true), []);
  });

  it('refuses more required answers than questions asked', () => {
    const problems = validateVerificationPolicy(
      policy((p) => {
        p.securityQuestions.ask = 2;
        p.securityQuestions.required = 3;
      }),
    );
    assert.match(problems.join(' '), /required \(3\) cannot be more than securityQuestions\.ask \(2\)/);
  });

  it('refuses duplicate, missing and unknown methods, and no enabled method at all', () => {
    const dup = validateVerificationPolicy(
      policy((p) => {
        p.methods[1] = { ...p.methods[0]! };
      }),
    );
    assert.match(dup.join(' '), /push is listed twice/);
    assert.match(dup.join(' '), /methods must list app_code/);
    const none = validateVerificationPolicy(
      policy((p) => {
        for (const m of p.methods) m.enabled = false;
      }),
    );
    assert.match(none.join(' '), /At least one method must be enabled/);
    const unknown = validateVerificationPolicy(
      policy((p) => {
        (p.methods[0] as { method: string }).method = 'carrier_pigeon';
      }),
    );
    assert.match(unknown.join(' '), /methods\[0\]\.method must be one of/);
  });

  it('enforces the limits DESIGN section 5 sets on one-time codes and failures', () => {
    const problems = validateVerificationPolicy(
      policy((p) => {
        p.sms.codeTtlSeconds = 601;
        p.sms.maxAttempts = 6;
        p.failuresPerHour = 101;
        p.totp.driftSteps = 2;
      }),
    );
    assert.match(problems.join(' '), /sms\.codeTtlSeconds must be a whole number from 60 to 600/);
    assert.match(problems.join(' '), /sms\.maxAttempts must be a whole number from 1 to 5/);
    assert.match(problems.join(' '), /failuresPerHour must be a whole number from 1 to 100/);
    assert.match(problems.join(' '), /totp\.driftSteps/);
  });

  it('reports unknown and missing settings instead of ignoring them', () => {
    const input = policy() as unknown as Record<string, unknown>;
    delete input.push;
    (input.sms as Record<string, unknown>).codeLength = 8;
    const problems = validateVerificationPolicy(input);
    assert.ok(problems.includes('push is required.'), problems.join('\n'));
    assert.ok(problems.includes('sms.codeLength is not a policy setting.'), problems.join('\n'));
    assert.deepEqual(validateVerificationPolicy(null), ['The policy must be an object.']);
  });

  it('refuses bad action names and assurance levels', () => {
    const problems = validateVerificationPolicy(
      policy((p) => {
        p.actions['Bad Name'] = { requiredAssurance: 'low', highRisk: false };
        (p.actions.verify_caller as { requiredAssurance: string }).requiredAssurance = 'extreme';
      }),
    );
    assert.match(problems.join(' '), /Action name "Bad Name"/);
    assert.match(problems.join(' '), /verify_caller\.requiredAssurance must be one of/);
  });
});

describe('push lock', () => {
  const p = policy();

  it('locks after the configured number of denials in the window, and only an admin clear lifts it', () => {
    const denials = [now - 3 * hour, now - 2 * hour, now - hour];
    const locked = pushAvailability({ fraudReportedAt: null, denialTimes: denials, clearedAt: null }, p, now);
    assert.equal(locked.available, false);
    assert.equal(!locked.available && locked.reason.code, 'PUSH_LOCKED_DENIALS');
    assert.equal(
      pushAvailability({ fraudReportedAt: null, denialTimes: denials.slice(1), clearedAt: null }, p, now)
        .available,
      true,
    );
    const cleared = pushAvailability(
      { fraudReportedAt: null, denialTimes: denials, clearedAt: now - 30 * 60_000 },
      p,
      now,
    );
    assert.equal(cleared.available, true);
  });

  it('ignores denials older than the window', () => {
    const old = [now - 30 * hour, now - 29 * hour, now - 28 * hour];
    assert.equal(
      pushAvailability({ fraudReportedAt: null, denialTimes: old, clearedAt: null }, p, now).available,
      true,
    );
  });

  it('locks on a fraud report until cleared after it, and not when the policy says so', () => {
    const facts = { fraudReportedAt: now - day * 10, denialTimes: [], clearedAt: null };
    const locked = pushAvailability(facts, p, now);
    assert.equal(!locked.available && locked.reason.code, 'PUSH_LOCKED_FRAUD');
    assert.equal(!locked.available && locked.reason.until, null);
    assert.equal(pushAvailability({ ...facts, clearedAt: now - day * 11 }, p, now).available, false);
    assert.equal(pushAvailability({ ...facts, clearedAt: now - day }, p, now).available, true);
    const relaxed = policy((x) => {
      x.push.lockOnFraudReport = false;
    });
    assert.equal(pushAvailability(facts, relaxed, now).available, true);
  });
});

describe('SIM-swap window', () => {
  it('blocks SMS for simSwapDays after the phone changed, up to the instant it ends', () => {
    const p = policy();
    const changed = now - 6 * day;
    assert.equal(simSwapBlockedUntil(changed, p, now), changed + 7 * day);
    assert.equal(simSwapBlockedUntil(changed, p, changed + 7 * day), null);
    assert.equal(simSwapBlockedUntil(null, p, now), null);
    assert.equal(
      simSwapBlockedUntil(
        changed,
        policy((x) => {
          x.sms.simSwapDays = 0;
        }),
        now,
      ),
      null,
    );
  });
});

describe('which methods the console may offer', () => {
  it('lists every method in policy order and recommends the first available', () => {
    const result = evaluateMethods(policy(), 'verify_caller', facts(), now)!;
    assert.deepEqual(
      result.methods.map((m) => [m.method, m.rank, m.available]),
      [
        ['push', 1, true],
        ['app_code', 2, true],
        ['totp', 3, true],
        ['sms_otp', 4, true],
        ['email_otp', 5, false],
        ['security_questions', 6, false],
      ],
    );
    assert.equal(result.recommended, 'push');
    assert.deepEqual(
      result.methods[4]!.reasons.map((r) => r.code),
      ['METHOD_DISABLED', 'ASSURANCE_TOO_LOW'],
    );
    assert.deepEqual(
      result.methods[5]!.reasons.map((r) => r.code),
      ['ASSURANCE_TOO_LOW'],
    );
  });

  it('explains each refusal with a stable code', () => {
    const result = evaluateMethods(
      policy(),
      'account_enquiry',
      facts({
        activeDevices: 0,
        appCode: undefined,
        totpEnrolled: false,
        phoneChangedAt: now - day,
        hasEmail: false,
        securityQuestions: 1,
        questionsLockedAt: now - hour,
        providers: { sms: false, email: true },
      }),
      now,
    )!;
    const codes = Object.fromEntries(result.methods.map((m) => [m.method, m.reasons.map((r) => r.code)]));
    assert.deepEqual(codes, {
      push: ['NO_DEVICE'],
      app_code: ['NOT_ENROLLED'],
      totp: ['NOT_ENROLLED'],
      sms_otp: ['PROVIDER_NOT_CONFIGURED', 'SIM_SWAP_WINDOW'],
      email_otp: ['METHOD_DISABLED', 'NO_EMAIL_ADDRESS'],
      security_questions: ['NO_SECURITY_QUESTIONS', 'QUESTIONS_LOCKED'],
    });
    const sim = result.methods[3]!.reasons[1]!;
    assert.equal(sim.until, now - day + 7 * day);
    assert.equal(result.recommended, null);
  });

  it('keeps security questions away from high-risk actions by default', () => {
    const p = policy((x) => {
      x.actions.close_account = { requiredAssurance: 'low', highRisk: true };
    });
    const result = evaluateMethods(p, 'close_account', facts(), now)!;
    const questions = result.methods.find((m) => m.method === 'security_questions')!;
    assert.deepEqual(
      questions.reasons.map((r) => r.code),
      ['HIGH_RISK_ACTION'],
    );
  });

  it('takes every method away at the hourly failure limit, until the oldest failure is an hour old', () => {
    const result = evaluateMethods(
      policy(),
      'verify_caller',
      facts({ failures: { count: 100, oldestAt: now - 10 * 60_000 } }),
      now,
    )!;
    assert.ok(result.methods.every((m) => m.reasons.some((r) => r.code === 'FAILURE_LIMIT')));
    assert.equal(result.methods[0]!.reasons.at(-1)!.until, now + 50 * 60_000);
    assert.equal(result.recommended, null);
  });

  it('answers undefined for an action the policy does not name, including inherited names', () => {
    assert.equal(evaluateMethods(policy(), 'no_such_action', facts(), now), undefined);
    assert.equal(evaluateMethods(policy(), 'constructor', facts(), now), undefined);
  });
});

describe('notifications.afterDeviceEnrollment', () => {
  it('is a boolean, true by default, and filled in for a policy written before it existed', () => {
    const current = structuredClone(defaultVerificationPolicy) as VerificationPolicy;
    assert.equal(current.notifications.afterDeviceEnrollment, true);
    const older = structuredClone(current) as unknown as { notifications: Record<string, unknown> };
    delete older.notifications.afterDeviceEnrollment;
    assert.match(
      validateVerificationPolicy(older).join(' '),
      /notifications\.afterDeviceEnrollment is required/,
    );
    const filled = withNewPolicyDefaults(older) as VerificationPolicy;
    assert.deepEqual(validateVerificationPolicy(filled), []);
    assert.equal(filled.notifications.afterDeviceEnrollment, true, 'an upgrade tells customers, never less');
    const wrong = structuredClone(current) as unknown as { notifications: Record<string, unknown> };
    wrong.notifications.afterDeviceEnrollment = 'yes';
    assert.ok(validateVerificationPolicy(wrong).some((p) => p.includes('afterDeviceEnrollment')));
    assert.equal(withNewPolicyDefaults(wrong), wrong, 'a value that is there is left to validation');
  });
});

describe('app codes (app_code)', () => {
  it('are offered with a device that holds a secret, and refused at their own cap until the hour passes', () => {
    const p = policy();
    const option = (f: Partial<CustomerMethodFacts>) =>
      evaluateMethods(p, 'verify_caller', facts(f), now)!.methods.find((m) => m.method === 'app_code')!;
    assert.equal(option({}).available, true);
    assert.equal(option({}).assurance, 'substantial');
    assert.deepEqual(
      option({ appCode: { devices: 0, failures: { count: 0, oldestAt: null } } }).reasons.map((r) => r.code),
      ['NOT_ENROLLED'],
    );
    const cap = p.appCode.maxFailures;
    const below = option({ appCode: { devices: 1, failures: { count: cap - 1, oldestAt: now - hour / 2 } } });
    assert.equal(below.available, true);
    const at = option({ appCode: { devices: 1, failures: { count: cap, oldestAt: now - hour / 2 } } });
    assert.deepEqual(
      at.reasons.map((r) => [r.code, r.until]),
      [['APP_CODE_FAILURES', now + hour / 2]],
    );
    // The cap is the method's own: the other methods stay available.
    const all = evaluateMethods(
      p,
      'verify_caller',
      facts({ appCode: { devices: 1, failures: { count: cap, oldestAt: now } } }),
      now,
    )!;
    assert.equal(all.methods.find((m) => m.method === 'totp')!.available, true);
  });

  it('cannot be rated above substantial, and the cap and window are bounded', () => {
    const high = validateVerificationPolicy(
      policy((x) => {
        for (const m of x.methods) if (m.method === 'app_code') m.assurance = 'high';
      }),
    );
    assert.match(high.join(' '), /app_code cannot be rated high: the most it can prove is substantial/);
    const bounds = validateVerificationPolicy(
      policy((x) => {
        x.appCode.maxFailures = 11;
        x.appCode.driftSteps = 2;
      }),
    );
    assert.match(bounds.join(' '), /appCode\.maxFailures must be a whole number from 1 to 10/);
    assert.match(bounds.join(' '), /appCode\.driftSteps must be a whole number from 0 to 1/);
  });

  it('a policy written before app codes gets the method turned off, right after push, with the defaults', () => {
    const older = structuredClone(defaultVerificationPolicy) as unknown as Record<string, unknown> & {
      methods: { method: string }[];
    };
    older.methods = older.methods.filter((m) => m.method !== 'app_code');
    delete older.appCode;
    const upgraded = withNewPolicyDefaults(older) as VerificationPolicy;
    assert.deepEqual(validateVerificationPolicy(upgraded), []);
    assert.deepEqual(upgraded.methods[1], { method: 'app_code', enabled: false, assurance: 'substantial' });
    assert.deepEqual(upgraded.appCode, defaultVerificationPolicy.appCode);
    // A policy that lists app_code is left to validation, not filled in.
    const partial = structuredClone(defaultVerificationPolicy) as unknown as Record<string, unknown>;
    delete partial.appCode;
    assert.match(validateVerificationPolicy(withNewPolicyDefaults(partial)).join(' '), /appCode is required/);
  });
});

describe('callNotices', () => {
  it('are on for every role but auditor by default, and filled in for a policy written before them', () => {
    assert.deepEqual(defaultVerificationPolicy.callNotices, {
      startRoles: ['agent', 'supervisor', 'admin'],
      apiKeys: true,
      defaultMutualCode: 'none',
      maxMinutes: 60,
    });
    const older = structuredClone(defaultVerificationPolicy) as unknown as Record<string, unknown>;
    delete older.callNotices;
    assert.match(validateVerificationPolicy(older).join(' '), /callNotices is required/);
    const filled = withNewPolicyDefaults(older) as VerificationPolicy;
    assert.deepEqual(validateVerificationPolicy(filled), []);
    assert.deepEqual(filled.callNotices, defaultVerificationPolicy.callNotices);
    // The filled-in list is a copy: changing it cannot change the shared default.
    filled.callNotices.startRoles.pop();
    assert.equal(defaultVerificationPolicy.callNotices.startRoles.length, 3);
  });

  it('refuse auditors, a role twice, unknown modes and lengths out of range', () => {
    const problems = (change: (c: Record<string, unknown>) => void) => {
      const p = structuredClone(defaultVerificationPolicy) as unknown as {
        callNotices: Record<string, unknown>;
      };
      change(p.callNotices);
      return validateVerificationPolicy(p).join(' ');
    };
    assert.match(
      problems((c) => (c.startRoles = ['auditor'])),
      /callNotices\.startRoles/,
    );
    assert.match(
      problems((c) => (c.startRoles = ['agent', 'agent'])),
      /callNotices\.startRoles/,
    );
    assert.match(
      problems((c) => (c.startRoles = 'agent')),
      /callNotices\.startRoles/,
    );
    assert.match(
      problems((c) => (c.defaultMutualCode = 'both')),
      /callNotices\.defaultMutualCode/,
    );
    assert.match(
      problems((c) => (c.maxMinutes = 0)),
      /callNotices\.maxMinutes must be a whole number from 1 to 120/,
    );
    assert.match(
      problems((c) => (c.maxMinutes = 121)),
      /callNotices\.maxMinutes/,
    );
    assert.match(
      problems((c) => (c.apiKeys = 'yes')),
      /callNotices\.apiKeys/,
    );
    assert.match(
      problems((c) => (c.extra = 1)),
      /callNotices\.extra is not a policy setting/,
    );
    assert.equal(
      problems((c) => (c.startRoles = [])),
      '',
      'nobody may call: a valid choice',
    );
  });
});
