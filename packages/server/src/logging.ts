import type { LoggerOptions } from 'pino';
import type { Config } from './config/config.ts';

/**
 * Structured JSON logs. Request logs carry the request id, method and path, but not the query
 * string (searches carry phone numbers and e-mail addresses), headers or bodies. Credentials are
 * also redacted by path, as a second line of defence.
 */
export function loggerOptions(config: Pick<Config, 'logLevel'>): LoggerOptions {
  return {
    level: config.logLevel,
    base: { service: 'helpdesk-auth' },
    serializers: {
      req: (request: { method: string; url: string; ip?: string }) => ({
        method: request.method,
        path: request.url.split('?')[0],
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
