export interface GraphNode {
  name: string;
  needs: string[];
}

export interface GraphCheck {
  unknown: { index: number; need: string; needIndex: number }[];
  /** Names along the first cycle found, first name repeated at the end. */
  cycle?: string[];
}

/** Finds `needs` that name no release, and the first dependency cycle. */
export function checkGraph(nodes: readonly GraphNode[]): GraphCheck {
  const names = new Set(nodes.map((n) => n.name));
  const unknown = nodes.flatMap((n, index) =>
    n.needs.flatMap((need, needIndex) => (names.has(need) ? [] : [{ index, need, needIndex }])),
  );
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (name: string): string[] | undefined => {
    if (state.get(name) === 'done') return undefined;
    if (state.get(name) === 'visiting') return [...stack.slice(stack.indexOf(name)), name];
    state.set(name, 'visiting');
    stack.push(name);
    for (const need of byName.get(name)?.needs ?? []) {
      if (!names.has(need)) continue;
      const c = visit(need);
      if (c) return c;
    }
    stack.pop();
    state.set(name, 'done');
    return undefined;
  };
  for (const n of nodes) {
    const cycle = visit(n.name);
    if (cycle) return { unknown, cycle };
  }
  return { unknown };
}

/**
 * Groups releases into waves: each wave needs only releases of earlier waves. Releases of one
 * wave can be rendered or deployed in parallel. Assumes a graph without cycles (checked on load).
 */
export function waves<T extends GraphNode>(nodes: readonly T[]): T[][] {
  const done = new Set<string>();
  const left = [...nodes];
  const out: T[][] = [];
  while (left.length > 0) {
    const ready = left.filter((n) => n.needs.every((d) => done.has(d)));
    if (ready.length === 0) throw new Error(`needs cannot be ordered: ${left.map((n) => n.name).join(', ')}`);
    out.push(ready);
    for (const n of ready) {
      done.add(n.name);
      left.splice(left.indexOf(n), 1);
    }
  }
  return out;
}
