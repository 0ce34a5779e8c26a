CREATE TABLE "ops"."automation_holds" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"service" text NOT NULL,
	"environment" text NOT NULL,
	"reason" text NOT NULL,
	"event_id" uuid,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"acknowledged_by" text,
	"acknowledged_at" timestamp (3) with time zone
);
--> statement-breakpoint
CREATE TABLE "ops"."health_decisions" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"deployment_id" uuid NOT NULL,
	"service" text NOT NULL,
	"environment" text NOT NULL,
	"action" text NOT NULL,
	"summary" text NOT NULL,
	"evidence" jsonb NOT NULL,
	"event_id" uuid,
	"decided_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "ops"."rule_states" (
	"deployment_id" uuid NOT NULL,
	"rule" text NOT NULL,
	"verdict" text NOT NULL,
	"consecutive" integer NOT NULL,
	"value" double precision,
	"observed_at" timestamp (3) with time zone NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "rule_states_deployment_id_rule_pk" PRIMARY KEY("deployment_id","rule")
);
--> statement-breakpoint
ALTER TABLE "ops"."deployments" ADD COLUMN "watch_ends_at" timestamp (3) with time zone;--> statement-breakpoint
ALTER TABLE "ops"."deployments" ADD COLUMN "watch_result" text;--> statement-breakpoint
ALTER TABLE "ops"."health_decisions" ADD CONSTRAINT "health_decisions_deployment_id_deployments_deployment_id_fk" FOREIGN KEY ("deployment_id") REFERENCES "ops"."deployments"("deployment_id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ops"."rule_states" ADD CONSTRAINT "rule_states_deployment_id_deployments_deployment_id_fk" FOREIGN KEY ("deployment_id") REFERENCES "ops"."deployments"("deployment_id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "automation_holds_open_idx" ON "ops"."automation_holds" USING btree ("service","environment") WHERE acknowledged_at is null;--> statement-breakpoint
CREATE INDEX "health_decisions_deployment_idx" ON "ops"."health_decisions" USING btree ("deployment_id","decided_at" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "deployments_under_watch_idx" ON "ops"."deployments" USING btree ("watch_ends_at") WHERE watch_ends_at is not null and watch_result is null;