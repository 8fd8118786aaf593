// Names for a page of audit entries: who acted, what was acted on and which customer it concerns,
// looked up in one query per kind for the whole page, so the console shows people, not ids.
import type { AuditEntry } from '@helpdesk-auth/core/audit-chain';
import type { Db } from '../../storage/database.ts';

export interface AuditCustomer {
  id: string;
  name: string | null;
  externalId: string | null;
}

export interface AuditNames {
  actorName: string | null;
  targetName: string | null;
  /** The customer the entry concerns: its target, or the customer of the verification or device. */
  customer: AuditCustomer | null;
}

/** The customer an entry concerns, by id, as far as the stored entry says. */
function customerIdOf(entry: AuditEntry, data: Record<string, unknown>): string | null {
  if (entry.targetType === 'customer' && entry.targetId) return entry.targetId;
  return typeof data.customerId === 'string' ? data.customerId : null;
}

function byId<T extends { id: string }>(rows: T[]): Map<string, T> {
  return new Map(rows.map((row) => [row.id, row]));
}

/**
 * Current names, not those at the time of the entry (the entry itself is the evidence and is
 * never changed): a renamed operator shows the new name, a deleted customer none. Only rows of
 * the same tenant are read, so an id from another tenant never resolves.
 */
export async function resolveAuditNames(
  db: Db,
  tenantId: string,
  entries: AuditEntry[],
): Promise<AuditNames[]> {
  const data = entries.map((entry) => JSON.parse(entry.data) as Record<string, unknown>);
  const ids = (kinds: string[]) => {
    const found = new Set<string>();
    for (const entry of entries) {
      if (kinds.includes(entry.actorType) && entry.actorId) found.add(`${entry.actorType}:${entry.actorId}`);
      if (entry.targetType && kinds.includes(entry.targetType) && entry.targetId)
        found.add(`${entry.targetType}:${entry.targetId}`);
    }
    return [...found].map((key) => key.slice(key.indexOf(':') + 1));
  };
  const customerIds = [
    ...new Set(entries.map((entry, i) => customerIdOf(entry, data[i]!)).filter((id) => id !== null)),
  ];
  const deviceIds = ids(['device']);
  const operatorIds = ids(['operator']);
  const apiKeyIds = ids(['api_key']);
  const oidcIds = ids(['oidc_client']);
  const webhookIds = ids(['webhook_endpoint']);
  const none = Promise.resolve([]);
  const [devices, operators, apiKeys, oidcClients, webhooks] = await Promise.all([
    deviceIds.length
      ? db
          .selectFrom('devices')
          .select(['id', 'label', 'customer_id'])
          .where('tenant_id', '=', tenantId)
          .where('id', 'in', deviceIds)
          .execute()
      : none,
    operatorIds.length
      ? db
          .selectFrom('operators')
          .select(['id', 'display_name'])
          .where('tenant_id', '=', tenantId)
          .where('id', 'in', operatorIds)
          .execute()
      : none,
    apiKeyIds.length
      ? db
          .selectFrom('api_keys')
          .select(['id', 'name'])
          .where('tenant_id', '=', tenantId)
          .where('id', 'in', apiKeyIds)
          .execute()
      : none,
    oidcIds.length
      ? db
          .selectFrom('oidc_clients')
          .select(['id', 'name'])
          .where('tenant_id', '=', tenantId)
          .where('id', 'in', oidcIds)
          .execute()
      : none,
    webhookIds.length
      ? db
          .selectFrom('webhook_endpoints')
          .select(['id', 'url'])
          .where('tenant_id', '=', tenantId)
          .where('id', 'in', webhookIds)
          .execute()
      : none,
  ]);
  const deviceById = byId(devices);
  // A device's entries concern its customer, whose name the sentence needs too.
  for (const device of devices)
    if (!customerIds.includes(device.customer_id)) customerIds.push(device.customer_id);
  const customers = customerIds.length
    ? await db
        .selectFrom('customers')
        .select(['id', 'display_name', 'external_id'])
        .where('tenant_id', '=', tenantId)
        .where('id', 'in', customerIds)
        .execute()
    : [];
  const names = {
    customer: new Map(customers.map((c) => [c.id, c.display_name])),
    device: new Map(devices.map((d) => [d.id, d.label])),
    operator: new Map(operators.map((o) => [o.id, o.display_name])),
    api_key: new Map(apiKeys.map((k) => [k.id, k.name])),
    oidc_client: new Map(oidcClients.map((c) => [c.id, c.name])),
    webhook_endpoint: new Map(webhooks.map((w) => [w.id, w.url])),
  } as Record<string, Map<string, string>>;
  const customerById = byId(customers);
  const nameOf = (type: string | null, id: string | null) =>
    type && id ? (names[type]?.get(id) ?? null) : null;

  return entries.map((entry, i) => {
    const customerId =
      customerIdOf(entry, data[i]!) ??
      (entry.targetType === 'device' && entry.targetId
        ? (deviceById.get(entry.targetId)?.customer_id ?? null)
        : null);
    const customer = customerId ? customerById.get(customerId) : undefined;
    return {
      actorName: nameOf(entry.actorType, entry.actorId),
      targetName: nameOf(entry.targetType, entry.targetId),
      customer: customerId
        ? { id: customerId, name: customer?.display_name ?? null, externalId: customer?.external_id ?? null }
        : null,
    };
  });
}
