import { getTableColumns, type InferSelectModel } from 'drizzle-orm';
import type { PgTable } from 'drizzle-orm/pg-core';

/**
 * A row that came back inside JSON (row_to_json, json_agg), typed as drizzle would have returned it. Statements that
 * fold several reads into one return their rows as JSON columns; each column's own driver mapping (timestamps to
 * Dates, bigints to numbers) turns the JSON values back into what a plain select gives.
 */
export function rowFromJson<T extends PgTable>(table: T, json: Record<string, unknown>): InferSelectModel<T> {
  const row: Record<string, unknown> = {};
  for (const [key, column] of Object.entries(getTableColumns(table))) {
    const value = json[column.name];
    row[key] = value == null ? null : column.mapFromDriverValue(value);
  }
  return row as InferSelectModel<T>;
}
