import type { KubeObject } from '@kosmos/objects';

/**
 * Whether a server-side apply of `desired` by `manager` would leave `live` as it is, decided
 * from the two objects alone, so the dry run (one PATCH per object, the bulk of a diff's
 * requests and of the API server's work) is only sent for objects that may change.
 *
 * It says true only when both hold, and false (ask the server) on anything else:
 * - every field `desired` sets has exactly that value in `live` (lists compared item by item, in
 *   order; `"500m"` against `0.5` is "different": the server's canonical forms are not guessed);
 * - every field the manager's apply owns now (its `managedFields` entry) is still set by
 *   `desired`: nothing would be removed.
 * Under those two an apply only moves field ownership, which the diff never shows. Whatever
 * the server would do differently (defaulting a new field, a conversion, a list merged by key)
 * needs a difference in the first place, and then the dry run is sent.
 */
export function appliesAsIs(desired: KubeObject, live: KubeObject | undefined, manager: string): boolean {
  if (!live) return false;
  const entries = ((live.metadata.managedFields ?? []) as ManagedField[]).filter(
    (f) => f.manager === manager && f.operation === 'Apply' && !f.subresource,
  );
  if (entries.length > 1) return false;
  const entry = entries[0];
  if (entry) {
    if (entry.apiVersion !== desired.apiVersion || entry.fieldsType !== 'FieldsV1') return false;
    if (!stillSet(entry.fieldsV1 ?? {}, desired)) return false;
  }
  return sameValues(desired, live);
}

interface ManagedField {
  manager?: string;
  operation?: string;
  apiVersion?: string;
  fieldsType?: string;
  fieldsV1?: Record<string, unknown>;
  subresource?: string;
}

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Every field of a FieldsV1 set is present in `value` (so applying `value` removes none). */
export function stillSet(fields: Record<string, unknown>, value: unknown): boolean {
  for (const [key, sub] of Object.entries(fields)) {
    if (key === '.') continue;
    let child: unknown;
    if (key.startsWith('f:')) {
      if (!isMap(value) || !Object.hasOwn(value, key.slice(2))) return false;
      child = value[key.slice(2)];
    } else if (key.startsWith('k:')) {
      let k: unknown;
      try {
        k = JSON.parse(key.slice(2));
      } catch {
        return false;
      }
      if (!Array.isArray(value) || !isMap(k)) return false;
      const keyed = k;
      child = value.find((item) => isMap(item) && Object.entries(keyed).every(([n, v]) => deepEqual(item[n], v)));
      if (child === undefined) return false;
    } else if (key.startsWith('v:')) {
      let v: unknown;
      try {
        v = JSON.parse(key.slice(2));
      } catch {
        return false;
      }
      if (!Array.isArray(value) || !value.some((item) => deepEqual(item, v))) return false;
      continue;
    } else return false;
    if (isMap(sub) && Object.keys(sub).length > 0 && !stillSet(sub, child)) return false;
  }
  return true;
}

/** Every value `desired` sets is the same in `live` (fields `desired` leaves out are not looked at). */
export function sameValues(desired: unknown, live: unknown): boolean {
  if (Array.isArray(desired)) {
    if (!Array.isArray(live) || live.length !== desired.length) return false;
    return desired.every((d, i) => sameValues(d, live[i]));
  }
  if (isMap(desired)) {
    if (!isMap(live)) return false;
    for (const [k, v] of Object.entries(desired)) if (!sameValues(v, live[k])) return false;
    return true;
  }
  return desired === live;
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (isMap(a)) {
    if (!isMap(b)) return false;
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => deepEqual(a[k], b[k]));
  }
  return false;
}
