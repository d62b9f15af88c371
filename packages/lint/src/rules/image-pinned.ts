import { containerLabel, containersOf, podTemplateOf } from '../k8s.ts';
import type { ObjectRule, Violation } from '../types.ts';

/** The environment where images must be pinned by digest. */
export const DIGEST_ENVIRONMENTS = new Set(['production']);

/** Splits `registry/repo:tag@sha256:…` into its tag and digest. */
export function parseImage(ref: string): { tag?: string; digest?: string } {
  const at = ref.indexOf('@');
  const digest = at >= 0 ? ref.slice(at + 1) : undefined;
  const name = at >= 0 ? ref.slice(0, at) : ref;
  const last = name.slice(name.lastIndexOf('/') + 1);
  const colon = last.lastIndexOf(':');
  const tag = colon >= 0 ? last.slice(colon + 1) : undefined;
  return { ...(tag ? { tag } : {}), ...(digest ? { digest } : {}) };
}

/**
 * No `latest` or untagged images anywhere; production also needs a digest (a tag can be moved,
 * a digest cannot). Error in production, warning elsewhere (dev and staging may follow tags).
 */
export const imagePinned: ObjectRule = {
  id: 'image-pinned',
  severity: 'error',
  description: 'Images carry a version tag, never latest; in production they are pinned by digest.',
  scope: 'object',
  check(o, ctx) {
    const tpl = podTemplateOf(o);
    if (!tpl) return [];
    const strict = DIGEST_ENVIRONMENTS.has(ctx.env);
    const severity = strict ? 'error' : 'warning';
    const out: Violation[] = [];
    for (const c of containersOf(tpl.spec)) {
      const image = typeof c.container.image === 'string' ? c.container.image : '';
      const { tag, digest } = parseImage(image);
      if (!image) out.push({ severity, message: `${containerLabel(c)}: no image` });
      else if (digest) continue;
      else if (!tag)
        out.push({ severity, message: `${containerLabel(c)}: image "${image}" has no tag (means latest)` });
      else if (tag === 'latest')
        out.push({ severity, message: `${containerLabel(c)}: image "${image}" uses the latest tag` });
      else if (strict)
        out.push({
          severity,
          message: `${containerLabel(c)}: image "${image}" is not pinned by digest (required in ${ctx.env})`,
        });
    }
    return out;
  },
};
