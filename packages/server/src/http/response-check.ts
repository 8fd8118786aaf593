// Checks every JSON answer against the response schema its route declares, so a handler cannot
// drift from the OpenAPI document unnoticed. Tests turn it on (test-support/harness.ts); the
// server never does, since it costs a validation per answer and the schemas are what clients read.
import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** An answer that does not match its route's declared schema. */
export class ResponseSchemaMismatch extends Error {
  readonly route: string;
  readonly status: number;
  readonly problems: string;
  constructor(route: string, status: number, problems: string) {
    super(
      `${route} answered ${status} with a body that does not match its declared response schema: ${problems}`,
    );
    this.name = 'ResponseSchemaMismatch';
    this.route = route;
    this.status = status;
    this.problems = problems;
  }
}

type ResponseSchemas = Record<string, unknown>;

/** The schema Fastify would serialize this status with: exact status, then `4xx`-style, then `default`. */
export function declaredResponseSchema(
  responses: ResponseSchemas | undefined,
  status: number,
): object | undefined {
  if (!responses) return undefined;
  const found = responses[String(status)] ?? responses[`${String(status)[0]}xx`] ?? responses.default;
  if (!found || typeof found !== 'object') return undefined;
  // A status described per media type: only its JSON form is serialized from an object.
  const content = (found as { content?: Record<string, { schema?: object }> }).content;
  if (content) return content['application/json']?.schema;
  return found;
}

export function installResponseCheck(app: FastifyInstance): void {
  // Unlike the request validators, nothing is coerced, defaulted or removed: the answer is checked
  // as a client would parse it. A field the schema does not name is reported too, even where the
  // schema leaves the object open to the validator: the serializer would drop it without a word,
  // so the handler and the document disagree about what the answer holds (and a handler that
  // spreads a row into its answer is one field away from leaking it).
  function createAjv(pruning = false): Ajv {
    const ajv = new Ajv({
      allErrors: true,
      strict: false,
      coerceTypes: false,
      useDefaults: false,
      ...(pruning ? { removeAdditional: true } : {}),
    });
    addFormats.default(ajv);
    // Schemas registered with app.addSchema, which route schemas name by `$ref`.
    for (const shared of Object.values(app.getSchemas())) {
      ajv.addSchema(pruning ? closeObjects(shared) : (shared as object));
    }
    return ajv;
  }
  let ajv: Ajv | undefined;
  // Compiled once per schema object; routes that share a schema share its validator.
  const compiled = new WeakMap<object, ValidateFunction>();

  function validatorFor(schema: object): ValidateFunction {
    let validate = compiled.get(schema);
    if (!validate) {
      ajv ??= createAjv();
      try {
        validate = ajv.compile(schema);
      } catch {
        // Two routes may carry copies of one named schema (the same `$id`), which one Ajv
        // instance refuses to hold twice; the copy gets an instance of its own.
        validate = createAjv().compile(schema);
      }
      compiled.set(schema, validate);
    }
    return validate;
  }

  // A second validator per schema removes every property of an object whose schema names its
  // properties and says nothing of others: what it removes is what the serializer would silently
  // drop. Objects open by design (`additionalProperties: true` or a schema) keep theirs.
  let pruningAjv: Ajv | undefined;
  const pruners = new WeakMap<object, ValidateFunction>();
  function undeclaredFields(schema: object, body: unknown): string[] {
    let prune = pruners.get(schema);
    if (!prune) {
      pruningAjv ??= createAjv(true);
      try {
        prune = pruningAjv.compile(closeObjects(schema));
      } catch {
        prune = createAjv(true).compile(closeObjects(schema));
      }
      pruners.set(schema, prune);
    }
    const pruned = structuredClone(body);
    prune(pruned);
    return droppedPaths(body, pruned, 'body');
  }

  app.addHook('preSerialization', async (request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
    // Fastify calls this hook only for payloads it will serialize (not strings, buffers or streams).
    if (payload === null || typeof payload !== 'object') return payload;
    const status = reply.statusCode;
    const responses = request.routeOptions.schema?.response as ResponseSchemas | undefined;
    const schema = declaredResponseSchema(responses, status);
    // Routes without a response schema (the API document, unknown routes) are answered as they are.
    if (!schema) return payload;
    // What the client receives is JSON: dates and other objects with toJSON become text first,
    // and undefined fields are absent, as they are for the serializer.
    const asJson: unknown = JSON.parse(JSON.stringify(payload));
    const validate = validatorFor(schema);
    const route = `${request.method} ${request.routeOptions.url ?? request.url}`;
    let problems: string;
    if (validate(asJson)) {
      const undeclared = undeclaredFields(schema, asJson);
      if (undeclared.length === 0) return payload;
      problems = `undeclared field(s) ${undeclared.join(', ')}, which the serializer would drop`;
    } else {
      problems = (ajv as Ajv).errorsText(validate.errors, { dataVar: 'body' });
    }
    const mismatch = new ResponseSchemaMismatch(route, status, problems);
    // Test loggers keep their lines to themselves; a mismatch must be seen wherever the answer is.
    process.emitWarning(mismatch.message, 'ResponseSchemaMismatch');
    // An error answer that does not match is not thrown again, or the error handler would loop.
    if (status >= 500) return payload;
    throw mismatch;
  });
}

/** The paths present in `before` and missing in `after`, which is `before` with fields removed. */
function droppedPaths(before: unknown, after: unknown, path: string): string[] {
  if (Array.isArray(before) && Array.isArray(after)) {
    return before.flatMap((item, i) => droppedPaths(item, after[i], `${path}[${i}]`));
  }
  if (before === null || after === null || typeof before !== 'object' || typeof after !== 'object') return [];
  const kept = after as Record<string, unknown>;
  return Object.entries(before as Record<string, unknown>).flatMap(([key, value]) =>
    key in kept ? droppedPaths(value, kept[key], `${path}.${key}`) : [`${path}.${key}`],
  );
}

/**
 * A copy of a schema in which every object that names its properties and says nothing about
 * others is closed (`additionalProperties: false`), as Fastify's serializer treats it.
 */
function closeObjects(schema: unknown): object {
  if (Array.isArray(schema))
    return schema.map((item) => (typeof item === 'object' && item ? closeObjects(item) : item));
  if (schema === null || typeof schema !== 'object') return schema as object;
  const copy: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    copy[key] = typeof value === 'object' && value !== null ? closeObjects(value) : value;
  }
  if ('properties' in copy && !('additionalProperties' in copy)) copy.additionalProperties = false;
  return copy;
}
