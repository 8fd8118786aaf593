// SCIM 2.0 at /scim/v2, for identity providers that provision customers.
import { AppError, idPattern, notFound } from '@helpdesk-auth/core';
import type { FastifyError, FastifyReply } from 'fastify';
import { type TSchema, Type } from 'typebox';
import { requirePrincipal } from '../../../http/authenticate.ts';
import { describeError } from '../../../http/error-handler.ts';
import { jsonNestsDeeperThan, jsonTooDeep, maxJsonDepth } from '../../../http/input-safety.ts';
import type { AppDependencies, TypedApp } from '../../../http/types.ts';
import { serviceProviderConfig, userResourceType, userSchema } from './discovery.ts';
import {
  canonicaliseAttributeNames,
  listSchemaUrn,
  patchSchemaUrn,
  type ScimUser,
  scimTypeOf,
  selectAttributes,
  userSchemaUrn,
} from './scim-users.ts';

/**
 * SCIM 2.0 (RFC 7643/7644) at /scim/v2, for identity providers that provision customers. Only
 * an API key with the `scim` scope gets in (no role holds it, so operator sessions cannot). The
 * protocol defines its own media type and error body, so these routes live in their own scope
 * with their own parser and error handler, and are described by the SCIM discovery endpoints
 * rather than the OpenAPI document.
 */
const scimMediaType = 'application/scim+json; charset=utf-8';
const errorSchemaUrn = 'urn:ietf:params:scim:api:messages:2.0:Error';

const ScimErrorSchema = Type.Object({
  schemas: Type.Array(Type.String()),
  status: Type.String(),
  scimType: Type.Optional(Type.String()),
  detail: Type.String(),
  code: Type.String({ description: 'Our typed error code, as in every other error body.' }),
});

const MultiValue = Type.Object({
  value: Type.String(),
  type: Type.Optional(Type.String()),
  primary: Type.Optional(Type.Boolean()),
});

// Everything but id and schemas may be left out by the client's attributes or excludedAttributes.
const ScimUserSchema = Type.Object({
  schemas: Type.Array(Type.String()),
  id: Type.String(),
  externalId: Type.Optional(Type.String()),
  userName: Type.Optional(Type.String()),
  name: Type.Optional(
    Type.Object({
      givenName: Type.Optional(Type.String()),
      familyName: Type.Optional(Type.String()),
      formatted: Type.Optional(Type.String()),
    }),
  ),
  displayName: Type.Optional(Type.String()),
  emails: Type.Optional(Type.Array(Type.Partial(MultiValue))),
  phoneNumbers: Type.Optional(Type.Array(Type.Partial(MultiValue))),
  locale: Type.Optional(Type.String()),
  active: Type.Optional(Type.Boolean()),
  meta: Type.Optional(
    Type.Object({
      resourceType: Type.Optional(Type.String()),
      created: Type.Optional(Type.String()),
      lastModified: Type.Optional(Type.String()),
      location: Type.Optional(Type.String()),
      version: Type.Optional(Type.String()),
    }),
  ),
});

const AnyDocument = Type.Object({}, { additionalProperties: true });

const errors = (...statuses: number[]): Record<number, TSchema> =>
  Object.fromEntries([400, 401, 403, ...statuses].map((status) => [status, ScimErrorSchema]));

const UserBody = Type.Object(
  { schemas: Type.Optional(Type.Array(Type.String({ maxLength: 200 }), { maxItems: 10 })) },
  { additionalProperties: true },
);

const PatchBody = Type.Object(
  {
    schemas: Type.Optional(Type.Array(Type.String({ maxLength: 200 }), { maxItems: 10 })),
    Operations: Type.Array(
      Type.Object({ op: Type.String({ minLength: 1, maxLength: 16 }) }, { additionalProperties: true }),
      { minItems: 1, maxItems: 100 },
    ),
  },
  { additionalProperties: true },
);

const IdParam = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });

/** Which attributes a client asks for or leaves out (RFC 7644 section 3.9), on every read. */
const attributeSelection = {
  attributes: Type.Optional(Type.String({ maxLength: 1000 })),
  excludedAttributes: Type.Optional(Type.String({ maxLength: 1000 })),
};

const customerIdRegex = new RegExp(idPattern('customer'));

function sendScimError(reply: FastifyReply, error: FastifyError | Error): void {
  const described = describeError(error);
  const scimType = scimTypeOf(error) ?? ((error as FastifyError).validation ? 'invalidValue' : undefined);
  reply
    .status(described.status)
    .type(scimMediaType)
    .send({
      schemas: [errorSchemaUrn],
      status: String(described.status),
      ...(scimType ? { scimType } : {}),
      detail: described.message,
      code: described.code,
    });
}

export function registerScimRoutes(app: TypedApp, deps: AppDependencies): void {
  const { config } = deps;
  const users = deps.services.scimUsers;
  const baseUrl = config.publicUrl.replace(/\/$/, '');

  app.register(
    async (scope) => {
      // Identity providers send application/scim+json (RFC 7644 section 3.1); plain JSON is accepted too.
      const parseJson = scope.getDefaultJsonParser('error', 'error');
      scope.addContentTypeParser('application/scim+json', { parseAs: 'string' }, (request, body, done) => {
        if (body === '') return done(null, undefined);
        if (jsonNestsDeeperThan(body as string, maxJsonDepth)) return done(jsonTooDeep(), undefined);
        return parseJson(request, body as string, done);
      });
      scope.addHook('preValidation', async (request) => {
        if (request.body !== undefined) request.body = canonicaliseAttributeNames(request.body);
      });
      scope.addHook('onSend', async (_request, reply, payload) => {
        if (String(reply.getHeader('content-type') ?? '').startsWith('application/json'))
          reply.header('content-type', scimMediaType);
        return payload;
      });
      scope.addHook('onRequest', async (_request, reply) => {
        reply.header('cache-control', 'no-store');
      });
      scope.setErrorHandler((error: FastifyError, request, reply) => {
        const described = describeError(error);
        if (described.code === 'INTERNAL') request.log.error({ err: error }, 'SCIM request failed');
        else request.log.info({ code: described.code }, 'SCIM request refused');
        sendScimError(reply, error);
      });
      // Groups and bulk requests are not offered: say so in SCIM's words.
      scope.setNotFoundHandler((request, reply) => {
        const path = request.url.split('?')[0];
        sendScimError(reply, new AppError('ROUTE_NOT_FOUND', `There is no ${request.method} ${path}.`));
      });
      const typed = scope as unknown as TypedApp;
      const hidden = { hide: true } as const;

      const customerId = (id: string): string => {
        // Ids that are not ours cannot name a user: a 404, as for one that does not exist.
        if (!customerIdRegex.test(id)) throw notFound('User');
        return id;
      };
      const sendUser = (
        reply: FastifyReply,
        user: ScimUser,
        selection: { attributes?: string | undefined; excludedAttributes?: string | undefined } = {},
      ) => {
        reply.header('etag', user.meta.version);
        return selectAttributes(user, selection);
      };
      const ifMatch = (request: { headers: Record<string, string | string[] | undefined> }) => {
        const value = request.headers['if-match'];
        return Array.isArray(value) ? value.join(',') : value;
      };

      typed.get(
        '/Users',
        {
          config: { auth: 'scim' },
          schema: {
            ...hidden,
            querystring: Type.Object(
              {
                filter: Type.Optional(Type.String({ maxLength: 2000 })),
                startIndex: Type.Optional(Type.Integer({ minimum: -2147483648, maximum: 2147483647 })),
                count: Type.Optional(Type.Integer({ minimum: -2147483648, maximum: 2147483647 })),
                sortBy: Type.Optional(Type.String({ maxLength: 200 })),
                sortOrder: Type.Optional(Type.String({ maxLength: 20 })),
                ...attributeSelection,
              },
              { additionalProperties: false },
            ),
            response: {
              200: Type.Object({
                schemas: Type.Array(Type.String()),
                totalResults: Type.Integer(),
                startIndex: Type.Integer(),
                itemsPerPage: Type.Integer(),
                Resources: Type.Array(ScimUserSchema),
              }),
              ...errors(),
            },
          },
        },
        async (request) => {
          const { tenantId } = requirePrincipal(request);
          const page = await users.list(tenantId, request.query);
          const Resources = page.Resources.map((user) => selectAttributes(user, request.query));
          return { schemas: [listSchemaUrn], ...page, Resources };
        },
      );

      typed.post(
        '/Users',
        {
          config: { auth: 'scim' },
          schema: { ...hidden, body: UserBody, response: { 201: ScimUserSchema, ...errors(409, 413, 415) } },
        },
        async (request, reply) => {
          const principal = requirePrincipal(request);
          const user = await users.create(principal.tenantId, request.body, principal.actor);
          reply.status(201).header('location', user.meta.location);
          return sendUser(reply, user);
        },
      );

      typed.get(
        '/Users/:id',
        {
          config: { auth: 'scim' },
          schema: {
            ...hidden,
            params: IdParam,
            querystring: Type.Object(attributeSelection, { additionalProperties: false }),
            response: { 200: ScimUserSchema, ...errors(404) },
          },
        },
        async (request, reply) => {
          const { tenantId } = requirePrincipal(request);
          return sendUser(reply, await users.get(tenantId, customerId(request.params.id)), request.query);
        },
      );

      typed.put(
        '/Users/:id',
        {
          config: { auth: 'scim' },
          schema: {
            ...hidden,
            params: IdParam,
            body: UserBody,
            response: { 200: ScimUserSchema, ...errors(404, 409, 412, 413, 415) },
          },
        },
        async (request, reply) => {
          const principal = requirePrincipal(request);
          const id = customerId(request.params.id);
          return sendUser(
            reply,
            await users.replace(principal.tenantId, id, request.body, principal.actor, ifMatch(request)),
          );
        },
      );

      typed.patch(
        '/Users/:id',
        {
          config: { auth: 'scim' },
          schema: {
            ...hidden,
            params: IdParam,
            body: PatchBody,
            response: { 200: ScimUserSchema, ...errors(404, 409, 412, 413, 415) },
          },
        },
        async (request, reply) => {
          const principal = requirePrincipal(request);
          const { schemas, Operations } = request.body;
          if (schemas && !schemas.includes(patchSchemaUrn)) {
            throw new AppError('VALIDATION_FAILED', `A PATCH body has the schema ${patchSchemaUrn}.`);
          }
          const id = customerId(request.params.id);
          return sendUser(
            reply,
            await users.patch(principal.tenantId, id, Operations, principal.actor, ifMatch(request)),
          );
        },
      );

      typed.delete(
        '/Users/:id',
        {
          config: { auth: 'scim' },
          schema: { ...hidden, params: IdParam, response: { 204: Type.Null(), ...errors(404, 412) } },
        },
        async (request, reply) => {
          const principal = requirePrincipal(request);
          await users.remove(
            principal.tenantId,
            customerId(request.params.id),
            principal.actor,
            ifMatch(request),
          );
          return reply.status(204).send(null);
        },
      );

      // Discovery: static descriptions of this service provider, the same for every tenant.
      const discovery = { config: { auth: 'public' as const } };
      typed.get(
        '/ServiceProviderConfig',
        { ...discovery, schema: { ...hidden, response: { 200: AnyDocument, ...errors() } } },
        async () => serviceProviderConfig(baseUrl),
      );
      typed.get(
        '/ResourceTypes',
        { ...discovery, schema: { ...hidden, response: { 200: AnyDocument, ...errors() } } },
        async () => ({
          schemas: [listSchemaUrn],
          totalResults: 1,
          startIndex: 1,
          itemsPerPage: 1,
          Resources: [userResourceType(baseUrl)],
        }),
      );
      typed.get(
        '/ResourceTypes/:id',
        {
          ...discovery,
          schema: { ...hidden, params: IdParam, response: { 200: AnyDocument, ...errors(404) } },
        },
        async (request) => {
          if (request.params.id !== 'User') throw notFound('Resource type');
          return userResourceType(baseUrl);
        },
      );
      typed.get(
        '/Schemas',
        { ...discovery, schema: { ...hidden, response: { 200: AnyDocument, ...errors() } } },
        async () => ({
          schemas: [listSchemaUrn],
          totalResults: 1,
          startIndex: 1,
          itemsPerPage: 1,
          Resources: [userSchema(baseUrl)],
        }),
      );
      typed.get(
        '/Schemas/:id',
        {
          ...discovery,
          schema: { ...hidden, params: IdParam, response: { 200: AnyDocument, ...errors(404) } },
        },
        async (request) => {
          if (request.params.id !== userSchemaUrn) throw notFound('Schema');
          return userSchema(baseUrl);
        },
      );
    },
    { prefix: '/scim/v2' },
  );
}
