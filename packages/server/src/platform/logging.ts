// Log options: what request logs carry, and what is redacted.
import type { LoggerOptions } from 'pino';
import type { Config } from '../config/config.ts';

/** What the request serializer reads: Fastify's request, or a bare Node request before routing. */
interface LoggedRequest {
  method: string;
  url: string;
  ip?: string;
  routeOptions?: { url?: string; config?: { secretPath?: boolean } };
}

/**
 * The path a request log shows. A route whose path carries a secret (`config.secretPath`) is
 * logged as its pattern, so the secret never reaches a log line, which is shipped and kept (OWASP
 * ASVS 5.0, chapter V16: logs hold no credentials). Other paths carry only ids and are logged as sent.
 */
function loggedPath(request: LoggedRequest): string {
  const route = request.routeOptions;
  if (route?.config?.secretPath === true && route.url) return route.url;
  return request.url.split('?')[0] ?? '';
}

/**
 * Structured JSON logs. Request logs carry the request id, method and path (the route pattern
 * instead, for a path that carries a secret), but not the query string (searches carry phone
 * numbers and e-mail addresses), headers or bodies. Credentials are also redacted by path, as a
 * second line of defence.
 */
export function loggerOptions(config: Pick<Config, 'logLevel'>): LoggerOptions {
  return {
    level: config.logLevel,
    base: { service: 'helpdesk-auth' },
    serializers: {
      req: (request: LoggedRequest) => ({
        method: request.method,
        path: loggedPath(request),
        remoteAddress: request.ip,
      }),
    },
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        'req.headers["x-csrf-token"]',
        'res.headers["set-cookie"]',
        '*.password',
        '*.secret',
        '*.code',
      ],
      censor: '[redacted]',
    },
  };
}
