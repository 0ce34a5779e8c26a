import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface PackageInfo {
  /** The directory that holds backstop's package.json: a checkout, or node_modules/backstop of an install. */
  root: string;
  version: string;
}

// Found by walking up from this module rather than by a fixed relative path: the same code runs from src/ (tests,
// through tsx) and from dist/ (the build, where a module sits in a bundle chunk), at different depths.
function find(): PackageInfo {
  for (let dir = new URL('.', import.meta.url); ; dir = new URL('..', dir)) {
    try {
      const pkg = JSON.parse(readFileSync(new URL('package.json', dir), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'backstop' && pkg.version) return { root: fileURLToPath(dir), version: pkg.version };
    } catch {
      // no package.json here, or not ours: keep walking up
    }
    if (dir.pathname === '/') throw new Error(`backstop's package.json is not above ${fileURLToPath(import.meta.url)}`);
  }
}

export const PACKAGE: PackageInfo = find();
