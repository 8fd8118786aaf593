import { cliActor } from '../packages/server/src/platform/audit-log.ts';
import { startTestHarness } from '../packages/server/src/test-support/harness.ts';
const h = await startTestHarness('sqlite');
const t = await h.tenantWithOperators('x');
const c = await h.runtime.services.customers.create(t.id, { displayName: 'A' }, cliActor);
await h.runtime.services.verifications.start(t.id, { customerId: c.id, purpose: 'authenticate', reason: 'test', agentName: 'H' }, cliActor).catch((e) => console.log('start', e.message));
const r = await h.app.inject({ method: 'GET', url: '/v1/analytics/dashboard', ...t.clients.admin.auth() });
console.log(r.statusCode, r.body.slice(0, 300), h.runtime.services.context.clock(), h.clock.now());
await h.close();
