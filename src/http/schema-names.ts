import { z } from 'zod';

/**
 * The names under which the OpenAPI document lists a body's schema in components.schemas, given where the schema is
 * defined (`.register(schemaNames, { id })`). A client generator names its types after them. A registry of its own,
 * not zod's global one, so that naming a schema for the document changes nothing for any other z.toJSONSchema call.
 */
export const schemaNames = z.registry<{ id: string }>();
