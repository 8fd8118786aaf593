// Serves the agent console build (apps/console) at /console, with the widget page and web
// component.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { AppError } from '@helpdesk-auth/core';
import type { FastifyReply } from 'fastify';
import { Type } from 'typebox';
import { errorResponses } from '../../http/schemas.ts';
import type { AppDependencies, TypedApp } from '../../http/types.ts';
import { demoAdminEmail, demoTenantSlug } from '../tenants/index.ts';
import { loadBuild, repoRoot } from './static-build.ts';

/** Where `vite build` puts the console (apps/console); `npm start` builds it first. */
export const consoleDistDir = path.join(repoRoot, 'apps/console/dist');
/** The web component, plain JavaScript served as is (packages/widget). */
const widgetElementFile = path.join(repoRoot, 'packages/widget/browser/helpdesk-verify.js');

// The console talks only to its own origin; nothing inline runs. The console itself may not be
// framed (clickjacking); the widget page may, by any helpdesk tool, because it acts only with
// the short-lived token its host obtained.
const baseCsp =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'";
const consoleCsp = `${baseCsp}; frame-ancestors 'none'`;
const widgetCsp = `${baseCsp}; frame-ancestors *`;

const hiddenPage = (summary: string) => ({
  hide: true,
  summary,
  querystring: Type.Object({}, { additionalProperties: false }),
  response: {
    200: { description: 'The page.', content: { 'text/html': { schema: Type.String() } } },
    ...errorResponses(503),
  },
});

export function registerConsoleRoutes(app: TypedApp, { config, services }: AppDependencies): void {
  const build = loadBuild(consoleDistDir);

  const sendFile = (reply: FastifyReply, name: string, headers: Record<string, string>) => {
    const file = build.get(name);
    if (!file) {
      throw new AppError(
        'NOT_READY',
        'The console is not built. Run `npm run build -w apps/console` (npm start does it).',
      );
    }
    reply.headers({ 'content-type': file.type, ...headers });
    return reply.send(file.body);
  };

  const page = (name: string, csp: string) => async (_request: unknown, reply: FastifyReply) => {
    await sendFile(reply, name, { 'content-security-policy': csp, 'cache-control': 'no-cache' });
  };

  app.get(
    '/',
    { config: { auth: 'public' }, schema: { ...hiddenPage('Redirects to the agent console.') } },
    async (_request, reply) => reply.redirect('/console/'),
  );
  app.get(
    '/console',
    { config: { auth: 'public' }, schema: hiddenPage('The agent console.') },
    async (_r, reply) => reply.redirect('/console/'),
  );
  app.get(
    '/console/',
    { config: { auth: 'public' }, schema: hiddenPage('The agent console.') },
    page('index.html', consoleCsp),
  );
  app.get(
    '/console/widget',
    { config: { auth: 'public' }, schema: hiddenPage('The verify panel alone, for embedding in an iframe.') },
    page('widget.html', widgetCsp),
  );

  app.get(
    '/console/assets/:file',
    {
      config: { auth: 'public' },
      schema: {
        hide: true,
        params: Type.Object(
          { file: Type.String({ pattern: '^[A-Za-z0-9._-]{1,200}$' }) },
          { additionalProperties: false },
        ),
        querystring: Type.Object({}, { additionalProperties: false }),
        response: errorResponses(404, 503),
      },
    },
    async (request, reply) => {
      const name = `assets/${request.params.file}`;
      if (!build.has(name)) throw new AppError('ROUTE_NOT_FOUND', 'No such file.');
      // File names carry a content hash: a changed file gets a new name.
      return sendFile(reply, name, { 'cache-control': 'public, max-age=31536000, immutable' });
    },
  );

  const widgetElement = existsSync(widgetElementFile) ? readFileSync(widgetElementFile) : null;
  app.get(
    '/widget/helpdesk-verify.js',
    {
      config: { auth: 'public' },
      schema: {
        hide: true,
        querystring: Type.Object({}, { additionalProperties: false }),
        response: errorResponses(503),
      },
    },
    async (_request, reply) => {
      if (!widgetElement) throw new AppError('NOT_READY', 'The widget is not installed.');
      // Host pages on other origins load this module script, which browsers fetch in CORS mode.
      // It is public and static; the API itself still sends no CORS headers.
      reply.headers({
        'access-control-allow-origin': '*',
        'content-type': 'text/javascript; charset=utf-8',
        'cache-control': 'public, max-age=300',
        'cross-origin-resource-policy': 'cross-origin',
      });
      return reply.send(widgetElement);
    },
  );

  app.get(
    '/console/bootstrap.json',
    {
      config: { auth: 'public' },
      schema: {
        hide: true,
        summary: 'What the sign-in page may show before sign-in.',
        querystring: Type.Object({}, { additionalProperties: false }),
        response: {
          200: Type.Object({
            demo: Type.Union([Type.Object({ tenant: Type.String(), email: Type.String() }), Type.Null()]),
          }),
          ...errorResponses(),
        },
      },
    },
    async (_request, reply) => {
      reply.header('cache-control', 'no-store');
      // The demo tenant's sign-in (never its password) is a convenience for a first `npm start`;
      // production never shows it.
      const demo =
        config.mode !== 'production' && (await services.tenants.findBySlug(demoTenantSlug))
          ? { tenant: demoTenantSlug, email: demoAdminEmail }
          : null;
      return { demo };
    },
  );
}
