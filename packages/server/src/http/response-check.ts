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
  // as a client would parse it. `additionalProperties` keeps its JSON Schema meaning, so an extra
  // field is reported only where the schema closes the object; elsewhere the serializer drops it
  // and the document stays true.
  function createAjv(): Ajv {
    const ajv = new Ajv({ allErrors: true, strict: false, coerceTypes: false, useDefaults: false });
    addFormats.default(ajv);
    // Schemas registered with app.addSchema, which route schemas name by `$ref`.
    for (const shared of Object.values(app.getSchemas())) ajv.addSchema(shared as object);
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
    if (validate(asJson)) return payload;
    const route = `${request.method} ${request.routeOptions.url ?? request.url}`;
    const problems = (ajv as Ajv).errorsText(validate.errors, { dataVar: 'body' });
    const mismatch = new ResponseSchemaMismatch(route, status, problems);
    // Test loggers keep their lines to themselves; a mismatch must be seen wherever the answer is.
    process.emitWarning(mismatch.message, 'ResponseSchemaMismatch');
    // An error answer that does not match is not thrown again, or the error handler would loop.
    if (status >= 500) return payload;
    throw mismatch;
  });
}
