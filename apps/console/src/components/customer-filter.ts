import { idPattern } from '@helpdesk-auth/core';
import type { ConsoleApi } from '../api/client.ts';
import type { Customer } from '../api/types.ts';
import type { Translate } from '../i18n/i18n.tsx';

/**
 * A list filter's customer as agents know them: a name or the customer number (the internal id
 * works too), resolved with the customer search to the one customer it names. History and the
 * audit log share it.
 */
export type ResolvedCustomer =
  | { kind: 'found'; id: string | null }
  | { kind: 'none' }
  | { kind: 'several'; matches: Customer[]; more: boolean };

const customerIdPattern = new RegExp(idPattern('customer'));

/**
 * Nobody (no filter), an internal id as typed, or the one customer the search finds by name or
 * customer number. A customer number matches exactly, so it picks one among several of a name.
 */
export async function resolveCustomer(api: ConsoleApi, text: string): Promise<ResolvedCustomer> {
  if (!text) return { kind: 'found', id: null };
  if (customerIdPattern.test(text)) return { kind: 'found', id: text };
  const { items, nextCursor } = await api.searchCustomers(text, 6);
  const exact = items.filter((c) => c.externalId === text);
  const matches = exact.length === 1 ? exact : items;
  if (matches.length === 0) return { kind: 'none' };
  if (matches.length === 1) return { kind: 'found', id: matches[0]!.id };
  return { kind: 'several', matches, more: exact.length !== 1 && nextCursor !== null };
}

/** What the field says when the text names no customer, or several. */
export function customerProblem(t: Translate, text: string, resolved: ResolvedCustomer): string | undefined {
  if (resolved.kind === 'none') return t('hf.noMatch', { text });
  if (resolved.kind === 'several')
    return t('hf.several', {
      count: `${resolved.matches.length}${resolved.more ? '+' : ''}`,
      text,
      names: resolved.matches
        .map((c) => (c.externalId ? `${c.displayName} (${c.externalId})` : c.displayName))
        .join(', '),
    });
  return undefined;
}
