// Tests of SCIM filters turned into SQL.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DummyDriver, Kysely, SqliteAdapter, SqliteIntrospector, SqliteQueryCompiler } from 'kysely';
import { scimFilterToSql } from './scim-filter.ts';

// Compiles without a database, to see the SQL and its parameters.
const db = new Kysely<Record<string, Record<string, unknown>>>({
  dialect: {
    createAdapter: () => new SqliteAdapter(),
    createDriver: () => new DummyDriver(),
    createIntrospector: (kysely) => new SqliteIntrospector(kysely),
    createQueryCompiler: () => new SqliteQueryCompiler(),
  },
});
const compile = (filter: string) =>
  db.selectFrom('customers as c').selectAll().where(scimFilterToSql(filter)).compile();

function refused(filter: string): string {
  try {
    scimFilterToSql(filter);
  } catch (error) {
    const { code, scimType } = error as { code: string; scimType: string };
    return `${code}/${scimType}`;
  }
  return 'accepted';
}

describe('SCIM filters to SQL', () => {
  it('passes every value as a bound parameter, never as SQL text', () => {
    const attack = `x' or 1=1 --`;
    const { sql, parameters } = compile(`userName eq "${attack}" or displayName co "%_"`);
    assert.equal(sql.includes('1=1'), false);
    // LIKE wildcards in a value are escaped: they match themselves only.
    assert.deepEqual(parameters, [attack.toLowerCase(), '%\\%\\_%']);
  });

  it('compares text case-insensitively, but ids, external ids and phone numbers exactly', () => {
    assert.match(compile('userName eq "Ann"').sql, /lower\(coalesce\(s\.user_name/);
    assert.deepEqual(compile('userName eq "Ann"').parameters, ['ann']);
    assert.deepEqual(compile('externalId eq "AbC"').parameters, ['AbC']);
    assert.doesNotMatch(compile('externalId eq "AbC"').sql, /lower/);
  });

  it('reads attribute names case-insensitively and with the schema URN', () => {
    assert.deepEqual(compile('USERNAME eq "a"').parameters, ['a']);
    assert.deepEqual(compile('urn:ietf:params:scim:schemas:core:2.0:User:userName eq "a"').parameters, ['a']);
  });

  it('compares meta times as dates and active as a boolean', () => {
    assert.deepEqual(compile('meta.lastModified gt "2026-01-15T09:00:00Z"').parameters, [
      Date.UTC(2026, 0, 15, 9),
    ]);
    assert.deepEqual(compile('active eq false').parameters, [0]);
  });

  it('refuses what it cannot answer with invalidFilter', () => {
    const cases: Record<string, string> = {
      'userName eq': 'INVALID_FILTER/invalidFilter',
      'title eq "x"': 'INVALID_FILTER/invalidFilter',
      'active co "t"': 'INVALID_FILTER/invalidFilter',
      'active eq "yes"': 'INVALID_FILTER/invalidFilter',
      'meta.created gt "yesterday"': 'INVALID_FILTER/invalidFilter',
      'meta.created co "2026"': 'INVALID_FILTER/invalidFilter',
      'userName gt null': 'INVALID_FILTER/invalidFilter',
      'emails[type eq "work" and phoneNumbers[value pr]]': 'INVALID_FILTER/invalidFilter',
      [`${'not ('.repeat(40)}userName pr${')'.repeat(40)}`]: 'INVALID_FILTER/invalidFilter',
      [`${'('.repeat(40)}userName pr${')'.repeat(40)}`]: 'accepted',
      'userName eq "a" and emails[value sw "b"]': 'accepted',
      'not (userName pr) or phoneNumbers.value eq "+41446681800"': 'accepted',
    };
    const got = Object.fromEntries(Object.keys(cases).map((filter) => [filter, refused(filter)]));
    assert.deepEqual(got, cases);
  });
});
