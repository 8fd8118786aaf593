import { Fragment, type ReactNode, useCallback, useEffect, useMemo, useState } from 'react';
import type { ConsoleApi } from '../api/client.ts';
import type { AuditEvent, ChainStatus } from '../api/types.ts';
import { ErrorNotice, PageHeading } from '../components/common.tsx';
import { customerProblem, resolveCustomer } from '../components/customer-filter.ts';
import {
  FilterField,
  type FilterProblems,
  ListFilters,
  PagedTable,
  toIsoOrUndefined,
  usePagedList,
} from '../components/paged-list.tsx';
import { type MessageKey, type Translate, useI18n } from '../i18n/i18n.tsx';
import { href } from '../router.ts';

/**
 * Every action the server writes to the log, in the order the filter lists them (by area). Each
 * has a name and a sentence in the catalogues (i18n/audit.en.ts, or its area's, e.g.
 * campaigns.en.ts); packages/server/src/features/audit/console-sentences.test.ts fails for an
 * action the server writes that is missing here or there. An action not listed here (a newer
 * server) still shows, as its raw name.
 */
export const knownAuditActions = [
  'verification.started',
  'verification.wrong_code',
  'verification.approved',
  'verification.denied',
  'verification.fraud_reported',
  'verification.expired',
  'verification.cancelled',
  'verification.failed',
  'otp.started',
  'otp.resent',
  'otp.verified',
  'otp.wrong_code',
  'otp.failed',
  'otp.expired',
  'otp.cancelled',
  'app_code.verified',
  'app_code.wrong_code',
  'app_code.replay_refused',
  'totp.verified',
  'totp.wrong_code',
  'totp.replay_refused',
  'totp.enrollment_started',
  'totp.enrolled',
  'totp.removed',
  'security_questions.set',
  'security_questions.verified',
  'security_questions.failed',
  'security_questions.locked',
  'customer.created',
  'customer.updated',
  'customer.deleted',
  'customer.notified',
  'customer.notification_failed',
  'customer.phone_unusable',
  'customer.push_lock_cleared',
  'customer.security_questions_unlocked',
  'customer.fraud_report_resolved',
  'fraud_case.opened',
  'fraud_case.signal_added',
  'fraud_case.assigned',
  'fraud_case.noted',
  'fraud_case.resolved',
  'device.activation_created',
  'device.activation_sent',
  'device.activations_revoked',
  'device.enrolled',
  'device.updated',
  'device.revoked',
  'device.test_push_sent',
  'device.offline_secret_issued',
  'device.webauthn_registered',
  'operator.signed_in',
  'operator.signed_out',
  'operator.sign_in_failed',
  'operator.created',
  'operator.updated',
  'operator.password_changed',
  'operator.second_factor_enrolment_started',
  'operator.second_factor_enrolled',
  'operator.second_factor_verified',
  'operator.second_factor_failed',
  'operator.second_factor_reset',
  'operator.sso_failed',
  'operator.sso_refused',
  'api_key.created',
  'api_key.revoked',
  'widget_session.issued',
  'policy.updated',
  'tenant.created',
  'tenant.updated',
  'tenant.push_credentials_set',
  'tenant.push_credentials_removed',
  'webhook.created',
  'webhook.updated',
  'webhook.deleted',
  'webhook.secret_rotated',
  'webhook.test_sent',
  'webhook.redelivered',
  'sso.configured',
  'sso.updated',
  'sso.removed',
  'oidc_client.created',
  'oidc_client.updated',
  'oidc_client.revoked',
  'oidc_client.secret_rotated',
  'ciba.tokens_issued',
  'keycloak_channel.configured',
  'keycloak_channel.removed',
  'server_keys.rotated',
  'campaign.created',
  'campaign.started',
  'campaign.paused',
  'campaign.resumed',
  'campaign.cancelled',
  'campaign.completed',
  'call.started',
  'call.viewed',
  'call.confirmed',
  'call.mismatch',
  'call.code_failed',
  'call.ended',
  'call.expired',
  'call.reported',
  'practice.customer_created',
  'practice.session_assigned',
  'practice.session_started',
  'practice.step_concluded',
  'practice.session_finished',
  'practice.reset',
  'practice.purged',
] as const;
type KnownAction = (typeof knownAuditActions)[number];
const isKnown = (action: string): action is KnownAction =>
  (knownAuditActions as readonly string[]).includes(action);

/** The action's name for people, or the stored name when this console does not know it. */
export function actionLabel(t: Translate, action: string): string {
  return isKnown(action) ? t(`audit.action.${action}` as MessageKey) : action;
}

function actorText(t: Translate, actor: AuditEvent['actor']): string {
  const name = actor.name ?? (actor.id ? t('audit.gone', { id: actor.id }) : '');
  switch (actor.type) {
    case 'operator':
      return name || t('audit.someone');
    case 'api_key':
      return t('audit.actor.api_key', { name });
    case 'oidc_client':
      return t('audit.actor.oidc_client', { name });
    case 'system':
      return t('audit.actor.system');
    case 'cli':
      return t('audit.actor.cli');
    case 'keycloak':
      return t('audit.actor.keycloak');
    default:
      return actor.id ? `${actor.type} ${actor.id}` : actor.type;
  }
}

/**
 * The counts an entry carries (how many practice sessions a reset removed, the retention in
 * days), for the sentences that name them. Numbers only: nothing else of the data reaches a
 * sentence.
 */
function countsOf(entry: AuditEvent): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const [name, value] of Object.entries(entry.data ?? {}))
    if (typeof value === 'number' && Number.isFinite(value)) counts[name] = value;
  return counts;
}

const signalKinds = ['fraud_report', 'push_denied', 'questions_locked', 'fake_call'] as const;
const resolutions = ['genuine_mistake', 'confirmed_fraud', 'escalated'] as const;

/**
 * The words a few sentences carry besides the counts: a campaign's name (or, as the server names
 * no campaigns, its id), a fraud signal's kind and a case's outcome in the reader's language, a
 * practice call's number. Names and ids only: never a note, a code or an answer.
 */
function wordsOf(t: Translate, entry: AuditEvent): Record<string, string | number> {
  const data = entry.data ?? {};
  const words: Record<string, string | number> = {};
  if (entry.action.startsWith('campaign.')) {
    words.campaign = entry.target?.id ?? '';
    if (typeof data.name === 'string') words.name = data.name;
    // The counts by recipient status; a status no recipient reached is not in the entry.
    if (entry.action === 'campaign.completed')
      for (const status of ['sent', 'skipped', 'failed']) words[status] = 0;
  }
  const kind = data.signalKind;
  if (typeof kind === 'string')
    words.kind = (signalKinds as readonly string[]).includes(kind)
      ? t(`fq.kind.${kind}` as MessageKey)
      : kind;
  const resolution = data.resolution;
  if (typeof resolution === 'string')
    words.resolution = (resolutions as readonly string[]).includes(resolution)
      ? t(`fq.resolution.${resolution}` as MessageKey)
      : resolution;
  // Steps count from 0 in the entry, calls from 1 on the practice page.
  if (entry.action === 'practice.step_concluded' && typeof data.step === 'number') words.call = data.step + 1;
  return words;
}

/**
 * One sentence per entry, with the customer's name a link to their page. The catalogue's
 * sentence is filled with markers first and split on them, so the link sits where the language
 * puts the name.
 */
function Sentence({ entry }: { entry: AuditEvent }) {
  const { t } = useI18n();
  const actor = actorText(t, entry.actor);
  if (!isKnown(entry.action)) return <>{t('audit.unknownAction', { actor, action: entry.action })}</>;
  const target = entry.target ? (entry.target.name ?? t('audit.gone', { id: entry.target.id })) : '';
  const customer = entry.customer;
  const marker = '\u0000customer\u0000';
  const text = t(`audit.sentence.${entry.action}` as MessageKey, {
    ...wordsOf(t, entry),
    ...countsOf(entry),
    actor,
    target,
    customer: marker,
  });
  const parts = text.split(marker);
  const customerNode: ReactNode = customer ? (
    customer.name ? (
      <a href={href({ name: 'customer', id: customer.id })} title={customer.externalId ?? undefined}>
        {customer.name}
      </a>
    ) : (
      t('audit.gone', { id: customer.id })
    )
  ) : (
    t('audit.someone')
  );
  return (
    <>
      {parts.map((part, i) => (
        // The parts of one fixed sentence; their order never changes.
        // biome-ignore lint/suspicious/noArrayIndexKey: see above
        <Fragment key={i}>
          {i > 0 && customerNode}
          {part}
        </Fragment>
      ))}
    </>
  );
}

/** The entry as the API gave it, for the auditor who needs the exact record. */
function storedEntry(entry: AuditEvent) {
  const { actor, target, customer: _customer, ...rest } = entry;
  return {
    ...rest,
    actor: { type: actor.type, id: actor.id },
    target: target ? { type: target.type, id: target.id } : null,
  };
}

interface AuditFilterValues {
  action: string;
  actorId: string;
  targetId: string;
  /** The internal id the customer field resolved to, or empty. */
  customerId: string;
  from: string;
  to: string;
}

function filterQuery(filter: AuditFilterValues) {
  return {
    action: filter.action || undefined,
    actorId: filter.actorId.trim() || undefined,
    targetId: filter.targetId.trim() || undefined,
    customerId: filter.customerId || undefined,
    from: toIsoOrUndefined(filter.from),
    to: toIsoOrUndefined(filter.to),
  };
}

/** The export's address for a filter: the same filters as the list, so it holds what is shown. */
function exportHref(filter: AuditFilterValues): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(filterQuery(filter))) if (value) params.set(name, value);
  const query = params.toString();
  return `/v1/audit-events/export${query ? `?${query}` : ''}`;
}

/** Who may have acted, by name: the operators and API keys of the tenant (empty if not readable). */
function useActors(api: ConsoleApi) {
  const [actors, setActors] = useState<{ id: string; label: string }[] | null>(null);
  const { t } = useI18n();
  useEffect(() => {
    Promise.all([api.operators(), api.apiKeys()]).then(
      ([operators, keys]) =>
        setActors([
          ...operators.items.map((o) => ({ id: o.id, label: o.displayName })),
          ...keys.items.map((k) => ({ id: k.id, label: t('audit.actor.api_key', { name: k.name }) })),
        ]),
      () => setActors(null),
    );
  }, [api, t]);
  return actors;
}

/** The auditor's view: the hash-chained log in sentences, with filters, the chain's verification, and export. */
export function AuditLog({ api }: { api: ConsoleApi }) {
  const { t, formatDateTime } = useI18n();
  const [action, setAction] = useState('');
  const [actorId, setActorId] = useState('');
  const [customerText, setCustomerText] = useState('');
  const [targetId, setTargetId] = useState('');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [problems, setProblems] = useState<FilterProblems>({});
  // The filter the list shows now, which the export follows.
  const [applied, setApplied] = useState<AuditFilterValues>({
    action: '',
    actorId: '',
    targetId: '',
    customerId: '',
    from: '',
    to: '',
  });
  const [chain, setChain] = useState<ChainStatus | null>(null);
  const [chainError, setChainError] = useState<unknown>(null);
  const actors = useActors(api);
  const fetchPage = useCallback(
    async (cursor: string | undefined) => {
      const typed = customerText.trim();
      const customer = await resolveCustomer(api, typed);
      if (customer.kind !== 'found') {
        setProblems({ customer: customerProblem(t, typed, customer) });
        return { items: [], nextCursor: null };
      }
      const values = { action, actorId, targetId, customerId: customer.id ?? '', from, to };
      if (!cursor) setApplied(values);
      return api.auditEvents({ ...filterQuery(values), limit: 50, ...(cursor ? { cursor } : {}) });
    },
    [api, t, action, actorId, customerText, targetId, from, to],
  );
  const list = usePagedList(fetchPage);
  const options = useMemo(
    () =>
      knownAuditActions
        .map((value) => ({ value, label: actionLabel(t, value) }))
        .sort((a, b) => a.label.localeCompare(b.label)),
    [t],
  );

  useEffect(() => {
    api.auditChain().then(setChain, setChainError);
  }, [api]);

  return (
    <div>
      <PageHeading>{t('audit.title')}</PageHeading>
      <section className="card" aria-labelledby="chain-heading">
        <h2 id="chain-heading">{t('audit.chain')}</h2>
        <ErrorNotice error={chainError} />
        {chain && (
          <p className={chain.ok ? 'notice ok' : 'notice danger'} data-testid="chain-status">
            {chain.ok
              ? t('audit.chainOk', { checked: chain.checked, headSeq: chain.headSeq })
              : t('audit.chainBroken', {
                  seq: chain.firstBroken?.seq ?? '?',
                  reason: chain.firstBroken?.reason ?? '?',
                })}
          </p>
        )}
        {/* A plain link: the browser sends the session cookie and saves the JSON Lines file. */}
        <a
          className="button"
          href={exportHref(applied)}
          download="audit-log.jsonl"
          data-testid="audit-export"
        >
          {t('audit.exportShown')}
        </a>
        <p className="muted small">{t('audit.exportHelp')}</p>
      </section>
      <ListFilters
        from={from}
        to={to}
        onFrom={setFrom}
        onTo={setTo}
        onApply={list.reload}
        check={() => {
          setProblems({});
          return {};
        }}
      >
        <label className="field">
          <span>{t('audit.filter.action')}</span>
          <select name="action" value={action} onChange={(e) => setAction(e.target.value)}>
            <option value="">{t('audit.filter.anyAction')}</option>
            {options.map((option) => (
              <option key={option.value} value={option.value}>
                {option.label}
              </option>
            ))}
          </select>
        </label>
        {actors ? (
          <label className="field">
            <span>{t('audit.filter.by')}</span>
            <select name="actorId" value={actorId} onChange={(e) => setActorId(e.target.value)}>
              <option value="">{t('audit.filter.anyone')}</option>
              {actors.map((actor) => (
                <option key={actor.id} value={actor.id}>
                  {actor.label}
                </option>
              ))}
            </select>
          </label>
        ) : (
          // The server takes at most 64 characters; the field says so by stopping there.
          <FilterField
            name="actorId"
            label={t('audit.filter.actorId')}
            value={actorId}
            onChange={setActorId}
            maxLength={64}
          />
        )}
        <FilterField
          name="customer"
          label={t('hf.customer')}
          value={customerText}
          onChange={setCustomerText}
          problem={problems.customer}
          placeholder={t('hf.customer.placeholder')}
          maxLength={200}
        />
        <FilterField
          name="targetId"
          label={t('audit.filter.objectId')}
          value={targetId}
          onChange={setTargetId}
          maxLength={64}
        />
      </ListFilters>
      <PagedTable list={list} empty={t('audit.empty')} regionLabel={t('audit.tableLabel')}>
        <table data-testid="audit-table" className="audit-table">
          <thead>
            <tr>
              <th scope="col">{t('audit.col.seq')}</th>
              <th scope="col">{t('audit.col.time')}</th>
              <th scope="col">{t('audit.col.what')}</th>
            </tr>
          </thead>
          <tbody>
            {list.items.map((entry) => (
              <tr key={entry.id} data-action={entry.action}>
                <td>{entry.seq}</td>
                <td className="audit-time">{formatDateTime(entry.occurredAt)}</td>
                <td>
                  <p className="audit-sentence" data-testid="audit-sentence">
                    <Sentence entry={entry} />
                  </p>
                  <details className="audit-details">
                    <summary>
                      <span className="badge">{actionLabel(t, entry.action)}</span>{' '}
                      {t('audit.details', { seq: entry.seq })}
                    </summary>
                    <pre className="mono small">{JSON.stringify(storedEntry(entry), null, 2)}</pre>
                  </details>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </PagedTable>
    </div>
  );
}
