// The new-customer and edit-customer dialog: the server checks every field; its refusals show as
// sentences on the field they concern.
import { type FormEvent, useEffect, useId, useRef, useState } from 'react';
import { type ApiError, type ConsoleApi, isApiError } from '../api/client.ts';
import type { Customer, CustomerInput } from '../api/types.ts';
import { type MessageKey, useI18n } from '../i18n/i18n.tsx';
import { useErrorText } from './common.tsx';
import '../pages/customer.css';

type Field = 'displayName' | 'externalId' | 'phone' | 'email' | 'locale';
const fieldNames: Field[] = ['displayName', 'externalId', 'phone', 'email', 'locale'];

/**
 * Which field a refusal concerns: typed codes name theirs; a schema refusal (VALIDATION_FAILED)
 * names the property in its message, such as `body/email must match format "email"`.
 */
function refusalField(error: ApiError): { field: Field; key: MessageKey } | null {
  if (error.code === 'INVALID_PHONE_NUMBER') return { field: 'phone', key: 'cf.error.INVALID_PHONE_NUMBER' };
  if (error.code === 'EXTERNAL_ID_TAKEN') return { field: 'externalId', key: 'cf.error.EXTERNAL_ID_TAKEN' };
  if (error.code !== 'VALIDATION_FAILED') return null;
  const message = error.message;
  if (/email/i.test(message)) return { field: 'email', key: 'cf.error.email' };
  if (/locale|language tag/i.test(message)) return { field: 'locale', key: 'cf.error.locale' };
  if (/phone/i.test(message)) return { field: 'phone', key: 'cf.error.INVALID_PHONE_NUMBER' };
  if (/externalId/i.test(message)) return { field: 'externalId', key: 'cf.error.externalId' };
  if (/displayName|display name/i.test(message)) return { field: 'displayName', key: 'cf.error.displayName' };
  return null;
}

/**
 * A modal form (the native <dialog>: focus stays inside, Escape cancels). Without `customer` it
 * creates one and hands it to `onSaved`; with one it sends only the fields that changed, an
 * emptied optional field as null (cleared). Changing the phone number says first what follows:
 * the SIM-swap window of the policy.
 */
export function CustomerForm({
  api,
  customer,
  onSaved,
  onClose,
}: {
  api: ConsoleApi;
  customer?: Customer;
  onSaved: (customer: Customer) => void;
  onClose: () => void;
}) {
  const { t } = useI18n();
  const errorText = useErrorText();
  const ids = useId();
  const dialog = useRef<HTMLDialogElement>(null);
  const first = useRef<HTMLInputElement>(null);
  const initial: Record<Field, string> = {
    displayName: customer?.displayName ?? '',
    externalId: customer?.externalId ?? '',
    phone: customer?.phone ?? '',
    email: customer?.email ?? '',
    locale: customer?.locale ?? '',
  };
  const [values, setValues] = useState(initial);
  const [optOut, setOptOut] = useState(customer?.campaignOptOut ?? false);
  const [problem, setProblem] = useState<{ field: Field; key: MessageKey } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const fields = useRef<Partial<Record<Field, HTMLInputElement | null>>>({});
  // The SIM-swap window of the policy, to say how long SMS is held back after a phone change;
  // null when this role cannot read the policy (the warning then speaks of the policy's days).
  const [simSwapDays, setSimSwapDays] = useState<number | null>(null);

  useEffect(() => {
    if (!customer) return;
    let current = true;
    api
      .policyInForce()
      .then(({ policy }) => {
        const days = (policy.sms as { simSwapDays?: unknown } | undefined)?.simSwapDays;
        if (current && typeof days === 'number') setSimSwapDays(days);
      })
      .catch(() => {});
    return () => {
      current = false;
    };
  }, [api, customer]);

  useEffect(() => {
    const node = dialog.current;
    if (node && !node.open) node.showModal();
    first.current?.focus();
    return () => node?.close();
  }, []);

  useEffect(() => {
    if (problem) fields.current[problem.field]?.focus();
  }, [problem]);

  const phoneChanging = customer !== undefined && values.phone.trim() !== initial.phone;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setProblem(null);
    setError(null);
    if (!values.displayName.trim()) {
      setProblem({ field: 'displayName', key: 'cf.error.required' });
      return;
    }
    setBusy(true);
    try {
      let saved: Customer;
      if (customer) {
        const patch: Record<string, string | boolean | null> = {};
        for (const name of fieldNames) {
          const value = values[name].trim();
          if (value === initial[name]) continue;
          patch[name] = value === '' && name !== 'displayName' ? null : value;
        }
        if (optOut !== customer.campaignOptOut) patch.campaignOptOut = optOut;
        saved = Object.keys(patch).length ? await api.updateCustomer(customer.id, patch) : customer;
      } else {
        const input: CustomerInput = { displayName: values.displayName.trim() };
        for (const name of ['externalId', 'phone', 'email', 'locale'] as const) {
          const value = values[name].trim();
          if (value) input[name] = value;
        }
        saved = await api.createCustomer(input);
      }
      onSaved(saved);
    } catch (err) {
      const mapped = isApiError(err) ? refusalField(err) : null;
      if (mapped) setProblem(mapped);
      else setError(err);
      setBusy(false);
    }
  };

  const field = (name: Field, label: MessageKey, type: string, hint?: MessageKey, autoComplete = 'off') => {
    const invalid = problem?.field === name;
    const describedBy = [hint ? `${ids}-${name}-hint` : '', invalid ? `${ids}-${name}-problem` : '']
      .filter(Boolean)
      .join(' ');
    return (
      <div className="field">
        <label htmlFor={`${ids}-${name}`}>{t(label)}</label>
        <input
          id={`${ids}-${name}`}
          name={name}
          type={type}
          autoComplete={autoComplete}
          value={values[name]}
          required={name === 'displayName'}
          maxLength={name === 'email' ? 320 : 200}
          aria-invalid={invalid ? true : undefined}
          aria-describedby={describedBy || undefined}
          ref={(node) => {
            fields.current[name] = node;
            if (name === 'displayName') first.current = node;
          }}
          onChange={(e) => setValues((v) => ({ ...v, [name]: e.target.value }))}
        />
        {hint && (
          <p id={`${ids}-${name}-hint`} className="field-hint">
            {t(hint)}
          </p>
        )}
        {invalid && (
          <p id={`${ids}-${name}-problem`} className="field-problem" data-testid={`problem-${name}`}>
            {t(problem.key)}
          </p>
        )}
      </div>
    );
  };

  return (
    <dialog
      ref={dialog}
      className="confirm-dialog customer-form"
      aria-labelledby={`${ids}-title`}
      onCancel={(event) => {
        event.preventDefault();
        onClose();
      }}
      data-testid="customer-form"
    >
      <form onSubmit={(event) => void submit(event)} noValidate>
        <h2 id={`${ids}-title`}>
          {customer ? t('cf.title.edit', { name: customer.displayName }) : t('cf.title.new')}
        </h2>
        {field('displayName', 'cf.displayName', 'text', undefined, 'name')}
        {field('externalId', 'cf.externalId', 'text', 'cf.externalId.hint')}
        {field('phone', 'cf.phone', 'tel', 'cf.phone.hint', 'tel')}
        {phoneChanging && (
          <p className="notice warning" role="status" data-testid="phone-warning">
            {simSwapDays === null
              ? t('cf.phoneWarning')
              : simSwapDays === 0
                ? t('cf.phoneWarningOff')
                : t('cf.phoneWarningDays', { days: simSwapDays })}
          </p>
        )}
        {field('email', 'cf.email', 'email', undefined, 'email')}
        {field('locale', 'cf.locale', 'text', 'cf.locale.hint')}
        {customer && (
          <div className="field">
            <label className="check">
              <input
                type="checkbox"
                checked={optOut}
                aria-describedby={`${ids}-opt-out-hint`}
                onChange={(e) => setOptOut(e.target.checked)}
              />{' '}
              {t('cmp.optOut')}
            </label>
            <p id={`${ids}-opt-out-hint`} className="field-hint">
              {t('cmp.optOutHint')}
            </p>
          </div>
        )}
        <p className="visually-hidden" role="alert">
          {problem ? `${t('cf.problems')} ${t(problem.key)}` : ''}
        </p>
        {error ? (
          <p className="notice error" role="alert">
            {errorText(error)}
          </p>
        ) : null}
        <div className="actions">
          <button type="submit" className="button primary" disabled={busy}>
            {busy ? t('cf.saving') : customer ? t('cf.save') : t('cf.create')}
          </button>
          <button type="button" className="button" onClick={onClose}>
            {t('cf.cancel')}
          </button>
        </div>
      </form>
    </dialog>
  );
}
