import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { openRuntime } from '/work/wt-fraudq/packages/server/src/app/runtime.ts';
import { loadConfig } from '/work/wt-fraudq/packages/server/src/config/config.ts';
const dataDir = await mkdtemp(path.join(os.tmpdir(), 'plan-'));
const runtime = await openRuntime(loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent', ...(process.env.PG ? {DATABASE_URL: process.env.PG} : {}) }), { warn: () => {} });
const db = runtime.database.db;
const q = sql`explain query plan select (select p.status from verifications p where p.tenant_id = v.tenant_id and p.customer_id = v.customer_id and p.method || '' = 'push' and p.id < v.id order by p.id desc limit 1) as s,
 case when exists (select 1 from devices d where d.tenant_id = v.tenant_id and d.customer_id = v.customer_id and d.created_at <= v.created_at and (d.revoked_at is null or d.revoked_at > v.created_at)) then 1 else 0 end as hd
 from verifications v left join customers c on c.id = v.customer_id and c.tenant_id = 't' left join customer_method_locks l on l.customer_id = v.customer_id and l.tenant_id='t'
 where v.tenant_id = 't' and v.created_at >= 1 and v.created_at < 2 and v.method <> 'push'`;
const r = await q.execute(db);
for (const row of r.rows as any[]) console.log(row.detail);
await runtime.close();
