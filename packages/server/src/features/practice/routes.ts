// The practice space's routes: sessions of scenarios on made-up customers, for agents and supervisors.
import { AppError, idPattern } from '@helpdesk-auth/core';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { requirePrincipal } from '../../http/authenticate.ts';
import { errorResponses, idParam, Limit, Timestamp, toIso, toIsoOrNull } from '../../http/schemas.ts';
import type { AppDependencies, TypedApp } from '../../http/types.ts';
import type { PracticeSession, PracticeViewer } from './practice.ts';
import {
  type PracticeConclusion,
  type PracticeScenario,
  practiceConclusions,
  practiceScenarios,
} from './scenarios.ts';

const Scenario = Type.String({
  enum: [...practiceScenarios],
  description:
    "How the made-up caller's phone answers: approves (after a delay), denies, reports_fraud, unreachable (no push reaches it), wrong_code (types a wrong code first), no_smartphone (SMS only), fails_questions (gives wrong answers).",
});

const Conclusion = Type.String({
  enum: [...practiceConclusions],
  description: 'How the agent ended the call: the caller verified, not verified, or handed to a supervisor.',
});

const StepSchema = Type.Object({
  index: Type.Integer({ minimum: 0 }),
  scenario: Type.Union([Scenario, Type.Null()], {
    description:
      'The scenario, once the step is concluded (or for a supervisor); null while the agent is still on it, so the call is not given away.',
  }),
  customerId: Type.String({
    description: 'The made-up customer: open it on the customer page or in the widget.',
  }),
  displayName: Type.String(),
  startedAt: Type.Union([Timestamp, Type.Null()]),
  concludedAt: Type.Union([Timestamp, Type.Null()]),
  conclusion: Type.Union([Conclusion, Type.Null()]),
  result: Type.Union([
    Type.Object({
      methodsUsed: Type.Array(Type.String(), { description: 'The methods the agent started, in order.' }),
      methodRight: Type.Boolean({
        description:
          'Started with the right method (and reached for the fallback where push could not work).',
      }),
      reactionRight: Type.Boolean({
        description:
          'Ended the call the right way; after a fraud report: no further attempt, handed to a supervisor.',
      }),
      seconds: Type.Integer({ minimum: 0 }),
    }),
    Type.Null(),
  ]),
});

const SessionSchema = Type.Object(
  {
    id: Type.String(),
    operatorId: Type.String({ description: 'The agent practising.' }),
    assignedBy: Type.Union([Type.String(), Type.Null()], {
      description: 'The supervisor who assigned it; null when the agent started it.',
    }),
    status: Type.String({ enum: ['assigned', 'active', 'finished'] }),
    currentStep: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()]),
    steps: Type.Array(StepSchema),
    score: Type.Union([
      Type.Object({
        steps: Type.Integer(),
        methodsRight: Type.Integer(),
        reactionsRight: Type.Integer(),
        totalSeconds: Type.Integer(),
      }),
      Type.Null(),
    ]),
    createdAt: Timestamp,
    startedAt: Type.Union([Timestamp, Type.Null()]),
    finishedAt: Type.Union([Timestamp, Type.Null()]),
  },
  { $id: 'PracticeSession', title: 'PracticeSession' },
);

const practiceTag = ['practice'];
const sessionOnly = [{ session: [] }];

function sessionView(session: PracticeSession, viewer: PracticeViewer) {
  const supervisor = viewer.canSeeAll && session.operatorId !== viewer.operatorId;
  return {
    ...session,
    steps: session.steps.map((step, index) => ({
      index,
      scenario: step.conclusion !== null || supervisor ? step.scenario : null,
      customerId: step.customerId,
      displayName: step.displayName,
      startedAt: toIsoOrNull(step.startedAt),
      concludedAt: toIsoOrNull(step.concludedAt),
      conclusion: step.conclusion,
      result: step.result,
    })),
    createdAt: toIso(session.createdAt),
    startedAt: toIsoOrNull(session.startedAt),
    finishedAt: toIsoOrNull(session.finishedAt),
  };
}

/**
 * Practice is for people: only a signed-in operator runs or assigns it (an API key gets 403).
 * Agents (verifications:write) run their own; supervisors and admins (operators:read also)
 * assign sessions to others and see every session's score.
 */
function viewerOf(request: FastifyRequest): PracticeViewer {
  const principal = requirePrincipal(request);
  if (!principal.session) throw new AppError('FORBIDDEN', 'Practice sessions are for signed-in operators.');
  return {
    operatorId: principal.session.operator.id,
    canSeeAll: principal.permissions.has('operators:read'),
  };
}

export function registerPracticeRoutes(app: TypedApp, { services }: AppDependencies): void {
  const practice = services.practice;
  app.addSchema(SessionSchema);
  const SessionRef = Type.Ref('PracticeSession');

  const TourState = Type.Object({
    seenAt: Type.Union([Timestamp, Type.Null()], {
      description: 'When the operator finished or dismissed the first-run tour; null: show it.',
    }),
  });

  app.get(
    '/v1/practice/tour',
    {
      config: { auth: 'session' },
      schema: {
        tags: practiceTag,
        summary: "Whether the signed-in operator has seen the console's first-run tour.",
        operationId: 'getTourState',
        security: sessionOnly,
        response: { 200: TourState, ...errorResponses(401, 403) },
      },
    },
    async (request) => {
      const principal = requirePrincipal(request);
      if (!principal.session) throw new AppError('FORBIDDEN', 'The tour is for signed-in operators.');
      const seenAt = await practice.tourSeenAt(principal.tenantId, principal.session.operator.id);
      return { seenAt: toIsoOrNull(seenAt) };
    },
  );

  app.put(
    '/v1/practice/tour',
    {
      config: { auth: 'session' },
      schema: {
        tags: practiceTag,
        summary: 'Remember that the signed-in operator has seen the first-run tour (in every browser).',
        operationId: 'markTourSeen',
        security: sessionOnly,
        response: { 200: TourState, ...errorResponses(401, 403) },
      },
    },
    async (request) => {
      const principal = requirePrincipal(request);
      if (!principal.session) throw new AppError('FORBIDDEN', 'The tour is for signed-in operators.');
      const seenAt = await practice.markTourSeen(principal.tenantId, principal.session.operator.id);
      return { seenAt: toIso(seenAt) };
    },
  );

  app.get(
    '/v1/practice/scenarios',
    {
      config: { auth: 'verifications:write' },
      schema: {
        tags: practiceTag,
        summary: 'The practice scenarios: how a made-up caller’s phone can answer.',
        operationId: 'listPracticeScenarios',
        security: sessionOnly,
        response: { 200: Type.Object({ items: Type.Array(Scenario) }), ...errorResponses(401, 403) },
      },
    },
    async (request) => {
      viewerOf(request);
      return { items: [...practiceScenarios] };
    },
  );

  app.post(
    '/v1/practice/sessions',
    {
      config: { auth: 'verifications:write' },
      schema: {
        tags: practiceTag,
        summary: 'Start a practice session, or (supervisors) assign one to an agent.',
        description:
          'Creates one made-up customer per scenario (clearly fake names, flagged practice, never listed with real customers), with a simulated phone where the scenario has one. Without `operatorId`, or with your own, the session starts at once; a supervisor may give another operator’s id, and that agent starts it (POST …/start). Nothing in a session sends a real message or a webhook event; it is audited as practice.',
        operationId: 'createPracticeSession',
        security: sessionOnly,
        body: Type.Object(
          {
            operatorId: Type.Optional(Type.String({ pattern: idPattern('operator') })),
            scenarios: Type.Optional(
              Type.Array(Scenario, {
                minItems: 1,
                maxItems: 20,
                description: 'In order; all seven by default.',
              }),
            ),
          },
          { additionalProperties: false },
        ),
        response: { 201: SessionRef, ...errorResponses(400, 401, 403, 404, 409, 413, 415) },
      },
    },
    async (request, reply) => {
      const viewer = viewerOf(request);
      const principal = requirePrincipal(request);
      const session = await practice.create(
        principal.tenantId,
        {
          operatorId: request.body.operatorId,
          scenarios: request.body.scenarios as PracticeScenario[] | undefined,
        },
        viewer,
        principal.actor,
      );
      reply.status(201);
      return sessionView(session, viewer);
    },
  );

  app.get(
    '/v1/practice/sessions',
    {
      config: { auth: 'verifications:write' },
      schema: {
        tags: practiceTag,
        summary: 'Practice sessions, newest first: your own, or (supervisors) everyone’s with their scores.',
        operationId: 'listPracticeSessions',
        security: sessionOnly,
        querystring: Type.Object(
          {
            operatorId: Type.Optional(Type.String({ pattern: idPattern('operator') })),
            limit: Type.Optional(Limit),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ items: Type.Array(SessionRef) }), ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const viewer = viewerOf(request);
      const principal = requirePrincipal(request);
      const sessions = await practice.list(principal.tenantId, viewer, {
        operatorId: request.query.operatorId,
        limit: request.query.limit ?? 50,
      });
      return { items: sessions.map((s) => sessionView(s, viewer)) };
    },
  );

  app.get(
    '/v1/practice/sessions/:id',
    {
      config: { auth: 'verifications:write' },
      schema: {
        tags: practiceTag,
        summary: 'One practice session; another agent’s is 404 to an agent.',
        operationId: 'getPracticeSession',
        security: sessionOnly,
        params: idParam('practiceSession', 'Practice session id.'),
        response: { 200: SessionRef, ...errorResponses(401, 403, 404) },
      },
    },
    async (request) => {
      const viewer = viewerOf(request);
      const principal = requirePrincipal(request);
      return sessionView(await practice.get(principal.tenantId, request.params.id, viewer), viewer);
    },
  );

  app.get(
    '/v1/practice/sessions/:id/caller',
    {
      config: { auth: 'verifications:write' },
      schema: {
        tags: practiceTag,
        summary:
          'What the made-up caller of the current step says: answers to questions, the code their message carries.',
        description:
          'Messages to practice customers never reach a provider: they are kept for this answer, so the agent hears the code as from a real caller.',
        operationId: 'getPracticeCaller',
        security: sessionOnly,
        params: idParam('practiceSession', 'Practice session id.'),
        response: {
          200: Type.Object({
            answers: Type.Array(Type.Object({ question: Type.String(), answer: Type.String() })),
            messages: Type.Array(Type.Object({ channel: Type.String(), text: Type.String(), at: Timestamp })),
          }),
          ...errorResponses(401, 403, 404),
        },
      },
    },
    async (request) => {
      const viewer = viewerOf(request);
      const principal = requirePrincipal(request);
      const lines = await practice.caller(principal.tenantId, request.params.id, viewer);
      return { ...lines, messages: lines.messages.map((m) => ({ ...m, at: toIso(m.at) })) };
    },
  );

  app.post(
    '/v1/practice/sessions/:id/widget-token',
    {
      config: { auth: 'verifications:write' },
      schema: {
        tags: practiceTag,
        summary: 'A widget token for the current practice call, to practise in the embeddable verify panel.',
        description:
          'For the agent practising: a short-lived token (15 minutes) for the current step’s made-up customer, for the panel at `/console/widget#token=…`. It works only for a practice customer and only while the operator is active. Audited as `widget_session.issued` (flagged practice).',
        operationId: 'createPracticeWidgetToken',
        security: sessionOnly,
        params: idParam('practiceSession', 'Practice session id.'),
        response: {
          201: Type.Object({
            token: Type.String({ description: 'Bearer token for the panel. Shown only now.' }),
            expiresAt: Timestamp,
            customerId: Type.String(),
          }),
          ...errorResponses(401, 403, 404, 409),
        },
      },
    },
    async (request, reply) => {
      const viewer = viewerOf(request);
      const principal = requirePrincipal(request);
      const customerId = await practice.currentCustomer(principal.tenantId, request.params.id, viewer);
      const issued = await services.widgetTokens.issue(
        {
          tenantId: principal.tenantId,
          customerId,
          operatorId: viewer.operatorId,
          agentName: principal.actorName,
          ttlSeconds: 900,
        },
        principal.actor,
      );
      reply.status(201);
      return { token: issued.token, expiresAt: toIso(issued.expiresAt), customerId };
    },
  );

  app.post(
    '/v1/practice/reset',
    {
      config: { auth: 'tenant:write' },
      schema: {
        tags: practiceTag,
        summary: "Reset the tenant's practice space: every practice session and made-up customer goes.",
        description:
          'For signed-in admins (`tenant:write`; an API key gets 403). Removes every practice session of the tenant, also those under way, with their made-up customers and everything made for them (devices, verifications, codes, the messages kept for them). Real customers are never touched. The audit log keeps its entries (they are chained and sealed); the reset is audited as `practice.reset`, flagged practice. Sessions older than `PRACTICE_RETENTION_DAYS` (30) go by themselves.',
        operationId: 'resetPracticeSpace',
        security: sessionOnly,
        response: {
          200: Type.Object({
            sessions: Type.Integer({ minimum: 0, description: 'Practice sessions removed.' }),
            customers: Type.Integer({ minimum: 0, description: 'Made-up customers removed.' }),
            messages: Type.Integer({
              minimum: 0,
              description: 'Messages kept for practice addresses removed.',
            }),
          }),
          ...errorResponses(401, 403),
        },
      },
    },
    async (request) => {
      const principal = requirePrincipal(request);
      if (!principal.session)
        throw new AppError('FORBIDDEN', 'The practice space is reset by a signed-in admin.');
      return practice.reset(principal.tenantId, principal.actor);
    },
  );

  app.post(
    '/v1/practice/sessions/:id/start',
    {
      config: { auth: 'verifications:write' },
      schema: {
        tags: practiceTag,
        summary: 'The assigned agent starts a session a supervisor gave them.',
        operationId: 'startPracticeSession',
        security: sessionOnly,
        params: idParam('practiceSession', 'Practice session id.'),
        response: { 200: SessionRef, ...errorResponses(401, 403, 404, 409) },
      },
    },
    async (request) => {
      const viewer = viewerOf(request);
      const principal = requirePrincipal(request);
      return sessionView(
        await practice.start(principal.tenantId, request.params.id, viewer, principal.actor),
        viewer,
      );
    },
  );

  app.post(
    '/v1/practice/sessions/:id/conclusion',
    {
      config: { auth: 'verifications:write' },
      schema: {
        tags: practiceTag,
        summary:
          'End the current step: verified, not verified, or handed to a supervisor. The last one scores the session.',
        description:
          'Only the agent practising concludes, only the current step (409 CONFLICT otherwise, also for the second of two parallel requests). The step is judged from the verifications the agent started for its made-up customer.',
        operationId: 'concludePracticeStep',
        security: sessionOnly,
        params: idParam('practiceSession', 'Practice session id.'),
        body: Type.Object(
          {
            step: Type.Integer({
              minimum: 0,
              maximum: 19,
              description: 'The current step (its index), so a late click cannot end the next one.',
            }),
            conclusion: Conclusion,
          },
          { additionalProperties: false },
        ),
        response: { 200: SessionRef, ...errorResponses(400, 401, 403, 404, 409, 413, 415) },
      },
    },
    async (request) => {
      const viewer = viewerOf(request);
      const principal = requirePrincipal(request);
      const session = await practice.conclude(
        principal.tenantId,
        request.params.id,
        request.body.step,
        request.body.conclusion as PracticeConclusion,
        viewer,
        principal.actor,
      );
      return sessionView(session, viewer);
    },
  );
}
