// Finds the one customer a CIBA login_hint names: external id, e-mail address or phone number.
import { normaliseEmail } from '../../platform/email-address.ts';
import type { Db } from '../../storage/database.ts';
import { normalisePhone } from '../customers/index.ts';

/**
 * Finds the one customer of the tenant a login_hint names: by external id, e-mail address or
 * phone number (any international form, such as `+44 7911 123456`). A hint that matches no
 * customer, or more than one (two customers may share a phone), names nobody: the request must
 * not go to a phone chosen by guesswork. Returns the customer id, or undefined.
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
  const rows = await db
    .selectFrom('customers')
    .select('id')
    .where('tenant_id', '=', tenantId)
    .where((eb) =>
      eb.or([
        eb('external_id', '=', hint),
        ...(email ? [eb('email', '=', email)] : []),
        ...(phone ? [eb('phone', '=', phone)] : []),
      ]),
    )
    .limit(3)
    .execute();
  const ids = new Set(rows.map((row) => row.id));
  return ids.size === 1 ? [...ids][0] : undefined;
}
