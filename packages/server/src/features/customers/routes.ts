// The customer routes: create, list, read, change and remove customers.
import { AppError, idPattern } from '@helpdesk-auth/core';
import { Type } from 'typebox';
import { requirePrincipal } from '../../http/authenticate.ts';
import { decodeCursor, encodeCursor } from '../../http/cursors.ts';
import {
  Cursor,
  errorResponses,
  idParam,
  Limit,
  NullableString,
  operatorOrApiKey,
  Timestamp,
  toIso,
  toIsoOrNull,
} from '../../http/schemas.ts';
import type { AppDependencies, TypedApp } from '../../http/types.ts';
import { ImportFileError, importCustomers } from './customer-import.ts';
import type { Customer } from './customers.ts';

const CustomerSchema = Type.Object(
  {
    id: Type.String(),
    externalId: Type.Union([Type.String(), Type.Null()]),
    displayName: Type.String(),
    phone: Type.Union([Type.String({ description: 'E.164' }), Type.Null()]),
    phoneChangedAt: Type.Union([Timestamp, Type.Null()]),
    email: Type.Union([Type.String(), Type.Null()]),
    locale: Type.Union([Type.String(), Type.Null()]),
    fraudReportedAt: Type.Union([Timestamp, Type.Null()], {
      description:
        'When the customer last reported fraud from a device ("I am not on a call"). Show it prominently while it is open.',
    }),
    fraudResolvedAt: Type.Union([Timestamp, Type.Null()], {
      description:
        'When a supervisor or admin resolved that report (POST /v1/customers/{id}/fraud-report/resolve); null while it is open or there is none.',
    }),
    campaignOptOut: Type.Boolean({
      description:
        'The customer asked to receive no campaign messages; campaigns skip them (docs/campaigns.md).',
    }),
    createdAt: Timestamp,
    updatedAt: Timestamp,
    practice: Type.Boolean({
      description:
        'A made-up customer of the practice space (docs/training.md): mark every screen showing it as practice. Never listed or searched with real customers.',
    }),
  },
  { $id: 'Customer', title: 'Customer' },
);

function customerView(customer: Customer) {
  return {
    ...customer,
    phoneChangedAt: toIsoOrNull(customer.phoneChangedAt),
    fraudReportedAt: toIsoOrNull(customer.fraudReportedAt),
    fraudResolvedAt: toIsoOrNull(customer.fraudResolvedAt),
    createdAt: toIso(customer.createdAt),
    updatedAt: toIso(customer.updatedAt),
  };
}

const fields = {
  externalId: NullableString({ minLength: 1, maxLength: 200 }),
  phone: NullableString({ minLength: 3, maxLength: 32 }),
  email: NullableString({ format: 'email', maxLength: 320 }),
  locale: NullableString({ minLength: 2, maxLength: 35 }),
};

const customerIdRegex = new RegExp(idPattern('customer'));

export function registerCustomerRoutes(app: TypedApp, { services }: AppDependencies): void {
  app.get(
    '/v1/customers',
    {
      config: { auth: 'customers:read' },
      schema: {
        tags: ['customers'],
        summary: 'Search customers by name, external id, phone or e-mail; paginated.',
        operationId: 'listCustomers',
        security: operatorOrApiKey,
        querystring: Type.Object(
          {
            q: Type.Optional(
              Type.String({
                minLength: 1,
                maxLength: 200,
                description:
                  'Free text: any part of the name, the external id, an e-mail prefix or phone digits.',
              }),
            ),
            phone: Type.Optional(
              Type.String({ minLength: 3, maxLength: 32, description: 'Exact phone, E.164.' }),
            ),
            email: Type.Optional(Type.String({ minLength: 3, maxLength: 320, description: 'Exact e-mail.' })),
            externalId: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
            limit: Type.Optional(Limit),
            cursor: Type.Optional(Cursor),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            items: Type.Array(CustomerSchema),
            nextCursor: Type.Union([Type.String(), Type.Null()]),
          }),
          ...errorResponses(401, 403),
        },
      },
    },
    async (request) => {
      const { tenantId } = requirePrincipal(request);
      const { cursor, limit, ...filters } = request.query;
      const page = await services.customers.search(tenantId, {
        ...filters,
        limit: limit ?? 50,
        after: cursor ? decodeCursor(cursor, customerIdRegex) : undefined,
      });
      return {
        items: page.items.map(customerView),
        nextCursor: page.nextAfter ? encodeCursor(page.nextAfter) : null,
      };
    },
  );

  app.post(
    '/v1/customers',
    {
      config: { auth: 'customers:write' },
      schema: {
        tags: ['customers'],
        summary: 'Create a customer.',
        operationId: 'createCustomer',
        security: operatorOrApiKey,
        body: Type.Object(
          {
            displayName: Type.String({ minLength: 1, maxLength: 200 }),
            externalId: Type.Optional(fields.externalId),
            phone: Type.Optional(fields.phone),
            email: Type.Optional(fields.email),
            locale: Type.Optional(fields.locale),
            campaignOptOut: Type.Optional(Type.Boolean({ description: 'Receives no campaign messages.' })),
          },
          { additionalProperties: false },
        ),
        response: { 201: CustomerSchema, ...errorResponses(401, 403, 409, 413, 415) },
      },
    },
    async (request, reply) => {
      const principal = requirePrincipal(request);
      const customer = await services.customers.create(principal.tenantId, request.body, principal.actor);
      reply.status(201);
      return customerView(customer);
    },
  );

  // The console sends a large file in parts (a few hundred rows each) to show its progress; each
  // part is checked whole first, like the CLI's import, and each row is its own transaction.
  app.post(
    '/v1/customers/import',
    {
      config: { auth: 'customers:write' },
      schema: {
        tags: ['customers'],
        summary: 'Import customers from CSV (the columns of the CLI import); per-row results.',
        operationId: 'importCustomers',
        security: operatorOrApiKey,
        body: Type.Object(
          {
            csv: Type.String({ minLength: 1, maxLength: 1_000_000 }),
            updateExisting: Type.Optional(Type.Boolean()),
            dryRun: Type.Optional(
              Type.Boolean({ description: 'Check every row as the import would and write nothing.' }),
            ),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            total: Type.Integer(),
            created: Type.Integer(),
            updated: Type.Integer(),
            failed: Type.Integer(),
            errors: Type.Array(
              Type.Object({ line: Type.Integer(), code: Type.String(), message: Type.String() }),
            ),
          }),
          ...errorResponses(400, 401, 403, 413, 415),
        },
      },
    },
    async (request) => {
      const principal = requirePrincipal(request);
      try {
        return await importCustomers(services, principal.tenantId, request.body.csv, {
          actor: principal.actor,
          updateExisting: request.body.updateExisting === true,
          dryRun: request.body.dryRun === true,
        });
      } catch (error) {
        if (error instanceof ImportFileError) throw new AppError('VALIDATION_FAILED', error.message);
        throw error;
      }
    },
  );

  app.get(
    '/v1/customers/:id',
    {
      config: { auth: 'customers:read' },
      schema: {
        tags: ['customers'],
        summary: 'One customer.',
        operationId: 'getCustomer',
        security: operatorOrApiKey,
        params: idParam('customer', 'Customer id.'),
        response: { 200: CustomerSchema, ...errorResponses(401, 403, 404) },
      },
    },
    async (request) => {
      const { tenantId } = requirePrincipal(request);
      return customerView(await services.customers.get(tenantId, request.params.id));
    },
  );

  app.patch(
    '/v1/customers/:id',
    {
      config: { auth: 'customers:write' },
      schema: {
        tags: ['customers'],
        summary: 'Change some fields of a customer; null clears an optional field.',
        operationId: 'updateCustomer',
        security: operatorOrApiKey,
        params: idParam('customer', 'Customer id.'),
        body: Type.Object(
          {
            displayName: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
            externalId: Type.Optional(fields.externalId),
            phone: Type.Optional(fields.phone),
            email: Type.Optional(fields.email),
            locale: Type.Optional(fields.locale),
            campaignOptOut: Type.Optional(
              Type.Boolean({
                description: 'Whether the customer receives campaign messages (false) or not (true).',
              }),
            ),
          },
          { additionalProperties: false, minProperties: 1 },
        ),
        response: { 200: CustomerSchema, ...errorResponses(401, 403, 404, 409, 413, 415) },
      },
    },
    async (request) => {
      const principal = requirePrincipal(request);
      return customerView(
        await services.customers.update(principal.tenantId, request.params.id, request.body, principal.actor),
      );
    },
  );

  app.delete(
    '/v1/customers/:id',
    {
      config: { auth: 'customers:write' },
      schema: {
        tags: ['customers'],
        summary: 'Delete a customer.',
        operationId: 'deleteCustomer',
        security: operatorOrApiKey,
        params: idParam('customer', 'Customer id.'),
        response: { 204: Type.Null(), ...errorResponses(401, 403, 404) },
      },
    },
    async (request, reply) => {
      const principal = requirePrincipal(request);
      await services.customers.remove(principal.tenantId, request.params.id, principal.actor);
      return reply.status(204).send(null);
    },
  );
}
