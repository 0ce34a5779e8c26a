CREATE TABLE "ops"."discord_messages" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"event_id" uuid NOT NULL,
	"purpose" text NOT NULL,
	"channel_id" text NOT NULL,
	"message_id" text NOT NULL,
	"rendered_status" text,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "ops"."discord_messages" ADD CONSTRAINT "discord_messages_event_id_rollback_events_event_id_fk" FOREIGN KEY ("event_id") REFERENCES "ops"."rollback_events"("event_id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "discord_messages_event_purpose_idx" ON "ops"."discord_messages" USING btree ("event_id","purpose");