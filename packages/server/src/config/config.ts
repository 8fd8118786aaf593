// Configuration: every setting's default, the environment variables that set them, and their
// checks.
import path from 'node:path';

/**
 * All configuration in one place. `defaults` documents every setting; `environmentVariables`
 * is the only place that reads process.env. Development-only conveniences (a generated
 * encryption key, demo data, plain http) are refused in production mode.
 */
export interface Config {
  /** `development` (default), `production` or `test`. */
  mode: 'development' | 'production' | 'test';
  /** Interface to listen on. */
  host: string;
  port: number;
  /**
   * The URL people and devices use to reach this server; decides whether cookies are Secure.
   * Defaults to http://localhost:<port>.
   */
  publicUrl: string;
  /** Folder for the embedded SQLite database and development secrets. */
  dataDir: string;
  /** `postgres://…` selects PostgreSQL; unset means embedded SQLite in `dataDir`. */
  databaseUrl: string | undefined;
  /**
   * PostgreSQL only: prepare statements the server repeats, once per connection, instead of
   * having PostgreSQL parse and plan each query again. Turn off behind a connection pooler that
   * cannot pass prepared statements through.
   */
  databasePreparedStatements: boolean;
  /**
   * `redis://…`: live events (agents' screens, devices' live channels) travel through Redis, so
   * several server processes can share one database. Unset: live events stay in this process.
   */
  redisUrl: string | undefined;
  /**
   * 32-byte key (base64) that encrypts secrets at rest (AES-256-GCM) and keys one-time-code
   * hashes. Required in production; in development one is generated into `dataDir`.
   */
  encryptionKey: string | undefined;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Largest accepted request body. */
  bodyLimitBytes: number;
  /**
   * How long a client may take to send a request's headers, from the moment it connects or
   * starts a new request on a kept-alive connection. A client that stops half-way is
   * disconnected, so idle sockets cannot pile up to the process's file limit.
   */
  httpHeadersTimeoutMs: number;
  /**
   * How long a client may take to send a whole request, headers and body. Only the receiving of
   * the request counts: a response may last longer (event streams stay open).
   */
  httpRequestTimeoutMs: number;
  /** How long a kept-alive connection may sit idle between two requests before it is closed. */
  httpKeepAliveTimeoutMs: number;
  /** Trust X-Forwarded-* from a reverse proxy (only behind one). */
  trustProxy: boolean;
  /** Create the demo tenant, operator and customers when the database is empty. */
  seedDemoData: boolean;
  /** Sign an operator out after this long without a request. */
  sessionIdleMinutes: number;
  /** Sign an operator out this long after sign-in, whatever they do. */
  sessionAbsoluteHours: number;
  /**
   * Failed sign-ins allowed per account, from all addresses together, per `signInAccountWindowMinutes`;
   * after that, sign-in is refused from addresses where the operator has not signed in before.
   */
  signInFailuresPerAccount: number;
  /** Sign-in attempts allowed per client address per window. */
  signInAttemptsPerAddress: number;
  signInWindowMinutes: number;
  /** How long a graceful shutdown waits for in-flight requests. */
  shutdownTimeoutMs: number;
  /**
   * Serves Prometheus metrics at `/metrics` on the main port to requests that carry
   * `Authorization: Bearer <token>`. Unset: the main port has no `/metrics`.
   */
  metricsToken: string | undefined;
  /**
   * Serves Prometheus metrics at `/metrics` on a port of its own, on `metricsHost`. Unset: no
   * such listener. With `metricsToken` set too, that listener asks for the token as well.
   */
  metricsPort: number | undefined;
  /** Interface of the metrics listener; loopback unless a scraper elsewhere must reach it. */
  metricsHost: string;
  /** How far a device proof's issue time may be from the server's clock (RFC 9449 section 11.1). */
  deviceProofMaxAgeSeconds: number;
  /**
   * How long a process may use an API key or device key it read before reading it again
   * (platform/row-cache.ts). Revocations take effect at once in the process that made them and,
   * with Redis, in the others as soon as Redis delivers the news; this is the bound when it does not.
   */
  rowCacheMaxAgeMs: number;
  /**
   * After a signing-key rotation, how long the replaced key stays published and trusted, so
   * requests it signed still verify; then it retires.
   */
  serverKeyOverlapSeconds: number;
  /** Wrong activation codes accepted per client address per window before enrollment is refused. */
  enrollFailuresPerAddress: number;
  enrollWindowMinutes: number;
  /**
   * Campaign messages per second each message provider (SMS, e-mail) is given, over every campaign
   * and server process together; each campaign's own rate applies within it.
   */
  campaignProviderRatePerSecond: number;
  /** The largest request that creates a campaign (it may carry a CSV of external ids). */
  campaignCsvLimitBytes: number;
  /**
   * Contact for push services (RFC 8292 section 2.1): a `mailto:` or `https:` URI. Defaults to
   * the public URL when that is https, otherwise to `mailto:helpdesk-auth@localhost`.
   */
  webPushSubject: string | undefined;
  /** Seconds a push service keeps an undelivered message (Web Push TTL, RFC 8030 section 5.2). */
  pushTtlSeconds: number;
  /**
   * Web Push endpoints may be on this machine (localhost, 127.0.0.0/8, ::1): the local push service
   * of development and tests. Off by default, so a registered subscription cannot reach local services.
   */
  pushAllowLoopback: boolean;
  /** Web Push endpoints may be in private and link-local networks. Off by default (SSRF). */
  pushAllowPrivateNetworks: boolean;
  /**
   * FCM's base URL instead of https://fcm.googleapis.com (a local stand-in, or a proxy). The token
   * endpoint is the service account's own `token_uri`.
   */
  fcmBaseUrl: string | undefined;
  /** One APNs host (`host` or `host:port`) for both environments instead of Apple's two. */
  apnsHost: string | undefined;
  /**
   * Consecutive failed sign-ins allowed per account from one client address per window
   * (`signInWindowMinutes`); after that the account is locked for that address only.
   */
  signInLockAfterFailures: number;
  /** Window of the account-wide failure cap (`signInFailuresPerAccount`). */
  signInAccountWindowMinutes: number;
  /** How long an address where an operator signed in stays exempt from the account-wide cap. */
  signInKnownAddressDays: number;
  /**
   * Practice sessions (agent training) older than this many days are removed with their made-up
   * customers and everything made for them; the audit log keeps its entries.
   */
  practiceRetentionDays: number;
  /**
   * Webhooks may be sent to plain-http or https URLs on this machine (localhost, 127.0.0.0/8, ::1).
   * For development and tests; off by default, so a registered URL cannot reach local services.
   */
  webhookAllowLoopback: boolean;
  /**
   * Webhooks may be sent to private and link-local addresses (10/8, 172.16/12, 192.168/16,
   * fc00::/7, ...). Off by default against server-side request forgery; https stays required.
   */
  webhookAllowPrivateNetworks: boolean;
  /** How long one webhook delivery attempt may take, connection included. */
  webhookTimeoutMs: number;
  /** Attempts per webhook delivery before it is marked failed (exponential backoff in between). */
  webhookMaxAttempts: number;
  /** How often each server process looks for new events and due deliveries. */
  webhookPollIntervalMs: number;
  /** Webhook attempts one server process keeps in flight at once, over all endpoints. */
  webhookConcurrency: number;
  /**
   * Webhook attempts in flight to one endpoint at once. 1 sends each delivery only after the
   * previous one was answered, so a receiver gets them in order; more are sent in order too but
   * may overtake each other on the way.
   */
  webhookEndpointConcurrency: number;
  /** Seconds a CIBA client must wait between two token requests for one auth_req_id (CIBA Core 7.3). */
  cibaPollIntervalSeconds: number;
  /** Lifetime of the access and ID tokens issued for a CIBA request. */
  cibaTokenSeconds: number;
  /**
   * Allow plain-http URLs for CIBA ping notification endpoints and Keycloak channels. For
   * development and tests; off by default, so notification tokens and Keycloak's bearer tokens
   * travel only over https.
   */
  integrationsAllowHttp: boolean;
  /**
   * Who sends SMS one-time codes: `outbox` (development: kept in the database, readable through
   * the API), `twilio`, `vonage`, `webhook` (your own HTTPS endpoint) or `none`. Unset: `outbox`
   * outside production, `none` in production.
   */
  smsProvider: string | undefined;
  twilioAccountSid: string | undefined;
  twilioAuthToken: string | undefined;
  /** A sender number (E.164) or a Messaging Service SID (`MG…`). */
  twilioFrom: string | undefined;
  /** Twilio's API origin; only tests change it. */
  twilioApiUrl: string;
  vonageApiKey: string | undefined;
  vonageApiSecret: string | undefined;
  vonageFrom: string | undefined;
  /** Vonage's SMS API origin; only tests change it. */
  vonageApiUrl: string;
  /** HTTPS endpoint that receives SMS to send (provider `webhook`), signed with `smsWebhookSecret`. */
  smsWebhookUrl: string | undefined;
  smsWebhookSecret: string | undefined;
  /** Who sends e-mail one-time codes: `outbox`, `smtp` or `none`; unset like `smsProvider`. */
  emailProvider: string | undefined;
  /** `smtp://user:pass@host:587` or `smtps://…:465`. */
  smtpUrl: string | undefined;
  /** The From address of one-time-code e-mails. */
  emailFrom: string | undefined;
}

export const defaults: Config = {
  mode: 'development',
  host: 'localhost',
  port: 8080,
  publicUrl: 'http://localhost:8080',
  dataDir: './data',
  databaseUrl: undefined,
  databasePreparedStatements: true,
  redisUrl: undefined,
  encryptionKey: undefined,
  logLevel: 'info',
  bodyLimitBytes: 64 * 1024,
  // Every request of ours fits in a few kilobytes: 10 seconds for the headers and 30 for the whole
  // request leave room for slow mobile links and cut slow-send attacks (slowloris) short.
  httpHeadersTimeoutMs: 10_000,
  httpRequestTimeoutMs: 30_000,
  // Longer than the idle timeout of common load balancers (60 s), so the server never closes a
  // connection a balancer is about to reuse.
  httpKeepAliveTimeoutMs: 72_000,
  trustProxy: false,
  seedDemoData: true,
  sessionIdleMinutes: 60,
  sessionAbsoluteHours: 12,
  // NIST SP 800-63B rev 4 section 3.2.2 caps failed attempts on one account at 100.
  signInFailuresPerAccount: 100,
  signInAttemptsPerAddress: 100,
  signInWindowMinutes: 15,
  shutdownTimeoutMs: 10_000,
  metricsToken: undefined,
  metricsPort: undefined,
  metricsHost: '127.0.0.1',
  deviceProofMaxAgeSeconds: 60,
  rowCacheMaxAgeMs: 5_000,
  // A day: far longer than any request lives, and enough for every JWKS cache to refresh.
  serverKeyOverlapSeconds: 24 * 60 * 60,
  // Activation codes have 80 bits, so this only has to stop a flood, not a guess; it is high
  // because many customers may share one address (carrier NAT), and only wrong codes count.
  enrollFailuresPerAddress: 100,
  enrollWindowMinutes: 15,
  campaignProviderRatePerSecond: 50,
  // 4 MiB: a CSV of some 300,000 external ids.
  campaignCsvLimitBytes: 4 * 1024 * 1024,
  webPushSubject: undefined,
  // A request lives 2 minutes by default; a push delivered later than that only shows an expired request.
  pushTtlSeconds: 120,
  pushAllowLoopback: false,
  pushAllowPrivateNetworks: false,
  fcmBaseUrl: undefined,
  apnsHost: undefined,
  // A guesser from one address is stopped after 10; the account-wide cap bounds a guess spread
  // over many addresses, without locking the operator out of the addresses they use
  // (NIST SP 800-63B rev 4 section 3.2.2: an allowlist of addresses that authenticated before).
  signInLockAfterFailures: 10,
  signInAccountWindowMinutes: 24 * 60,
  signInKnownAddressDays: 90,
  practiceRetentionDays: 30,
  webhookAllowLoopback: false,
  webhookAllowPrivateNetworks: false,
  webhookTimeoutMs: 10_000,
  // With a 10 s first delay doubling up to a 6-hour cap, 15 attempts span about 40 hours.
  webhookMaxAttempts: 15,
  webhookPollIntervalMs: 1_000,
  webhookConcurrency: 256,
  webhookEndpointConcurrency: 64,
  // CIBA Core 7.3 suggests 5 seconds when the OP gives no other value.
  cibaPollIntervalSeconds: 5,
  cibaTokenSeconds: 300,
  integrationsAllowHttp: false,
  smsProvider: undefined,
  twilioAccountSid: undefined,
  twilioAuthToken: undefined,
  twilioFrom: undefined,
  twilioApiUrl: 'https://api.twilio.com',
  vonageApiKey: undefined,
  vonageApiSecret: undefined,
  vonageFrom: undefined,
  vonageApiUrl: 'https://rest.nexmo.com',
  smsWebhookUrl: undefined,
  smsWebhookSecret: undefined,
  emailProvider: undefined,
  smtpUrl: undefined,
  emailFrom: undefined,
};

/** Environment variable for each setting. The only place process.env is read. */
export const environmentVariables: Record<keyof Config, string> = {
  mode: 'HELPDESK_AUTH_MODE',
  host: 'HOST',
  port: 'PORT',
  publicUrl: 'PUBLIC_URL',
  dataDir: 'DATA_DIR',
  databaseUrl: 'DATABASE_URL',
  databasePreparedStatements: 'DATABASE_PREPARED_STATEMENTS',
  redisUrl: 'REDIS_URL',
  encryptionKey: 'ENCRYPTION_KEY',
  logLevel: 'LOG_LEVEL',
  bodyLimitBytes: 'BODY_LIMIT_BYTES',
  httpHeadersTimeoutMs: 'HTTP_HEADERS_TIMEOUT_MS',
  httpRequestTimeoutMs: 'HTTP_REQUEST_TIMEOUT_MS',
  httpKeepAliveTimeoutMs: 'HTTP_KEEP_ALIVE_TIMEOUT_MS',
  trustProxy: 'TRUST_PROXY',
  seedDemoData: 'SEED_DEMO_DATA',
  sessionIdleMinutes: 'SESSION_IDLE_MINUTES',
  sessionAbsoluteHours: 'SESSION_ABSOLUTE_HOURS',
  signInFailuresPerAccount: 'SIGN_IN_FAILURES_PER_ACCOUNT',
  signInAttemptsPerAddress: 'SIGN_IN_ATTEMPTS_PER_ADDRESS',
  signInWindowMinutes: 'SIGN_IN_WINDOW_MINUTES',
  shutdownTimeoutMs: 'SHUTDOWN_TIMEOUT_MS',
  metricsToken: 'METRICS_TOKEN',
  metricsPort: 'METRICS_PORT',
  metricsHost: 'METRICS_HOST',
  deviceProofMaxAgeSeconds: 'DEVICE_PROOF_MAX_AGE_SECONDS',
  rowCacheMaxAgeMs: 'ROW_CACHE_MAX_AGE_MS',
  serverKeyOverlapSeconds: 'SERVER_KEY_OVERLAP_SECONDS',
  enrollFailuresPerAddress: 'ENROLL_FAILURES_PER_ADDRESS',
  enrollWindowMinutes: 'ENROLL_WINDOW_MINUTES',
  campaignProviderRatePerSecond: 'CAMPAIGN_PROVIDER_RATE_PER_SECOND',
  campaignCsvLimitBytes: 'CAMPAIGN_CSV_LIMIT_BYTES',
  webPushSubject: 'WEB_PUSH_SUBJECT',
  pushTtlSeconds: 'PUSH_TTL_SECONDS',
  pushAllowLoopback: 'PUSH_ALLOW_LOOPBACK',
  pushAllowPrivateNetworks: 'PUSH_ALLOW_PRIVATE_NETWORKS',
  fcmBaseUrl: 'FCM_BASE_URL',
  apnsHost: 'APNS_HOST',
  signInLockAfterFailures: 'SIGN_IN_LOCK_AFTER_FAILURES',
  signInAccountWindowMinutes: 'SIGN_IN_ACCOUNT_WINDOW_MINUTES',
  signInKnownAddressDays: 'SIGN_IN_KNOWN_ADDRESS_DAYS',
  practiceRetentionDays: 'PRACTICE_RETENTION_DAYS',
  webhookAllowLoopback: 'WEBHOOK_ALLOW_LOOPBACK',
  webhookAllowPrivateNetworks: 'WEBHOOK_ALLOW_PRIVATE_NETWORKS',
  webhookTimeoutMs: 'WEBHOOK_TIMEOUT_MS',
  webhookMaxAttempts: 'WEBHOOK_MAX_ATTEMPTS',
  webhookPollIntervalMs: 'WEBHOOK_POLL_INTERVAL_MS',
  webhookConcurrency: 'WEBHOOK_CONCURRENCY',
  webhookEndpointConcurrency: 'WEBHOOK_ENDPOINT_CONCURRENCY',
  cibaPollIntervalSeconds: 'CIBA_POLL_INTERVAL_SECONDS',
  cibaTokenSeconds: 'CIBA_TOKEN_SECONDS',
  integrationsAllowHttp: 'INTEGRATIONS_ALLOW_HTTP',
  smsProvider: 'SMS_PROVIDER',
  twilioAccountSid: 'TWILIO_ACCOUNT_SID',
  twilioAuthToken: 'TWILIO_AUTH_TOKEN',
  twilioFrom: 'TWILIO_FROM',
  twilioApiUrl: 'TWILIO_API_URL',
  vonageApiKey: 'VONAGE_API_KEY',
  vonageApiSecret: 'VONAGE_API_SECRET',
  vonageFrom: 'VONAGE_FROM',
  vonageApiUrl: 'VONAGE_API_URL',
  smsWebhookUrl: 'SMS_WEBHOOK_URL',
  smsWebhookSecret: 'SMS_WEBHOOK_SECRET',
  emailProvider: 'EMAIL_PROVIDER',
  smtpUrl: 'SMTP_URL',
  emailFrom: 'EMAIL_FROM',
};

/** The shortest overlap: longer than any verification request lives. */
export const minServerKeyOverlapSeconds = 60 * 60;

export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const modes = ['development', 'production', 'test'] as const;

function parseValue(key: keyof Config, raw: string, problems: string[]): unknown {
  const name = environmentVariables[key];
  const sample = defaults[key];
  if (key === 'mode') {
    if (!(modes as readonly string[]).includes(raw))
      problems.push(`${name} must be one of ${modes.join(', ')}.`);
    return raw;
  }
  if (key === 'logLevel') {
    if (!(logLevels as readonly string[]).includes(raw))
      problems.push(`${name} must be one of ${logLevels.join(', ')}.`);
    return raw;
  }
  if (typeof sample === 'number' || key === 'metricsPort') {
    const value = Number(raw);
    if (!Number.isSafeInteger(value) || value <= 0) problems.push(`${name} must be a positive whole number.`);
    return value;
  }
  if (typeof sample === 'boolean') {
    if (!['true', 'false', '1', '0'].includes(raw)) problems.push(`${name} must be true or false.`);
    return raw === 'true' || raw === '1';
  }
  return raw;
}

/**
 * Builds the configuration from defaults, then the environment, then explicit overrides
 * (tests and CLI flags), and checks it.
 */
export function loadConfig(
  env: Record<string, string | undefined> = process.env,
  overrides: Partial<Config> = {},
): Config {
  const problems: string[] = [];
  const fromEnv: Partial<Record<keyof Config, unknown>> = {};
  for (const key of Object.keys(environmentVariables) as (keyof Config)[]) {
    const raw = env[environmentVariables[key]];
    if (raw !== undefined && raw !== '') fromEnv[key] = parseValue(key, raw, problems);
  }
  const mode = (overrides.mode ?? fromEnv.mode ?? defaults.mode) as Config['mode'];
  const modeDefaults: Partial<Config> = mode === 'production' ? { seedDemoData: false } : {};
  const config = { ...defaults, ...modeDefaults, ...fromEnv, ...overrides } as Config;
  // Without an explicit public URL, the server is reached where it listens.
  if (
    fromEnv.publicUrl === undefined &&
    overrides.publicUrl === undefined &&
    Number.isSafeInteger(config.port)
  ) {
    config.publicUrl = `http://localhost:${config.port}`;
  }
  config.dataDir = path.resolve(config.dataDir);

  let publicUrl: URL | undefined;
  try {
    publicUrl = new URL(config.publicUrl);
  } catch {
    problems.push(`${environmentVariables.publicUrl} must be an absolute URL.`);
  }
  if (config.databaseUrl && !/^postgres(ql)?:\/\//.test(config.databaseUrl)) {
    problems.push(`${environmentVariables.databaseUrl} must be a postgres:// URL.`);
  }
  if (config.metricsToken !== undefined && config.metricsToken.length < 16) {
    problems.push(
      `${environmentVariables.metricsToken} must be at least 16 characters (openssl rand -hex 32).`,
    );
  }
  if (
    config.metricsPort !== undefined &&
    (config.metricsPort > 65_535 || config.metricsPort === config.port)
  ) {
    problems.push(
      `${environmentVariables.metricsPort} must be a port number other than ${environmentVariables.port}.`,
    );
  }
  if (config.redisUrl && !/^rediss?:\/\//.test(config.redisUrl)) {
    problems.push(`${environmentVariables.redisUrl} must be a redis:// or rediss:// URL.`);
  }
  if (config.encryptionKey !== undefined && Buffer.from(config.encryptionKey, 'base64').length !== 32) {
    problems.push(
      `${environmentVariables.encryptionKey} must be 32 bytes, base64-encoded (openssl rand -base64 32).`,
    );
  }
  if (
    config.webPushSubject !== undefined &&
    !/^(mailto:\S+@\S+|https:\/\/\S+)$/.test(config.webPushSubject)
  ) {
    problems.push(`${environmentVariables.webPushSubject} must be a mailto: or https: URI.`);
  }
  if (config.fcmBaseUrl !== undefined && !/^https:\/\/[^/\s]+\/?$/.test(config.fcmBaseUrl)) {
    problems.push(
      `${environmentVariables.fcmBaseUrl} must be an https origin, such as https://fcm.googleapis.com.`,
    );
  }
  if (config.apnsHost !== undefined && !/^[A-Za-z0-9.-]+(:\d{1,5})?$/.test(config.apnsHost)) {
    problems.push(`${environmentVariables.apnsHost} must be a host name, optionally with :port.`);
  }
  if (config.port > 65535) problems.push(`${environmentVariables.port} must be at most 65535.`);
  if (config.serverKeyOverlapSeconds < minServerKeyOverlapSeconds) {
    // Shorter, and a request signed just before a rotation could retire before it expires.
    problems.push(
      `${environmentVariables.serverKeyOverlapSeconds} must be at least ${minServerKeyOverlapSeconds} (an hour).`,
    );
  }
  if (config.httpRequestTimeoutMs > 0 && config.httpHeadersTimeoutMs > config.httpRequestTimeoutMs) {
    // Node refuses a headers timeout longer than the request timeout (the headers are part of it).
    problems.push(
      `${environmentVariables.httpHeadersTimeoutMs} must not be longer than ${environmentVariables.httpRequestTimeoutMs}.`,
    );
  }
  checkMessageProviders(config, mode, problems);

  if (mode === 'production') {
    if (!config.encryptionKey) {
      problems.push(
        `${environmentVariables.encryptionKey} is required in production (openssl rand -base64 32).`,
      );
    }
    if (publicUrl && publicUrl.protocol !== 'https:') {
      problems.push(`${environmentVariables.publicUrl} must use https in production.`);
    }
    if (config.seedDemoData) {
      problems.push(
        `${environmentVariables.seedDemoData} must be false in production: demo accounts are public.`,
      );
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

const smsProviders = ['outbox', 'twilio', 'vonage', 'webhook', 'none'] as const;
const emailProviders = ['outbox', 'smtp', 'none'] as const;

/** The SMS provider in use: the configured one, or `outbox` outside production and `none` in it. */
export function smsProviderName(config: Config): (typeof smsProviders)[number] {
  return (config.smsProvider ??
    (config.mode === 'production' ? 'none' : 'outbox')) as (typeof smsProviders)[number];
}

export function emailProviderName(config: Config): (typeof emailProviders)[number] {
  return (config.emailProvider ??
    (config.mode === 'production' ? 'none' : 'outbox')) as (typeof emailProviders)[number];
}

// The provider factories validate their own settings again (providers/); checking here as well
// reports every problem at start-up, together with the rest of the configuration.
function checkMessageProviders(config: Config, mode: Config['mode'], problems: string[]): void {
  const v = environmentVariables;
  if (config.smsProvider !== undefined && !(smsProviders as readonly string[]).includes(config.smsProvider)) {
    problems.push(`${v.smsProvider} must be one of ${smsProviders.join(', ')}.`);
  }
  if (
    config.emailProvider !== undefined &&
    !(emailProviders as readonly string[]).includes(config.emailProvider)
  ) {
    problems.push(`${v.emailProvider} must be one of ${emailProviders.join(', ')}.`);
  }
  const needs = (provider: string, keys: (keyof Config)[]) => {
    for (const key of keys) {
      if (!config[key]) problems.push(`${v[key]} is required when the provider is ${provider}.`);
    }
  };
  if (config.smsProvider === 'twilio') needs('twilio', ['twilioAccountSid', 'twilioAuthToken', 'twilioFrom']);
  if (config.smsProvider === 'vonage') needs('vonage', ['vonageApiKey', 'vonageApiSecret', 'vonageFrom']);
  if (config.smsProvider === 'webhook') needs('webhook', ['smsWebhookUrl', 'smsWebhookSecret']);
  if (config.emailProvider === 'smtp') needs('smtp', ['smtpUrl', 'emailFrom']);
  if (mode === 'production') {
    // The outbox keeps codes readable through the API: a development aid, never for real customers.
    if (config.smsProvider === 'outbox') problems.push(`${v.smsProvider}=outbox is for development only.`);
    if (config.emailProvider === 'outbox')
      problems.push(`${v.emailProvider}=outbox is for development only.`);
  }
}

/** Cookies are Secure unless the server is reached over plain http on this machine. */
export function cookiesAreSecure(config: Config): boolean {
  const url = new URL(config.publicUrl);
  const local = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
  return url.protocol === 'https:' || !local;
}

/** The contact push services see in VAPID tokens (RFC 8292 section 2.1). */
export function webPushSubject(config: Config): string {
  if (config.webPushSubject) return config.webPushSubject;
  const url = new URL(config.publicUrl);
  // Push services refuse a contact on this machine (Apple does), so a local https URL is no contact.
  const local = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
  return url.protocol === 'https:' && !local ? url.origin : 'mailto:helpdesk-auth@localhost';
}
