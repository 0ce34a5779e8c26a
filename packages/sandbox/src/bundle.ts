import { buildSync } from 'esbuild';
import { fileURLToPath } from 'node:url';

const ENTRY = fileURLToPath(new URL('./page/app.ts', import.meta.url));

/**
 * The page's script with the Discord rendering components (@skyra/discord-components-core, Lit) in one file, built
 * in memory when the sandbox starts: nothing is fetched from a CDN, so the page works offline and behind firewalls.
 */
export function bundlePage(): string {
  // buildSync runs esbuild once and lets it exit; build() would keep esbuild's service process alive for the life of
  // the process. The sandbox bundles once, at start.
  const result = buildSync({
    entryPoints: [ENTRY],
    bundle: true,
    write: false,
    format: 'esm',
    target: 'es2022',
    minify: true,
    legalComments: 'none',
    logLevel: 'silent',
  });
  return result.outputFiles[0]!.text;
}
