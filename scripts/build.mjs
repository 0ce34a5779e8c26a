#!/usr/bin/env node
// `npm run build`: the product as one ES module bundle in dist/ (dist/cli.js and the chunks that each command loads
// when it runs). Bundling the dependencies is what makes startup fast: Node spends most of a start resolving and
// reading thousands of small module files, not running them. tsc still checks the types (`npm run typecheck`).
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

// Two re-exports whose contents backstop never uses, left out of the bundle: every role parses them (and runs bullmq's)
// before it listens. Should a package move them, the filter matches nothing and the bundle is only larger.
// - zod's locales: error messages in some fifty languages; backstop's are English, which zod imports by itself
// - bullmq's PostgreSQL backend: backstop's queues are on Redis
const leaveOutUnused = {
  name: 'leave-out-unused',
  setup(b) {
    b.onLoad({ filter: /[\\/]zod[\\/]v4[\\/]locales[\\/]index\.js$/ }, () => ({ contents: "export { default as en } from './en.js';", loader: 'js' }));
    b.onLoad({ filter: /[\\/]bullmq[\\/]dist[\\/]cjs[\\/]postgres[\\/]index\.js$/ }, () => ({ contents: 'module.exports = {};', loader: 'js' }));
  },
};
const result = await build({
  entryPoints: [join(root, 'src/main/cli.ts')],
  outdir: join(root, 'dist'),
  bundle: true,
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // Left to node_modules:
  // - pino-pretty: a development dependency, required by path only when pretty logs are asked for (src/logging)
  // - native add-ons, and optional ones that are loaded only if present
  // - the sandbox and the Discord emulator: repository packages that only `backstop demo` loads, as TypeScript
  external: ['pino-pretty', 'pg-native', 'msgpackr-extract', 'zlib-sync', 'bufferutil', 'utf-8-validate', '@backstop/sandbox', '@backstop/discord-emulator', 'tsx', 'tsx/*'],
  // Bundled CommonJS modules call require(); an ES module has none, so each file gets one.
  banner: { js: "import { createRequire as __backstopRequire } from 'node:module'; const require = __backstopRequire(import.meta.url);" },
  // Whitespace and syntax only: V8 parses every byte of a module before it runs it, and the smaller text starts faster
  // and holds less memory (start to /health and idle RSS in bench/startup.ts). Identifiers keep their names, so a stack
  // trace in a log still reads.
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: 'warning',
  metafile: true,
  plugins: [leaveOutUnused],
  // The metafile's paths are relative to this: the clean-up below resolves them against the same root.
  absWorkingDir: root,
});
// Chunk names carry a content hash, so a build after a change writes new ones: the old ones are removed afterwards,
// or they pile up and the packed tarball and the image ship them all. Afterwards, not before: a build can run while
// backstop runs from dist/ (`npm pack` builds, through `prepare`, beside running tests), and the same sources give the
// same names, so a rebuild of unchanged code removes nothing that a running process may still import.
const written = new Set(Object.keys(result.metafile.outputs).map((file) => resolve(root, file)));
for (const file of readdirSync(join(root, 'dist/chunks'))) {
  const path = join(root, 'dist/chunks', file);
  if (!written.has(path)) rmSync(path, { force: true });
}
// bin/backstop.mjs compares this stamp with the sources' times, to say when a checkout runs code older than its src/.
writeFileSync(join(root, 'dist/.built'), `${new Date().toISOString()}\n`);
