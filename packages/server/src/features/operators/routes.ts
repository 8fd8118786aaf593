// The operator routes: list, create and change operators, under the rule that nobody grants more
// than they hold.
import { AppError, permissionsForRole, type Role, roles } from '@helpdesk-auth/core';
import { Type } from 'typebox';
import type { Principal } from '../../http/authenticate.ts';
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
import type { Operator } from './operators.ts';

export const OperatorSchema = Type.Object(
  {
    id: Type.String(),
    email: Type.String(),
    displayName: Type.String(),
    role: Type.String({ enum: [...roles] }),
    status: Type.String({ enum: ['active', 'disabled'] }),
    createdAt: Timestamp,
    lastSignInAt: Type.Union([Timestamp, Type.Null()]),
    passwordChangeRequired: Type.Boolean({
      description:
        'The password was generated for the operator; until they choose their own, their sessions may only change it (PASSWORD_CHANGE_REQUIRED).',
    }),
    team: Type.Union([Type.String(), Type.Null()], {
      description: 'The team the operator works in; supervisor analytics group agents by it.',
    }),
  },
  { $id: 'Operator', title: 'Operator' },
);

export function operatorView(operator: Operator) {
  return {
    id: operator.id,
    email: operator.email,
    displayName: operator.displayName,
    role: operator.role,
    status: operator.status,
    createdAt: toIso(operator.createdAt),
    lastSignInAt: toIsoOrNull(operator.lastSignInAt),
    passwordChangeRequired: operator.passwordChangeRequired,
    team: operator.team,
  };
}

const Team = Type.Union([Type.String({ maxLength: 100, pattern: '^(|.*\\S.*)$' }), Type.Null()], {
  description: 'The team the operator works in (for analytics); null or empty: none.',
});

const RoleSchema = Type.Union(
  roles.map((r) => Type.Literal(r)),
  { description: 'agent, supervisor, admin or auditor.' },
);

/**
 * Nobody hands out more than they hold: creating an operator with a role, or giving an operator
 * a role, needs every permission of that role. Otherwise an API key with operators:write could
 * create an admin with a password it chose and sign in as that admin.
 */
export function assertMayAssign(principal: Principal, role: Role): void {
  const missing = permissionsForRole(role).filter((p) => !principal.permissions.has(p));
  if (missing.length > 0) {
    throw new AppError(
      'FORBIDDEN',
      `Assigning the ${role} role needs permissions you do not hold: ${missing.join(', ')}.`,
    );
  }
}

export function registerOperatorRoutes(app: TypedApp, { services }: AppDependencies): void {
  app.get(
    '/v1/operators',
    {
      config: { auth: 'operators:read' },
      schema: {
        tags: ['operators'],
        summary: 'List the operators of your tenant.',
        operationId: 'listOperators',
        security: operatorOrApiKey,
        querystring: Type.Object({}, { additionalProperties: false }),
        response: { 200: Type.Object({ items: Type.Array(OperatorSchema) }), ...errorResponses(401, 403) },
      },
    },
    async (request) => {
      const { tenantId } = requirePrincipal(request);
      return { items: (await services.operators.list(tenantId)).map(operatorView) };
    },
  );

  app.post(
    '/v1/operators',
    {
      config: { auth: 'operators:write' },
      schema: {
        tags: ['operators'],
        summary: 'Add an operator. Without a password, one is generated and returned once.',
        operationId: 'createOperator',
        security: operatorOrApiKey,
        body: Type.Object(
          {
            email: Type.String({ format: 'email', maxLength: 320 }),
            displayName: Type.String({ minLength: 1, maxLength: 200 }),
            role: RoleSchema,
            team: Type.Optional(Team),
            password: Type.Optional(Type.String({ minLength: 1, maxLength: 1024 })),
          },
          { additionalProperties: false },
        ),
        response: {
          201: Type.Object({
            operator: OperatorSchema,
            initialPassword: Type.Optional(
              Type.String({ description: 'Only when generated; shown this once, never stored in clear.' }),
            ),
          }),
          ...errorResponses(401, 403, 409, 413, 415),
        },
      },
    },
    async (request, reply) => {
      const principal = requirePrincipal(request);
      assertMayAssign(principal, request.body.role);
      const { operator, generatedPassword } = await services.operators.create(
        principal.tenantId,
        request.body,
        principal.actor,
      );
      reply.status(201);
      return generatedPassword
        ? { operator: operatorView(operator), initialPassword: generatedPassword }
        : { operator: operatorView(operator) };
    },
  );

  app.get(
    '/v1/operators/:id',
    {
      config: { auth: 'operators:read' },
      schema: {
        tags: ['operators'],
        summary: 'One operator.',
        operationId: 'getOperator',
        security: operatorOrApiKey,
        params: idParam('operator', 'Operator id.'),
        response: { 200: OperatorSchema, ...errorResponses(401, 403, 404) },
      },
    },
    async (request) => {
      const { tenantId } = requirePrincipal(request);
      return operatorView(await services.operators.get(tenantId, request.params.id));
    },
  );

  app.patch(
    '/v1/operators/:id',
    {
      config: { auth: 'operators:write' },
      schema: {
        tags: ['operators'],
        summary: 'Rename, change role, or disable/enable an operator. Disabling ends their sessions.',
        operationId: 'updateOperator',
        security: operatorOrApiKey,
        params: idParam('operator', 'Operator id.'),
        body: Type.Object(
          {
            displayName: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
            role: Type.Optional(RoleSchema),
            status: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('disabled')])),
            team: Type.Optional(Team),
          },
          { additionalProperties: false, minProperties: 1 },
        ),
        response: { 200: OperatorSchema, ...errorResponses(401, 403, 404, 409, 413, 415) },
      },
    },
    async (request) => {
      const principal = requirePrincipal(request);
      if (request.body.role) assertMayAssign(principal, request.body.role);
      // Changing an admin's status or name is as strong as being admin.
      const target = await services.operators.get(principal.tenantId, request.params.id);
      assertMayAssign(principal, target.role);
      return operatorView(
        await services.operators.update(principal.tenantId, request.params.id, request.body, principal.actor),
      );
    },
  );
}
