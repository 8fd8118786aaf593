// Tests of the SMTP e-mail provider against a real SMTP server.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { SMTPServer } from 'smtp-server';
import { ProviderConfigError, ProviderError } from './message-provider.ts';
import { createSmtpEmailProvider } from './smtp-email.ts';

interface Received {
  from: string;
  to: string[];
  user: string | undefined;
  data: string;
}

describe('SMTP e-mail provider against a real SMTP server', () => {
  const received: Received[] = [];
  let port = 0;
  const server = new SMTPServer({
    secure: false,
    disabledCommands: ['STARTTLS'],
    authOptional: false,
    allowInsecureAuth: true,
    onAuth(auth, _session, callback) {
      if (auth.username === 'mailer' && auth.password === 'mail-password')
        return callback(null, { user: 'mailer' });
      return callback(new Error('Invalid username or password'));
    },
    onRcptTo(address, _session, callback) {
      if (address.address.endsWith('@refused.example')) {
        const error = new Error('Mailbox unavailable') as Error & { responseCode: number };
        error.responseCode = 550;
        return callback(error);
      }
      return callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          user: session.user as string | undefined,
          data: Buffer.concat(chunks).toString('utf8'),
        });
        callback();
      });
    },
    logger: false,
  });

  before(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    port = (server.server.address() as AddressInfo).port;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('delivers the message with authentication, envelope and text', async () => {
    const provider = createSmtpEmailProvider({
      url: `smtp://mailer:mail-password@127.0.0.1:${port}`,
      from: 'Acme Bank <no-reply@acme.example>',
    });
    const result = await provider.send({
      to: 'alice@example.com',
      subject: 'Acme Bank: your verification code',
      text: 'Your verification code is 246810.',
      reference: 'msg_5',
      tenantId: 't',
    });
    assert.equal(result.status, 'sent');
    assert.ok(result.providerMessageId);
    const mail = received.at(-1)!;
    assert.equal(mail.user, 'mailer');
    assert.equal(mail.from, 'no-reply@acme.example');
    assert.deepEqual(mail.to, ['alice@example.com']);
    assert.match(mail.data, /Subject: Acme Bank: your verification code/);
    assert.match(mail.data, /Your verification code is 246810\./);
    assert.match(mail.data, /X-Helpdesk-Auth-Reference: msg_5/);
  });

  it('reports wrong credentials as misconfigured and a refused mailbox as rejected', async () => {
    const wrong = createSmtpEmailProvider({
      url: `smtp://mailer:nope@127.0.0.1:${port}`,
      from: 'no-reply@acme.example',
    });
    await assert.rejects(
      wrong.send({ to: 'alice@example.com', text: 'x', reference: 'r', tenantId: 't' }),
      (e: unknown) => e instanceof ProviderError && e.kind === 'misconfigured',
    );
    const good = createSmtpEmailProvider({
      url: `smtp://mailer:mail-password@127.0.0.1:${port}`,
      from: 'no-reply@acme.example',
    });
    await assert.rejects(
      good.send({ to: 'bob@refused.example', text: 'x', reference: 'r', tenantId: 't' }),
      (e: unknown) => e instanceof ProviderError && e.kind === 'rejected' && e.providerCode === '550',
    );
  });

  it('refuses a configuration without a usable URL or sender', () => {
    assert.throws(() => createSmtpEmailProvider({ url: 'http://mail', from: 'nobody' }), ProviderConfigError);
  });
});
