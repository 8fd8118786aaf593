// The health routes: /healthz (the process answers) and /readyz (the database answers, migrations
// done; and how live events travel, Redis up or down, which does not make the server unready).
import { AppError } from '@helpdesk-auth/core';
import { Type } from 'typebox';
import { pendingMigrations, ping } from '../storage/database.ts';
import { errorResponses } from './schemas.ts';
import type { AppDependencies, TypedApp } from './types.ts';

export function registerHealthRoutes(app: TypedApp, { database, services }: AppDependencies): void {
  app.get(
    '/healthz',
    {
      config: { auth: 'public' },
      schema: {
        tags: ['health'],
        summary: 'Liveness: the process is up and serving requests.',
        operationId: 'getHealth',
        response: { 200: Type.Object({ status: Type.Literal('ok') }), ...errorResponses() },
      },
    },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/readyz',
    {
      config: { auth: 'public' },
      schema: {
        tags: ['health'],
        summary: 'Readiness: the database answers and every migration is applied.',
        description:
          'Ready (200) while the database answers and every migration is applied: 503 otherwise. ' +
          'With Redis configured (live events across processes), `redis` is `up` or `down` (no answer to a ' +
          'PING within half a second). Redis being down does not make the server unready: ' +
          'verifications, decisions and every other request work without it, and live events then reach ' +
          "this process's streams only.",
        operationId: 'getReadiness',
        response: {
          200: Type.Object({
            status: Type.Literal('ready'),
            database: Type.String({ enum: ['sqlite', 'postgres'] }),
            redis: Type.Optional(Type.String({ enum: ['up', 'down'] })),
          }),
          ...errorResponses(503),
        },
      },
    },
    async (request) => {
      let pending: string[];
      try {
        await ping(database.db);
        pending = await pendingMigrations(database.db);
      } catch (error) {
        request.log.warn({ err: error }, 'readiness check failed');
        throw new AppError('NOT_READY', 'The database is not reachable.');
      }
      if (pending.length > 0) {
        throw new AppError('NOT_READY', `Migrations not applied yet: ${pending.join(', ')}.`);
      }
      const events = services.context.events.state();
      return {
        status: 'ready' as const,
        database: database.kind,
        ...(events === 'local' ? {} : { redis: events }),
      };
    },
  );
}
