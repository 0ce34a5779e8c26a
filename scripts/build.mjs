#!/usr/bin/env node
// `npm run build`: the product as one ES module bundle in dist/ (dist/cli.js and the chunks that each command loads
// when it runs). Bundling the dependencies is what makes startup fast: Node spends most of a start resolving and
// reading thousands of small module files, not running them. tsc still checks the types (`npm run typecheck`).
import { rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// Chunk names carry a content hash, so every build writes new ones: without a clean dist/ the old ones pile up, and
// the packed tarball and the image would ship them all.
rmSync(join(root, 'dist'), { recursive: true, force: true });
await build({
  entryPoints: [join(root, 'src/main/cli.ts')],
  outdir: join(root, 'dist'),
  bundle: true,
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // Left to node_modules:
  // - pino and its transports: pino-pretty runs in a worker thread that pino loads by file path
  // - native add-ons, and optional ones that are loaded only if present
  // - the sandbox and the Discord emulator: repository packages that only `backstop demo` loads, as TypeScript
  external: ['pino', 'pino-pretty', 'thread-stream', 'pg-native', 'msgpackr-extract', 'zlib-sync', 'bufferutil', 'utf-8-validate', '@backstop/sandbox', '@backstop/discord-emulator', 'tsx', 'tsx/*'],
  // Bundled CommonJS modules call require(); an ES module has none, so each file gets one.
  banner: { js: "import { createRequire as __backstopRequire } from 'node:module'; const require = __backstopRequire(import.meta.url);" },
  // Whitespace and syntax only: V8 parses every byte of a module before it runs it, and the smaller text starts faster
  // and holds less memory (start to /health and idle RSS in bench/startup.ts). Identifiers keep their names, so a stack
  // trace in a log still reads.
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: 'warning',
});
// bin/backstop.mjs compares this stamp with the sources' times, to say when a checkout runs code older than its src/.
writeFileSync(join(root, 'dist/.built'), `${new Date().toISOString()}\n`);
