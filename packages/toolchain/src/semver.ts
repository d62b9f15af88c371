/** Version comparison for what tools print about themselves (`v1.2.3`, `3.6.10`, `v1.32.4-dispatcher`). */

function parts(v: string): number[] {
  const m = /(\d+)\.(\d+)\.(\d+)/.exec(v);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : [0, 0, 0];
}

/** Compares the first x.y.z found in each string; pre-release suffixes are ignored. */
export function cmpSemver(a: string, b: string): number {
  const [pa, pb] = [parts(a), parts(b)];
  for (let i = 0; i < 3; i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

export function sameMinor(a: string, b: string): boolean {
  const [pa, pb] = [parts(a), parts(b)];
  return pa[0] === pb[0] && pa[1] === pb[1];
}
