// The security question routes: set a customer's questions, check the answers.
import { idPattern, securityQuestionLimits } from '@helpdesk-auth/core';
import { Type } from 'typebox';
import { requirePrincipal } from '../../http/authenticate.ts';
import { errorResponses, idParam, operatorOrApiKey, toIso } from '../../http/schemas.ts';
import type { AppDependencies, TypedApp } from '../../http/types.ts';

const Questions = Type.Array(
  Type.Object({ id: Type.String(), position: Type.Integer(), question: Type.String() }),
  { description: 'Questions only: answers are never returned.' },
);

export function registerSecurityQuestionRoutes(app: TypedApp, { services }: AppDependencies): void {
  const questions = services.fallbacks.securityQuestions;
  const customer = idParam('customer', 'Customer id.');
  const { answerLength, questionLength } = securityQuestionLimits;

  app.get(
    '/v1/customers/:id/security-questions',
    {
      config: { auth: 'customers:read' },
      schema: {
        tags: ['fallbacks'],
        summary: "The customer's security questions (never the answers) and how many must be right.",
        operationId: 'listSecurityQuestions',
        security: operatorOrApiKey,
        params: customer,
        response: {
          200: Type.Object({
            questions: Questions,
            ask: Type.Integer({ description: 'Questions to ask.' }),
            required: Type.Integer({ description: 'Correct answers needed.' }),
          }),
          ...errorResponses(401, 403, 404),
        },
      },
    },
    async (request) => questions.list(requirePrincipal(request).tenantId, request.params.id),
  );

  app.put(
    '/v1/customers/:id/security-questions',
    {
      config: { auth: 'customers:write' },
      schema: {
        tags: ['fallbacks'],
        summary: "Replace the customer's questions and answers (the customer's own channel, or an import).",
        description:
          'Answers are normalised (case, spaces, punctuation, Unicode NFKC) and stored only as argon2id hashes.',
        operationId: 'setSecurityQuestions',
        security: operatorOrApiKey,
        params: customer,
        body: Type.Object(
          {
            questions: Type.Array(
              Type.Object(
                {
                  question: Type.String({ minLength: questionLength.min, maxLength: questionLength.max }),
                  answer: Type.String({ minLength: answerLength.min, maxLength: answerLength.max }),
                },
                { additionalProperties: false },
              ),
              {
                minItems: securityQuestionLimits.questions.min,
                maxItems: securityQuestionLimits.questions.max,
              },
            ),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ questions: Questions }), ...errorResponses(401, 403, 404, 413, 415) },
      },
    },
    async (request) => {
      const principal = requirePrincipal(request);
      return {
        questions: await questions.set(
          principal.tenantId,
          request.params.id,
          request.body.questions,
          principal.actor,
        ),
      };
    },
  );

  app.post(
    '/v1/customers/:id/security-questions/check',
    {
      config: { auth: 'verifications:write' },
      schema: {
        tags: ['fallbacks'],
        summary: 'Check what the caller answered: pass or fail against the policy (k of n), nothing more.',
        description:
          'Send exactly `ask` different questions. ANSWERS_REJECTED when too few are right (error.details.attemptsLeft: checks before lockout); never which one was wrong. METHOD_UNAVAILABLE with reason QUESTIONS_LOCKED after the lockout, HIGH_RISK_ACTION for actions the policy keeps questions away from.',
        operationId: 'checkSecurityQuestions',
        security: operatorOrApiKey,
        params: customer,
        body: Type.Object(
          {
            action: Type.String({ pattern: '^[a-z][a-z0-9_]{0,39}$' }),
            answers: Type.Array(
              Type.Object(
                {
                  questionId: Type.String({ pattern: idPattern('securityQuestion') }),
                  answer: Type.String({ minLength: 1, maxLength: answerLength.max }),
                },
                { additionalProperties: false },
              ),
              { minItems: 1, maxItems: securityQuestionLimits.questions.max },
            ),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Ref('FallbackResult'),
          ...errorResponses(401, 403, 404, 409, 413, 415, 422, 429),
        },
      },
    },
    async (request) => {
      const principal = requirePrincipal(request);
      const result = await questions.check(
        principal.tenantId,
        request.params.id,
        request.body,
        principal.actor,
      );
      return { ...result, verifiedAt: toIso(result.verifiedAt) };
    },
  );
}
