/**
 * On an empty database, creates the demo tenant "Acme Bank" (slug `demo`), an admin operator
 * with a generated password, and a few customers, so a first `npm start` has something to
 * show. The password is returned for printing once and is stored only as an argon2id hash.
 */
import { demoAdminEmail, demoTenantSlug } from '../features/tenants/index.ts';
import { cliActor, systemActor } from '../platform/audit-log.ts';
import type { Services } from './services.ts';

const demoCustomers = [
  {
    displayName: 'Alice Martin',
    externalId: 'CUST-1001',
    phone: '+447911123456',
    email: 'alice@example.com',
    locale: 'en-GB',
  },
  {
    displayName: 'Bernd Schäfer',
    externalId: 'CUST-1002',
    phone: '+4915123456789',
    email: 'bernd@example.de',
    locale: 'de-DE',
  },
  {
    displayName: 'Chloé Dubois',
    externalId: 'CUST-1003',
    phone: '+33612345678',
    email: 'chloe@example.fr',
    locale: 'fr-FR',
  },
  {
    displayName: 'Daniel Okafor',
    externalId: 'CUST-1004',
    phone: '+14155552671',
    email: null,
    locale: 'en-US',
  },
  {
    displayName: 'Eva Lindqvist',
    externalId: 'CUST-1005',
    phone: null,
    email: 'eva@example.se',
    locale: 'sv-SE',
  },
];

export async function seedDemoData(
  services: Services,
): Promise<{ tenantSlug: string; email: string; password: string } | undefined> {
  if ((await services.tenants.list()).length > 0) return undefined;
  const tenant = await services.tenants.create({ slug: demoTenantSlug, name: 'Acme Bank' }, systemActor);
  const { generatedPassword } = await services.operators.create(
    tenant.id,
    // A demo starts at once: its printed password is not asked to be replaced.
    { email: demoAdminEmail, displayName: 'Demo Admin', role: 'admin', requirePasswordChange: false },
    systemActor,
  );
  for (const customer of demoCustomers) await services.customers.create(tenant.id, customer, cliActor);
  return { tenantSlug: tenant.slug, email: demoAdminEmail, password: generatedPassword! };
}
