// Tests of the customers API on both databases.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { DatabaseKind } from '../../storage/database.ts';
import { type OperatorClient, startTestHarness, type TestHarness } from '../../test-support/harness.ts';
import { postgresSkip } from '../../test-support/postgres.ts';

function customersSuite(kind: DatabaseKind) {
  let h: TestHarness;
  let admin: OperatorClient;
  let agent: OperatorClient;

  before(async () => {
    h = await startTestHarness(kind);
    const tenant = await h.tenantWithOperators('acme');
    admin = tenant.clients.admin;
    agent = tenant.clients.agent;
  });
  after(() => h?.close());

  const create = (payload: Record<string, unknown>) =>
    h.app.inject({ method: 'POST', url: '/v1/customers', ...admin.auth(), payload });
  const search = async (query: string, client = agent) => {
    const response = await h.app.inject({ method: 'GET', url: `/v1/customers?${query}`, ...client.auth() });
    assert.equal(response.statusCode, 200, response.body);
    return response.json() as { items: Array<Record<string, unknown>>; nextCursor: string | null };
  };

  it('creates a customer with normalised phone, e-mail and locale, and audits it', async () => {
    const response = await create({
      displayName: '  Zoë   Ångström ',
      externalId: 'Z-1',
      phone: '+49 151 2345 6789',
      email: 'Zoe@Example.COM',
      locale: 'de-ch',
    });
    assert.equal(response.statusCode, 201);
    const customer = response.json();
    assert.equal(customer.displayName, 'Zoë Ångström');
    assert.equal(customer.phone, '+4915123456789');
    assert.equal(customer.email, 'zoe@example.com');
    assert.equal(customer.locale, 'de-CH');
    const audit = await h.runtime.database.db
      .selectFrom('audit_events')
      .selectAll()
      .where('target_id', '=', customer.id)
      .execute();
    assert.deepEqual(
      audit.map((a) => a.action),
      ['customer.created'],
    );
    assert.equal(audit[0]!.actor_id, admin.operatorId);
    assert.equal(audit[0]!.data.includes('+49'), false, 'no personal data values in the audit entry');
  });

  it('imports CSV over HTTP with per-row results; agents may not, a malformed file writes nothing', async () => {
    const importCsv = (csv: string, client = admin, updateExisting?: boolean) =>
      h.app.inject({
        method: 'POST',
        url: '/v1/customers/import',
        ...client.auth(),
        payload: { csv, ...(updateExisting === undefined ? {} : { updateExisting }) },
      });
    const refused = await importCsv('display_name\nAgent Import\n', agent);
    assert.equal(refused.statusCode, 403);
    assert.equal((await search('q=Agent%20Import', admin)).items.length, 0);

    const malformed = await importCsv('display_name,colour\nNo Write,red\n');
    assert.equal(malformed.statusCode, 400);
    assert.equal(malformed.json().error.code, 'VALIDATION_FAILED');
    assert.match(malformed.json().error.message, /colour/);
    assert.equal((await search('q=No%20Write', admin)).items.length, 0);

    const csv =
      'display_name,external_id,phone\nImp One,imp-1,+41446681800\nImp Two,imp-2,0151 2\nImp Dup,imp-1,\n';
    // A dry run reports what the import would do, row by row, and writes nothing.
    const dry = await h.app.inject({
      method: 'POST',
      url: '/v1/customers/import',
      ...admin.auth(),
      payload: { csv, dryRun: true },
    });
    assert.equal(dry.statusCode, 200, dry.body);
    assert.deepEqual([dry.json().created, dry.json().failed], [1, 2]);
    assert.deepEqual(
      dry.json().errors.map((e: { line: number; code: string }) => [e.line, e.code]),
      [
        [3, 'INVALID_PHONE_NUMBER'],
        [4, 'EXTERNAL_ID_TAKEN'],
      ],
    );
    assert.equal((await search('externalId=imp-1', admin)).items.length, 0, 'a dry run writes nothing');
    const first = await importCsv(csv);
    assert.equal(first.statusCode, 200, first.body);
    const summary = first.json();
    assert.deepEqual(
      { total: summary.total, created: summary.created, updated: summary.updated, failed: summary.failed },
      { total: 3, created: 1, updated: 0, failed: 2 },
    );
    assert.deepEqual(
      summary.errors.map((e: { line: number; code: string }) => [e.line, e.code]),
      [
        [3, 'INVALID_PHONE_NUMBER'],
        [4, 'EXTERNAL_ID_TAKEN'],
      ],
    );
    // Once imported, a dry run with updateExisting counts an update for the known id.
    const dryAgain = await h.app.inject({
      method: 'POST',
      url: '/v1/customers/import',
      ...admin.auth(),
      payload: { csv: 'display_name,external_id\nImp One,imp-1\n', dryRun: true, updateExisting: true },
    });
    assert.deepEqual([dryAgain.json().created, dryAgain.json().updated], [0, 1]);
    // With updateExisting the known external id changes that customer instead of failing.
    const again = await importCsv('display_name,external_id\nImp One Renamed,imp-1\n', admin, true);
    assert.equal(again.json().updated, 1);
    const [found] = (await search('externalId=imp-1', admin)).items;
    assert.equal(found?.displayName, 'Imp One Renamed');
    const audit = await h.runtime.database.db
      .selectFrom('audit_events')
      .select('action')
      .where('target_id', '=', String(found?.id))
      .execute();
    assert.deepEqual(
      audit.map((a) => a.action),
      ['customer.created', 'customer.updated'],
    );
  });

  it('imports only into its own tenant, and parallel imports of one external id create it once', async () => {
    const other = await h.tenantWithOperators('import-other');
    const otherAdmin = other.clients.admin;
    const theirs = await h.app.inject({
      method: 'POST',
      url: '/v1/customers',
      ...otherAdmin.auth(),
      payload: { displayName: 'Their Customer', externalId: 'shared-1' },
    });
    assert.equal(theirs.statusCode, 201);
    // The same external id in this tenant is a new customer; the other tenant's is untouched.
    const mine = await h.app.inject({
      method: 'POST',
      url: '/v1/customers/import',
      ...admin.auth(),
      payload: { csv: 'display_name,external_id\nMy Customer,shared-1\n', updateExisting: true },
    });
    assert.deepEqual([mine.json().created, mine.json().updated], [1, 0]);
    const stillTheirs = await h.app.inject({
      method: 'GET',
      url: `/v1/customers/${theirs.json().id}`,
      ...otherAdmin.auth(),
    });
    assert.equal(stillTheirs.json().displayName, 'Their Customer');

    const race = await Promise.all(
      Array.from({ length: 4 }, () =>
        h.app.inject({
          method: 'POST',
          url: '/v1/customers/import',
          ...admin.auth(),
          payload: { csv: 'display_name,external_id\nRace Customer,race-1\n' },
        }),
      ),
    );
    const results = race.map(
      (r) => r.json() as { created: number; failed: number; errors: { code: string }[] },
    );
    assert.equal(
      results.reduce((n, r) => n + r.created, 0),
      1,
      'created exactly once',
    );
    assert.deepEqual(
      results.flatMap((r) => r.errors.map((e) => e.code)),
      ['EXTERNAL_ID_TAKEN', 'EXTERNAL_ID_TAKEN', 'EXTERNAL_ID_TAKEN'],
    );
    assert.equal((await search('externalId=race-1', admin)).items.length, 1);
  });

  it('refuses phone numbers that are not valid international numbers', async () => {
    for (const phone of ['0151 2345 6789', '+1 555', '+999 1234567', 'call me']) {
      const response = await create({ displayName: 'Bad Phone', phone });
      assert.equal(response.statusCode, 400, phone);
      assert.equal(response.json().error.code, 'INVALID_PHONE_NUMBER');
    }
  });

  it('refuses a second customer with the same external id', async () => {
    assert.equal((await create({ displayName: 'First', externalId: 'DUP-1' })).statusCode, 201);
    const second = await create({ displayName: 'Second', externalId: 'DUP-1' });
    assert.equal(second.statusCode, 409);
    assert.equal(second.json().error.code, 'EXTERNAL_ID_TAKEN');
  });

  it('finds customers by any part of the name regardless of case and accents', async () => {
    await create({ displayName: 'Renée Müller-Lüdenscheidt' });
    for (const q of ['renee', 'MULLER', 'lüden', 'ee mü']) {
      const found = await search(`q=${encodeURIComponent(q)}`);
      assert.ok(
        found.items.some((c) => c.displayName === 'Renée Müller-Lüdenscheidt'),
        `"${q}" should find the customer`,
      );
    }
    assert.equal((await search('q=%25')).items.length, 0, 'a % in the query is a literal, not a wildcard');
  });

  it('finds customers by phone digits, exact phone, e-mail and external id', async () => {
    const created = (
      await create({
        displayName: 'Sam Search',
        externalId: 'SEARCH-7',
        phone: '+447911123456',
        email: 'sam.search@example.org',
      })
    ).json();
    const byId = (result: { items: Array<Record<string, unknown>> }) => result.items.map((c) => c.id);
    assert.deepEqual(byId(await search('q=7911%20123%20456')), [created.id]);
    assert.deepEqual(byId(await search(`phone=${encodeURIComponent('+44 7911 123456')}`)), [created.id]);
    assert.deepEqual(byId(await search('email=SAM.SEARCH@example.org')), [created.id]);
    assert.deepEqual(byId(await search('q=sam.search@')), [created.id]);
    assert.deepEqual(byId(await search('externalId=SEARCH-7')), [created.id]);
    assert.deepEqual(byId(await search('q=SEARCH-7')), [created.id]);
  });

  it('pages through results without gaps or repeats', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) ids.push((await create({ displayName: `Paging Person ${i}` })).json().id);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: { items: Array<Record<string, unknown>>; nextCursor: string | null } = await search(
        `q=paging&limit=3${cursor ? `&cursor=${cursor}` : ''}`,
      );
      seen.push(...page.items.map((c) => c.id as string));
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    assert.deepEqual(seen, ids);
    assert.equal(pages, 3);
  });

  it('updates fields, clears them with null, and stamps a phone change', async () => {
    const created = (
      await create({ displayName: 'Pat Change', phone: '+33612345678', email: 'pat@example.fr' })
    ).json();
    assert.equal(created.phoneChangedAt, null);
    h.clock.advance(60_000);
    const patch = (payload: Record<string, unknown>) =>
      h.app.inject({ method: 'PATCH', url: `/v1/customers/${created.id}`, ...admin.auth(), payload });
    const changed = await patch({ phone: '+4930123456', email: null });
    assert.equal(changed.statusCode, 200);
    const body = changed.json();
    assert.equal(body.phone, '+4930123456');
    assert.equal(body.email, null);
    assert.equal(body.phoneChangedAt, new Date(h.clock.now()).toISOString());
    const audit = await h.runtime.database.db
      .selectFrom('audit_events')
      .selectAll()
      .where('target_id', '=', created.id)
      .where('action', '=', 'customer.updated')
      .executeTakeFirstOrThrow();
    assert.deepEqual(JSON.parse(audit.data), { fields: ['phone', 'email'], phoneChanged: true });
    const unchanged = await patch({ phone: '+49 30 123456' });
    assert.equal(unchanged.json().phoneChangedAt, body.phoneChangedAt, 'the same number again is no change');
  });

  it('deletes a customer and audits the deletion', async () => {
    const created = (await create({ displayName: 'Del Ete' })).json();
    const removed = await h.app.inject({
      method: 'DELETE',
      url: `/v1/customers/${created.id}`,
      ...admin.auth(),
    });
    assert.equal(removed.statusCode, 204);
    const gone = await h.app.inject({ method: 'GET', url: `/v1/customers/${created.id}`, ...agent.auth() });
    assert.equal(gone.statusCode, 404);
    const actions = await h.runtime.database.db
      .selectFrom('audit_events')
      .select('action')
      .where('target_id', '=', created.id)
      .orderBy('seq')
      .execute();
    assert.deepEqual(
      actions.map((a) => a.action),
      ['customer.created', 'customer.deleted'],
    );
  });

  it('lets agents read but not change customers', async () => {
    const response = await h.app.inject({
      method: 'POST',
      url: '/v1/customers',
      ...agent.auth(),
      payload: { displayName: 'Not Allowed' },
    });
    assert.equal(response.statusCode, 403);
    assert.equal(response.json().error.code, 'FORBIDDEN');
    assert.equal((await search('q=not%20allowed')).items.length, 0);
  });
}

describe('customers API: SQLite', () => customersSuite('sqlite'));
describe('customers API: PostgreSQL', { skip: await postgresSkip() }, () => customersSuite('postgres'));
