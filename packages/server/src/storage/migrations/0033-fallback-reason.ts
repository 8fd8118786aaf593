// Migration 0033: why push was not used, kept on each fallback verification when its outcome is
// recorded (features/methods/fallback-reason.ts), so the dashboard counts a column instead of
// working it out again over every customer's history on each visit; and the dashboard's indexes.
import { type Kysely, sql } from 'kysely';

/** A fallback counts the push before it as its reason when it came this soon after (ms). */
const lookbackMs = 15 * 60_000;
/** Verification ids are `ver_` and 26 characters. */
const idLength = 30;

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('verifications').addColumn('fallback_reason', 'varchar(16)').execute();

  // The fallbacks recorded before this migration get the reason the dashboard gave them until
  // now, in one statement: the customer's last push before each (one window over the customer's
  // verifications in id, that is time, order), whether a device was enrolled and whether a fraud
  // report locked push at the time. The same rules as features/methods/fallback-reason.ts.
  await sql`
    with w as (
      select v.id, v.tenant_id, v.customer_id, v.created_at, v.method,
        max(case when v.method = 'push' then v.id || cast(v.created_at as varchar(20)) || v.status end)
          over (partition by v.tenant_id, v.customer_id order by v.id rows between unbounded preceding and 1 preceding) as last_push
      from verifications v
    ),
    f as (
      select w.id,
        case when w.last_push is not null
          and w.created_at - cast(substr(w.last_push, ${sql.lit(idLength + 1)}, 13) as bigint) <= ${sql.lit(lookbackMs)}
          then substr(w.last_push, ${sql.lit(idLength + 14)}) end as push_status,
        w.created_at as at,
        c.fraud_reported_at as fraud_at,
        l.push_cleared_at as cleared_at,
        case when exists (
          select 1 from devices d
          where d.tenant_id = w.tenant_id and d.customer_id = w.customer_id and d.created_at <= w.created_at
            and (d.revoked_at is null or d.revoked_at > w.created_at)
        ) then 1 else 0 end as had_device
      from w
      left join customers c on c.id = w.customer_id
      left join customer_method_locks l on l.tenant_id = w.tenant_id and l.customer_id = w.customer_id
      where w.method <> 'push'
    )
    update verifications set fallback_reason = case
      when f.push_status in ('denied', 'fraud_reported') then 'denied'
      when f.push_status is not null and f.push_status <> 'approved' then 'unreachable'
      when f.had_device = 0 then 'no_device'
      when f.fraud_at is not null and f.fraud_at <= f.at
        and not (f.cleared_at is not null and f.cleared_at >= f.fraud_at and f.cleared_at <= f.at) then 'locked'
      else 'not_tried' end
    from f
    where verifications.id = f.id
  `.execute(db);

  // The dashboard's three aggregates (features/analytics/analytics.ts) each read an index alone,
  // in the order they group by, so neither database sorts the period's verifications (SQLite,
  // which cannot group by hashing, sorted them before: 2 to 4 seconds for a million). The day and
  // the seconds an approval took are indexed expressions, written as the queries write them.
  // They replace the one index of migration 0027, which served the reason's window.
  await db.schema.dropIndex('verifications_analytics').execute();
  await sql`create index verifications_analytics_day on verifications (
    tenant_id, (created_at / 86400000), method, status, fallback_reason,
    created_at, started_by_type, started_by_id, customer_id)`.execute(db);
  await sql`create index verifications_analytics_seconds on verifications (
    tenant_id, status, (created_at / 86400000), method,
    (case when (finished_at - created_at) / 1000 > 3600 then 3600 else (finished_at - created_at) / 1000 end),
    created_at, finished_at, started_by_type, started_by_id, customer_id)`.execute(db);
  await db.schema
    .createIndex('verifications_analytics_agent')
    .on('verifications')
    .columns([
      'tenant_id',
      'started_by_type',
      'started_by_id',
      'created_at',
      'method',
      'status',
      'fallback_reason',
      'finished_at',
      'customer_id',
    ])
    .execute();
  // The practice space's made-up customers, which the dashboard leaves out: few, found at once.
  await db.schema
    .createIndex('customers_practice')
    .on('customers')
    .column('tenant_id')
    .where(sql.ref('practice'), '=', 1)
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('customers_practice').execute();
  await db.schema.dropIndex('verifications_analytics_agent').execute();
  await db.schema.dropIndex('verifications_analytics_seconds').execute();
  await db.schema.dropIndex('verifications_analytics_day').execute();
  await db.schema
    .createIndex('verifications_analytics')
    .on('verifications')
    .columns([
      'tenant_id',
      'created_at',
      'method',
      'status',
      'started_by_type',
      'started_by_id',
      'finished_at',
      'customer_id',
    ])
    .execute();
  await db.schema.alterTable('verifications').dropColumn('fallback_reason').execute();
}
