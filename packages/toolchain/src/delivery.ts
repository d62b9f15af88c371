/**
 * Tools that check and ship what the project builds, rather than run it: actionlint checks the
 * GitHub workflows in the test suite; crane pushes small test images to the local registry so
 * image digests resolve for real. Kept in their own module so that other groups of components
 * can be added to the catalog without touching these.
 */
import type { Component } from './catalog.ts';
import { cmpSemver } from './semver.ts';

export type DeliveryToolName = 'actionlint' | 'crane';

export const DELIVERY_TOOL_NAMES: readonly DeliveryToolName[] = ['actionlint', 'crane'];

/** How each one reports its version (crane has a subcommand; actionlint a flag). */
export const DELIVERY_VERSION_ARGS: Record<DeliveryToolName, string[]> = {
  actionlint: ['--version'],
  crane: ['version'],
};

export const DELIVERY_COMPONENTS: readonly Component[] = [
  {
    id: 'actionlint',
    version: 'v1.7.12',
    binaries: ['actionlint'],
    recipe: { kind: 'go-install', packages: { actionlint: 'github.com/rhysd/actionlint/cmd/actionlint' } },
    // Older releases miss checks the test relies on (Node 24 runners, newer expression functions).
    accepts: (v) => cmpSemver(v, '1.7.12') >= 0,
    requirement: 'actionlint 1.7.12 or newer',
    typicalBuildSeconds: 60,
  },
  {
    id: 'crane',
    version: 'v0.22.1',
    binaries: ['crane'],
    recipe: { kind: 'go-install', packages: { crane: 'github.com/google/go-containerregistry/cmd/crane' } },
    accepts: (v) => cmpSemver(v, '0.20.0') >= 0,
    requirement: 'crane (go-containerregistry) 0.20 or newer',
    typicalBuildSeconds: 60,
  },
];
