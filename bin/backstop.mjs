#!/usr/bin/env node
// The CLI runs the compiled product in dist/. `npm run build` makes it; in a checkout `npm ci` runs the build itself
// (the `prepare` script), and a published package carries dist/ and no TypeScript.
import { existsSync, readdirSync, statSync } from 'node:fs';
import module from 'node:module';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';

// Node 22.1 and later keep V8's compiled code of dist/ in a cache directory, and a start after the first skips most of
// parsing the bundle. Node 20 has no such cache.
module.enableCompileCache?.();
// The young generation stays at V8's initial size instead of growing to its maximum while startup allocates what it
// keeps for good: each role holds about 12 MB less, and startup spends no more time collecting garbage.
v8.setFlagsFromString('--semi-space-growth-factor=1');

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(cli)) {
  console.error(`backstop is not built: run \`npm run build\` in ${root}`);
  process.exit(1);
}

// In a checkout, sources edited since the last build would otherwise run as the old code without a word.
function newestIn(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(`${entry.parentPath}/${entry.name}`).mtimeMs);
  }
  return newest;
}
const stamp = new URL('../dist/.built', import.meta.url);
if (existsSync(new URL('../src', import.meta.url)) && existsSync(stamp)) {
  const built = statSync(stamp).mtimeMs;
  if (Math.max(newestIn(fileURLToPath(new URL('../src', import.meta.url))), newestIn(fileURLToPath(new URL('../commands', import.meta.url)))) > built) {
    console.error('backstop: src/ changed since the last build; this runs the built code (`npm run build` brings it up to date)');
  }
}
await import(cli.href);
