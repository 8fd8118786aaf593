// Local stand-ins for the SMS vendors, for tests.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Local stand-ins for the SMS vendors, for tests: real HTTP servers on 127.0.0.1 that check each
 * request the way the vendor documents it (path, authentication, content type, required fields)
 * and answer in the vendor's shape, so a provider that builds a wrong request fails here too.
 */
export interface ReceivedSms {
  to: string;
  from: string;
  text: string;
  raw: Record<string, string>;
}

export interface VendorServer {
  url: string;
  received: ReceivedSms[];
  /** Every request, accepted or not, with the answer's status. */
  requests: { path: string; status: number }[];
  /** Answer the next request with this failure instead (status and body). */
  failNext(status: number, body: unknown): void;
  close(): Promise<void>;
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function basicCredentials(header: string | undefined): [string, string] | undefined {
  const match = /^Basic ([A-Za-z0-9+/=]+)$/.exec(header ?? '');
  if (!match) return undefined;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : [decoded.slice(0, colon), decoded.slice(colon + 1)];
}

async function startVendor(
  handle: (
    path: string,
    request: IncomingMessage,
    body: string,
  ) => { status: number; body: unknown; sms?: ReceivedSms },
): Promise<VendorServer> {
  const received: ReceivedSms[] = [];
  const requests: { path: string; status: number }[] = [];
  let failure: { status: number; body: unknown; sms?: ReceivedSms } | undefined;
  const server: Server = createServer(async (request, response) => {
    const body = await readBody(request);
    const path = (request.url ?? '').split('?')[0]!;
    const answer = failure ?? handle(path, request, body);
    if (!failure && answer.sms) received.push(answer.sms);
    failure = undefined;
    requests.push({ path, status: answer.status });
    response.writeHead(answer.status, { 'content-type': 'application/json' });
    response.end(JSON.stringify(answer.body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    requests,
    failNext(status, body) {
      failure = { status, body };
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export const twilioTestAccount = {
  accountSid: `AC${'0123456789abcdef'.repeat(2)}`,
  authToken: 'twilio-test-auth-token-0123456789',
  from: '+15005550006',
};

/**
 * Twilio's Messages API: POST /2010-04-01/Accounts/{AccountSid}/Messages.json, Basic auth with
 * the Account SID and Auth Token, form-encoded To, From (or MessagingServiceSid) and Body.
 * Answers 201 with the Message resource, or Twilio's error object.
 */
export function startTestTwilio(account = twilioTestAccount): Promise<VendorServer> {
  return startVendor((path, request, body) => {
    const expectedPath = `/2010-04-01/Accounts/${account.accountSid}/Messages.json`;
    if (request.method !== 'POST' || path !== expectedPath) {
      return {
        status: 404,
        body: { code: 20404, message: 'The requested resource was not found', status: 404 },
      };
    }
    const credentials = basicCredentials(request.headers.authorization);
    if (!credentials || credentials[0] !== account.accountSid || credentials[1] !== account.authToken) {
      return { status: 401, body: { code: 20003, message: 'Authenticate', status: 401 } };
    }
    if (!(request.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
      return { status: 400, body: { code: 20001, message: 'Expected form-encoded parameters', status: 400 } };
    }
    const form = Object.fromEntries(new URLSearchParams(body));
    if (!form.To || !/^\+[1-9][0-9]{6,14}$/.test(form.To)) {
      return {
        status: 400,
        body: { code: 21211, message: "The 'To' number is not a valid phone number.", status: 400 },
      };
    }
    if (!form.From && !form.MessagingServiceSid) {
      return {
        status: 400,
        body: { code: 21603, message: "A 'From' phone number is required.", status: 400 },
      };
    }
    if (!form.Body)
      return { status: 400, body: { code: 21602, message: 'Message body is required.', status: 400 } };
    const sid = `SM${randomBytes(16).toString('hex')}`;
    return {
      status: 201,
      body: {
        sid,
        account_sid: account.accountSid,
        to: form.To,
        from: form.From,
        body: form.Body,
        status: 'queued',
      },
      sms: { to: form.To, from: form.From ?? form.MessagingServiceSid!, text: form.Body, raw: form },
    };
  });
}

export const vonageTestAccount = { apiKey: 'abcd1234', apiSecret: 'vonage-test-secret-1', from: 'AcmeBank' };

/**
 * Vonage's SMS API: POST /sms/json, credentials as HTTP Basic (or api_key and api_secret
 * fields), form-encoded from, to (international, no +) and text. Answers 200 with one status
 * per message part: "0" accepted, "2" missing parameters, "4" invalid credentials.
 */
export function startTestVonage(account = vonageTestAccount): Promise<VendorServer> {
  return startVendor((path, request, body) => {
    if (request.method !== 'POST' || path !== '/sms/json') return { status: 404, body: {} };
    const form = Object.fromEntries(new URLSearchParams(body));
    const credentials = basicCredentials(request.headers.authorization) ?? [form.api_key, form.api_secret];
    const partError = (status: string, text: string) => ({
      status: 200,
      body: { 'message-count': '1', messages: [{ status, 'error-text': text }] },
    });
    if (!(request.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
      return partError('2', 'Missing from param');
    }
    if (credentials[0] !== account.apiKey || credentials[1] !== account.apiSecret) {
      return partError('4', 'Bad Credentials');
    }
    if (!form.from || !form.to || !form.text) return partError('2', 'Missing params');
    if (!/^[1-9][0-9]{6,14}$/.test(form.to)) return partError('3', 'Invalid to address');
    const id = randomBytes(8).toString('hex').toUpperCase();
    return {
      status: 200,
      body: {
        'message-count': '1',
        messages: [
          {
            to: form.to,
            'message-id': id,
            status: '0',
            'remaining-balance': '10.0',
            'message-price': '0.03',
          },
        ],
      },
      sms: { to: form.to, from: form.from, text: form.text, raw: form },
    };
  });
}

/** The six-digit code in a message text. */
export function codeIn(text: string): string {
  const match = /\b(\d{6})\b/.exec(text);
  if (!match) throw new Error('No code in the message.');
  return match[1]!;
}
