import { Type } from 'typebox';
import type { AppDependencies, TypedApp } from '../http/app.ts';
import { ErrorBody } from '../http/schemas.ts';
import { pendingMigrations, ping } from '../storage/database.ts';

export function registerHealthRoutes(app: TypedApp, { database }: AppDependencies): void {
  app.get(
    '/healthz',
    {
      config: { auth: 'public' },
      schema: {
        tags: ['health'],
        summary: 'Liveness: the process is up and serving requests.',
        operationId: 'getHealth',
        response: { 200: Type.Object({ status: Type.Literal('ok') }) },
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
          503: ErrorBody,
        },
      },
    },
    async (request, reply) => {
      try {
        await ping(database.db);
        const pending = await pendingMigrations(database.db);
        if (pending.length > 0) {
          return reply.status(503).send({
            error: { code: 'NOT_READY', message: `Migrations not applied yet: ${pending.join(', ')}.` },
          });
        }
      } catch (error) {
        request.log.warn({ err: error }, 'readiness check failed');
        return reply
          .status(503)
          .send({ error: { code: 'NOT_READY', message: 'The database is not reachable.' } });
      }
      return { status: 'ready' as const, database: database.kind };
    },
  );
}
