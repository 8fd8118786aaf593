/**
 * The floor's HTTP half: a bare Fastify 5 endpoint, `GET /ping` → `{"ok":true}`, in its own
 * process. Listens on 127.0.0.1 at a free port and prints `listening <port>` on stdout.
 */
import Fastify from 'fastify';

const app = Fastify({ logger: false });
app.get('/ping', async () => ({ ok: true }));
await app.listen({ host: '127.0.0.1', port: 0 });
const address = app.server.address();
if (address === null || typeof address === 'string') throw new Error('no TCP address');
process.stdout.write(`listening ${address.port}\n`);

const stop = () => {
  void app.close().then(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
