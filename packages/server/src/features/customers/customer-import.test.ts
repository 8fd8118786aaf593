// Tests of the CSV customer import: parsing, header rules and per-row writes.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { cliActor, verifyTenantAuditChain } from '../../platform/audit-log.ts';
import { startTestHarness, type TestHarness, type TestTenant } from '../../test-support/harness.ts';
import { ImportFileError, importCustomers, parseCustomerCsv } from './customer-import.ts';

/**
 * Unit tests of the CSV customer import against a real (embedded SQLite) database: parsing and
 * header rules, per-row all-or-nothing writes (customer and audit entry together), the summary,
 * progress reporting and line numbers in error reports.
 */

const header = 'display_name,external_id,phone,email,locale';

describe('parseCustomerCsv', () => {
  it('maps the canonical header and numbers rows from line 2 (the header is line 1)', () => {
    const rows = parseCustomerCsv(
      `${header}\nAnn Example,c1,+41446681800,ann@example.com,de-CH\nBob,c2,,,\n`,
    );
    assert.deepEqual(rows, [
      {
        line: 2,
        values: {
          display_name: 'Ann Example',
          external_id: 'c1',
          phone: '+41446681800',
          email: 'ann@example.com',
          locale: 'de-CH',
        },
      },
      // Empty cells are "not given", not empty strings.
      { line: 3, values: { display_name: 'Bob', external_id: 'c2' } },
    ]);
  });

  it('accepts header aliases regardless of case, spaces, hyphens and underscores', () => {
    const rows = parseCustomerCsv(
      'Name,Customer ID,Phone Number,Email Address,Language\nAnn,c1,+41446681800,ann@example.com,fr\n',
    );
    assert.deepEqual(rows[0]?.values, {
      display_name: 'Ann',
      external_id: 'c1',
      phone: '+41446681800',
      email: 'ann@example.com',
      locale: 'fr',
    });
    const variants = parseCustomerCsv(
      'DISPLAY NAME,customer_id,phone-number,E-mail,LOCALE\nBob,c2,+41446681801,bob@example.com,it\n',
    );
    assert.deepEqual(variants[0]?.values, {
      display_name: 'Bob',
      external_id: 'c2',
      phone: '+41446681801',
      email: 'bob@example.com',
      locale: 'it',
    });
    // Columns may come in any order; values follow their column.
    const reordered = parseCustomerCsv('externalid,phone_number,displayname\nc3,+41446681800,Cid\n');
    assert.deepEqual(reordered[0]?.values, { display_name: 'Cid', external_id: 'c3', phone: '+41446681800' });
  });

  it('strips a UTF-8 byte order mark and handles CRLF line ends', () => {
    const rows = parseCustomerCsv(`\uFEFF${header}\r\nAnn,c1,,,\r\nBob,c2,,,\r\n`);
    assert.deepEqual(rows, [
      { line: 2, values: { display_name: 'Ann', external_id: 'c1' } },
      { line: 3, values: { display_name: 'Bob', external_id: 'c2' } },
    ]);
  });

  it('reads quoted fields containing commas, escaped quotes and newlines, and trims cells', () => {
    const rows = parseCustomerCsv(
      'display_name,external_id,email\n"Doe, Jane",c1,\n"Say ""hi"" Ltd",c2,\n"Two\nLines",c3,\n  Padded Name  , c4 , pad@example.com \n',
    );
    assert.deepEqual(
      rows.map((r) => r.values),
      [
        { display_name: 'Doe, Jane', external_id: 'c1' },
        { display_name: 'Say "hi" Ltd', external_id: 'c2' },
        { display_name: 'Two\nLines', external_id: 'c3' },
        { display_name: 'Padded Name', external_id: 'c4', email: 'pad@example.com' },
      ],
    );
  });

  it('skips empty lines', () => {
    const rows = parseCustomerCsv('display_name,external_id\n\nAnn,c1\n\n\nBob,c2\n\n');
    assert.deepEqual(
      rows.map((r) => r.values),
      [
        { display_name: 'Ann', external_id: 'c1' },
        { display_name: 'Bob', external_id: 'c2' },
      ],
    );
  });

  it('reports the line in the file where each row starts, counting skipped and multi-line rows', () => {
    const text = [
      'display_name,external_id', // line 1
      '', // line 2 (empty, skipped)
      'Ann,c1', // line 3
      '"Bob', // line 4: a quoted name spanning two lines
      'Smith",c2', // line 5
      '', // line 6 (empty, skipped)
      'Cid,c3', // line 7
    ].join('\n');
    assert.deepEqual(
      parseCustomerCsv(text).map((r) => [r.line, r.values.display_name]),
      [
        [3, 'Ann'],
        [4, 'Bob\nSmith'],
        [7, 'Cid'],
      ],
    );
  });

  it('returns no rows for a header-only file', () => {
    assert.deepEqual(parseCustomerCsv(`${header}\n`), []);
  });

  it('rejects duplicate columns, including two aliases of one column', () => {
    assert.throws(() => parseCustomerCsv('display_name,phone,display_name\nA,,B\n'), {
      name: 'ImportFileError',
      message: 'The column display_name appears twice.',
    });
    assert.throws(() => parseCustomerCsv('name,phone,Phone Number\nA,,\n'), {
      name: 'ImportFileError',
      message: 'The column phone appears twice.',
    });
  });

  it('rejects unknown columns, naming the column and the known ones', () => {
    assert.throws(
      () => parseCustomerCsv('display_name,shoe_size\nAnn,42\n'),
      (error: unknown) => {
        assert.ok(error instanceof ImportFileError);
        assert.equal(
          error.message,
          'Unknown column "shoe_size". Known columns: display_name, external_id, phone, email, locale.',
        );
        return true;
      },
    );
  });

  it('rejects a file without a display_name column', () => {
    assert.throws(() => parseCustomerCsv('external_id,phone\nc1,+41446681800\n'), {
      name: 'ImportFileError',
      message: 'The file needs a display_name column.',
    });
  });

  it('rejects an empty file, including one that is only a BOM or blank lines', () => {
    for (const text of ['', '\uFEFF', '\n\n\r\n']) {
      assert.throws(() => parseCustomerCsv(text), {
        name: 'ImportFileError',
        message: 'The file is empty; the first line must name the columns.',
      });
    }
  });

  it('rejects malformed CSV: an unbalanced quote or a row with the wrong number of cells', () => {
    assert.throws(
      () => parseCustomerCsv('display_name,external_id\nAnn,c1\n"Bob,c2\n'),
      (error: unknown) => {
        assert.ok(error instanceof ImportFileError);
        assert.match(error.message, /^The file is not valid CSV: /);
        return true;
      },
    );
    assert.throws(
      () => parseCustomerCsv('display_name,external_id\nAnn,c1\nBob\n'),
      (error: unknown) => {
        assert.ok(error instanceof ImportFileError);
        assert.match(error.message, /^The file is not valid CSV: /);
        return true;
      },
    );
  });
});

describe('importCustomers (SQLite)', () => {
  let harness: TestHarness;
  let slugCounter = 0;

  before(async () => {
    harness = await startTestHarness('sqlite');
  });
  after(async () => {
    await harness?.close();
  });

  const newTenant = () => harness.createTenant(`import-${++slugCounter}`);
  const db = () => harness.runtime.database.db;

  async function customerCount(tenant: TestTenant): Promise<number> {
    const row = await db()
      .selectFrom('customers')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('tenant_id', '=', tenant.id)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async function auditActions(tenant: TestTenant): Promise<string[]> {
    const rows = await db()
      .selectFrom('audit_events')
      .select('action')
      .where('tenant_id', '=', tenant.id)
      .orderBy('seq')
      .execute();
    return rows.map((r) => r.action);
  }

  async function customerByExternalId(tenant: TestTenant, externalId: string) {
    return db()
      .selectFrom('customers')
      .selectAll()
      .where('tenant_id', '=', tenant.id)
      .where('external_id', '=', externalId)
      .executeTakeFirst();
  }

  function run(tenant: TestTenant, text: string, options: { updateExisting?: boolean } = {}) {
    const progress: [number, number][] = [];
    const promise = importCustomers(harness.runtime.services, tenant.id, text, {
      actor: cliActor,
      updateExisting: options.updateExisting,
      onProgress: (done, total) => progress.push([done, total]),
    });
    return { progress, promise };
  }

  it('imports good rows, normalises their fields and writes one audit entry per customer', async () => {
    const tenant = await newTenant();
    const { promise, progress } = run(
      tenant,
      '\uFEFFName,Customer ID,Phone Number,Email,Language\r\n' +
        '"Doe, Jane",c1,+41 44 668 18 00,Jane.Doe@Example.COM,de-ch\r\n' +
        'Max   Muster,c2,,,\r\n' +
        'No Id,,+1 212 555 0100,,en\r\n',
    );
    const summary = await promise;
    assert.deepEqual(summary, { total: 3, created: 3, updated: 0, failed: 0, errors: [] });
    assert.deepEqual(progress, [
      [1, 3],
      [2, 3],
      [3, 3],
    ]);

    const jane = await customerByExternalId(tenant, 'c1');
    assert.ok(jane, 'c1 was imported');
    assert.equal(jane.display_name, 'Doe, Jane');
    assert.equal(jane.phone, '+41446681800');
    assert.equal(jane.email, 'jane.doe@example.com');
    assert.equal(jane.locale, 'de-CH');
    const max = await customerByExternalId(tenant, 'c2');
    assert.equal(max?.display_name, 'Max Muster');
    assert.equal(max?.phone, null);
    assert.equal(max?.email, null);
    const noId = await db()
      .selectFrom('customers')
      .selectAll()
      .where('tenant_id', '=', tenant.id)
      .where('display_name', '=', 'No Id')
      .executeTakeFirst();
    assert.equal(noId?.external_id, null);
    assert.equal(noId?.phone, '+12125550100');

    assert.equal(await customerCount(tenant), 3);
    assert.deepEqual(await auditActions(tenant), [
      'tenant.created',
      'customer.created',
      'customer.created',
      'customer.created',
    ]);
    assert.deepEqual(await verifyTenantAuditChain(db(), tenant.id), {
      ok: true,
      checked: 4,
      headSeq: 4,
      unsealed: 0,
    });
  });

  it('reports bad rows with their line and code, imports the rest, and writes nothing for bad rows', async () => {
    const tenant = await newTenant();
    await harness.runtime.services.customers.create(
      tenant.id,
      { displayName: 'Existing', externalId: 'taken' },
      cliActor,
    );
    const customersBefore = await customerCount(tenant);
    const auditBefore = (await auditActions(tenant)).length;

    const { promise, progress } = run(
      tenant,
      [
        header, // 1
        'Good One,g1,+41446681800,,', // 2
        'Bad Phone,b1,12345,,', // 3
        ',b2,,,', // 4: empty name
        'Dup Of Existing,taken,,,', // 5
        'Bad Email,b3,,not-an-email,', // 6
        'Bad Locale,b4,,,not a locale!', // 7
        'Good Two,g2,,two@example.com,', // 8
        'Dup In File,g1,,,', // 9
      ].join('\n'),
    );
    const summary = await promise;
    assert.equal(summary.total, 8);
    assert.equal(summary.created, 2);
    assert.equal(summary.updated, 0);
    assert.equal(summary.failed, 6);
    assert.deepEqual(
      summary.errors.map((e) => [e.line, e.code]),
      [
        [3, 'INVALID_PHONE_NUMBER'],
        [4, 'VALIDATION_FAILED'],
        [5, 'EXTERNAL_ID_TAKEN'],
        [6, 'VALIDATION_FAILED'],
        [7, 'VALIDATION_FAILED'],
        [9, 'EXTERNAL_ID_TAKEN'],
      ],
    );
    assert.equal(summary.errors[1]?.message, 'display_name is empty.');
    assert.equal(summary.errors[2]?.message, 'Another customer already has the external id "taken".');
    assert.match(summary.errors[3]?.message ?? '', /not-an-email/);
    // Progress counts every row, failed ones included, exactly once.
    assert.deepEqual(
      progress,
      Array.from({ length: 8 }, (_, i) => [i + 1, 8]),
    );

    // Only the two good rows were written: two customers, two audit entries, nothing else.
    assert.equal(await customerCount(tenant), customersBefore + 2);
    const actions = await auditActions(tenant);
    assert.equal(actions.length, auditBefore + 2);
    assert.deepEqual(actions.slice(auditBefore), ['customer.created', 'customer.created']);
    for (const id of ['b1', 'b2', 'b3', 'b4'])
      assert.equal(await customerByExternalId(tenant, id), undefined);
    assert.equal((await customerByExternalId(tenant, 'taken'))?.display_name, 'Existing');
    assert.equal((await customerByExternalId(tenant, 'g1'))?.display_name, 'Good One');
    assert.equal((await customerByExternalId(tenant, 'g2'))?.email, 'two@example.com');
    const verdict = await verifyTenantAuditChain(db(), tenant.id);
    assert.equal(verdict.ok, true);
  });

  it('numbers errors by their line in the file, past empty lines and multi-line quoted rows', async () => {
    const tenant = await newTenant();
    const text = [
      'display_name,external_id,phone', // 1
      '', // 2
      'Ann,c1,+41446681800', // 3
      '"Bob', // 4: record starts here
      'Smith",c2,12345', // 5: bad phone
      '', // 6
      ',c3,', // 7: empty name
    ].join('\n');
    const summary = await run(tenant, text).promise;
    assert.deepEqual(
      summary.errors.map((e) => [e.line, e.code]),
      [
        [4, 'INVALID_PHONE_NUMBER'],
        [7, 'VALIDATION_FAILED'],
      ],
    );
  });

  it('rolls a row back whole when a write fails after its customer was inserted', async () => {
    const tenant = await newTenant();
    // Make the audit insert fail for one particular customer, after that customer's row was
    // written in the same transaction: the customer must disappear with it.
    await sql
      .raw(
        `create trigger fail_audit_for_boom before insert on audit_events
         when exists (select 1 from customers where id = new.target_id and display_name = 'Boom')
         begin select raise(abort, 'audit insert refused by test trigger'); end`,
      )
      .execute(db());
    try {
      const headBefore = await db()
        .selectFrom('audit_heads')
        .selectAll()
        .where('tenant_id', '=', tenant.id)
        .executeTakeFirstOrThrow();
      const { promise, progress } = run(tenant, 'display_name,external_id\nFine,f1\nBoom,x1\nLater,l1\n');
      await assert.rejects(promise, /audit insert refused by test trigger/);

      assert.equal(await customerByExternalId(tenant, 'x1'), undefined, 'no half-written customer');
      assert.equal((await customerByExternalId(tenant, 'f1'))?.display_name, 'Fine');
      assert.deepEqual(await auditActions(tenant), ['tenant.created', 'customer.created']);
      // The head advanced exactly once (for "Fine"): the failed row's sequence number was rolled back.
      const headAfter = await db()
        .selectFrom('audit_heads')
        .selectAll()
        .where('tenant_id', '=', tenant.id)
        .executeTakeFirstOrThrow();
      assert.equal(headAfter.seq, headBefore.seq + 1);
      assert.deepEqual(await verifyTenantAuditChain(db(), tenant.id), {
        ok: true,
        checked: 2,
        headSeq: 2,
        unsealed: 0,
      });
      assert.deepEqual(progress, [[1, 3]]);
    } finally {
      await sql.raw('drop trigger fail_audit_for_boom').execute(db());
    }
  });

  it('imports nothing at all from a malformed file, even rows before the problem', async () => {
    const tenant = await newTenant();
    const malformed = [
      'display_name,external_id\nGood,m1\n"Unclosed,m2\n',
      'display_name,external_id,shoe_size\nGood,m1,42\n',
      'external_id,phone\nm1,+41446681800\n',
      'display_name,name\nGood,Twice\n',
      'display_name,external_id\nGood,m1\nShort\n',
    ];
    for (const text of malformed) {
      const { promise, progress } = run(tenant, text);
      await assert.rejects(promise, ImportFileError);
      assert.deepEqual(progress, [], 'no progress for a rejected file');
    }
    assert.equal(await customerCount(tenant), 0);
    assert.deepEqual(await auditActions(tenant), ['tenant.created']);
  });

  it('returns an empty summary for a header-only file without calling progress', async () => {
    const tenant = await newTenant();
    const { promise, progress } = run(tenant, `${header}\n`);
    assert.deepEqual(await promise, { total: 0, created: 0, updated: 0, failed: 0, errors: [] });
    assert.deepEqual(progress, []);
    assert.equal(await customerCount(tenant), 0);
  });

  it('updates customers by external_id with updateExisting, keeping fields the file leaves empty', async () => {
    const tenant = await newTenant();
    await run(tenant, `${header}\nJane,c1,+41446681800,jane@example.com,de\n`).promise;
    const before = await customerByExternalId(tenant, 'c1');
    assert.ok(before);
    assert.equal(before.phone_changed_at, null);

    // Without the option, a known external_id is an error and changes nothing.
    const refused = await run(tenant, `${header}\nJane Renamed,c1,,,\n`).promise;
    assert.deepEqual(
      refused.errors.map((e) => [e.line, e.code]),
      [[2, 'EXTERNAL_ID_TAKEN']],
    );
    assert.equal((await customerByExternalId(tenant, 'c1'))?.display_name, 'Jane');

    harness.clock.advance(60_000);
    const { promise, progress } = run(
      tenant,
      `${header}\nJane Renamed,c1,+41446681801,,\nNew Person,c2,,,\nNo External Id,,,,\n`,
      { updateExisting: true },
    );
    const summary = await promise;
    assert.deepEqual(summary, { total: 3, created: 2, updated: 1, failed: 0, errors: [] });
    assert.deepEqual(progress, [
      [1, 3],
      [2, 3],
      [3, 3],
    ]);
    const after = await customerByExternalId(tenant, 'c1');
    assert.ok(after);
    assert.equal(after.id, before.id);
    assert.equal(after.display_name, 'Jane Renamed');
    assert.equal(after.phone, '+41446681801');
    assert.equal(after.phone_changed_at, harness.clock.now());
    assert.equal(after.email, 'jane@example.com', 'an empty cell leaves the field unchanged');
    assert.equal(after.locale, 'de');
    assert.equal(await customerCount(tenant), 3);

    const updates = await db()
      .selectFrom('audit_events')
      .selectAll()
      .where('tenant_id', '=', tenant.id)
      .where('action', '=', 'customer.updated')
      .execute();
    assert.equal(updates.length, 1);
    assert.equal(updates[0]?.target_id, before.id);
    assert.deepEqual(JSON.parse(updates[0]!.data), {
      fields: ['display_name', 'phone'],
      phoneChanged: true,
    });
  });

  it('keeps external ids per tenant', async () => {
    const first = await newTenant();
    const second = await newTenant();
    await run(first, 'display_name,external_id\nFirst,shared\n').promise;
    const summary = await run(second, 'display_name,external_id\nSecond,shared\n').promise;
    assert.deepEqual(summary, { total: 1, created: 1, updated: 0, failed: 0, errors: [] });
    assert.equal((await customerByExternalId(first, 'shared'))?.display_name, 'First');
    assert.equal((await customerByExternalId(second, 'shared'))?.display_name, 'Second');
  });
});
