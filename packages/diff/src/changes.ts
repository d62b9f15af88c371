import { type KubeObject, objectId } from '@kosmos/objects';
import { stringify } from 'yaml';
import { normalise } from './normalise.ts';
import { isSecret, maskSecret, type SecretKeyChanges, secretKeyChanges } from './secrets.ts';
import { unifiedDiff } from './unified.ts';

export type ChangeKind = 'added' | 'changed' | 'deleted' | 'unchanged';

/** What applying would do to one object. */
export interface ObjectChange {
  /** `apiVersion/Kind/namespace/name` (`objectId` of @kosmos/objects) */
  id: string;
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
  change: ChangeKind;
  /** Unified diff of the normalised (and, for Secrets, masked) objects; empty when unchanged. */
  diff: string;
  /** For Secrets: which keys change (never their values). */
  secretKeys?: SecretKeyChanges;
  /** Why the object could not be dry-run (missing namespace or CRD, rejected by the server). */
  note?: string;
}

/** The printable form of an object: normalised, Secret values masked, YAML with sorted keys. */
export function printable(o: KubeObject, changedSecretKeys: readonly string[] = []): string {
  return stringify(maskSecret(normalise(o), changedSecretKeys), { lineWidth: 0, sortMapEntries: true });
}

export interface CompareInput {
  /** The object in the cluster now (undefined: not there). */
  live?: KubeObject;
  /** The object as it would be after applying (a dry-run result; undefined: to be deleted). */
  desired?: KubeObject;
  /** Lines of context in the unified diff. */
  context?: number;
  note?: string;
}

/**
 * Compares a live object with what it would become. Both sides are normalised; Secrets are
 * compared key by key on hashes of their values and masked before any text is made, so no
 * value can reach the diff.
 */
export function compareObject({ live, desired, context, note }: CompareInput): ObjectChange {
  const ref = (desired ?? live) as KubeObject;
  if (!ref) throw new Error('compareObject needs a live or a desired object');
  const secret = isSecret(ref);
  const keys = secret ? secretKeyChanges(live, desired) : undefined;
  const secretMoved = !!keys && keys.added.length + keys.changed.length + keys.removed.length > 0;
  // Equal normalised objects print equally: the YAML (the costliest step of a diff's own
  // work in its profile) is only made for objects that differ.
  if (live && desired && !secretMoved && canonical(live) === canonical(desired))
    return {
      id: objectId(ref),
      apiVersion: ref.apiVersion,
      kind: ref.kind,
      ...(ref.metadata.namespace ? { namespace: ref.metadata.namespace } : {}),
      name: ref.metadata.name,
      change: 'unchanged',
      diff: '',
      ...(note ? { note } : {}),
    };
  const before = live ? printable(live) : '';
  const after = desired ? printable(desired, keys?.changed) : '';
  const change: ChangeKind = !live
    ? 'added'
    : !desired
      ? 'deleted'
      : before !== after || secretMoved
        ? 'changed'
        : 'unchanged';
  const id = objectId(ref);
  const diff =
    change === 'unchanged'
      ? ''
      : unifiedDiff(before, after, { context: context ?? 3, fromLabel: `live ${id}`, toLabel: `desired ${id}` });
  return {
    id,
    apiVersion: ref.apiVersion,
    kind: ref.kind,
    ...(ref.metadata.namespace ? { namespace: ref.metadata.namespace } : {}),
    name: ref.metadata.name,
    change,
    diff,
    ...(keys && secretMoved ? { secretKeys: keys } : {}),
    ...(note ? { note } : {}),
  };
}

export interface ReleaseSummary {
  release: string;
  namespace: string;
  added: number;
  changed: number;
  deleted: number;
  unchanged: number;
}

/** One summary row per release. */
export function summarise(release: string, namespace: string, changes: readonly ObjectChange[]): ReleaseSummary {
  const count = (c: ChangeKind) => changes.filter((x) => x.change === c).length;
  return {
    release,
    namespace,
    added: count('added'),
    changed: count('changed'),
    deleted: count('deleted'),
    unchanged: count('unchanged'),
  };
}

/**
 * The drift test, the one every verb uses (diff's verdict, its report, status, promotion's
 * no-drift gate): applying the release would add, change or delete some object.
 */
export const drifted = (s: ReleaseSummary): boolean => s.added + s.changed + s.deleted > 0;

/** Whether any release of these drifts. */
export const hasDrift = (rows: readonly ReleaseSummary[]): boolean => rows.some(drifted);

/** The normalised object as JSON with sorted keys: equal text, equal printable YAML. */
const canonical = (o: KubeObject): string => JSON.stringify(normalise(o));
