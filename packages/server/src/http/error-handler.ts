// Error handling: every failure answered as `{error: {code, message}}` with its status.
import { AppError, type ErrorCode, errorStatus } from '@helpdesk-auth/core';
import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { ConstraintViolation } from '../storage/constraint-violations.ts';

/**
 * Turns every failure into `{error: {code, message}}`. Framework errors (bad JSON, too large,
 * wrong media type, schema violations) become 4xx with a specific code; anything unexpected
 * becomes a generic INTERNAL with the request id, and its details go only to the log.
 */
const frameworkCodes: Record<string, ErrorCode> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'MALFORMED_JSON',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'MALFORMED_JSON',
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'VALIDATION_FAILED',
  FST_ERR_CTP_INVALID_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_BAD_URL: 'VALIDATION_FAILED',
  FST_ERR_MAX_PARAM_LENGTH: 'VALIDATION_FAILED',
  FST_ERR_ASYNC_CONSTRAINT: 'VALIDATION_FAILED',
};

export function describeError(error: FastifyError | Error): {
  status: number;
  code: ErrorCode;
  message: string;
} {
  if (error instanceof AppError) return { status: error.status, code: error.code, message: error.message };
  // A write that lost a race no service named as its own conflict: still the client's race, not our fault.
  if (error instanceof ConstraintViolation) {
    return {
      status: errorStatus.CONFLICT,
      code: 'CONFLICT',
      message: 'The change conflicts with a concurrent change; reload and try again.',
    };
  }
  const fastifyError = error as FastifyError;
  if (fastifyError.validation) {
    return { status: 400, code: 'VALIDATION_FAILED', message: `Invalid request: ${fastifyError.message}.` };
  }
  const code = fastifyError.code ? frameworkCodes[fastifyError.code] : undefined;
  if (code) {
    const messages: Partial<Record<ErrorCode, string>> = {
      MALFORMED_JSON: 'The request body is not valid JSON.',
      PAYLOAD_TOO_LARGE: 'The request body is too large.',
      UNSUPPORTED_MEDIA_TYPE: 'Send the request body as application/json.',
    };
    return { status: errorStatus[code], code, message: messages[code] ?? fastifyError.message };
  }
  // Any other client error the framework raised becomes a plain 400, without its internals.
  const status = fastifyError.statusCode;
  if (status && status >= 400 && status < 500) {
    return { status: 400, code: 'VALIDATION_FAILED', message: 'The request could not be understood.' };
  }
  return { status: 500, code: 'INTERNAL', message: 'Something went wrong on our side.' };
}

/** Sends the typed error body; also used for errors Fastify raises before routing. */
export function sendError(reply: FastifyReply, error: FastifyError | Error): void {
  const described = describeError(error);
  reply.status(described.status).send({ error: { code: described.code, message: described.message } });
}

export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const described = describeError(error);
    if (described.code === 'INTERNAL') {
      request.log.error({ err: error }, 'request failed');
      described.message = `${described.message} Quote request id ${request.id} when reporting it.`;
    } else if (described.status >= 500) {
      request.log.warn({ code: described.code }, 'request refused');
    } else {
      request.log.info({ code: described.code }, 'request refused');
    }
    if (error instanceof AppError && error.retryAfterSeconds !== undefined) {
      reply.header('retry-after', String(error.retryAfterSeconds));
    }
    const details = error instanceof AppError ? error.details : undefined;
    reply
      .status(described.status)
      .send({ error: { code: described.code, message: described.message, ...(details ? { details } : {}) } });
  });

  app.setNotFoundHandler((request, reply) => {
    reply.status(404).send({
      error: {
        code: 'ROUTE_NOT_FOUND',
        message: `There is no ${request.method} ${request.url.split('?')[0]}.`,
      },
    });
  });
}
