// Tests of the response check: an answer that drifts from its declared schema fails the request.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Fastify, { type FastifyInstance, type FastifySchema } from 'fastify';
import { Type } from 'typebox';
import { declaredResponseSchema, installResponseCheck } from '../response-check.ts';
import { ErrorBody, errorResponses } from '../schemas.ts';

const Thing = Type.Object({
  id: Type.String(),
  count: Type.Integer(),
  at: Type.String({ format: 'date-time' }),
});
const ClosedThing = Type.Object({ id: Type.String() }, { additionalProperties: false });
// A free-form object (audit data), a nested object and a nullable one, as routes declare them.
const Shaped = Type.Object({
  data: Type.Object({}, { additionalProperties: true }),
  by: Type.Object({ name: Type.String() }),
  maybe: Type.Union([Type.Object({ id: Type.String() }), Type.Null()]),
});
// Typed loosely, so a handler may answer with any status, as an error path does.
const withErrors: FastifySchema = { response: { 200: Thing, ...errorResponses(404) } };

describe('response check', () => {
  let app: FastifyInstance;
  const answers: Record<string, unknown> = {
    '/right': { id: 'a', count: 1, at: '2026-01-15T09:00:00.000Z' },
    '/date': { id: 'a', count: 1, at: new Date(Date.UTC(2026, 0, 15)) },
    '/open-extra': { id: 'a', count: 1, at: '2026-01-15T09:00:00.000Z', secret: 'dropped by the serializer' },
    '/missing': { id: 'a', at: '2026-01-15T09:00:00.000Z' },
    '/wrong-type': { id: 'a', count: '1', at: '2026-01-15T09:00:00.000Z' },
    '/null': { id: null, count: 1, at: '2026-01-15T09:00:00.000Z' },
  };

  before(async () => {
    app = Fastify();
    app.addSchema(ErrorBody);
    installResponseCheck(app);
    for (const [url, answer] of Object.entries(answers)) {
      app.get(url, { schema: { response: { 200: Thing } } }, async () => answer);
    }
    app.get('/closed-extra', { schema: { response: { 200: ClosedThing } } }, async () => ({
      id: 'a',
      more: 1,
    }));
    app.get('/range', { schema: { response: { '2xx': ClosedThing } } }, async (_request, reply) =>
      reply.code(201).send({ id: 1 }),
    );
    app.get('/error', { schema: withErrors }, async (_request, reply) =>
      reply.code(404).send({ error: { code: 'NOT_FOUND', message: 'No such thing.' } }),
    );
    app.get('/bad-error', { schema: withErrors }, async (_request, reply) =>
      reply.code(404).send({ error: { code: 'NO_SUCH_CODE', message: 'No such thing.' } }),
    );
    app.get('/text', { schema: { response: { 200: Thing } } }, async (_request, reply) =>
      reply.type('text/plain').send('not JSON'),
    );
    app.get('/undeclared', async () => ({ anything: true }));
    const shaped = (by: object, maybe: object | null) => async () => ({
      data: { any: 1, thing: [2] },
      by,
      maybe,
    });
    app.get('/shaped', { schema: { response: { 200: Shaped } } }, shaped({ name: 'Ann' }, { id: 'x' }));
    app.get('/shaped-null', { schema: { response: { 200: Shaped } } }, shaped({ name: 'Ann' }, null));
    app.get(
      '/nested-extra',
      { schema: { response: { 200: Shaped } } },
      shaped({ name: 'Ann', id: 'op_1' }, null),
    );
    app.get(
      '/union-extra',
      { schema: { response: { 200: Shaped } } },
      shaped({ name: 'Ann' }, { id: 'x', key: 'k' }),
    );
    await app.ready();
  });
  after(() => app.close());

  async function get(url: string) {
    return app.inject({ method: 'GET', url });
  }

  it('lets an answer of the declared shape through, as the serializer writes it', async () => {
    for (const url of ['/right', '/date', '/shaped', '/shaped-null']) {
      const response = await get(url);
      assert.equal(response.statusCode, 200, `${url}: ${response.body}`);
    }
    // A free-form object keeps what it holds.
    assert.deepEqual((await get('/shaped')).json().data, { any: 1, thing: [2] });
  });

  it('fails an answer carrying a field its schema does not declare, which the serializer would drop silently', async () => {
    const expected: Record<string, RegExp> = {
      '/open-extra': /GET \/open-extra.*200.*undeclared field\(s\) body\.secret\b/,
      '/nested-extra': /undeclared field\(s\) body\.by\.id\b/,
      '/union-extra': /undeclared field\(s\) body\.maybe\.key\b/,
    };
    for (const [url, problem] of Object.entries(expected)) {
      const response = await get(url);
      assert.equal(response.statusCode, 500, url);
      assert.match(response.json().message, problem);
      // The message names the field, never its value.
      assert.doesNotMatch(response.json().message, /dropped by the serializer|op_1/);
    }
  });

  it('fails the request, naming route, status and problem, when a field is missing or of the wrong type', async () => {
    const expected: Record<string, RegExp> = {
      '/missing': /GET \/missing.*200.*must have required property 'count'/,
      '/wrong-type': /GET \/wrong-type.*200.*body\/count must be integer/,
      '/null': /GET \/null.*200.*body\/id must be string/,
    };
    for (const [url, problem] of Object.entries(expected)) {
      const response = await get(url);
      assert.equal(response.statusCode, 500, url);
      assert.match(response.json().message, problem);
    }
  });

  it('reports an extra field only where the schema closes the object', async () => {
    const response = await get('/closed-extra');
    assert.equal(response.statusCode, 500);
    assert.match(response.json().message, /must NOT have additional properties/);
  });

  it('uses the status range and the shared error schema when the route declares them', async () => {
    const range = await get('/range');
    assert.equal(range.statusCode, 500);
    assert.match(range.json().message, /GET \/range.*201.*body\/id must be string/);
    assert.equal((await get('/error')).statusCode, 404);
    const badError = await get('/bad-error');
    assert.equal(badError.statusCode, 500);
    assert.match(
      badError.json().message,
      /GET \/bad-error.*404.*body\/error\/code must be equal to one of the allowed values/,
    );
  });

  it('leaves text answers and routes without a response schema alone', async () => {
    assert.equal((await get('/text')).body, 'not JSON');
    assert.deepEqual((await get('/undeclared')).json(), { anything: true });
  });

  it('finds the schema for a status: exact, then its range, then default', () => {
    const exact = Type.Object({});
    const range = Type.Object({});
    const fallback = Type.Object({});
    const responses = { 200: exact, '4xx': range, default: fallback };
    assert.equal(declaredResponseSchema(responses, 200), exact);
    assert.equal(declaredResponseSchema(responses, 404), range);
    assert.equal(declaredResponseSchema(responses, 500), fallback);
    assert.equal(
      declaredResponseSchema({ 200: { content: { 'text/html': { schema: {} } } } }, 200),
      undefined,
    );
    assert.equal(declaredResponseSchema(undefined, 200), undefined);
  });
});
