/**
 * SCIM provisioning as identity providers actually call it: the request sequences of Microsoft
 * Entra ID's provisioning service and Okta's SCIM 2.0 app, with their bodies, media types and
 * quirks, on SQLite and PostgreSQL.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { databaseKinds, startTestHarness, type TestHarness } from '../../../test-support/harness.ts';
import { postgresSkip } from '../../../test-support/postgres.ts';

const userUrn = 'urn:ietf:params:scim:schemas:core:2.0:User';
const enterpriseUrn = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const patchUrn = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const errorUrn = 'urn:ietf:params:scim:api:messages:2.0:Error';

for (const kind of databaseKinds) {
  describe(`SCIM /scim/v2/Users on ${kind}`, {
    skip: kind === 'postgres' ? await postgresSkip() : false,
  }, () => {
    let h: TestHarness;
    let key: string;
    let tenantId: string;

    before(async () => {
      h = await startTestHarness(kind);
      const tenant = await h.createTenant('acme');
      tenantId = tenant.id;
      key = await h.createApiKey(tenant, ['scim']);
    });
    after(() => h?.close());

    const scim = (method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, body?: unknown) =>
      h.app.inject({
        method,
        url: `/scim/v2${url}`,
        headers: {
          authorization: `Bearer ${key}`,
          ...(body !== undefined ? { 'content-type': 'application/scim+json' } : {}),
        },
        ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
      });

    const auditActions = async (customerId: string) =>
      (
        await h.runtime.database.db
          .selectFrom('audit_events')
          .select(['action', 'actor_type', 'data'])
          .where('tenant_id', '=', tenantId)
          .where('target_id', '=', customerId)
          .orderBy('seq')
          .execute()
      ).map((row) => ({ action: row.action, actor: row.actor_type, data: JSON.parse(row.data) }));

    it('follows the Entra ID provisioning sequence: query, create, get, patch, disable, delete', async () => {
      const userName = 'Test_User_dfeef4c5-5681-4387-b016-bdf221e82081@contoso.com';
      // 1. Entra looks the user up by its matching attribute before creating it.
      const lookup = await scim('GET', `/Users?filter=${encodeURIComponent(`userName eq "${userName}"`)}`);
      assert.equal(lookup.statusCode, 200);
      assert.match(String(lookup.headers['content-type']), /^application\/scim\+json/);
      assert.deepEqual(lookup.json(), {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'],
        totalResults: 0,
        startIndex: 1,
        itemsPerPage: 0,
        Resources: [],
      });

      // 2. Create, with the enterprise extension and attributes we do not keep.
      const created = await scim('POST', '/Users', {
        schemas: [userUrn, enterpriseUrn],
        externalId: '0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef',
        userName,
        active: true,
        emails: [{ primary: true, type: 'work', value: 'Test_User_11bb6b3e@contoso.com' }],
        phoneNumbers: [{ type: 'mobile', value: '+41 44 668 18 00' }],
        meta: { resourceType: 'User' },
        name: { formatted: 'givenName familyName', familyName: 'familyName', givenName: 'givenName' },
        roles: [],
        title: 'Engineer',
        [enterpriseUrn]: { employeeNumber: '701984', department: '4130' },
      });
      assert.equal(created.statusCode, 201, created.body);
      const user = created.json();
      assert.match(user.id, /^cus_/);
      assert.equal(created.headers.location, `${h.config.publicUrl}/scim/v2/Users/${user.id}`);
      assert.equal(created.headers.etag, user.meta.version);
      assert.equal(user.userName, userName);
      assert.equal(user.externalId, '0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef');
      assert.equal(user.displayName, 'givenName familyName');
      assert.deepEqual(user.emails, [
        { value: 'test_user_11bb6b3e@contoso.com', type: 'work', primary: true },
      ]);
      assert.deepEqual(user.phoneNumbers, [{ value: '+41446681800', type: 'mobile', primary: true }]);
      assert.equal(user.active, true);
      assert.equal('title' in user, false, 'attributes we do not keep are not echoed');

      // The customer behind it, as agents see it through the REST API.
      const customer = await h.runtime.services.customers.get(tenantId, user.id);
      assert.equal(customer.externalId, '0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef');
      assert.equal(customer.phone, '+41446681800');
      assert.equal(customer.email, 'test_user_11bb6b3e@contoso.com');

      // 3. Get by id, and by query (userName is compared case-insensitively).
      const fetched = await scim('GET', `/Users/${user.id}`);
      assert.equal(fetched.statusCode, 200);
      assert.deepEqual(fetched.json(), user);
      const found = await scim(
        'GET',
        `/Users?filter=${encodeURIComponent(`userName eq "${userName.toUpperCase()}"`)}`,
      );
      assert.equal(found.json().totalResults, 1);
      assert.equal(found.json().Resources[0].id, user.id);

      // 4. Update a multi-valued attribute by path filter, and a single-valued one ("Replace", capitalised).
      const patched = await scim('PATCH', `/Users/${user.id}`, {
        schemas: [patchUrn],
        Operations: [
          { op: 'Replace', path: 'emails[type eq "work"].value', value: 'updatedEmail@contoso.com' },
          { op: 'Replace', path: 'name.familyName', value: 'updatedFamilyName' },
        ],
      });
      assert.equal(patched.statusCode, 200, patched.body);
      assert.deepEqual(patched.json().emails, [
        { value: 'updatedemail@contoso.com', type: 'work', primary: true },
      ]);
      assert.equal(patched.json().name.familyName, 'updatedFamilyName');
      const renamed = await scim('PATCH', `/Users/${user.id}`, {
        schemas: [patchUrn],
        Operations: [{ op: 'Replace', path: 'userName', value: '5b50642d-79fc@contoso.com' }],
      });
      assert.equal(renamed.json().userName, '5b50642d-79fc@contoso.com');

      // 5. Entra's no-path form, with keys that are paths and a boolean as a string.
      const noPath = await scim('PATCH', `/Users/${user.id}`, {
        schemas: [patchUrn],
        Operations: [
          { op: 'Add', value: { 'name.givenName': 'Ann', displayName: 'Ann updatedFamilyName' } },
          { op: 'Replace', value: { active: 'False' } },
        ],
      });
      assert.equal(noPath.statusCode, 200, noPath.body);
      assert.equal(noPath.json().name.givenName, 'Ann');
      assert.equal(noPath.json().displayName, 'Ann updatedFamilyName');
      assert.equal(noPath.json().active, false);
      const inactive = await scim('GET', `/Users?filter=${encodeURIComponent('active eq false')}`);
      assert.deepEqual(
        inactive.json().Resources.map((r: { id: string }) => r.id),
        [user.id],
      );

      // Attributes we do not keep, by extension path or plain path, are accepted and ignored.
      const ignored = await scim('PATCH', `/Users/${user.id}`, {
        schemas: [patchUrn],
        Operations: [
          { op: 'Add', path: `${enterpriseUrn}:employeeNumber`, value: '701985' },
          { op: 'Replace', path: 'title', value: 'Manager' },
          { op: 'Replace', path: 'addresses[type eq "work"].locality', value: 'Zurich' },
        ],
      });
      assert.equal(ignored.statusCode, 200, ignored.body);
      assert.equal(ignored.json().displayName, 'Ann updatedFamilyName');

      // 6. Remove the phone number, then delete.
      const removed = await scim('PATCH', `/Users/${user.id}`, {
        schemas: [patchUrn],
        Operations: [{ op: 'Remove', path: 'phoneNumbers[type eq "mobile"]' }],
      });
      assert.equal(removed.statusCode, 200, removed.body);
      assert.equal(removed.json().phoneNumbers, undefined);
      assert.equal((await h.runtime.services.customers.get(tenantId, user.id)).phone, null);

      const deleted = await scim('DELETE', `/Users/${user.id}`);
      assert.equal(deleted.statusCode, 204);
      const gone = await scim('GET', `/Users/${user.id}`);
      assert.equal(gone.statusCode, 404);
      assert.deepEqual(gone.json(), {
        schemas: [errorUrn],
        status: '404',
        detail: 'User not found.',
        code: 'NOT_FOUND',
      });

      // Every change is in the audit log, as a customer change by the SCIM key.
      const actions = await auditActions(user.id);
      assert.deepEqual(
        actions.map((a) => a.action),
        [
          'customer.created',
          'customer.updated',
          'customer.updated',
          'customer.updated',
          'customer.updated',
          'customer.updated',
          'customer.deleted',
        ],
      );
      assert.ok(actions.every((a) => a.actor === 'api_key'));
      assert.ok(actions.some((a) => a.data.via === 'scim' && a.data.fields.includes('active')));
    });

    it('follows the Okta sequence: lookup with paging, create, full replace, deactivate, reactivate', async () => {
      const lookup = await scim(
        'GET',
        `/Users?filter=${encodeURIComponent('userName eq "test.user@okta.local"')}&startIndex=1&count=100`,
      );
      assert.equal(lookup.json().totalResults, 0);

      const created = await scim('POST', '/Users', {
        schemas: [userUrn],
        userName: 'test.user@okta.local',
        name: { givenName: 'Test', familyName: 'User' },
        emails: [{ primary: true, value: 'test.user@okta.local', type: 'work' }],
        displayName: 'Test User',
        locale: 'en-US',
        externalId: '00ujl29u0le5T6Aj10h7',
        groups: [],
        password: '1mz050nq',
        active: true,
      });
      assert.equal(created.statusCode, 201, created.body);
      const user = created.json();
      assert.equal(user.locale, 'en-US');
      assert.equal(JSON.stringify(await auditActions(user.id)).includes('1mz050nq'), false);
      const row = await h.runtime.database.db
        .selectFrom('customers')
        .selectAll()
        .where('id', '=', user.id)
        .executeTakeFirstOrThrow();
      assert.equal(JSON.stringify(row).includes('1mz050nq'), false, 'a password sent along is not stored');

      // Okta updates with PUT of the whole profile: what is left out is cleared.
      const replaced = await scim('PUT', `/Users/${user.id}`, {
        schemas: [userUrn],
        id: user.id,
        userName: 'test.user@okta.local',
        name: { givenName: 'Another', familyName: 'User' },
        phoneNumbers: [{ value: '+1 415 555 2671', type: 'mobile', primary: true }],
        externalId: '00ujl29u0le5T6Aj10h7',
        active: true,
      });
      assert.equal(replaced.statusCode, 200, replaced.body);
      assert.equal(replaced.json().displayName, 'Another User');
      assert.equal(replaced.json().emails, undefined);
      assert.equal(replaced.json().locale, undefined);

      // Entra ID maps the language as preferredLanguage: it sets the locale messages follow.
      const german = await scim('PATCH', `/Users/${user.id}`, {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
        Operations: [{ op: 'replace', path: 'preferredLanguage', value: 'de-DE, en;q=0.5' }],
      });
      assert.equal(german.statusCode, 200, german.body);
      assert.equal(german.json().locale, 'de-DE');
      assert.deepEqual(replaced.json().phoneNumbers, [
        { value: '+14155552671', type: 'mobile', primary: true },
      ]);

      for (const active of [false, true]) {
        const changed = await scim('PATCH', `/Users/${user.id}`, {
          schemas: [patchUrn],
          Operations: [{ op: 'replace', value: { active } }],
        });
        assert.equal(changed.statusCode, 200, changed.body);
        assert.equal(changed.json().active, active);
      }
    });

    it('lists with filters and pages', async () => {
      const make = (userName: string, extra: object = {}) =>
        scim('POST', '/Users', { schemas: [userUrn], userName, ...extra });
      for (const [i, name] of ['alpha', 'bravo', 'charlie', 'delta'].entries()) {
        const made = await make(`${name}@paging.example`, {
          displayName: `Paging ${name}`,
          emails: [{ value: `${name}@mail.example`, primary: true }],
          active: i % 2 === 0,
        });
        assert.equal(made.statusCode, 201, made.body);
      }
      const ids = async (filter: string, paging = '') => {
        const response = await scim('GET', `/Users?filter=${encodeURIComponent(filter)}${paging}`);
        assert.equal(response.statusCode, 200, `${filter}: ${response.body}`);
        return response.json().Resources.map((r: { userName: string }) => r.userName.split('@')[0]);
      };
      assert.deepEqual(await ids('userName sw "b"'), ['bravo']);
      assert.deepEqual(await ids('userName co "paging" and active eq true'), ['alpha', 'charlie']);
      assert.deepEqual(await ids('emails.value eq "DELTA@mail.example" or displayName co "ALPHA"'), [
        'alpha',
        'delta',
      ]);
      assert.deepEqual(await ids('emails[value sw "char"]'), ['charlie']);
      assert.deepEqual(await ids('userName ew "paging.example" and not (userName sw "a")'), [
        'bravo',
        'charlie',
        'delta',
      ]);
      assert.deepEqual(await ids('displayName co "paging" and externalId pr'), [
        'alpha',
        'bravo',
        'charlie',
        'delta',
      ]);
      // A LIKE wildcard in the value is a literal character, not a pattern.
      assert.deepEqual(await ids('userName co "%"'), []);

      const page = await scim(
        'GET',
        `/Users?filter=${encodeURIComponent('userName co "paging"')}&startIndex=2&count=2`,
      );
      const pageBody = page.json() as { Resources: Array<{ userName: string }> };
      assert.deepEqual(
        { ...pageBody, Resources: pageBody.Resources.map((r) => r.userName) },
        {
          schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'],
          totalResults: 4,
          startIndex: 2,
          itemsPerPage: 2,
          Resources: ['bravo@paging.example', 'charlie@paging.example'],
        },
      );
      const countOnly = await scim(
        'GET',
        `/Users?filter=${encodeURIComponent('userName co "paging"')}&count=0`,
      );
      assert.equal(countOnly.json().totalResults, 4);
      assert.equal(countOnly.json().itemsPerPage, 0);
    });

    it('answers bad requests in the SCIM error format with the right scimType', async () => {
      const first = await scim('POST', '/Users', { schemas: [userUrn], userName: 'unique@x.example' });
      assert.equal(first.statusCode, 201);
      const cases: Array<[string, Awaited<ReturnType<typeof scim>>, number, string | undefined, string]> = [
        [
          'duplicate userName, other case',
          await scim('POST', '/Users', { schemas: [userUrn], userName: 'UNIQUE@x.example' }),
          409,
          'uniqueness',
          'USER_NAME_TAKEN',
        ],
        [
          'duplicate externalId',
          await scim('POST', '/Users', { userName: 'other@x.example', externalId: 'unique@x.example' }),
          409,
          'uniqueness',
          'EXTERNAL_ID_TAKEN',
        ],
        [
          'no userName',
          await scim('POST', '/Users', { schemas: [userUrn] }),
          400,
          'invalidValue',
          'VALIDATION_FAILED',
        ],
        [
          'active not a boolean',
          await scim('POST', '/Users', { userName: 'q@x.example', active: 'maybe' }),
          400,
          'invalidValue',
          'VALIDATION_FAILED',
        ],
        [
          'unparseable filter',
          await scim('GET', '/Users?filter=userName%20eq'),
          400,
          'invalidFilter',
          'INVALID_FILTER',
        ],
        [
          'unsupported attribute',
          await scim('GET', `/Users?filter=${encodeURIComponent('title eq "x"')}`),
          400,
          'invalidFilter',
          'INVALID_FILTER',
        ],
        [
          'boolean compared with co',
          await scim('GET', `/Users?filter=${encodeURIComponent('active co "t"')}`),
          400,
          'invalidFilter',
          'INVALID_FILTER',
        ],
        [
          'bad op',
          await scim('PATCH', `/Users/${first.json().id}`, {
            schemas: [patchUrn],
            Operations: [{ op: 'move' }],
          }),
          400,
          'invalidSyntax',
          'VALIDATION_FAILED',
        ],
        [
          'remove without path',
          await scim('PATCH', `/Users/${first.json().id}`, {
            schemas: [patchUrn],
            Operations: [{ op: 'remove' }],
          }),
          400,
          'noTarget',
          'VALIDATION_FAILED',
        ],
        [
          'malformed JSON',
          await h.app.inject({
            method: 'POST',
            url: '/scim/v2/Users',
            headers: { authorization: `Bearer ${key}`, 'content-type': 'application/scim+json' },
            payload: '{"userName":',
          }),
          400,
          undefined,
          'MALFORMED_JSON',
        ],
        ['unknown id', await scim('GET', '/Users/not-one-of-ours'), 404, undefined, 'NOT_FOUND'],
        ['groups are not offered', await scim('GET', '/Groups'), 404, undefined, 'ROUTE_NOT_FOUND'],
      ];
      const problems: string[] = [];
      for (const [label, response, status, scimType, code] of cases) {
        const body = response.json();
        if (
          response.statusCode !== status ||
          body.status !== String(status) ||
          body.scimType !== scimType ||
          body.code !== code ||
          body.schemas?.[0] !== errorUrn ||
          !String(response.headers['content-type']).startsWith('application/scim+json')
        ) {
          problems.push(`${label}: ${response.statusCode} ${response.body}`);
        }
      }
      assert.deepEqual(problems, []);
    });

    it('gives a userName to one of several simultaneous creations, and 409 uniqueness to the rest', async () => {
      const attempts = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          scim('POST', '/Users', { userName: 'race@x.example', externalId: `race-${i}` }),
        ),
      );
      const statuses = attempts.map((r) => r.statusCode).sort();
      assert.deepEqual(statuses, [201, 409, 409, 409, 409, 409], attempts.map((r) => r.body).join('\n'));
      for (const lost of attempts.filter((r) => r.statusCode === 409))
        assert.equal(lost.json().scimType, 'uniqueness');
      const listed = await scim('GET', `/Users?filter=${encodeURIComponent('userName eq "race@x.example"')}`);
      assert.equal(listed.json().totalResults, 1);
      // The losers left no customer behind.
      const customers = await h.runtime.database.db
        .selectFrom('customers')
        .select('external_id')
        .where('tenant_id', '=', tenantId)
        .where('external_id', 'like', 'race-%')
        .execute();
      assert.equal(customers.length, 1);
    });

    it('stores a user whose phone number is not in international form, without it, and audits that', async () => {
      // Entra ID's `mobile` is free text.
      const created = await scim('POST', '/Users', {
        schemas: [userUrn],
        userName: 'free.text@contoso.com',
        phoneNumbers: [{ type: 'mobile', value: '(425) 555-0100' }],
      });
      assert.equal(created.statusCode, 201, created.body);
      const user = created.json();
      assert.equal(user.phoneNumbers, undefined);
      assert.equal((await h.runtime.services.customers.get(tenantId, user.id)).phone, null);
      const audited = (await auditActions(user.id)).find((a) => a.action === 'customer.phone_unusable');
      assert.deepEqual(audited?.data, { via: 'scim', reason: 'not_international' });
      assert.equal(JSON.stringify(await auditActions(user.id)).includes('555'), false, 'never the number');
      // A later valid number is kept; a bad one replaces nothing it could not keep.
      const fixed = await scim('PATCH', `/Users/${user.id}`, {
        schemas: [patchUrn],
        Operations: [
          { op: 'replace', path: 'phoneNumbers[type eq "mobile"].value', value: '+1 425 555 0100' },
        ],
      });
      assert.equal(fixed.statusCode, 200, fixed.body);
      assert.deepEqual(fixed.json().phoneNumbers, [{ value: '+14255550100', type: 'mobile', primary: true }]);
      const short = await scim('POST', '/Users', {
        userName: 'p@x.example',
        phoneNumbers: [{ value: '12' }],
      });
      assert.equal(short.statusCode, 201, short.body);
    });

    it('honours If-Match on PUT, PATCH and DELETE: a stale version gets 412 and changes nothing', async () => {
      const created = await scim('POST', '/Users', { schemas: [userUrn], userName: 'etag@x.example' });
      const user = created.json();
      const version = String(created.headers.etag);
      const stale = 'W/"1"';
      const scimIf = (method: 'PUT' | 'PATCH' | 'DELETE', tag: string, body?: unknown) =>
        h.app.inject({
          method,
          url: `/scim/v2/Users/${user.id}`,
          headers: {
            authorization: `Bearer ${key}`,
            'if-match': tag,
            ...(body !== undefined ? { 'content-type': 'application/scim+json' } : {}),
          },
          ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
        });
      const rename = {
        schemas: [patchUrn],
        Operations: [{ op: 'replace', path: 'displayName', value: 'New' }],
      };
      for (const refused of [
        await scimIf('PUT', stale, { schemas: [userUrn], userName: 'etag@x.example', displayName: 'New' }),
        await scimIf('PATCH', stale, rename),
        await scimIf('DELETE', stale),
      ]) {
        assert.equal(refused.statusCode, 412, refused.body);
        assert.equal(refused.json().code, 'PRECONDITION_FAILED');
      }
      assert.equal((await scim('GET', `/Users/${user.id}`)).json().displayName, 'etag@x.example');
      // Two changes naming the same version at once: one applies, the other is told it is stale.
      const both = await Promise.all([scimIf('PATCH', version, rename), scimIf('PATCH', version, rename)]);
      h.clock.advance(1);
      assert.deepEqual(both.map((r) => r.statusCode).sort(), [200, 412]);
      const current = String(both.find((r) => r.statusCode === 200)!.headers.etag);
      assert.notEqual(current, version);
      assert.equal((await scimIf('DELETE', current)).statusCode, 204);
      assert.equal((await scim('GET', `/Users/${user.id}`)).statusCode, 404);
    });

    it('leaves out excludedAttributes and answers only the attributes asked for (RFC 7644 section 3.9)', async () => {
      const created = await scim('POST', '/Users', {
        schemas: [userUrn],
        userName: 'select@x.example',
        externalId: 'SEL-1',
        name: { givenName: 'Sel', familyName: 'Ect' },
        emails: [{ value: 'select@x.example', type: 'work', primary: true }],
      });
      const { id } = created.json();
      const excluded = await scim('GET', `/Users/${id}?excludedAttributes=emails,name.familyName,META`);
      assert.equal(excluded.statusCode, 200, excluded.body);
      const body = excluded.json();
      assert.equal(body.emails, undefined);
      assert.equal(body.meta, undefined);
      assert.deepEqual(body.name, { givenName: 'Sel', formatted: 'Sel Ect' });
      assert.equal(body.userName, 'select@x.example');
      assert.equal(body.id, id, 'id is always returned');
      const only = await scim(
        'GET',
        `/Users?filter=${encodeURIComponent('userName eq "select@x.example"')}&attributes=${encodeURIComponent(`${userUrn}:userName,name.givenName`)}`,
      );
      assert.equal(only.statusCode, 200, only.body);
      assert.deepEqual(only.json().Resources, [
        { schemas: [userUrn], id, userName: 'select@x.example', name: { givenName: 'Sel' } },
      ]);
      const excludeId = await scim('GET', `/Users/${id}?excludedAttributes=id,schemas,displayName`);
      assert.deepEqual(
        [excludeId.json().id, excludeId.json().schemas, excludeId.json().displayName],
        [id, [userUrn], undefined],
      );
    });

    it('describes itself: ServiceProviderConfig, ResourceTypes and Schemas', async () => {
      const config = await h.app.inject({ method: 'GET', url: '/scim/v2/ServiceProviderConfig' });
      assert.equal(config.statusCode, 200);
      assert.equal(config.json().etag.supported, true);
      const documentation = await h.app.inject({
        method: 'GET',
        url: config.json().documentationUri.replace(h.config.publicUrl, ''),
      });
      assert.equal(documentation.statusCode, 200, 'the documentation link answers');
      assert.equal(config.json().patch.supported, true);
      assert.equal(config.json().filter.supported, true);
      assert.equal(config.json().authenticationSchemes[0].type, 'oauthbearertoken');
      const types = await h.app.inject({ method: 'GET', url: '/scim/v2/ResourceTypes' });
      assert.equal(types.json().Resources[0].endpoint, '/Users');
      const schemas = await h.app.inject({ method: 'GET', url: '/scim/v2/Schemas' });
      const names = schemas.json().Resources[0].attributes.map((a: { name: string }) => a.name);
      assert.deepEqual(names, [
        'userName',
        'externalId',
        'name',
        'displayName',
        'emails',
        'phoneNumbers',
        'locale',
        'preferredLanguage',
        'active',
      ]);
      const one = await h.app.inject({ method: 'GET', url: `/scim/v2/Schemas/${userUrn}` });
      assert.equal(one.json().id, userUrn);
      // Duplicates get 409 uniqueness for both, so both say so.
      const uniqueness = Object.fromEntries(
        one.json().attributes.map((a: { name: string; uniqueness: string }) => [a.name, a.uniqueness]),
      );
      assert.deepEqual([uniqueness.userName, uniqueness.externalId], ['server', 'server']);
    });

    it('shows customers made through the REST API as users, under their external id', async () => {
      const customer = await h.runtime.services.customers.create(
        tenantId,
        { displayName: 'Made Elsewhere', externalId: 'crm-42' },
        { type: 'cli', id: null },
      );
      const found = await scim('GET', `/Users?filter=${encodeURIComponent('userName eq "CRM-42"')}`);
      assert.deepEqual(
        found.json().Resources.map((r: { id: string; userName: string }) => [r.id, r.userName]),
        [[customer.id, 'crm-42']],
      );
      const clash = await scim('POST', '/Users', { userName: 'crm-42', externalId: 'other' });
      assert.equal(clash.statusCode, 409);
      assert.equal(clash.json().scimType, 'uniqueness');
    });
  });
}
