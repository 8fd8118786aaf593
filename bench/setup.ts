/**
 * Data the benchmark needs, written through the server's own services before the server
 * process starts: a tenant whose push cap allows a benchmark, an API key, customers and one
 * activation per customer.
 */

import { openRuntime } from '../packages/server/src/app/runtime.ts';
import { loadConfig } from '../packages/server/src/config/config.ts';
import { cliActor } from '../packages/server/src/platform/audit-log.ts';

export interface BenchData {
  tenantId: string;
  apiKey: string;
  customers: { id: string; activationCode: string }[];
}

export async function prepareData(
  env: Record<string, string | undefined>,
  customers: number,
): Promise<BenchData> {
  const runtime = await openRuntime(loadConfig(env), { warn: () => {} });
  try {
    const { services } = runtime;
    const tenant = await services.tenants.create({ slug: 'bench', name: 'Benchmark Bank' }, cliActor);
    await services.tenants.update(
      tenant.id,
      { verification: { pushRequestsPerWindow: 20, pushWindowSeconds: 60 } },
      cliActor,
    );
    const { secret } = await services.apiKeys.create(
      tenant.id,
      { name: 'benchmark', scopes: ['verifications:read', 'verifications:write'] },
      cliActor,
    );
    const list: BenchData['customers'] = [];
    for (let i = 0; i < customers; i++) {
      const customer = await services.customers.create(
        tenant.id,
        { displayName: `Bench Customer ${i + 1}` },
        cliActor,
      );
      const activation = await services.devices.createActivation(tenant.id, customer.id, cliActor);
      list.push({ id: customer.id, activationCode: activation.code });
    }
    return { tenantId: tenant.id, apiKey: secret, customers: list };
  } finally {
    await runtime.close();
  }
}
