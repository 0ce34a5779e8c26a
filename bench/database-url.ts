// Where the benchmarks' PostgreSQL is: the admin database, and the URL of any other database on the same server.
export const ADMIN = process.env.BENCH_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export const databaseUrl = (name: string) => {
  const url = new URL(ADMIN);
  url.pathname = `/${name}`;
  return url.toString();
};
