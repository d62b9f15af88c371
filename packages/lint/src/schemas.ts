import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { writeAtomicSync } from '@kosmos/cli';
import { crdFiles, LINT_CRD_SOURCES, moduleDir } from '@kosmos/upstream';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { parseAllDocuments } from 'yaml';
import { CLUSTER_SCOPED, groupOf } from './k8s.ts';
import { toJsonSchema } from './schema-transform.ts';
import type { KubeObject } from './types.ts';

type Schema = Record<string, unknown>;

const OBJECT_META = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';
/** Absolute ids, so references between the CRD schemas and the Kubernetes ones resolve. */
const K8S_ID = 'https://schemas.kosmos.invalid/kubernetes.json';
const CRD_ID = 'https://schemas.kosmos.invalid/crd/';
const CACHE_FORMAT = 1;

/** Where a kind's schema comes from. */
export interface KindSchema {
  source: 'k8s' | 'crd';
  /** ajv key of the schema. */
  ref: string;
  namespaced: boolean;
  /** For CRDs, which module and version defined it. */
  origin: string;
}

/** What the schema layer says about one object. */
export interface SchemaProblem {
  ruleId: 'k8s-schema' | 'crd-schema';
  severity: 'error' | 'warning';
  /** Dotted field path, `spec.template.spec.containers[0].imagePullPolicy`. */
  path: string;
  message: string;
}

interface Bundle {
  format: number;
  kubernetesVersion: string;
  crdOrigins: string[];
  /** Component schemas of the Kubernetes OpenAPI, transformed. */
  k8s: Record<string, Schema>;
  /** `group/version/kind` -> component name. */
  k8sKinds: Record<string, string>;
  crds: { group: string; version: string; kind: string; namespaced: boolean; origin: string; schema: Schema }[];
}

function cacheDir(): string {
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'kosmos-platform', 'lint');
}

function loadK8s(specDir: string): Pick<Bundle, 'k8s' | 'k8sKinds'> {
  const k8s: Record<string, Schema> = {};
  const k8sKinds: Record<string, string> = {};
  for (const f of readdirSync(specDir).filter((n) => n.endsWith('.json'))) {
    const doc = JSON.parse(readFileSync(join(specDir, f), 'utf8')) as {
      components?: { schemas?: Record<string, Schema> };
    };
    for (const [name, s] of Object.entries(doc.components?.schemas ?? {})) {
      if (k8s[name]) continue;
      k8s[name] = toJsonSchema(s) as Schema;
      const gvks = s['x-kubernetes-group-version-kind'] as
        | { group: string; version: string; kind: string }[]
        | undefined;
      // A schema listing several GVKs is a shared options type (DeleteOptions, WatchEvent...), not an object kind.
      if (gvks?.length === 1 && gvks[0]) {
        const g = gvks[0];
        k8sKinds[`${g.group ? `${g.group}/` : ''}${g.version}/${g.kind}`] = name;
      }
    }
  }
  return { k8s, k8sKinds };
}

async function loadCrds(): Promise<Bundle['crds']> {
  const files = await crdFiles(LINT_CRD_SOURCES);
  const out: Bundle['crds'] = [];
  for (const file of files) {
    const origin = LINT_CRD_SOURCES.find((s) => file.includes(`${s.module}@${s.version}`));
    for (const d of parseAllDocuments(await readFile(file, 'utf8'))) {
      const crd = d.toJS() as {
        kind?: string;
        spec?: {
          group: string;
          scope: string;
          names: { kind: string };
          versions: { name: string; served?: boolean; schema?: { openAPIV3Schema?: Schema } }[];
        };
      } | null;
      if (crd?.kind !== 'CustomResourceDefinition' || !crd.spec) continue;
      for (const v of crd.spec.versions) {
        if (v.served === false || !v.schema?.openAPIV3Schema) continue;
        const schema = toJsonSchema(v.schema.openAPIV3Schema) as Schema;
        // Every object's metadata is an ObjectMeta, whatever the CRD says (usually `type: object`).
        schema.properties = {
          ...(schema.properties as Schema),
          metadata: { $ref: `${K8S_ID}#/components/schemas/${OBJECT_META}` },
        };
        out.push({
          group: crd.spec.group,
          version: v.name,
          kind: crd.spec.names.kind,
          namespaced: crd.spec.scope === 'Namespaced',
          origin: origin ? `${origin.module}@${origin.version}` : file,
          schema,
        });
      }
    }
  }
  return out;
}

/**
 * The schemas of one Kubernetes version plus the pinned CRDs, prepared once and kept in the
 * user's cache (`~/.cache/kosmos-platform/lint`): the OpenAPI comes from the `k8s.io/kubernetes`
 * module of exactly that version, the CRDs from the controllers' pinned modules, both through
 * the Go module proxy.
 */
async function loadBundle(kubernetesVersion: string): Promise<Bundle> {
  const v = kubernetesVersion.replace(/^v?/, 'v');
  const crdOrigins = LINT_CRD_SOURCES.map((s) => `${s.module}@${s.version}`);
  // The files read count too: a source that lists more CRDs at the same version is another bundle.
  const files = createHash('sha256').update(JSON.stringify(LINT_CRD_SOURCES)).digest('hex').slice(0, 12);
  const file = join(
    cacheDir(),
    `schemas-${v}-${crdOrigins.join('+').replace(/[^a-zA-Z0-9.@+-]+/g, '_')}-${files}.json`,
  );
  try {
    const b = JSON.parse(readFileSync(file, 'utf8')) as Bundle;
    if (b.format === CACHE_FORMAT) return b;
  } catch {
    // not cached yet
  }
  const [dir, crds] = await Promise.all([moduleDir('k8s.io/kubernetes', v), loadCrds()]);
  const bundle: Bundle = {
    format: CACHE_FORMAT,
    kubernetesVersion: v,
    crdOrigins,
    ...loadK8s(join(dir, 'api', 'openapi-spec', 'v3')),
    crds,
  };
  mkdirSync(cacheDir(), { recursive: true });
  writeAtomicSync(file, JSON.stringify(bundle));
  return bundle;
}

/**
 * Patterns in Kubernetes schemas are Go RE2: inline flags like `(?i)` become JS flags; anything
 * JS cannot compile matches everything (the API server, not lint, is the judge of those).
 */
const goRegExp = Object.assign(
  (source: string, flags: string) => {
    let pattern = source;
    let f = flags;
    const inline = /^\(\?([imsU]+)\)/.exec(pattern);
    if (inline?.[1]) {
      pattern = pattern.slice(inline[0].length);
      if (inline[1].includes('i')) f += 'i';
      if (inline[1].includes('s')) f += 's';
      if (inline[1].includes('m')) f += 'm';
    }
    try {
      return new RegExp(pattern, f);
    } catch {
      return /(?:)/;
    }
  },
  { code: 'new RegExp' },
);

function dotted(instancePath: string): string {
  return instancePath
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((acc, s) => (/^\d+$/.test(s) ? `${acc}[${s}]` : acc ? `${acc}.${s}` : s), '');
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a map';
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  return `${typeof v} ${String(v)}`;
}

function branchTypes(e: ErrorObject): string {
  const branches = Array.isArray(e.schema) ? (e.schema as Schema[]) : [];
  const types = branches.map((b) =>
    b.type ? String(b.type) : b.$ref ? String(b.$ref).split('.').pop() : 'a matching shape',
  );
  return types.length ? types.join(' or ') : 'another shape';
}

/** ajv's errors as "field: what was expected", dropping the branch noise below a failed anyOf/oneOf. */
function problems(errors: readonly ErrorObject[]): { path: string; message: string }[] {
  const unions = errors.filter((e) => e.keyword === 'oneOf' || e.keyword === 'anyOf').map((e) => e.instancePath);
  const kept = errors.filter(
    (e) =>
      e.keyword === 'oneOf' ||
      e.keyword === 'anyOf' ||
      !unions.some((p) => e.instancePath === p || e.instancePath.startsWith(`${p}/`)),
  );
  const seen = new Set<string>();
  const out: { path: string; message: string }[] = [];
  for (const e of kept) {
    let path = dotted(e.instancePath);
    let message: string;
    switch (e.keyword) {
      case 'additionalProperties': {
        const key = String(e.params.additionalProperty);
        path = path ? `${path}.${key}` : key;
        message = 'unknown field (strict decoding rejects it)';
        break;
      }
      case 'required':
        path = path ? `${path}.${e.params.missingProperty}` : String(e.params.missingProperty);
        message = 'required field is missing';
        break;
      case 'type':
        message = `expected ${String(e.params.type).replace(',', ' or ')}, got ${describe(e.data)}`;
        break;
      case 'enum':
        message = `expected one of ${(e.params.allowedValues as unknown[]).map((x) => JSON.stringify(x)).join(', ')}, got ${describe(e.data)}`;
        break;
      case 'oneOf':
      case 'anyOf':
        message = `expected ${branchTypes(e)}, got ${describe(e.data)}`;
        break;
      default:
        message = `${e.message ?? 'invalid'}, got ${describe(e.data)}`;
    }
    const key = `${path}\0${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ path, message });
  }
  return out;
}

/** Strips nulls the way the API server's decoder treats them: as absent fields. */
function withoutNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(withoutNulls);
  if (v === null || typeof v !== 'object') return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) if (x !== null) out[k] = withoutNulls(x);
  return out;
}

/** Validators of one Kubernetes version and the pinned CRDs; each kind compiled on first use. */
export class SchemaSet {
  private readonly ajv: Ajv;
  private readonly kinds = new Map<string, KindSchema>();
  private readonly compiled = new Map<string, ValidateFunction>();
  private readonly builtinGroups = new Set<string>();
  private readonly crdGroups = new Set<string>();

  constructor(
    readonly kubernetesVersion: string,
    bundle: Bundle,
  ) {
    this.ajv = new Ajv({
      allErrors: true,
      strict: false,
      validateFormats: false,
      verbose: true,
      addUsedSchema: false,
      code: { regExp: goRegExp },
    });
    this.ajv.addSchema({ $id: K8S_ID, components: { schemas: bundle.k8s } });
    for (const [gvk, name] of Object.entries(bundle.k8sKinds)) {
      this.kinds.set(gvk, {
        source: 'k8s',
        ref: `${K8S_ID}#/components/schemas/${name}`,
        namespaced: !CLUSTER_SCOPED.has(gvk.split('/').pop() as string),
        origin: `k8s.io/kubernetes@${kubernetesVersion}`,
      });
      this.builtinGroups.add(gvk.split('/').length === 3 ? (gvk.split('/')[0] as string) : '');
    }
    for (const c of bundle.crds) {
      const gvk = `${c.group}/${c.version}/${c.kind}`;
      if (this.kinds.has(gvk)) continue;
      this.ajv.addSchema({ ...c.schema, $id: `${CRD_ID}${gvk}` });
      this.kinds.set(gvk, { source: 'crd', ref: `${CRD_ID}${gvk}`, namespaced: c.namespaced, origin: c.origin });
      this.crdGroups.add(c.group);
    }
  }

  kind(apiVersion: string, kind: string): KindSchema | undefined {
    return this.kinds.get(`${apiVersion}/${kind}`);
  }

  private validator(k: KindSchema): ValidateFunction {
    let v = this.compiled.get(k.ref);
    if (!v) {
      v = this.ajv.getSchema(k.ref);
      if (!v) throw new Error(`schema ${k.ref} did not compile`);
      this.compiled.set(k.ref, v);
    }
    return v;
  }

  /** Compiles the validators of these kinds now (so timing the validation excludes compiling). */
  warm(objects: readonly KubeObject[]): void {
    for (const o of objects) {
      const k = this.kind(String(o.apiVersion), String(o.kind));
      // Running a validator once lets V8 compile its (large) generated code before timing starts.
      if (k && !this.compiled.has(k.ref))
        this.validator(k)({ apiVersion: o.apiVersion, kind: o.kind, metadata: { name: 'warm' } });
    }
  }

  /**
   * Problems of one object; `unknownKind` says whether its kind has no schema here. A removed
   * built-in API is left to the deprecated-api rule (`skipUnknown`).
   */
  validate(o: KubeObject, skipUnknown = false): SchemaProblem[] {
    if (typeof o.apiVersion !== 'string' || typeof o.kind !== 'string') {
      return [{ ruleId: 'k8s-schema', severity: 'error', path: '', message: 'object has no apiVersion or kind' }];
    }
    const k = this.kind(o.apiVersion, o.kind);
    if (!k) {
      if (skipUnknown) return [];
      const group = groupOf(o.apiVersion);
      if (this.builtinGroups.has(group) || group === '' || group.endsWith('.k8s.io')) {
        return [
          {
            ruleId: 'k8s-schema',
            severity: 'error',
            path: '',
            message: `Kubernetes ${this.kubernetesVersion} serves no ${o.apiVersion} ${o.kind}`,
          },
        ];
      }
      if (this.crdGroups.has(group)) {
        return [
          {
            ruleId: 'crd-schema',
            severity: 'error',
            path: '',
            message: `the pinned CRDs of ${group} define no ${o.apiVersion} ${o.kind}`,
          },
        ];
      }
      return [
        {
          ruleId: 'crd-schema',
          severity: 'warning',
          path: '',
          message: `no schema known for ${o.apiVersion} ${o.kind} (a CRD lint does not pin): not validated`,
        },
      ];
    }
    const validate = this.validator(k);
    const data = withoutNulls(o);
    if (validate(data)) return [];
    const ruleId = k.source === 'k8s' ? 'k8s-schema' : 'crd-schema';
    return problems(validate.errors ?? []).map((p) => ({ ruleId, severity: 'error', ...p }));
  }
}

const sets = new Map<string, Promise<SchemaSet>>();

/** The schema set of a Kubernetes version, loaded once per process. */
export function schemasFor(kubernetesVersion: string): Promise<SchemaSet> {
  const v = kubernetesVersion.replace(/^v?/, 'v');
  let s = sets.get(v);
  if (!s) {
    s = loadBundle(v).then((b) => new SchemaSet(v, b));
    sets.set(v, s);
  }
  return s;
}
