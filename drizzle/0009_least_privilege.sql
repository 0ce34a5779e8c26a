-- Hand-written: least privilege in the database (docs/database-roles.md). Two NOLOGIN group roles, fixed names (roles
-- are cluster-wide, so every backstop database on one server shares them; the grants below are per database):
--   backstop_owner    owns the schemas ops, ops_partitions and drizzle and everything in them; migrations run as it
--                     (src/db/migrate.ts does SET ROLE backstop_owner once this migration is applied).
--   backstop_runtime  what api, worker and gateway run as: reads and writes the operational tables, may only append to
--                     the audit log, and has no DDL rights at all.
-- Operators create LOGIN users in these roles (CREATE USER backstop_app PASSWORD '…' IN ROLE backstop_runtime). A
-- single superuser (the README's walkthrough) keeps working: it may do everything both roles may.
--
-- Roles: created only when missing, so a DBA can create them beforehand (a managed PostgreSQL, or a migrating user
-- without CREATEROLE). Several databases of one cluster may migrate at once: a CREATE ROLE that lost the race fails
-- with unique_violation (the other transaction had not committed when this one checked) or duplicate_object. Every
-- statement here can run again on a database that has it (CREATE OR REPLACE, GRANT, ALTER … OWNER).
DO $$
DECLARE
	wanted text;
BEGIN
	FOREACH wanted IN ARRAY ARRAY['backstop_owner', 'backstop_runtime'] LOOP
		CONTINUE WHEN EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = wanted);
		BEGIN
			EXECUTE format('CREATE ROLE %I NOLOGIN', wanted);
		EXCEPTION
			WHEN duplicate_object OR unique_violation THEN NULL;
			WHEN insufficient_privilege THEN
				RAISE EXCEPTION 'role % does not exist and % may not create roles (no CREATEROLE)', wanted, current_user
					USING HINT = format('as a superuser (or rds_superuser / cloudsqlsuperuser) run once: CREATE ROLE backstop_owner NOLOGIN; CREATE ROLE backstop_runtime NOLOGIN; GRANT backstop_owner TO %I; then migrate again (docs/database-roles.md)', current_user);
		END;
	END LOOP;
	-- Handing objects to backstop_owner, and setting its default privileges, needs membership in it. A superuser is a
	-- member of every role already; a CREATEROLE user (or one with ADMIN on it) grants itself membership.
	IF NOT pg_catalog.pg_has_role(current_user, 'backstop_owner', 'MEMBER') THEN
		BEGIN
			EXECUTE format('GRANT backstop_owner TO %I', current_user);
		EXCEPTION
			WHEN unique_violation THEN NULL;
			WHEN insufficient_privilege THEN
				RAISE EXCEPTION '% must be a member of backstop_owner to migrate', current_user
					USING HINT = format('as a superuser or a user with CREATEROLE run once: GRANT backstop_owner TO %I; then migrate again', current_user);
		END;
	END IF;
	-- drizzle's migrator runs CREATE SCHEMA IF NOT EXISTS drizzle before every run, and PostgreSQL checks CREATE on the
	-- database before it checks whether the schema exists: backstop_owner needs it to run later migrations.
	IF NOT pg_catalog.has_database_privilege('backstop_owner', current_database(), 'CREATE') THEN
		BEGIN
			EXECUTE format('GRANT CREATE ON DATABASE %I TO backstop_owner', current_database());
		EXCEPTION WHEN insufficient_privilege THEN
			RAISE EXCEPTION '% may not grant CREATE on database % to backstop_owner', current_user, current_database()
				USING HINT = format('as the database''s owner run once: GRANT CREATE ON DATABASE %I TO backstop_owner; then migrate again', current_database());
		END;
	END IF;
END $$;--> statement-breakpoint

-- Partitions of ops.health_samples are made and dropped by the worker's retention run. Rather than let the runtime own
-- ops.health_samples (ATTACH PARTITION needs ownership of it; an owner may also ALTER or DROP it and disable its
-- trigger), it calls these two functions, which run as backstop_owner and do exactly one thing each: the partition of
-- one UTC day, named by the function itself, and the drop of an existing day partition (never the default one, never
-- another table). search_path is pinned so no object of the caller's can stand in for one named here.
CREATE OR REPLACE FUNCTION "ops"."attach_sample_partition"(day date) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	part text := 'health_samples_' || to_char(day, 'YYYYMMDD');
	lower_bound text := to_char(day, 'YYYY-MM-DD') || ' 00:00:00+00';
	upper_bound text := to_char(day + 1, 'YYYY-MM-DD') || ' 00:00:00+00';
	moved bigint;
BEGIN
	-- Created on its own and then attached (SHARE UPDATE EXCLUSIVE on the parent rather than ACCESS EXCLUSIVE), with
	-- the rows the default partition holds for the day moved in first: see src/db/queries/partitions.ts.
	EXECUTE format('CREATE TABLE ops_partitions.%I (LIKE ops.health_samples INCLUDING DEFAULTS)', part);
	EXECUTE format(
		'WITH moved AS (DELETE FROM ops_partitions.health_samples_default WHERE observed_at >= %L AND observed_at < %L RETURNING *) INSERT INTO ops_partitions.%I SELECT * FROM moved',
		lower_bound, upper_bound, part);
	GET DIAGNOSTICS moved = ROW_COUNT;
	EXECUTE format('ALTER TABLE ops.health_samples ATTACH PARTITION ops_partitions.%I FOR VALUES FROM (%L) TO (%L)', part, lower_bound, upper_bound);
	RETURN moved;
END $$;--> statement-breakpoint
CREATE OR REPLACE FUNCTION "ops"."drop_sample_partition"(partition_name text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	IF NOT EXISTS (
		SELECT FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE i.inhparent = 'ops.health_samples'::regclass AND n.nspname = 'ops_partitions' AND c.relname = partition_name
			AND pg_get_expr(c.relpartbound, c.oid) <> 'DEFAULT'
	) THEN
		RAISE EXCEPTION '"%" is not a day partition of ops.health_samples', partition_name USING ERRCODE = 'invalid_parameter_value';
	END IF;
	EXECUTE format('DROP TABLE ops_partitions.%I', partition_name);
END $$;--> statement-breakpoint

-- Ownership: every schema backstop keeps, and everything in them, to backstop_owner. Sequences owned by a column
-- (serial, identity) and the row types of tables follow their table.
DO $$
DECLARE
	obj record;
BEGIN
	FOR obj IN SELECT nspname FROM pg_namespace WHERE nspname IN ('ops', 'ops_partitions', 'drizzle') LOOP
		EXECUTE format('ALTER SCHEMA %I OWNER TO backstop_owner', obj.nspname);
	END LOOP;
	FOR obj IN
		SELECT c.oid::regclass AS name, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname IN ('ops', 'ops_partitions', 'drizzle') AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
			AND NOT (c.relkind = 'S' AND EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype IN ('a', 'i')))
	LOOP
		EXECUTE format('ALTER %s %s OWNER TO backstop_owner',
			CASE obj.relkind WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE 'TABLE' END, obj.name);
	END LOOP;
	FOR obj IN SELECT p.oid::regprocedure AS name FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'ops' LOOP
		EXECUTE format('ALTER FUNCTION %s OWNER TO backstop_owner', obj.name);
	END LOOP;
	FOR obj IN SELECT t.oid::regtype AS name FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = 'ops' AND t.typtype IN ('e', 'd') LOOP
		EXECUTE format('ALTER TYPE %s OWNER TO backstop_owner', obj.name);
	END LOOP;
END $$;--> statement-breakpoint

-- Nothing for PUBLIC: no schema privileges (CREATE on ops would let any user of the cluster add objects there), and no
-- EXECUTE on the partition functions (PostgreSQL grants EXECUTE on every new function to PUBLIC).
REVOKE ALL ON SCHEMA "ops", "ops_partitions", "drizzle" FROM PUBLIC;--> statement-breakpoint
REVOKE ALL ON FUNCTION "ops"."attach_sample_partition"(date), "ops"."drop_sample_partition"(text) FROM PUBLIC;--> statement-breakpoint

-- The runtime: read and write every operational table, use their id sequences, run the two partition functions.
GRANT USAGE ON SCHEMA "ops" TO backstop_runtime;--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA "ops" TO backstop_runtime;--> statement-breakpoint
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA "ops" TO backstop_runtime;--> statement-breakpoint
GRANT EXECUTE ON FUNCTION "ops"."attach_sample_partition"(date), "ops"."drop_sample_partition"(text) TO backstop_runtime;--> statement-breakpoint
-- The audit log is append-only for the runtime: no UPDATE, DELETE or TRUNCATE of ops.audit_log (archiving, which
-- deletes rows, is the owner's job: `backstop audit archive` with BACKSTOP_MIGRATION_URL). Appending locks the chain
-- heads (SELECT … FOR UPDATE, which needs UPDATE) and advances them; the heads are inserted by migrations only.
REVOKE UPDATE, DELETE ON "ops"."audit_log" FROM backstop_runtime;--> statement-breakpoint
REVOKE INSERT, DELETE ON "ops"."audit_chain_heads" FROM backstop_runtime;--> statement-breakpoint
REVOKE INSERT, UPDATE, DELETE ON "ops"."audit_archives" FROM backstop_runtime;--> statement-breakpoint
REVOKE ALL ON SEQUENCE "ops"."audit_archives_id_seq" FROM backstop_runtime;--> statement-breakpoint
-- Retention reads and empties the default partition directly (the day partitions only through ops.health_samples).
GRANT USAGE ON SCHEMA "ops_partitions" TO backstop_runtime;--> statement-breakpoint
GRANT SELECT, DELETE ON "ops_partitions"."health_samples_default" TO backstop_runtime;--> statement-breakpoint
-- Every role checks at startup whether migrations are pending, without the lock or any right to apply them.
GRANT USAGE ON SCHEMA "drizzle" TO backstop_runtime;--> statement-breakpoint
GRANT SELECT ON "drizzle"."__drizzle_migrations" TO backstop_runtime;--> statement-breakpoint

-- Tables and sequences later migrations create (as backstop_owner) get the runtime's ordinary grants. That suits the
-- common case, an operational table the runtime reads and writes, and a forgotten grant would break production rather
-- than a test. The cost is that an append-only table (another audit-like table) starts writable: its migration must
-- REVOKE UPDATE, DELETE from backstop_runtime, as above for ops.audit_log, and test/integration/least-privilege.test.ts
-- holds the runtime's privileges on the audit tables to the list it expects. Functions a migration creates are not
-- executable by PUBLIC until granted.
ALTER DEFAULT PRIVILEGES FOR ROLE backstop_owner IN SCHEMA "ops" GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO backstop_runtime;--> statement-breakpoint
ALTER DEFAULT PRIVILEGES FOR ROLE backstop_owner IN SCHEMA "ops" GRANT USAGE, SELECT ON SEQUENCES TO backstop_runtime;--> statement-breakpoint
ALTER DEFAULT PRIVILEGES FOR ROLE backstop_owner REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;
