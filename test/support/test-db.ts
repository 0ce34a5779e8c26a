import { randomBytes } from 'node:crypto';
import { TEMPLATE_DB, urlFor, withAdmin } from './pg-admin.ts';

export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

// A fresh, migrated database for one test file.
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `backstop_t_${randomBytes(5).toString('hex')}`;
  await withAdmin(async (admin) => {
    // Cloning needs the template to have no other sessions; files run in parallel, so retry briefly.
    for (let attempt = 0; ; attempt++) {
      try {
        await admin.query(`create database ${name} template ${TEMPLATE_DB}`);
        return;
      } catch (err) {
        if (attempt >= 20 || (err as { code?: string }).code !== '55006') throw err;
        await new Promise((r) => setTimeout(r, 50 + Math.random() * 100));
      }
    }
  });
  return {
    url: urlFor(name),
    name,
    drop: () => withAdmin(async (admin) => void (await admin.query(`drop database if exists ${name} with (force)`))),
  };
}
