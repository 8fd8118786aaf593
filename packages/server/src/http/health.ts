// The health routes: /healthz (the process answers) and /readyz (the database answers, migrations
// done).
import { AppError } from '@helpdesk-auth/core';
import { Type } from 'typebox';
import { pendingMigrations, ping } from '../storage/database.ts';
import { errorResponses } from './schemas.ts';
import type { AppDependencies, TypedApp } from './types.ts';

export function registerHealthRoutes(app: TypedApp, { database }: AppDependencies): void {
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
        operationId: 'getReadiness',
        response: {
          200: Type.Object({
            status: Type.Literal('ready'),
            database: Type.String({ enum: ['sqlite', 'postgres'] }),
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
      return { status: 'ready' as const, database: database.kind };
    },
  );
}
