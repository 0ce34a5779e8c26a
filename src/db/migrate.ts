import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import { drizzle } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import { PACKAGE } from '../core/package-root.ts';
import { AppError } from '../errors/app-error.ts';
import { isUniqueViolation, pgErrorOf } from '../errors/infra.ts';

export const MIGRATIONS_FOLDER = join(PACKAGE.root, 'drizzle');

// An arbitrary constant shared by every backstop process: the key of the migration advisory lock.
const MIGRATION_LOCK_KEY = 7_260_001;

export interface MigrationOutcome {
  /** The database this run created (only with `createDatabase`), or null when it existed. */
  createdDatabase: string | null;
  /** Migrations this run applied, and how many the database has now. */
  applied: number;
  total: number;
}

// The group role migrations run as, once drizzle/0009_least_privilege.sql has made it the owner of backstop's schemas.
const OWNER_ROLE = 'backstop_owner';

// The tables and functions of ops that someone other than backstop_owner owns: made by this run's login after 0009 in
// the same run. Only ordinary tables can be such: the append-only ones (the audit log, its chain heads and archives)
// predate 0009, which gave them to the owner with their narrower rights. A table's sequences follow it to the new
// owner. A function (a later migration's trigger function) is the owner's too, or that migration could not run again
// as the owner (CREATE OR REPLACE needs the function's owner).
const ADOPT_LATER_OBJECTS = `
do $$
declare t regclass; f regprocedure;
begin
  for t in
    select c.oid::regclass from pg_class c
    join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = 'ops' and c.relkind in ('r', 'p') and pg_get_userbyid(c.relowner) <> '${OWNER_ROLE}'
  loop
    execute format('alter table %s owner to ${OWNER_ROLE}', t);
    execute format('grant select, insert, update, delete on table %s to backstop_runtime', t);
  end loop;
  grant usage, select on all sequences in schema ops to backstop_runtime;
  for f in
    select p.oid::regprocedure from pg_proc p
    join pg_namespace n on n.oid = p.pronamespace
    where n.nspname = 'ops' and pg_get_userbyid(p.proowner) <> '${OWNER_ROLE}'
  loop
    execute format('alter function %s owner to ${OWNER_ROLE}', f);
  end loop;
end $$`;

/**
 * Brings the database the pool names up to this backstop's schema. drizzle's migrate() takes no lock
 * (drizzle-orm#874); processes that start together serialize on an advisory lock instead. Only `backstop migrate`
 * passes `createDatabase`: a role that starts against a misspelt database name must stop, not fill a new empty one.
 */
export async function runMigrations(pool: pg.Pool, options: { createDatabase?: boolean } = {}): Promise<MigrationOutcome> {
  const createdDatabase = options.createDatabase ? await createDatabaseIfMissing(pool) : null;
  const client = await pool.connect();
  let broken: unknown;
  try {
    await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      const before = await countApplied(client);
      // Whichever login migrates (a superuser, or a user in backstop_owner), what it creates belongs to backstop_owner,
      // so the default privileges 0009 set for that role give the runtime its grants on new tables.
      const asOwner = await canMigrateAsOwner(client);
      if (asOwner) await client.query(`set role ${OWNER_ROLE}`);
      try {
        await migrate(drizzle(client), { migrationsFolder: MIGRATIONS_FOLDER });
      } finally {
        if (asOwner) await client.query('reset role').catch((err: unknown) => (broken = err));
      }
      // A run that began before 0009 (a new database) created the later migrations' tables as this login, which the
      // default privileges do not cover: hand them to the owner and give the runtime its ordinary rights, as a run
      // that began after 0009 would have.
      if (!asOwner && (await canMigrateAsOwner(client))) await client.query(ADOPT_LATER_OBJECTS);
      const total = await countApplied(client);
      return { createdDatabase, applied: total - before, total };
    } finally {
      await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch((err: unknown) => (broken ??= err));
    }
  } finally {
    // A session whose role could not be reset (or whose lock could not be released) is closed, never reused.
    client.release(broken instanceof Error ? broken : undefined);
  }
}

/**
 * True when the migrations should run as backstop_owner: it owns schema ops (0009 was applied) and this login may
 * become it. A copy of the database (CREATE DATABASE … TEMPLATE, a restore without --create) loses the database-level
 * grant drizzle's bookkeeping needs; a login that may grant it again does so.
 */
async function canMigrateAsOwner(client: pg.PoolClient): Promise<boolean> {
  const { rows } = await client.query<{ member: boolean; can_create: boolean; can_grant: boolean }>(
    `select pg_has_role(r.oid, 'MEMBER') as member, has_database_privilege(r.oid, current_database(), 'CREATE') as can_create,
       has_database_privilege(current_database(), 'CREATE WITH GRANT OPTION') as can_grant
     from pg_namespace n join pg_roles r on r.oid = n.nspowner where n.nspname = 'ops' and r.rolname = $1`,
    [OWNER_ROLE],
  );
  const owner = rows[0];
  if (!owner?.member) return false;
  if (!owner.can_create) {
    const database = quoteIdentifier((await client.query<{ db: string }>('select current_database() as db')).rows[0]!.db);
    if (!owner.can_grant) {
      throw new AppError('FORBIDDEN', `${OWNER_ROLE} may not create in database ${database} (a copy or a restore loses database-level grants): as its owner run GRANT CREATE ON DATABASE ${database} TO ${OWNER_ROLE}, then migrate again`);
    }
    await client.query(`grant create on database ${database} to ${OWNER_ROLE}`);
  }
  return true;
}

/**
 * What every role does at startup. Nothing when the database is up to date: one read of drizzle's journal table,
 * without the advisory lock and without any right to migrate (backstop_runtime may read it). Otherwise it applies the
 * pending migrations, through `migrationUrl` (BACKSTOP_MIGRATION_URL, an owner's credentials) when given, and stops
 * with one sentence saying what to run when this login may not apply them.
 */
export async function migrateAtStartup(pool: pg.Pool, options: { migrationUrl?: string } = {}): Promise<void> {
  const pending = await countPending(pool);
  if (pending === 0) return;
  if (options.migrationUrl) {
    const owner = new pg.Pool({ connectionString: options.migrationUrl, max: 1, connectionTimeoutMillis: 10_000 });
    owner.on('error', () => undefined); // an idle client's lost connection is not this process's failure
    try {
      await runMigrations(owner);
    } finally {
      await owner.end();
    }
    return;
  }
  try {
    await runMigrations(pool);
  } catch (err) {
    // insufficient_privilege: the runtime role may not create the drizzle schema or anything in ops. The migrations
    // run in one transaction, so nothing was applied.
    if (pgErrorOf(err)?.code !== '42501') throw err;
    const user = (await pool.query<{ user: string }>('select current_user as user')).rows[0]?.user ?? 'this user';
    throw new AppError(
      'FORBIDDEN',
      `${pending} ${pending === 1 ? 'migration is' : 'migrations are'} pending and ${user} cannot apply ${pending === 1 ? 'it' : 'them'}: run \`backstop migrate\` with BACKSTOP_MIGRATION_URL set to a user in ${OWNER_ROLE} (or set BACKSTOP_MIGRATION_URL for this process too)`,
    );
  }
}

/**
 * How many of this backstop's migrations the database has not applied, by drizzle's own rule: a migration is applied
 * when the newest recorded one is at least as recent as it (journal `when` against `created_at`).
 */
export async function countPending(q: pg.Pool | pg.PoolClient): Promise<number> {
  const journal = JSON.parse(readFileSync(join(MIGRATIONS_FOLDER, 'meta/_journal.json'), 'utf8')) as { entries: Array<{ when: number }> };
  const { rows } = await q.query<{ exists: boolean }>(`select to_regclass('drizzle.__drizzle_migrations') is not null as exists`);
  if (!rows[0]?.exists) return journal.entries.length;
  const newest = await q.query<{ at: string | null }>('select max(created_at)::text as at from drizzle.__drizzle_migrations');
  const appliedThrough = Number(newest.rows[0]?.at ?? -1);
  return journal.entries.filter((e) => e.when > appliedThrough).length;
}

async function countApplied(client: pg.PoolClient): Promise<number> {
  // drizzle keeps its journal in drizzle.__drizzle_migrations, which exists only after a first run.
  const { rows } = await client.query<{ exists: boolean }>(`select to_regclass('drizzle.__drizzle_migrations') is not null as exists`);
  if (!rows[0]?.exists) return 0;
  const counted = await client.query<{ n: number }>('select count(*)::int as n from drizzle.__drizzle_migrations');
  return counted.rows[0]?.n ?? 0;
}

/**
 * Creates the database the pool names when PostgreSQL says it does not exist (3D000), through the server's `postgres`
 * maintenance database with the same credentials. Another process creating it at the same moment is success.
 */
async function createDatabaseIfMissing(pool: pg.Pool): Promise<string | null> {
  const probe = await pool.connect().catch((err: unknown) => err);
  if (!(probe instanceof Error)) {
    (probe as pg.PoolClient).release();
    return null;
  }
  const connectionString = (pool.options as pg.PoolConfig).connectionString;
  if (pgErrorOf(probe)?.code !== '3D000' || !connectionString) throw probe;
  const url = new URL(connectionString);
  const name = decodeURIComponent(url.pathname.slice(1));
  url.pathname = '/postgres';
  const admin = new pg.Client({ connectionString: url.toString(), connectionTimeoutMillis: 5_000 });
  admin.on('error', () => undefined); // a lost connection fails the query below instead of killing the process
  await admin.connect();
  try {
    await admin.query(`create database ${quoteIdentifier(name)}`);
    return name;
  } catch (err) {
    // 42P04 duplicate_database; two CREATEs at the same instant can instead collide on pg_database's unique index.
    if (pgErrorOf(err)?.code === '42P04' || isUniqueViolation(err)) return null;
    throw err;
  } finally {
    await admin.end();
  }
}

/** A PostgreSQL identifier in double quotes: the name is taken exactly as written, whatever its characters or case. */
const quoteIdentifier = (name: string) => `"${name.replaceAll('"', '""')}"`;
