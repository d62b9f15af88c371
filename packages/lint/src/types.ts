import type { KubeObject, ObjectRef } from '@kosmos/objects';

export type { KubeObject, ObjectRef };

export type Severity = 'error' | 'warning' | 'note';

/** One thing lint found. `file` is relative to the repository root. */
export interface Finding {
  ruleId: string;
  severity: Severity;
  file: string;
  line?: number;
  col?: number;
  object?: ObjectRef;
  release?: string;
  env?: string;
  message: string;
}

/** What a policy rule may know about where the objects go. */
export interface RuleContext {
  env: string;
  /** `v1.36.3` */
  kubernetesVersion: string;
}

/** An object as placed in the cluster: its effective namespace (release namespace when unset). */
export interface Placed {
  object: KubeObject;
  namespace?: string;
  release?: string;
}

/** A rule's verdict on one object; the caller adds file, release and env. */
export interface Violation {
  message: string;
  /** Overrides the rule's severity (e.g. images: error in production, warning elsewhere). */
  severity?: Severity;
  /** For environment rules: the object the finding is about (none: the environment file). */
  object?: Placed;
}

interface RuleBase {
  id: string;
  severity: Severity;
  /** One sentence, shown in SARIF's rule list and `--help`. */
  description: string;
}

/** Looks at one object at a time. */
export interface ObjectRule extends RuleBase {
  scope: 'object';
  check(object: KubeObject, ctx: RuleContext): Violation[];
}

/** Needs every object of the environment (PDB coverage, default-deny per namespace). */
export interface EnvironmentRule extends RuleBase {
  scope: 'environment';
  check(objects: readonly Placed[], ctx: RuleContext): Violation[];
}

export type Rule = ObjectRule | EnvironmentRule;

/** Rules of the other layers, listed for SARIF's tool.driver.rules. */
export interface RuleInfo {
  id: string;
  severity: Severity;
  description: string;
  /** Set for policy rules only: what one looks at (an object, or an environment's objects together). */
  scope?: 'object' | 'environment';
}
