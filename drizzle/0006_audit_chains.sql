CREATE TABLE "ops"."audit_archives" (
	"id" serial PRIMARY KEY NOT NULL,
	"from_id" bigint NOT NULL,
	"through_id" bigint NOT NULL,
	"row_count" bigint NOT NULL,
	"heads" jsonb NOT NULL,
	"sha256" text NOT NULL,
	"file" text NOT NULL,
	"before" timestamp (3) with time zone NOT NULL,
	"archived_by" text NOT NULL,
	"archived_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "audit_archives_from_id_unique" UNIQUE("from_id"),
	CONSTRAINT "audit_archives_through_id_unique" UNIQUE("through_id")
);
--> statement-breakpoint
CREATE TABLE "ops"."audit_chain_heads" (
	"chain" smallint PRIMARY KEY NOT NULL,
	"last_id" bigint NOT NULL,
	"last_hash" text NOT NULL,
	"row_count" bigint NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
-- Hand-written (drizzle-kit would add the column without a value for the existing rows): every existing row was
-- written to the one chain there was, which becomes chain 0; its prev_hash and hash stay as they are. The default
-- exists only for this statement, so an append that names no chain fails instead of landing in chain 0 unlinked.
ALTER TABLE "ops"."audit_log" ADD COLUMN "chain" smallint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "ops"."audit_log" ALTER COLUMN "chain" DROP DEFAULT;--> statement-breakpoint
ALTER TABLE "ops"."audit_log" ADD CONSTRAINT "audit_log_chain_range" CHECK (chain >= 0 and chain < 16);--> statement-breakpoint
-- Every chain starts empty (id 0, the genesis hash); chain 0 continues from the last existing row. ALTER TABLE above
-- holds audit_log's exclusive lock until this migration commits, so no row can be appended in between.
INSERT INTO "ops"."audit_chain_heads" ("chain", "last_id", "last_hash", "row_count")
SELECT c, 0, repeat('0', 64), 0 FROM generate_series(0, 15) AS c;--> statement-breakpoint
UPDATE "ops"."audit_chain_heads" AS h
SET "last_id" = l.id, "last_hash" = l.hash, "row_count" = (SELECT count(*) FROM "ops"."audit_log")
FROM (SELECT id, hash FROM "ops"."audit_log" ORDER BY id DESC LIMIT 1) AS l
WHERE h."chain" = 0;
