// Finds the one customer a CIBA login_hint names: external id, e-mail address or phone number.
import { sql } from 'kysely';
import { normaliseEmail } from '../../platform/email-address.ts';
import type { Db } from '../../storage/database.ts';
import { normalisePhone } from '../customers/index.ts';

/**
 * Finds the one customer of the tenant a login_hint names: by external id (trimmed, without regard
 * to case: Keycloak stores usernames in lower case, so `CUST-1001` arrives as `cust-1001`), e-mail
 * address or phone number (any international form, such as `+44 7911 123456`). A hint that matches
 * no customer, or more than one (two customers may share a phone, or have external ids that differ
 * only in case), names nobody: the request must not go to a phone chosen by guesswork. Returns the
 * customer id, or undefined.
 */
export async function resolveLoginHint(db: Db, tenantId: string, hint: string): Promise<string | undefined> {
  const trimmed = hint.trim();
  if (trimmed.length === 0) return undefined;
  let phone: string | undefined;
  if (trimmed.startsWith('+')) {
    try {
      phone = normalisePhone(trimmed);
    } catch {
      phone = undefined;
    }
  }
  const email = trimmed.includes('@') ? normaliseEmail(trimmed) : undefined;
  // One indexed lookup per form (an OR across them would make both databases read every customer
  // of the tenant); lower() on both sides of the external id, so both databases fold alike
  // (index: migration 0016).
  // A practice customer is never the subject of a real login.
  const base = () =>
    db
      .selectFrom('customers')
      .select('id')
      .where('tenant_id', '=', tenantId)
      .where('practice', '=', 0)
      .limit(2);
  const lookups = [
    base().where(sql<string>`lower(external_id)`, '=', sql<string>`lower(${trimmed})`),
    ...(email ? [base().where('email', '=', email)] : []),
    ...(phone ? [base().where('phone', '=', phone)] : []),
  ];
  const rows = (await Promise.all(lookups.map((query) => query.execute()))).flat();
  const ids = new Set(rows.map((row) => row.id));
  return ids.size === 1 ? [...ids][0] : undefined;
}
