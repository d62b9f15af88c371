import { EXIT, progress, runCommand, UserError } from '@kosmos/cli';
import { findRepoRoot } from '@kosmos/environment';
import { formatResult, release, releaseExitCode } from '@kosmos/release';

await runCommand({
  name: 'release',
  summary: 'package every chart and push the versions the OCI registry does not have yet; never overwrite one',
  usage: 'pnpm release [--registry oci://HOST/PATH] [--dry-run] [--json] [--sign [--key NAME] [--keyring FILE]]',
  flags: [
    '--registry URL      oci://HOST[:PORT]/PATH (default: the local registry of `pnpm run up`, dev’s)',
    '--dry-run           plan only: package and ask the registry, push and tag nothing',
    '--json              print the result as JSON on stdout',
    '--sign              sign each chart (helm package --sign); helm push uploads the .prov',
    '--key NAME          signing key name (or KOSMOS_SIGNING_KEY)',
    '--keyring FILE      keyring with the secret key, `gpg --export-secret-keys` output (or KOSMOS_SIGNING_KEYRING)',
    '--passphrase-file F file holding the key’s passphrase (or KOSMOS_SIGNING_PASSPHRASE_FILE)',
    '--root DIR          repository root (default: found from the current folder)',
    '',
    'For each chart: absent from the registry → push, read back, check the chart layer digest;',
    'present with the same content → skip; present with other content → refused (bump the version).',
    'Each pushed or already published version is tagged <chart>@<version> in git.',
    'Credentials: helm’s registry config (helm registry login; $HELM_REGISTRY_CONFIG), or',
    'KOSMOS_REGISTRY_USERNAME and KOSMOS_REGISTRY_PASSWORD (for the --registry host, or KOSMOS_REGISTRY_HOST).',
  ],
  exitCodes: [
    '0  every chart pushed or already published with the same content',
    '1  a chart was refused (its version is published with other content), or a push failed',
    '2  bad usage or input',
  ],
  options: {
    registry: { type: 'string' },
    'dry-run': { type: 'boolean' },
    json: { type: 'boolean' },
    sign: { type: 'boolean' },
    key: { type: 'string' },
    keyring: { type: 'string' },
    'passphrase-file': { type: 'string' },
    root: { type: 'string' },
  },
  async run({ values }) {
    const env = process.env;
    const key = (values.key as string | undefined) ?? env.KOSMOS_SIGNING_KEY;
    const keyring = (values.keyring as string | undefined) ?? env.KOSMOS_SIGNING_KEYRING;
    const passphraseFile = (values['passphrase-file'] as string | undefined) ?? env.KOSMOS_SIGNING_PASSPHRASE_FILE;
    if (values.sign && (!key || !keyring))
      throw new UserError(
        '--sign needs --key (or KOSMOS_SIGNING_KEY) and --keyring (or KOSMOS_SIGNING_KEYRING)',
        EXIT.usage,
      );
    const result = await release({
      root: (values.root as string | undefined) ?? findRepoRoot(),
      ...(values.registry ? { registry: String(values.registry) } : {}),
      dryRun: values['dry-run'] === true,
      ...(values.sign && key && keyring
        ? { sign: { key, keyring, ...(passphraseFile ? { passphraseFile } : {}) } }
        : {}),
      progress,
    });
    if (values.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    else process.stdout.write(formatResult(result));
    return releaseExitCode(result);
  },
});
