import type { LoggerOptions } from 'pino';
import type { Config } from './config/config.ts';

/**
 * Structured JSON logs. Request logs carry the request id; credentials are redacted by path as
 * a second line of defence (the request serializer does not log headers or bodies at all).
 */
export function loggerOptions(config: Pick<Config, 'logLevel'>): LoggerOptions {
  return {
    level: config.logLevel,
    base: { service: 'helpdesk-auth' },
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
