// The policy routes: read, validate and change the policy and its versions; a customer's methods
// and locks.
import {
  assuranceLevels,
  callMutualCodeModes,
  callStarterRoles,
  maxActions,
  notFound,
  otpDeliveryModes,
  unavailableReasons,
  verificationMethods,
  verificationPolicyLimits,
} from '@helpdesk-auth/core';
import { type TSchema, Type } from 'typebox';
import { requirePrincipal } from '../../http/authenticate.ts';
import {
  errorResponses,
  idParam,
  operatorOrApiKey,
  Timestamp,
  toIso,
  toIsoOrNull,
} from '../../http/schemas.ts';
import type { AppDependencies, TypedApp } from '../../http/types.ts';
import { type FraudCaseResolution, fraudCaseResolutions } from '../fraud-cases/index.ts';
import type { PolicyVersion } from './policies.ts';

const Assurance = Type.String({ enum: [...assuranceLevels] });
const Method = Type.String({ enum: [...verificationMethods] });

function numbers<T extends Record<string, { min: number; max: number }>>(
  limits: T,
  descriptions: Record<keyof T, string>,
) {
  const out: Record<string, TSchema> = {};
  for (const [key, { min, max }] of Object.entries(limits)) {
    out[key] = Type.Integer({ minimum: min, maximum: max, description: descriptions[key as keyof T] });
  }
  return out;
}

const Delivery = Type.String({
  enum: [...otpDeliveryModes],
  description:
    'read_to_agent: the caller reads the code to the agent. customer_link: the caller types it into the link the message carries.',
});

const otpSection = (channel: 'sms' | 'email') => ({
  ...numbers(verificationPolicyLimits[channel], {
    codeTtlSeconds: 'Seconds a code stays valid (at most 10 minutes).',
    maxAttempts: 'Wrong tries per code before it fails.',
    maxResends: 'New codes that may be sent for one challenge; resends keep the wrong-try count.',
    resendCooldownSeconds: 'Seconds between sends.',
    simSwapDays: 'Days after a phone-number change during which SMS is refused (0: off).',
  } as Record<string, string>),
  delivery: Delivery,
});

/** The policy document; docs/policy.md explains every field. */
export const VerificationPolicySchema = Type.Object(
  {
    methods: Type.Array(
      Type.Object(
        { method: Method, enabled: Type.Boolean(), assurance: Assurance },
        { additionalProperties: false },
      ),
      {
        minItems: 1,
        maxItems: verificationMethods.length,
        description: 'Every method once, in the order the console offers them.',
      },
    ),
    actions: Type.Record(
      Type.String({ pattern: '^[a-z][a-z0-9_]{0,39}$' }),
      Type.Object(
        { requiredAssurance: Assurance, highRisk: Type.Boolean() },
        { additionalProperties: false },
      ),
      // At least one action: checked with the other rules, so the answer lists every problem at once.
      { maxProperties: maxActions, description: 'What each action needs.' },
    ),
    sms: Type.Object(otpSection('sms'), { additionalProperties: false }),
    email: Type.Object(otpSection('email'), { additionalProperties: false }),
    totp: Type.Object(
      numbers(verificationPolicyLimits.totp, { driftSteps: '30-second steps accepted either side of now.' }),
      { additionalProperties: false },
    ),
    appCode: Type.Optional(
      Type.Object(
        numbers(verificationPolicyLimits.appCode, {
          driftSteps: '30-second steps accepted either side of now.',
          maxFailures:
            'Wrong app codes per customer in a sliding hour before the method is refused (TOO_MANY_FAILURES); they count toward failuresPerHour too.',
        }),
        {
          additionalProperties: false,
          description:
            "The code from the customer's app (app_code). Left out together with app_code in methods (a policy written before app codes), it is filled with the defaults and app_code is listed turned off.",
        },
      ),
    ),
    securityQuestions: Type.Object(
      {
        ...numbers(verificationPolicyLimits.securityQuestions, {
          ask: 'Questions the agent asks.',
          required: 'Correct answers needed among them.',
          maxFailures: 'Failed checks before the questions lock until an admin unlocks them.',
        }),
        allowForHighRisk: Type.Boolean({
          description: 'Allow questions for high-risk actions (off by default).',
        }),
      },
      { additionalProperties: false },
    ),
    push: Type.Object(
      {
        ...numbers(verificationPolicyLimits.push, {
          lockAfterDenials: 'Denied push requests within the window that lock push until an admin clears it.',
          denialWindowHours: 'The window for counting denials.',
        }),
        lockOnFraudReport: Type.Boolean({
          description: 'A fraud report locks push until an admin clears it.',
        }),
      },
      { additionalProperties: false },
    ),
    notifications: Type.Object(
      {
        afterVerification: Type.Boolean({
          description: 'Tell the customer after a successful helpdesk verification.',
        }),
        afterFraudReport: Type.Boolean({ description: 'Tell the customer after they reported fraud.' }),
        afterDeviceEnrollment: Type.Optional(
          Type.Boolean({
            description:
              'Tell the customer by SMS and e-mail (each on file) when a device is enrolled (their other devices always get a push notice). Default true when left out.',
          }),
        ),
      },
      {
        additionalProperties: false,
        description: 'Customer notifications by SMS, or e-mail without a phone.',
      },
    ),
    failuresPerHour: Type.Integer({
      minimum: verificationPolicyLimits.failuresPerHour.min,
      maximum: verificationPolicyLimits.failuresPerHour.max,
      description: 'Failed attempts per customer per hour across all methods.',
    }),
    callNotices: Type.Optional(
      Type.Object(
        {
          startRoles: Type.Array(Type.String({ enum: [...callStarterRoles] }), {
            maxItems: callStarterRoles.length,
            uniqueItems: true,
            description: 'Operator roles that may start call notices (they also need calls:write).',
          }),
          apiKeys: Type.Boolean({
            description: 'API keys with the calls:write scope may start call notices.',
          }),
          defaultMutualCode: Type.String({
            enum: [...callMutualCodeModes],
            description: 'The mutual-code mode of a notice started without one.',
          }),
          maxMinutes: Type.Integer({
            minimum: verificationPolicyLimits.callNotices.maxMinutes.min,
            maximum: verificationPolicyLimits.callNotices.maxMinutes.max,
            description: 'The longest a call notice may be valid, in minutes.',
          }),
        },
        {
          additionalProperties: false,
          description:
            'Outbound call notices (docs/call-notices.md). Always present in answers; left out of a saved policy, the defaults (every role but auditor, API keys allowed, no code, 60 minutes).',
        },
      ),
    ),
  },
  { additionalProperties: false, $id: 'FallbackPolicy', title: 'FallbackPolicy' },
);

const Actor = Type.Union([
  Type.Object({ type: Type.String(), id: Type.Union([Type.String(), Type.Null()]) }),
  Type.Null(),
]);

const PolicyVersionSchema = Type.Object(
  {
    version: Type.Integer({ minimum: 0, description: '0: the built-in default, never saved.' }),
    policy: Type.Ref('FallbackPolicy'),
    updatedAt: Type.Union([Timestamp, Type.Null()]),
    updatedBy: Actor,
  },
  { $id: 'FallbackPolicyVersion', title: 'FallbackPolicyVersion' },
);

const Reason = Type.Object({
  code: Type.String({ enum: [...unavailableReasons], description: 'Stable: translate it in the console.' }),
  message: Type.String(),
  until: Type.Union([Timestamp, Type.Null()], {
    description: 'When the reason lapses by itself; null when it needs an admin or a change of data.',
  }),
});

const MethodEvaluationSchema = Type.Object(
  {
    action: Type.String(),
    requiredAssurance: Assurance,
    highRisk: Type.Boolean(),
    recommended: Type.Union([Method, Type.Null()], { description: 'The first available method, or null.' }),
    methods: Type.Array(
      Type.Object({
        method: Method,
        rank: Type.Integer({ minimum: 1 }),
        assurance: Assurance,
        available: Type.Boolean(),
        reasons: Type.Array(Reason),
      }),
    ),
  },
  { $id: 'CustomerMethods', title: 'CustomerMethods' },
);

const LocksSchema = Type.Object({
  push: Type.Object({
    locked: Type.Boolean(),
    reason: Type.Union([Type.String({ enum: ['PUSH_LOCKED_DENIALS', 'PUSH_LOCKED_FRAUD'] }), Type.Null()]),
  }),
  securityQuestions: Type.Object({
    locked: Type.Boolean(),
    lockedAt: Type.Union([Timestamp, Type.Null()]),
    failures: Type.Integer({ minimum: 0 }),
  }),
  failuresLastHour: Type.Integer({ minimum: 0 }),
});

const policyView = (p: PolicyVersion) => ({ ...p, updatedAt: toIsoOrNull(p.updatedAt) });

export function registerPolicyRoutes(app: TypedApp, { services }: AppDependencies): void {
  const { policies, methods } = services.fallbacks;
  app.addSchema(VerificationPolicySchema);

  app.get(
    '/v1/policy',
    {
      config: { auth: 'policy:read' },
      schema: {
        tags: ['policy'],
        summary:
          'The verification policy in force (or an earlier version): methods, order, assurance, actions, risk rules.',
        operationId: 'getPolicy',
        security: operatorOrApiKey,
        querystring: Type.Object(
          {
            version: Type.Optional(
              Type.Integer({
                minimum: 0,
                maximum: 1_000_000,
                description: 'An earlier version; default the current one.',
              }),
            ),
          },
          { additionalProperties: false },
        ),
        response: { 200: PolicyVersionSchema, ...errorResponses(401, 403, 404) },
      },
    },
    async (request) => {
      const { tenantId } = requirePrincipal(request);
      if (request.query.version === undefined) return policyView(await policies.current(tenantId));
      const found = await policies.version(tenantId, request.query.version);
      if (!found) throw notFound('Policy version');
      return policyView(found);
    },
  );

  app.put(
    '/v1/policy',
    {
      config: { auth: 'policy:write' },
      schema: {
        tags: ['policy'],
        summary: 'Save a new version of the policy.',
        description:
          'Send the whole policy and the version you edited. Refused with VALIDATION_FAILED (every problem in error.details.problems) when it contradicts itself, and POLICY_VERSION_CONFLICT when someone saved in between.',
        operationId: 'updatePolicy',
        security: operatorOrApiKey,
        body: Type.Object(
          {
            expectedVersion: Type.Integer({ minimum: 0, description: 'The version this edit started from.' }),
            // Inline, not a reference: request bodies compile in their own validator.
            policy: Type.Object(VerificationPolicySchema.properties, { additionalProperties: false }),
          },
          { additionalProperties: false },
        ),
        response: { 200: PolicyVersionSchema, ...errorResponses(401, 403, 409, 413, 415) },
      },
    },
    async (request) => {
      const principal = requirePrincipal(request);
      return policyView(await policies.replace(principal.tenantId, request.body, principal.actor));
    },
  );

  app.post(
    '/v1/policy/validate',
    {
      config: { auth: 'policy:read' },
      schema: {
        tags: ['policy'],
        summary: 'Check a policy without saving it: every problem, one sentence each.',
        operationId: 'validatePolicy',
        security: operatorOrApiKey,
        body: Type.Object(
          {
            policy: Type.Object(
              {},
              { additionalProperties: true, description: 'A policy document, valid or not.' },
            ),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({ valid: Type.Boolean(), problems: Type.Array(Type.String()) }),
          ...errorResponses(401, 403, 413, 415),
        },
      },
    },
    async (request) => {
      const problems = policies.validate(request.body.policy);
      return { valid: problems.length === 0, problems };
    },
  );

  app.get(
    '/v1/policy/versions',
    {
      config: { auth: 'policy:read' },
      schema: {
        tags: ['policy'],
        summary: 'Saved versions of the policy, newest first (at most 200).',
        operationId: 'listPolicyVersions',
        security: operatorOrApiKey,
        response: {
          200: Type.Object({
            versions: Type.Array(
              Type.Object({
                version: Type.Integer(),
                updatedAt: Timestamp,
                updatedBy: Type.Object({ type: Type.String(), id: Type.Union([Type.String(), Type.Null()]) }),
              }),
            ),
          }),
          ...errorResponses(401, 403),
        },
      },
    },
    async (request) => {
      const versions = await policies.versions(requirePrincipal(request).tenantId);
      return { versions: versions.map((v) => ({ ...v, updatedAt: toIso(v.updatedAt) })) };
    },
  );

  app.get(
    '/v1/customers/:id/methods',
    {
      config: { auth: 'verifications:read' },
      schema: {
        tags: ['policy'],
        summary:
          'Which methods the agent may use for this customer and action, in order, and why not the others.',
        description:
          'Every method in the policy order with `available` and, when not, every reason as a stable code (docs/policy.md, "Why a method is unavailable"). `recommended` is the first available method: offer it first, and the next available one when it fails.',
        operationId: 'getCustomerMethods',
        security: operatorOrApiKey,
        params: idParam('customer', 'Customer id.'),
        querystring: Type.Object(
          {
            action: Type.String({
              minLength: 1,
              maxLength: 40,
              pattern: '^[a-z][a-z0-9_]{0,39}$',
              default: 'verify_caller',
              description: 'An action the policy names; default verify_caller.',
            }),
          },
          { additionalProperties: false },
        ),
        response: { 200: MethodEvaluationSchema, ...errorResponses(401, 403, 404) },
      },
    },
    async (request) => {
      const evaluation = await methods.evaluate(
        requirePrincipal(request).tenantId,
        request.params.id,
        request.query.action,
      );
      return {
        ...evaluation,
        methods: evaluation.methods.map((m) => ({
          ...m,
          reasons: m.reasons.map((r) => ({ ...r, until: toIsoOrNull(r.until) })),
        })),
      };
    },
  );

  app.get(
    '/v1/customers/:id/locks',
    {
      config: { auth: 'customers:read' },
      schema: {
        tags: ['policy'],
        summary: "The customer's push lock, security-question lockout and recent failures.",
        operationId: 'getCustomerLocks',
        security: operatorOrApiKey,
        params: idParam('customer', 'Customer id.'),
        response: { 200: LocksSchema, ...errorResponses(401, 403, 404) },
      },
    },
    async (request) => {
      const locks = await methods.locks(requirePrincipal(request).tenantId, request.params.id);
      return {
        ...locks,
        securityQuestions: {
          ...locks.securityQuestions,
          lockedAt: toIsoOrNull(locks.securityQuestions.lockedAt),
        },
      };
    },
  );

  app.delete(
    '/v1/customers/:id/push-lock',
    {
      config: { auth: 'locks:write' },
      schema: {
        tags: ['policy'],
        summary:
          "Clear the customer's push lock (supervisors and admins): denials and fraud reports before now no longer count.",
        description:
          'Audited once (customer.push_lock_cleared). Nothing to clear (no denial or fraud report since the last clear) changes nothing and writes no audit entry, so a repeated or parallel request is harmless; the answer is 204 either way. A fraud report stays open until it is resolved (POST /v1/customers/{id}/fraud-report/resolve).',
        operationId: 'clearPushLock',
        security: operatorOrApiKey,
        params: idParam('customer', 'Customer id.'),
        response: { 204: Type.Null(), ...errorResponses(401, 403, 404) },
      },
    },
    async (request, reply) => {
      const principal = requirePrincipal(request);
      await methods.clearPushLock(principal.tenantId, request.params.id, principal.actor);
      return reply.status(204).send(null);
    },
  );

  app.delete(
    '/v1/customers/:id/security-questions/lock',
    {
      config: { auth: 'locks:write' },
      schema: {
        tags: ['policy'],
        summary:
          "Unlock the customer's security questions after a lockout (supervisors and admins); the failure count starts again.",
        description:
          'Audited once (customer.security_questions_unlocked); with nothing to unlock (no lockout, no failures) nothing changes and nothing is audited. 204 either way.',
        operationId: 'unlockSecurityQuestions',
        security: operatorOrApiKey,
        params: idParam('customer', 'Customer id.'),
        response: { 204: Type.Null(), ...errorResponses(401, 403, 404) },
      },
    },
    async (request, reply) => {
      const principal = requirePrincipal(request);
      await methods.unlockSecurityQuestions(principal.tenantId, request.params.id, principal.actor);
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/v1/customers/:id/fraud-report/resolve',
    {
      config: { auth: 'locks:write' },
      schema: {
        tags: ['policy'],
        summary: "Resolve the customer's open fraud report (supervisors and admins), with a note.",
        description:
          "Marks the report resolved (the customer's `fraudResolvedAt`); the note, what was found and done, goes into the audit entry (customer.fraud_report_resolved). The customer's open fraud case is resolved with it, as `resolution` says (fraud_case.resolved). The push lock the report set stays until it is cleared (DELETE /v1/customers/{id}/push-lock). 409 FRAUD_REPORT_NOT_OPEN without an open report, also for the second of two parallel requests. A new fraud report opens again.",
        operationId: 'resolveFraudReport',
        security: operatorOrApiKey,
        params: idParam('customer', 'Customer id.'),
        body: Type.Object(
          {
            note: Type.String({
              minLength: 3,
              maxLength: 1000,
              pattern: '\\S',
              description: 'What was found and done, for the audit log.',
            }),
            resolution: Type.Optional(
              Type.String({
                enum: [...fraudCaseResolutions],
                default: 'confirmed_fraud',
                description:
                  "How the customer's open fraud case (docs/fraud-queue.md), resolved with the report, is classified.",
              }),
            ),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({ reportedAt: Timestamp, resolvedAt: Timestamp }),
          ...errorResponses(401, 403, 404, 409, 413, 415),
        },
      },
    },
    async (request) => {
      const principal = requirePrincipal(request);
      const resolved = await methods.resolveFraudReport(
        principal.tenantId,
        request.params.id,
        request.body.note.trim(),
        principal.actor,
        (request.body.resolution ?? 'confirmed_fraud') as FraudCaseResolution,
      );
      return { reportedAt: toIso(resolved.reportedAt), resolvedAt: toIso(resolved.resolvedAt) };
    },
  );
}
