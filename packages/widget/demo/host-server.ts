/**
 * A stand-in for a third-party ticketing tool, to show (and test) the widget as it is meant to
 * be installed: the tool's page embeds <helpdesk-verify>, and the tool's BACKEND (this server)
 * keeps the Helpdesk Auth API key and exchanges it for a short-lived widget token.
 *
 *   node packages/widget/demo/host-server.ts --server http://localhost:8080 --key hda_key_... [--port 8090]
 *
 * The key needs customers:read, devices:read, verifications:read and verifications:write.
 * Then open http://localhost:8090 .
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

export interface DemoHostOptions {
  /** The Helpdesk Auth server, e.g. http://localhost:8080. */
  server: string;
  apiKey: string;
  port?: number;
  host?: string;
  /** The signed-in agent of the ticketing tool, told to the customer. */
  agentName?: string;
}

export interface DemoHost {
  url: string;
  /** Token requests this backend made, for tests. */
  tokenRequests: { customer: string; status: number }[];
  close(): Promise<void>;
}

const pageFile = path.join(path.dirname(fileURLToPath(import.meta.url)), 'ticket.html');

export async function startDemoHost(options: DemoHostOptions): Promise<DemoHost> {
  const server = options.server.replace(/\/+$/, '');
  const tokenRequests: DemoHost['tokenRequests'] = [];
  const http: Server = createServer(async (request, response) => {
    const url = new URL(request.url ?? '/', 'http://host.invalid');
    try {
      if (request.method === 'GET' && url.pathname === '/') {
        const page = readFileSync(pageFile, 'utf8').replaceAll('{{SERVER}}', server);
        response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
        response.end(page);
        return;
      }
      if (request.method === 'GET' && url.pathname === '/widget-token') {
        // A real tool checks its own agent session here, and that the agent may see this customer.
        const customer = url.searchParams.get('customer') ?? '';
        const answer = await fetch(`${server}/v1/widget-tokens`, {
          method: 'POST',
          headers: { authorization: `Bearer ${options.apiKey}`, 'content-type': 'application/json' },
          body: JSON.stringify({ externalId: customer, agentName: options.agentName ?? 'Sam Support' }),
        });
        tokenRequests.push({ customer, status: answer.status });
        const body = (await answer.json()) as { token?: string };
        response.writeHead(answer.ok ? 200 : 502, {
          'content-type': 'application/json',
          'cache-control': 'no-store',
        });
        response.end(JSON.stringify(answer.ok ? { token: body.token } : { error: 'token refused' }));
        return;
      }
      response.writeHead(404, { 'content-type': 'text/plain' });
      response.end('not found');
    } catch {
      response.writeHead(502, { 'content-type': 'text/plain' });
      response.end('Helpdesk Auth did not answer');
    }
  });
  await new Promise<void>((resolve) => http.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    tokenRequests,
    close: () =>
      new Promise<void>((resolve) => {
        http.closeAllConnections();
        http.close(() => resolve());
      }),
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const { values } = parseArgs({
    options: {
      server: { type: 'string', default: 'http://localhost:8080' },
      key: { type: 'string', default: process.env.HELPDESK_AUTH_API_KEY ?? '' },
      port: { type: 'string', default: '8090' },
    },
  });
  if (!values.key) {
    process.stderr.write('Give an API key: --key hda_key_... (or HELPDESK_AUTH_API_KEY).\n');
    process.exit(1);
  }
  const host = await startDemoHost({
    server: values.server,
    apiKey: values.key,
    port: Number(values.port),
    host: 'localhost',
  });
  process.stdout.write(`Demo ticketing tool at ${host.url} (embedding ${values.server}).\n`);
}
