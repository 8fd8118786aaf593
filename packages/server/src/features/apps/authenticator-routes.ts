// Serves the customer's authenticator build (apps/authenticator) at /app.
import path from 'node:path';
import { AppError } from '@helpdesk-auth/core';
import type { FastifyReply } from 'fastify';
import { Type } from 'typebox';
import { errorResponses } from '../../http/schemas.ts';
import type { AppDependencies, TypedApp } from '../../http/types.ts';
import { loadBuild, repoRoot } from './static-build.ts';

/** Where `vite build` puts the customer's authenticator (apps/authenticator); `npm start` builds it first. */
export const authenticatorDistDir = path.join(repoRoot, 'apps/authenticator/dist');

// The app talks only to its own origin and runs nothing inline. It may not be framed: a framed
// approval button is an invitation to clickjacking.
const appCsp = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "worker-src 'self'",
  "manifest-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const fileName = Type.String({ pattern: '^[A-Za-z0-9._-]{1,200}$' });
const noQuery = Type.Object({}, { additionalProperties: false });

const hidden = (summary: string, statuses: number[] = [503]) => ({
  hide: true,
  summary,
  querystring: noQuery,
  response: errorResponses(...statuses),
});

/** Paths of the app's own screens; each is answered with the app's page (a single-page app). */
const screenPath = /^(activate|history|code|device|request\/ver_[A-Za-z0-9]{1,64})\/?$/;

/**
 * The customer's authenticator at /app: the page for every screen (the activation link is
 * `<PUBLIC_URL>/app/activate#code=…`), the hashed assets, the manifest and icons, and the
 * service worker at /app/sw.js, whose default scope is /app/.
 */
export function registerAuthenticatorAppRoutes(
  app: TypedApp,
  _deps: AppDependencies,
  distDir: string = authenticatorDistDir,
): void {
  let build = loadBuild(distDir);
  // Built after the server started (or while it started): read it on first use. Only while
  // nothing was found, so requests for missing files never make the server walk the disk.
  const current = () => {
    if (build.size === 0) build = loadBuild(distDir);
    return build;
  };

  const sendFile = (reply: FastifyReply, name: string, headers: Record<string, string>) => {
    const file = current().get(name);
    if (!file) {
      throw new AppError(
        'NOT_READY',
        'The authenticator is not built. Run `npm run build:authenticator` (npm start does it).',
      );
    }
    reply.headers({ 'content-type': file.type, ...headers });
    return reply.send(file.body);
  };

  const page = (_request: unknown, reply: FastifyReply) =>
    sendFile(reply, 'index.html', { 'content-security-policy': appCsp, 'cache-control': 'no-cache' });

  app.get('/app', { config: { auth: 'public' }, schema: hidden('The authenticator.') }, async (_r, reply) =>
    reply.redirect('/app/'),
  );
  app.get('/app/', { config: { auth: 'public' }, schema: hidden('The authenticator.') }, page);

  app.get(
    '/app/*',
    { config: { auth: 'public' }, schema: hidden("One of the authenticator's screens.", [404, 503]) },
    async (request, reply) => {
      const rest = (request.params as { '*': string })['*'];
      if (!screenPath.test(rest)) throw new AppError('ROUTE_NOT_FOUND', 'No such page.');
      return page(request, reply);
    },
  );

  app.get(
    '/app/sw.js',
    { config: { auth: 'public' }, schema: hidden('The authenticator’s service worker.') },
    async (_request, reply) =>
      // Always revalidated, so a new version reaches devices; its scope is its folder, /app/.
      sendFile(reply, 'sw.js', {
        'cache-control': 'no-cache',
        'service-worker-allowed': '/app/',
        'content-security-policy': appCsp,
      }),
  );

  app.get(
    '/app/manifest.webmanifest',
    { config: { auth: 'public' }, schema: hidden('The web app manifest.') },
    async (_request, reply) => sendFile(reply, 'manifest.webmanifest', { 'cache-control': 'no-cache' }),
  );

  for (const folder of ['assets', 'icons'] as const) {
    app.get(
      `/app/${folder}/:file`,
      {
        config: { auth: 'public' },
        schema: {
          hide: true,
          params: Type.Object({ file: fileName }, { additionalProperties: false }),
          querystring: noQuery,
          response: errorResponses(404, 503),
        },
      },
      async (request, reply) => {
        const name = `${folder}/${(request.params as { file: string }).file}`;
        if (!current().has(name)) {
          if (current().size === 0) return sendFile(reply, name, {});
          throw new AppError('ROUTE_NOT_FOUND', 'No such file.');
        }
        // Assets carry a content hash in their names; icons change rarely.
        return sendFile(reply, name, {
          'cache-control':
            folder === 'assets' ? 'public, max-age=31536000, immutable' : 'public, max-age=86400',
        });
      },
    );
  }
}
