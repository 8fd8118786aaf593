// The Fastify app: validation, common headers, error handling, authentication, the API document.
import { randomUUID } from 'node:crypto';
import cookie from '@fastify/cookie';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { AppError } from '@helpdesk-auth/core';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import Fastify from 'fastify';
import { Type } from 'typebox';
import { loggerOptions } from '../platform/logging.ts';
import { durable } from '../storage/database.ts';
import { installAuthentication } from './authenticate.ts';
import { installErrorHandling, sendError } from './error-handler.ts';
import { type EventStreams, installEventStreams } from './event-stream.ts';
import { inputProblem, jsonNestsDeeperThan, jsonTooDeep, maxJsonDepth } from './input-safety.ts';
import { installMetrics } from './metrics.ts';
import { installResponseCheck } from './response-check.ts';
import { ErrorBody } from './schemas.ts';
import type { App, AppDependencies, TypedApp } from './types.ts';

// Bodies are validated strictly: no type coercion, no silently dropped unknown fields.
// Query strings and path parameters arrive as text, so they are coerced to the declared types.
function createValidators() {
  const base = { allErrors: false, removeAdditional: false, useDefaults: true, strict: false } as const;
  const body = new Ajv({ ...base, coerceTypes: false });
  const text = new Ajv({ ...base, coerceTypes: 'array' });
  addFormats.default(body);
  addFormats.default(text);
  return { body, text };
}

const requestIdPattern = /^[A-Za-z0-9._:-]{1,64}$/;

/** Registers every resource's routes; the application (app/build-app.ts) supplies them. */
export type RegisterRoutes = (app: TypedApp, deps: AppDependencies, streams: EventStreams) => void;

export async function buildHttpApp(deps: AppDependencies, registerRoutes: RegisterRoutes): Promise<App> {
  const { config, services } = deps;
  const app = Fastify({
    ...(deps.logger ? { loggerInstance: deps.logger } : { logger: loggerOptions(config) }),
    bodyLimit: config.bodyLimitBytes,
    // Time limits on receiving a request, against slow-send denial of service (CWE-400). Node's
    // requestTimeout covers headers and body and ends once the request is read, so event streams,
    // long-lived responses, are not cut; keepAliveTimeout closes idle connections between requests.
    requestTimeout: config.httpRequestTimeoutMs,
    keepAliveTimeout: config.httpKeepAliveTimeoutMs,
    http: {
      headersTimeout: config.httpHeadersTimeoutMs,
      // Node checks the two limits above on this interval (30 s by default, which would let a
      // half-sent request live for up to 40 s with a 10 s limit).
      connectionsCheckingInterval: Math.max(10, Math.min(1_000, Math.floor(config.httpHeadersTimeoutMs / 2))),
    },
    trustProxy: config.trustProxy,
    requestIdHeader: false,
    // Keep a caller's request id when it is well-formed, so logs join up across systems.
    genReqId: (request) => {
      const given = request.headers['x-request-id'];
      return typeof given === 'string' && requestIdPattern.test(given) ? given : randomUUID();
    },
    ajv: { customOptions: { removeAdditional: false } },
    // Malformed URLs and over-long path parameters fail before routing; answer them in our shape.
    frameworkErrors: (error, _request, reply) => sendError(reply, error),
    // Shutdown refuses new requests itself (preClose below), in our error shape.
    return503OnClosing: false,
  }).withTypeProvider<TypeBoxTypeProvider>();

  // Only JSON bodies: without this Fastify would parse text/plain and answer 400 instead of 415.
  app.removeContentTypeParser('text/plain');
  // Some clients send content-type: application/json with an empty body on DELETE; that is no
  // body, not malformed JSON. Everything else goes through Fastify's prototype-poisoning-safe parser.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (body === '') return done(null, undefined);
    if (jsonNestsDeeperThan(body as string, maxJsonDepth)) return done(jsonTooDeep(), undefined);
    return parseJson(request, body as string, done);
  });

  // A route that declares no query parameters accepts none: unknown parameters are a 400.
  app.addHook('onRoute', (route) => {
    if (route.schema && !route.schema.hide && route.schema.querystring === undefined) {
      route.schema.querystring = Type.Object({}, { additionalProperties: false });
    }
  });

  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });

  const validators = createValidators();
  app.setValidatorCompiler(({ schema, httpPart }) =>
    (httpPart === 'body' ? validators.body : validators.text).compile(schema),
  );

  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
    // The time that judges devices' proofs, which they set their clocks by (docs/device-protocol.md,
    // "Clocks"): the server's own clock, not the socket layer's, so the two never disagree.
    reply.header('date', new Date(services.context.clock()).toUTCString());
    if (closing) {
      reply.header('connection', 'close');
      throw new AppError('NOT_READY', 'The server is shutting down; retry on another instance.');
    }
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    if (request.url.startsWith('/v1/')) reply.header('cache-control', 'no-store');
  });

  // NUL characters, lone surrogates and deep nesting are refused for every route at once,
  // whatever its parser, before any validator, handler or query sees them (http/input-safety.ts).
  app.addHook('preValidation', async (request) => {
    const problem = inputProblem(request.body) ?? inputProblem(request.query) ?? inputProblem(request.params);
    if (problem) throw problem;
  });

  // No answer leaves before what it reports is durable: SQLite commits in groups, and a request
  // may have read another's change that is not committed yet (storage/sqlite/node-sqlite-dialect.ts).
  app.addHook('onSend', async () => {
    await durable(deps.database.db);
  });

  installErrorHandling(app);
  if (deps.validateResponses) installResponseCheck(app);
  await app.register(cookie);
  app.addSchema(ErrorBody);
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Helpdesk Auth API',
        version: '1.0.0',
        description:
          'Verify who is on the phone. Errors always have the shape `{"error": {"code", "message"}}`; branch on `code`.',
      },
      servers: [{ url: config.publicUrl }],
      components: {
        securitySchemes: {
          apiKey: { type: 'http', scheme: 'bearer', description: 'An API key: `hda_key_…`.' },
          deviceProof: {
            type: 'apiKey',
            in: 'header',
            name: 'device-proof',
            description:
              'A proof-of-possession JWT signed by the device key: by an enrolled device (`kid`: its id), or at ' +
              'enrollment by the new key it carries in its header (`jwk`) (docs/device-protocol.md).',
          },
          session: {
            type: 'apiKey',
            in: 'cookie',
            name: 'hda_session',
            description: 'Operator session cookie.',
          },
          keycloakBearer: {
            type: 'http',
            scheme: 'bearer',
            bearerFormat: 'JWT',
            description:
              'The token Keycloak signs with the realm key for each CIBA request (docs/integrations/keycloak.md).',
          },
          codeLink: {
            type: 'apiKey',
            in: 'header',
            name: 'code-link-token',
            description:
              "The token from the link in a one-time-code message (the part after #), for the customer's own page (docs/fallbacks.md).",
          },
        },
      },
    },
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, i) =>
        typeof json.$id === 'string' ? json.$id : `def-${i}`,
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { deepLinking: true } });
  app.get('/openapi.json', { schema: { hide: true }, config: { auth: 'public' } }, async () => app.swagger());

  installAuthentication(app, {
    sessions: services.sessions,
    apiKeys: services.apiKeys,
    deviceAuth: services.deviceAuth,
  });
  const streams = installEventStreams(app, services.context.events);
  installMetrics(app, { config, database: deps.database, streams, clock: services.context.clock });

  const typed = app as unknown as TypedApp;
  registerRoutes(typed, deps, streams);

  await app.ready();
  return app as unknown as App;
}
