import { containerRule, securityContextOf } from './container.ts';

/**
 * Seeds: "Use read-only root filesystem". Not part of Pod Security restricted and not possible
 * for every image (DESIGN: "where the image allows"), hence a warning.
 */
export const readOnlyRootFs = containerRule({
  id: 'read-only-root-fs',
  severity: 'warning',
  description: 'Every container mounts its root filesystem read-only (emptyDir for writable paths).',
  check(c) {
    return securityContextOf(c).readOnlyRootFilesystem === true
      ? undefined
      : 'securityContext.readOnlyRootFilesystem is not true';
  },
});
