// E-mail by SMTP.
import type nodemailer from 'nodemailer';
import {
  type MessageProvider,
  ProviderConfigError,
  ProviderError,
  type ProviderErrorKind,
} from './message-provider.ts';

export interface SmtpEmailConfig {
  /** `smtp://user:pass@host:587` (STARTTLS when offered) or `smtps://user:pass@host:465`. */
  url: string;
  /** The From address, `Name <address>` or a bare address. */
  from: string;
  /** Refuse to send without TLS (default true for hosts other than this machine). */
  requireTls?: boolean;
  timeoutMs?: number;
}

const emailish = /^[^\s@<>]+@[^\s@<>]+$/;

/** SMTP reply codes (RFC 5321 section 4.2) onto our kinds: 4xx is transient, 5xx permanent. */
function kindOf(error: { responseCode?: number; code?: string }): ProviderErrorKind {
  const reply = error.responseCode;
  if (error.code === 'EAUTH' || reply === 535 || reply === 530) return 'misconfigured';
  if (reply !== undefined && reply >= 500) return 'rejected';
  if (reply === 421 || reply === 450 || reply === 451 || reply === 452) return 'rate_limited';
  return 'unreachable';
}

/**
 * E-mail one-time codes through SMTP with nodemailer. E-mail is low assurance (OWASP ASVS 5.0
 * V6 does not accept it as an authentication factor) and off in the default policy.
 */
export function createSmtpEmailProvider(config: SmtpEmailConfig): MessageProvider {
  const problems: string[] = [];
  let url: URL | undefined;
  try {
    url = new URL(config.url);
    if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:')
      problems.push('SMTP_URL must be smtp:// or smtps://.');
  } catch {
    problems.push('SMTP_URL must be a URL such as smtp://user:password@mail.example.com:587.');
  }
  const address = /<([^>]+)>\s*$/.exec(config.from ?? '')?.[1] ?? config.from ?? '';
  if (!emailish.test(address)) problems.push('EMAIL_FROM must be an e-mail address.');
  if (problems.length > 0 || !url) throw new ProviderConfigError('smtp', problems);

  const local = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
  const timeoutMs = config.timeoutMs ?? 10_000;
  // nodemailer is loaded with the first message, not at start: a server without SMTP never needs it.
  let transport: ReturnType<typeof nodemailer.createTransport> | undefined;
  const options = {
    url: config.url,
    requireTLS: url.protocol === 'smtp:' && (config.requireTls ?? !local),
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
    // Never log message content: it carries the code.
    logger: false,
    debug: false,
  } as Parameters<typeof nodemailer.createTransport>[0];
  const openTransport = async () => {
    transport ??= (await import('nodemailer')).default.createTransport(options);
    return transport;
  };

  return {
    name: 'smtp',
    channel: 'email',
    async send(message) {
      if (!emailish.test(message.to)) {
        throw new ProviderError('smtp', 'rejected', 'The recipient is not an e-mail address.');
      }
      try {
        const info = await (await openTransport()).sendMail({
          from: config.from,
          to: message.to,
          subject: message.subject ?? 'Your verification code',
          text: message.text,
          headers: { 'X-Helpdesk-Auth-Reference': message.reference },
        });
        return {
          status: 'sent',
          providerMessageId: typeof info.messageId === 'string' ? info.messageId : null,
        };
      } catch (error) {
        const e = error as { responseCode?: number; code?: string };
        throw new ProviderError(
          'smtp',
          kindOf(e),
          `The SMTP server refused the message${e.responseCode ? ` (reply ${e.responseCode})` : ''}.`,
          e.responseCode ? String(e.responseCode) : (e.code ?? null),
        );
      }
    },
  };
}
