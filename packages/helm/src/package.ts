import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { HelmError, runHelm } from './run.ts';

/**
 * The time stamped on every file of a packaged chart (1980-01-01T00:00:00Z, the earliest a zip
 * can hold, the usual reproducible-builds choice). helm 4.3 writes each file's mtime into the
 * archive, so two checkouts of the same commit package different bytes; with SOURCE_DATE_EPOCH
 * (honoured by helm ≥ 4.1 `package` and `dependency build`) the archive depends on content
 * only, which is what lets `pnpm release` compare a published chart with the tree.
 */
export const CHART_EPOCH = 315532800;

/** helm's own error line: what the user needs, never the command line we built. */
function errorLine(e: unknown): { line: string; stderr: string } {
  const stderr = String((e as { stderr?: unknown }).stderr ?? '');
  const fromStderr = stderr.split('\n').find((l) => l.startsWith('Error:')) ?? stderr.trim().split('\n').at(-1);
  const line = (fromStderr || 'helm failed').replace(/^Error:\s*/, '');
  return { line, stderr };
}

async function helm(what: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ stdout: string; stderr: string }> {
  try {
    return await runHelm(args, { env });
  } catch (e) {
    const { line, stderr } = errorLine(e);
    throw new HelmError(`${what}: ${line}`, args, stderr, e instanceof HelmError ? e.helmExitCode : null);
  }
}

export interface SignOptions {
  /** Name (uid or part of it) of the signing key in the keyring. */
  key: string;
  /** Keyring holding the secret key: `gpg --export-secret-keys` output, binary or armored. */
  keyring: string;
  /** File with the key's passphrase; keys without one need none. */
  passphraseFile?: string;
}

export interface PackageInput {
  /** Chart folder; its dependencies must already be in `charts/` (prepareChart). */
  dir: string;
  destination: string;
  sign?: SignOptions;
}

export interface PackagedChart {
  archive: string;
  /** `sha256:<hex>` of the archive: what a registry's chart layer digest must equal. */
  digest: string;
  /** The `.prov` beside the archive when signed; `helm push` uploads it with the chart. */
  provenance?: string;
}

export const sha256File = async (path: string): Promise<string> =>
  `sha256:${createHash('sha256')
    .update(await readFile(path))
    .digest('hex')}`;

/** `helm package`, reproducibly (see CHART_EPOCH), optionally signed. */
export async function packageChart(i: PackageInput, env: NodeJS.ProcessEnv = process.env): Promise<PackagedChart> {
  const args = ['package', i.dir, '--destination', i.destination];
  if (i.sign) {
    args.push('--sign', '--key', i.sign.key, '--keyring', i.sign.keyring);
    if (i.sign.passphraseFile) args.push('--passphrase-file', i.sign.passphraseFile);
  }
  const r = await helm(`helm package ${basename(i.dir)}`, args, { ...env, SOURCE_DATE_EPOCH: String(CHART_EPOCH) });
  const archive = /saved it to:\s*(\S+\.tgz)/.exec(r.stdout)?.[1];
  if (!archive)
    throw new HelmError(`helm package ${basename(i.dir)}: no archive named in its output`, args, r.stderr, 0);
  return {
    archive,
    digest: await sha256File(archive),
    ...(i.sign ? { provenance: `${archive}.prov` } : {}),
  };
}

export interface PushInput {
  archive: string;
  /** `oci://host/path` */
  registry: string;
  plainHttp: boolean;
  /**
   * A docker-format config file with the registry's credentials (HELM_REGISTRY_CONFIG for this
   * call): credentials never go on helm's command line, where `ps` and error messages show them.
   */
  registryConfig?: string;
}

/** `helm push`; returns the manifest digest helm reports. */
export async function pushChart(
  i: PushInput,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ manifestDigest?: string }> {
  const args = ['push', i.archive, i.registry];
  if (i.plainHttp) args.push('--plain-http');
  const r = await helm(`helm push ${basename(i.archive)} to ${i.registry}`, args, {
    ...env,
    ...(i.registryConfig ? { HELM_REGISTRY_CONFIG: i.registryConfig } : {}),
  });
  const digest = /Digest:\s*(sha256:[a-f0-9]{64})/.exec(`${r.stdout}\n${r.stderr}`)?.[1];
  return digest ? { manifestDigest: digest } : {};
}

/** Where `helm package` writes a chart's archive (for callers that look before packaging). */
export const archiveName = (name: string, version: string, destination: string): string =>
  join(destination, `${name}-${version}.tgz`);
