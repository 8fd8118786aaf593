import {
  type AssuranceLevel,
  actionNamePattern,
  assuranceLevels,
  callMutualCodeModes,
  callStarterRoles,
  methodAssuranceCeiling,
  type VerificationMethod,
  type VerificationPolicy,
  verificationMethods,
  verificationPolicyLimits,
} from '@helpdesk-auth/core';
import { type ReactNode, useId, useState } from 'react';
import { type MessageKey, useI18n } from '../i18n/i18n.tsx';

/**
 * The policy as a form: the methods (on or off, their order and assurance), the actions and what
 * each needs, the risk rules and the customer notices. It edits the same document as the JSON
 * view: it reads the parsed document and hands back a changed copy, so whatever the form does
 * not show (code lifetimes, SMS and e-mail settings, members a newer server knows) is kept as it
 * is. The server checks the result as it does the JSON and its sentences show under both views.
 */

// The document as typed in: any part may be missing or wrong until the server has checked it.
type Draft = Partial<VerificationPolicy> & Record<string, unknown>;

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const isMethod = (value: unknown): value is VerificationMethod =>
  typeof value === 'string' && (verificationMethods as readonly string[]).includes(value);

/** The methods the form can show: entries naming a known method, in the document's order. */
function methodRows(draft: Draft) {
  const list = Array.isArray(draft.methods) ? (draft.methods as unknown[]) : [];
  return list.flatMap((entry, index) =>
    isObject(entry) && isMethod(entry.method)
      ? [{ index, method: entry.method, enabled: entry.enabled === true, assurance: entry.assurance }]
      : [],
  );
}

function numberOrNull(value: string): number | null {
  if (value.trim() === '') return null;
  const parsed = Number(value);
  return Number.isFinite(parsed) ? parsed : null;
}

export function PolicyForm({
  draft,
  readOnly,
  onChange,
}: {
  draft: Draft;
  readOnly: boolean;
  onChange(next: Draft): void;
}) {
  const { t } = useI18n();
  const ids = useId();
  const [newAction, setNewAction] = useState('');
  const [newActionProblem, setNewActionProblem] = useState<string | null>(null);
  const methods = methodRows(draft);
  const actions = isObject(draft.actions) ? (draft.actions as Record<string, unknown>) : {};
  const methodName = (method: VerificationMethod) => t(`fb.method.${method}` as MessageKey);
  const actionName = (action: string) => {
    // An action without a name in the catalogue (one the tenant added) shows as it is written.
    const known = t(`fb.action.${action}` as MessageKey) as string | undefined;
    return known || action;
  };
  const assuranceName = (level: AssuranceLevel) => t(`pf.assurance.${level}` as MessageKey);

  /** A copy of the document with one member of one section changed. */
  const setIn = (section: string | null, member: string, value: unknown) => {
    if (section === null) return onChange({ ...draft, [member]: value });
    const current = isObject(draft[section]) ? (draft[section] as Record<string, unknown>) : {};
    onChange({ ...draft, [section]: { ...current, [member]: value } });
  };
  const setMethods = (next: unknown[]) =>
    onChange({ ...draft, methods: next as VerificationPolicy['methods'] });
  const methodList = Array.isArray(draft.methods) ? [...(draft.methods as unknown[])] : [];
  const changeMethod = (index: number, patch: Record<string, unknown>) => {
    methodList[index] = { ...(methodList[index] as Record<string, unknown>), ...patch };
    setMethods(methodList);
  };
  const move = (position: number, by: -1 | 1) => {
    const from = methods[position]!.index;
    const to = methods[position + by]!.index;
    [methodList[from], methodList[to]] = [methodList[to], methodList[from]];
    setMethods(methodList);
  };
  const changeAction = (name: string, patch: Record<string, unknown>) =>
    onChange({
      ...draft,
      actions: {
        ...actions,
        [name]: { ...(actions[name] as Record<string, unknown>), ...patch },
      } as VerificationPolicy['actions'],
    });
  const removeAction = (name: string) => {
    const { [name]: _removed, ...rest } = actions;
    onChange({ ...draft, actions: rest as VerificationPolicy['actions'] });
  };
  const addAction = () => {
    const name = newAction.trim();
    if (!actionNamePattern.test(name)) return setNewActionProblem(t('pf.newAction.invalid'));
    if (name in actions) return setNewActionProblem(t('pf.newAction.exists'));
    setNewActionProblem(null);
    setNewAction('');
    onChange({
      ...draft,
      actions: {
        ...actions,
        [name]: { requiredAssurance: 'moderate', highRisk: false },
      } as VerificationPolicy['actions'],
    });
  };

  const read = (section: string | null, member: string): unknown =>
    section === null
      ? draft[member]
      : isObject(draft[section])
        ? (draft[section] as Record<string, unknown>)[member]
        : undefined;

  const numberField = (
    section: string | null,
    member: string,
    label: MessageKey,
    limits: { min: number; max: number },
  ) => {
    const value = read(section, member);
    return (
      <label className="field" key={`${section}.${member}`}>
        <span>{t(label)}</span>
        <input
          type="number"
          name={`${section ?? 'policy'}.${member}`}
          min={limits.min}
          max={limits.max}
          step={1}
          value={typeof value === 'number' ? value : ''}
          readOnly={readOnly}
          onChange={(e) => setIn(section, member, numberOrNull(e.target.value))}
        />
      </label>
    );
  };
  const checkbox = (section: string | null, member: string, label: MessageKey): ReactNode => (
    <label className="check" key={`${section}.${member}`}>
      <input
        type="checkbox"
        name={`${section ?? 'policy'}.${member}`}
        checked={read(section, member) === true}
        disabled={readOnly}
        onChange={(e) => setIn(section, member, e.target.checked)}
      />{' '}
      {t(label)}
    </label>
  );

  return (
    <div className="policy-form">
      <p className="muted">{t('pf.moreInJson')}</p>

      <fieldset>
        <legend>{t('pf.methods')}</legend>
        <p className="muted small" id={`${ids}-methods-help`}>
          {t('pf.methods.help')}
        </p>
        <div className="table-wrap">
          <table data-testid="policy-methods" aria-describedby={`${ids}-methods-help`}>
            <thead>
              <tr>
                <th scope="col">{t('pf.col.order')}</th>
                <th scope="col">{t('pf.col.method')}</th>
                <th scope="col">{t('pf.col.enabled')}</th>
                <th scope="col">{t('pf.col.assurance')}</th>
              </tr>
            </thead>
            <tbody>
              {methods.map((row, position) => {
                const name = methodName(row.method);
                const ceiling = assuranceLevels.indexOf(methodAssuranceCeiling[row.method]);
                return (
                  <tr key={row.method} data-method={row.method}>
                    <td className="order">
                      <span className="position">{position + 1}</span>
                      {!readOnly && (
                        <>
                          <button
                            type="button"
                            className="button small"
                            aria-label={t('pf.up', { method: name })}
                            disabled={position === 0}
                            onClick={() => move(position, -1)}
                          >
                            ↑
                          </button>
                          <button
                            type="button"
                            className="button small"
                            aria-label={t('pf.down', { method: name })}
                            disabled={position === methods.length - 1}
                            onClick={() => move(position, 1)}
                          >
                            ↓
                          </button>
                        </>
                      )}
                    </td>
                    <th scope="row">{name}</th>
                    <td>
                      <input
                        type="checkbox"
                        aria-label={t('pf.enable', { method: name })}
                        checked={row.enabled}
                        disabled={readOnly}
                        onChange={(e) => changeMethod(row.index, { enabled: e.target.checked })}
                      />
                    </td>
                    <td>
                      <select
                        aria-label={t('pf.assuranceOf', { method: name })}
                        value={typeof row.assurance === 'string' ? row.assurance : ''}
                        disabled={readOnly}
                        onChange={(e) => changeMethod(row.index, { assurance: e.target.value })}
                      >
                        {/* Only the levels the method can reach: a tenant may rate a method lower, never higher. */}
                        {assuranceLevels.slice(0, ceiling + 1).map((level) => (
                          <option key={level} value={level}>
                            {assuranceName(level)}
                          </option>
                        ))}
                      </select>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      </fieldset>

      <fieldset>
        <legend>{t('pf.actions')}</legend>
        <p className="muted small">{t('pf.actions.help')}</p>
        <div className="table-wrap">
          <table data-testid="policy-actions">
            <thead>
              <tr>
                <th scope="col">{t('pf.col.action')}</th>
                <th scope="col">{t('pf.col.required')}</th>
                <th scope="col">{t('pf.col.highRisk')}</th>
                {!readOnly && (
                  <th scope="col">
                    <span className="visually-hidden">{t('pf.removeShort')}</span>
                  </th>
                )}
              </tr>
            </thead>
            <tbody>
              {Object.entries(actions).map(([action, rule]) => {
                const name = actionName(action);
                const ruleObject = isObject(rule) ? rule : {};
                return (
                  <tr key={action} data-action={action}>
                    <th scope="row">
                      {name}
                      {name !== action && <span className="muted small"> ({action})</span>}
                    </th>
                    <td>
                      <select
                        aria-label={t('pf.requiredOf', { action: name })}
                        value={
                          typeof ruleObject.requiredAssurance === 'string' ? ruleObject.requiredAssurance : ''
                        }
                        disabled={readOnly}
                        onChange={(e) => changeAction(action, { requiredAssurance: e.target.value })}
                      >
                        {assuranceLevels.map((level) => (
                          <option key={level} value={level}>
                            {assuranceName(level)}
                          </option>
                        ))}
                      </select>
                    </td>
                    <td>
                      <input
                        type="checkbox"
                        aria-label={t('pf.highRiskOf', { action: name })}
                        checked={ruleObject.highRisk === true}
                        disabled={readOnly}
                        onChange={(e) => changeAction(action, { highRisk: e.target.checked })}
                      />
                    </td>
                    {!readOnly && (
                      <td>
                        <button
                          type="button"
                          className="button small"
                          aria-label={t('pf.remove', { action: name })}
                          onClick={() => removeAction(action)}
                        >
                          {t('pf.removeShort')}
                        </button>
                      </td>
                    )}
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
        {!readOnly && (
          <div className="policy-add-action">
            <label className="field">
              <span>{t('pf.newAction')}</span>
              <input
                name="newAction"
                value={newAction}
                maxLength={40}
                aria-describedby={`${ids}-new-help ${ids}-new-problem`}
                aria-invalid={newActionProblem ? true : undefined}
                onChange={(e) => setNewAction(e.target.value)}
                onKeyDown={(e) => {
                  if (e.key === 'Enter') {
                    e.preventDefault();
                    addAction();
                  }
                }}
              />
            </label>
            <button type="button" className="button" onClick={addAction}>
              {t('pf.addAction')}
            </button>
            <p className="muted small" id={`${ids}-new-help`}>
              {t('pf.newAction.help')}
            </p>
            <p
              className="field-problem"
              id={`${ids}-new-problem`}
              role={newActionProblem ? 'alert' : undefined}
            >
              {newActionProblem}
            </p>
          </div>
        )}
      </fieldset>

      <fieldset>
        <legend>{t('pf.risk')}</legend>
        <div className="policy-grid">
          {numberField(
            'push',
            'lockAfterDenials',
            'pf.risk.lockAfterDenials',
            verificationPolicyLimits.push.lockAfterDenials,
          )}
          {numberField(
            'push',
            'denialWindowHours',
            'pf.risk.denialWindowHours',
            verificationPolicyLimits.push.denialWindowHours,
          )}
          {numberField('sms', 'simSwapDays', 'pf.risk.simSwapDays', verificationPolicyLimits.sms.simSwapDays)}
          {numberField(
            null,
            'failuresPerHour',
            'pf.risk.failuresPerHour',
            verificationPolicyLimits.failuresPerHour,
          )}
          {numberField(
            'securityQuestions',
            'maxFailures',
            'pf.risk.sqMaxFailures',
            verificationPolicyLimits.securityQuestions.maxFailures,
          )}
          {numberField(
            'appCode',
            'maxFailures',
            'pf.risk.appCodeMaxFailures',
            verificationPolicyLimits.appCode.maxFailures,
          )}
        </div>
        {checkbox('push', 'lockOnFraudReport', 'pf.risk.lockOnFraudReport')}
        {checkbox('securityQuestions', 'allowForHighRisk', 'pf.risk.sqAllowForHighRisk')}
      </fieldset>

      <fieldset>
        <legend>{t('pf.notifications')}</legend>
        {checkbox('notifications', 'afterVerification', 'pf.n.afterVerification')}
        {checkbox('notifications', 'afterFraudReport', 'pf.n.afterFraudReport')}
        {checkbox('notifications', 'afterDeviceEnrollment', 'pf.n.afterDeviceEnrollment')}
      </fieldset>

      {/* Only when the server's policy has the section: an older server would refuse it. */}
      {isObject(draft.callNotices) && (
        <fieldset data-testid="policy-call-notices">
          <legend>{t('calls.policy.title')}</legend>
          <p className="muted small">{t('calls.policy.intro')}</p>
          <fieldset>
            <legend>{t('calls.policy.whoMayStart')}</legend>
            {callStarterRoles.map((role) => {
              const roles = read('callNotices', 'startRoles');
              const list = Array.isArray(roles) ? (roles as unknown[]) : [];
              return (
                <label className="check" key={role}>
                  <input
                    type="checkbox"
                    name={`callNotices.startRoles.${role}`}
                    checked={list.includes(role)}
                    disabled={readOnly}
                    onChange={(e) =>
                      setIn(
                        'callNotices',
                        'startRoles',
                        e.target.checked
                          ? callStarterRoles.filter((r) => r === role || list.includes(r))
                          : list.filter((r) => r !== role),
                      )
                    }
                  />{' '}
                  {t(`calls.policy.role.${role}`)}
                </label>
              );
            })}
            {checkbox('callNotices', 'apiKeys', 'calls.policy.apiKeys')}
          </fieldset>
          <div className="policy-grid">
            <label className="field">
              <span>{t('calls.policy.defaultMode')}</span>
              <select
                name="callNotices.defaultMutualCode"
                value={String(read('callNotices', 'defaultMutualCode') ?? 'none')}
                disabled={readOnly}
                onChange={(e) => setIn('callNotices', 'defaultMutualCode', e.target.value)}
              >
                {callMutualCodeModes.map((mode) => (
                  <option key={mode} value={mode}>
                    {t(`calls.mode.${mode}`)}
                  </option>
                ))}
              </select>
            </label>
            {numberField(
              'callNotices',
              'maxMinutes',
              'calls.policy.maxMinutes',
              verificationPolicyLimits.callNotices.maxMinutes,
            )}
          </div>
        </fieldset>
      )}
    </div>
  );
}
