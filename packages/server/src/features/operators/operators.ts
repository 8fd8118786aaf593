// Operators: accounts, roles and passwords.
import { AppError, newId, notFound, type Role } from '@helpdesk-auth/core';
import { type Actor, appendAudit } from '../../platform/audit-log.ts';
import type { ServiceContext } from '../../platform/context.ts';
import { parseEmailAddress } from '../../platform/email-address.ts';
import {
  generatePassword,
  hashPassword,
  maximumPasswordLength,
  minimumPasswordLength,
  verifyPassword,
} from '../../platform/passwords.ts';
import { tooManyAttempts } from '../../platform/rate-limit-error.ts';
import {
  compareAndSetStatus,
  hitRateLimit,
  inTransaction,
  lockTenant,
  resetRateLimit,
} from '../../storage/atomic.ts';
import { conflictsAs } from '../../storage/constraint-violations.ts';
import type { Db } from '../../storage/database.ts';
import type { OperatorRow } from '../../storage/schema.ts';

export interface Operator {
  id: string;
  tenantId: string;
  email: string;
  displayName: string;
  role: Role;
  status: 'active' | 'disabled';
  createdAt: number;
  lastSignInAt: number | null;
  /** The password was generated for the operator; they must choose their own before working. */
  passwordChangeRequired: boolean;
  /** The team the operator works in (supervisor analytics group agents by it); null: none. */
  team: string | null;
}

export function toOperator(row: OperatorRow): Operator {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    email: row.email,
    displayName: row.display_name,
    role: row.role as Role,
    status: row.status,
    createdAt: row.created_at,
    lastSignInAt: row.last_sign_in_at,
    passwordChangeRequired: row.password_change_required === 1,
    team: row.team ?? null,
  };
}

// A short list of passwords that attackers try first. NIST SP 800-63B rev 4 section 3.1.1.2
// asks verifiers to refuse commonly used, expected or compromised values.
const commonPasswords = new Set([
  'passwordpassword',
  'password1234567',
  'password12345678',
  '123456789012345',
  '1234567890123456',
  'qwertyuiopasdfg',
  'qwertyuiopasdfgh',
  'iloveyouiloveyou',
  'letmeinletmein1',
  'changemechangeme',
  'welcome12345678',
  'administrator123',
  'helpdeskhelpdesk',
]);

/** Checks a new password against the rules; returns a message for the first rule it breaks. */
export function passwordProblem(
  password: string,
  context: { email: string; tenantSlug?: string },
): string | undefined {
  if (password.length < minimumPasswordLength)
    return `A password needs at least ${minimumPasswordLength} characters.`;
  if (password.length > maximumPasswordLength)
    return `A password may have at most ${maximumPasswordLength} characters.`;
  const lower = password.toLowerCase();
  if (commonPasswords.has(lower)) return 'That password is too common; choose another.';
  if (/^(.)\1+$/.test(password)) return 'A password cannot be one repeated character.';
  const local = context.email.split('@')[0] ?? '';
  if (local.length >= 4 && lower.includes(local.toLowerCase()))
    return 'A password cannot contain the e-mail address.';
  return undefined;
}

async function countActiveAdmins(db: Db, tenantId: string): Promise<number> {
  const row = await db
    .selectFrom('operators')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('tenant_id', '=', tenantId)
    .where('role', '=', 'admin')
    .where('status', '=', 'active')
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export interface CreateOperatorInput {
  email: string;
  displayName: string;
  role: Role;
  /** When absent, a strong password is generated and returned once. */
  password?: string | undefined;
  /**
   * Whether the operator must choose their own password at the first sign-in; by default, when
   * the password was generated (someone else has seen it).
   */
  requirePasswordChange?: boolean | undefined;
  /** The team the operator works in, for analytics. */
  team?: string | null | undefined;
}

export function createOperatorService({ db, clock, config }: ServiceContext) {
  async function getRow(tx: Db, tenantId: string, id: string): Promise<OperatorRow> {
    const row = await tx
      .selectFrom('operators')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row) throw notFound('Operator');
    return row;
  }

  /**
   * Sets an operator's password and ends their sessions. `requireChange`: the password was made
   * for them by someone else (a reset), so they must replace it at their next sign-in.
   */
  async function setPassword(
    tenantId: string,
    id: string,
    password: string,
    actor: Actor,
    options: { requireChange?: boolean } = {},
  ): Promise<void> {
    const current = await getRow(db, tenantId, id);
    const problem = passwordProblem(password, { email: current.email });
    if (problem) throw new AppError('VALIDATION_FAILED', problem);
    const passwordHash = await hashPassword(password);
    const now = clock();
    const requireChange = options.requireChange === true;
    await inTransaction(db, async (tx) => {
      await tx
        .updateTable('operators')
        .set({
          password_hash: passwordHash,
          password_change_required: requireChange ? 1 : 0,
          updated_at: now,
        })
        .where('tenant_id', '=', tenantId)
        .where('id', '=', id)
        .execute();
      // A new password ends every other session (ASVS 5.0 V7.4.3).
      await tx
        .deleteFrom('sessions')
        .where('tenant_id', '=', tenantId)
        .where('operator_id', '=', id)
        .execute();
      await appendAudit(tx, {
        tenantId,
        actor,
        action: 'operator.password_changed',
        target: { type: 'operator', id },
        ...(requireChange ? { data: { mustChangeAtSignIn: true } } : {}),
        now,
      });
    });
  }

  return {
    async create(
      tenantId: string,
      input: CreateOperatorInput,
      actor: Actor,
    ): Promise<{ operator: Operator; generatedPassword?: string }> {
      const email = parseEmailAddress(input.email);
      const displayName = input.displayName.trim();
      if (!displayName) throw new AppError('VALIDATION_FAILED', 'A display name is required.');
      const generated = input.password === undefined ? generatePassword() : undefined;
      const password = input.password ?? generated!;
      const problem = passwordProblem(password, { email });
      if (problem) throw new AppError('VALIDATION_FAILED', problem);
      const passwordHash = await hashPassword(password);
      const requireChange = input.requirePasswordChange ?? generated !== undefined;
      const now = clock();
      const emailTaken = () =>
        new AppError('EMAIL_TAKEN', 'An operator with that e-mail address already exists.');
      // The check answers early; the unique key (tenant, e-mail) decides between concurrent creates.
      const operator = await inTransaction(db, async (tx) => {
        const taken = await tx
          .selectFrom('operators')
          .select('id')
          .where('tenant_id', '=', tenantId)
          .where('email', '=', email)
          .executeTakeFirst();
        if (taken) throw emailTaken();
        const row: OperatorRow = {
          id: newId('operator', now),
          tenant_id: tenantId,
          email,
          display_name: displayName,
          role: input.role,
          password_hash: passwordHash,
          status: 'active',
          created_at: now,
          updated_at: now,
          last_sign_in_at: null,
          password_change_required: requireChange ? 1 : 0,
          team: input.team?.trim() || null,
          tour_seen_at: null,
        };
        await tx.insertInto('operators').values(row).execute();
        await appendAudit(tx, {
          tenantId,
          actor,
          action: 'operator.created',
          target: { type: 'operator', id: row.id },
          data: { role: row.role, ...(requireChange ? { mustChangeAtSignIn: true } : {}) },
          now,
        });
        return toOperator(row);
      }).catch(
        conflictsAs([
          { kind: 'unique', table: 'operators', columns: ['tenant_id', 'email'], error: emailTaken },
        ]),
      );
      return generated ? { operator, generatedPassword: generated } : { operator };
    },

    async get(tenantId: string, id: string): Promise<Operator> {
      return toOperator(await getRow(db, tenantId, id));
    },

    async list(tenantId: string): Promise<Operator[]> {
      const rows = await db
        .selectFrom('operators')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .orderBy('id')
        .execute();
      return rows.map(toOperator);
    },

    /**
     * Changes name, role or status. The last active admin of a tenant can be neither demoted nor
     * disabled, so a tenant can never lock itself out. Disabling signs the operator out everywhere.
     */
    async update(
      tenantId: string,
      id: string,
      patch: {
        displayName?: string | undefined;
        role?: Role | undefined;
        status?: 'active' | 'disabled' | undefined;
        team?: string | null | undefined;
      },
      actor: Actor,
    ): Promise<Operator> {
      const now = clock();
      return inTransaction(db, async (tx) => {
        await lockTenant(tx, tenantId);
        const current = await getRow(tx, tenantId, id);
        const losesAdmin =
          current.role === 'admin' &&
          current.status === 'active' &&
          ((patch.role !== undefined && patch.role !== 'admin') || patch.status === 'disabled');
        if (losesAdmin && (await countActiveAdmins(tx, tenantId)) <= 1) {
          throw new AppError(
            'LAST_ADMIN',
            'This is the only active admin; make another operator admin first.',
          );
        }
        const displayName = patch.displayName?.trim() ?? current.display_name;
        if (!displayName) throw new AppError('VALIDATION_FAILED', 'A display name cannot be empty.');
        const role = patch.role ?? current.role;
        if (patch.status && patch.status !== current.status) {
          const moved = await compareAndSetStatus(
            tx,
            'operators',
            { tenantId, id },
            { from: [current.status], to: patch.status, set: { updated_at: now } },
          );
          if (!moved) throw new AppError('CONFLICT', 'The operator was changed at the same time; try again.');
          if (patch.status === 'disabled') {
            await tx
              .deleteFrom('sessions')
              .where('tenant_id', '=', tenantId)
              .where('operator_id', '=', id)
              .execute();
          }
        }
        const changes: Record<string, unknown> = {};
        if (role !== current.role) changes.role = { from: current.role, to: role };
        if (patch.status && patch.status !== current.status)
          changes.status = { from: current.status, to: patch.status };
        if (displayName !== current.display_name) changes.displayName = true;
        const team = patch.team === undefined ? (current.team ?? null) : patch.team?.trim() || null;
        if (team !== (current.team ?? null)) changes.team = { from: current.team ?? null, to: team };
        // Nothing to change (the operator is already as asked, for instance disabled by a
        // concurrent request, which the tenant lock above made this one wait for): nothing is
        // written or audited, so a change is recorded once.
        if (Object.keys(changes).length === 0) return toOperator(current);
        await tx
          .updateTable('operators')
          .set({ display_name: displayName, role, team, updated_at: now })
          .where('tenant_id', '=', tenantId)
          .where('id', '=', id)
          .execute();
        await appendAudit(tx, {
          tenantId,
          actor,
          action: 'operator.updated',
          target: { type: 'operator', id },
          data: changes,
          now,
        });
        return toOperator({
          ...current,
          display_name: displayName,
          role,
          team,
          status: patch.status ?? current.status,
        });
      });
    },

    /**
     * Changes the caller's own password after checking the current one. Wrong current passwords
     * count against a per-operator limit as large as the sign-in one, so a hijacked session
     * cannot be used to guess the password.
     */
    async changeOwnPassword(
      tenantId: string,
      id: string,
      input: { currentPassword: string; newPassword: string },
      actor: Actor,
    ): Promise<void> {
      const now = clock();
      const current = await getRow(db, tenantId, id);
      const limitKey = `password-change:${id}`;
      const hit = await hitRateLimit(db, limitKey, {
        limit: config.signInLockAfterFailures,
        windowMs: config.signInWindowMinutes * 60_000,
        now,
      });
      if (!hit.allowed) {
        throw tooManyAttempts('Too many attempts. Wait a while before trying again.', hit, now);
      }
      if (!current.password_hash || !(await verifyPassword(input.currentPassword, current.password_hash))) {
        throw new AppError('INVALID_CREDENTIALS', 'The current password is not right.');
      }
      await resetRateLimit(db, limitKey);
      // Keeping a generated password under the name of a change would leave it known to whoever
      // generated it.
      if (input.newPassword === input.currentPassword)
        throw new AppError('VALIDATION_FAILED', 'The new password must differ from the current one.');
      await setPassword(tenantId, id, input.newPassword, actor);
    },

    setPassword,
  };
}

export type OperatorService = ReturnType<typeof createOperatorService>;
