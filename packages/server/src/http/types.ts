// What every route file is given: the shapes shared by http/ and the routes, kept apart from the
// Fastify app so routes depend on http/ and never the other way round.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type {
  FastifyBaseLogger,
  FastifyInstance,
  FastifyServerOptions,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from 'fastify';
import type { Services } from '../app/services.ts';
import type { Config } from '../config/config.ts';
import type { Database } from '../storage/database.ts';

export interface AppDependencies {
  config: Config;
  database: Database;
  services: Services;
  /** Overrides the logger (tests capture log lines through a stream). */
  logger?: FastifyServerOptions['loggerInstance'];
  /**
   * Check every JSON answer against its route's declared response schema and fail the request on
   * a mismatch (http/response-check.ts). Tests set it; a server never does.
   */
  validateResponses?: boolean;
}

export type App = FastifyInstance;
export type TypedApp = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;
