/** Visits every component, including those nested in rows, containers, sections (accessory) and labels. */
export function walkComponents(
  list: unknown,
  path: Array<string | number>,
  visit: (component: any, path: Array<string | number>) => void,
): void {
  if (!Array.isArray(list)) return;
  list.forEach((c, i) => {
    if (!c || typeof c !== 'object') return;
    const here = [...path, i];
    visit(c, here);
    walkComponents((c as any).components, [...here, 'components'], visit);
    if ((c as any).component) walkComponents([(c as any).component], [...here, 'component'], visit);
    if ((c as any).accessory) walkComponents([(c as any).accessory], [...here, 'accessory'], visit);
  });
}

/** Discord numbers components that come without an `id` (depth-first, skipping numbers already taken). */
export function assignComponentIds(components: unknown[]): any[] {
  const copy = structuredClone(components) as any[];
  const used = new Set<number>();
  const all: any[] = [];
  walkComponents(copy, [], (c) => {
    all.push(c);
    if (typeof c.id === 'number') used.add(c.id);
  });
  let next = 1;
  for (const c of all) {
    if (typeof c.id === 'number') continue;
    while (used.has(next)) next += 1;
    c.id = next;
    used.add(next);
  }
  return copy;
}
