import type { Rule } from '../types.ts';
import { defaultDeny } from './default-deny.ts';
import { deprecatedApi } from './deprecated-api.ts';
import { dropAll } from './drop-all.ts';
import { imagePinned } from './image-pinned.ts';
import { literalSecrets } from './literal-secrets.ts';
import { noPrivilegeEscalation } from './no-privilege-escalation.ts';
import { pdbCoverage } from './pdb.ts';
import { probes } from './probes.ts';
import { rbacWildcards } from './rbac-wildcards.ts';
import { readOnlyRootFs } from './read-only-root-fs.ts';
import { resources } from './resources.ts';
import { runAsNonRoot } from './run-as-non-root.ts';
import { seccomp } from './seccomp.ts';
import { serviceAccount } from './service-account.ts';

/** The policy rules (layer 4), from the seeds' best practices. */
export const RULES: readonly Rule[] = [
  resources,
  probes,
  runAsNonRoot,
  dropAll,
  noPrivilegeEscalation,
  readOnlyRootFs,
  seccomp,
  serviceAccount,
  pdbCoverage,
  imagePinned,
  defaultDeny,
  literalSecrets,
  rbacWildcards,
  deprecatedApi,
];

export {
  defaultDeny,
  deprecatedApi,
  dropAll,
  imagePinned,
  literalSecrets,
  noPrivilegeEscalation,
  pdbCoverage,
  probes,
  rbacWildcards,
  readOnlyRootFs,
  resources,
  runAsNonRoot,
  seccomp,
  serviceAccount,
};
