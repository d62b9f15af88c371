import { chartRepository, clientFor, ociTag, parseRegistryUrl, RegistryError } from '@kosmos/registry';
import type { ChartAnswer, ImageAnswer } from './types.ts';

/**
 * What promote asks registries. The edge passes one in (`PromoteConfig.registry`); the plan only
 * sees the answers.
 */
export interface RegistryLookup {
  /** Whether `oci://host/path/chart:version` exists, and its chart layer digest. */
  chart(registryUrl: string, chart: string, version: string): Promise<Omit<ChartAnswer, 'ref'>>;
  /** The digest `repository:tag` names at `host` (or, for a digest, whether it exists there). */
  image(host: string, repository: string, reference: string): Promise<Pick<ImageAnswer, 'digest' | 'error'>>;
}

/** Docker Hub's API host is not its name (as `parseImageRef` maps it). */
const apiHost = (host: string) => (host === 'docker.io' || host === 'index.docker.io' ? 'registry-1.docker.io' : host);

const why = (e: unknown) => (e instanceof RegistryError ? e.message : `${(e as Error).message.split('\n')[0]}`);

/**
 * Lookups through `@kosmos/registry` (credentials from helm's registry config or the
 * environment, bearer tokens, retries of transient failures). A failure is an answer with an
 * error, which the registry gate reports; it never stops the plan.
 */
export const ociRegistry: RegistryLookup = {
  async chart(registryUrl, chart, version) {
    try {
      const ref = parseRegistryUrl(registryUrl, 'registry');
      const client = await clientFor(ref.host);
      const state = await client.chart(chartRepository(ref, chart), ociTag(version));
      return state.state === 'absent'
        ? { chart, version, exists: false }
        : { chart, version, exists: true, ...(state.chartDigest ? { digest: state.chartDigest } : {}) };
    } catch (e) {
      return { chart, version, exists: false, error: why(e) };
    }
  },
  async image(host, repository, reference) {
    try {
      const client = await clientFor(apiHost(host));
      const digest = await client.digest(repository, reference);
      return digest ? { digest } : {};
    } catch (e) {
      return { error: why(e) };
    }
  },
};
