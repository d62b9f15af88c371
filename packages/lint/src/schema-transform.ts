/**
 * Kubernetes' OpenAPI v3 and CRDs' openAPIV3Schema, made into JSON Schema that decodes the way
 * the API server does with strict field validation:
 * - a schema with `properties` rejects unknown fields (`additionalProperties: false`), unless it
 *   says `x-kubernetes-preserve-unknown-fields` or sits inside allOf/anyOf/oneOf/not (structural
 *   schemas only restate fields there);
 * - `x-kubernetes-int-or-string` accepts an integer or a string;
 * - `nullable: true` accepts null;
 * - descriptions, defaults and examples are dropped (smaller, faster to load and compile).
 */

type Schema = Record<string, unknown>;

const DROP = new Set(['description', 'default', 'example', 'examples', 'externalDocs', 'x-kubernetes-validations']);
const JUNCTORS = new Set(['allOf', 'anyOf', 'oneOf', 'not']);

export function toJsonSchema(s: unknown, inJunctor = false): unknown {
  if (Array.isArray(s)) return s.map((x) => toJsonSchema(x, inJunctor));
  if (!s || typeof s !== 'object') return s;
  const src = s as Schema;
  const out: Schema = {};
  for (const [k, v] of Object.entries(src)) {
    if (DROP.has(k) || k.startsWith('x-kubernetes-patch') || k === 'x-kubernetes-list-map-keys') continue;
    if (k === 'properties' || k === 'patternProperties' || k === 'definitions') {
      out[k] = Object.fromEntries(Object.entries(v as Schema).map(([p, ps]) => [p, toJsonSchema(ps, false)]));
    } else if (JUNCTORS.has(k)) out[k] = toJsonSchema(v, true);
    else if (k === 'items' || k === 'additionalProperties') out[k] = toJsonSchema(v, false);
    else out[k] = v;
  }
  const preserve = src['x-kubernetes-preserve-unknown-fields'] === true;
  if (src['x-kubernetes-int-or-string'] === true) {
    delete out.type;
    if (!out.anyOf && !out.oneOf) out.anyOf = [{ type: 'integer' }, { type: 'string' }];
  }
  if (src.nullable === true && typeof out.type === 'string') out.type = [out.type, 'null'];
  delete out.nullable;
  if (out.properties && out.additionalProperties === undefined && !preserve && !inJunctor)
    out.additionalProperties = false;
  for (const k of Object.keys(out)) if (k.startsWith('x-kubernetes-')) delete out[k];
  return out;
}
