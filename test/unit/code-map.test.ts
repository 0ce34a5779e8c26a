import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// The two maps of the code are prose, so only a test keeps them true: every path they name exists, and every folder
// of src/ and packages/ has a line in the README's map.
describe('the maps of the code', () => {
  it('src/README.md names only files and folders that exist', () => {
    const flow = readFileSync('src/README.md', 'utf8');
    const paths = [...flow.matchAll(/\b([a-z-]+\/(?:[a-z-]+\/)*(?:[a-z-]+\.ts)?)(?=[\s,)]|$)/gm)].map((m) => m[1]!);
    expect(paths.length).toBeGreaterThan(20);
    const missing = paths.filter((p) => !existsSync(join('src', p)) && !existsSync(p));
    expect(missing).toEqual([]);
  });

  it("the README's code map has a line for every folder, and no line for a folder that is gone", () => {
    const readme = readFileSync('README.md', 'utf8');
    const map = readme.slice(readme.indexOf('## The code'), readme.indexOf('\n## ', readme.indexOf('## The code') + 1));
    const listed = [...map.matchAll(/`((?:src|packages)\/[a-z-]+\/|commands\/)`/g)].map((m) => m[1]!);
    const folders = (root: string) => readdirSync(root, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => `${root}/${d.name}/`);
    expect(listed.filter((f) => !existsSync(f))).toEqual([]);
    expect([...folders('src'), ...folders('packages')].filter((f) => !listed.includes(f))).toEqual([]);
  });
});
