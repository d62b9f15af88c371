/** One thing wrong with a file, pointing at the exact place. */
import { EXIT, UserError } from '@kosmos/errors';
export interface Problem {
  file: string;
  line: number;
  col: number;
  /** Dotted path of the offending key, like `releases[2].version`; empty for the whole file. */
  path: string;
  message: string;
}

export function formatProblem(p: Problem): string {
  return `${p.file}:${p.line}:${p.col}: ${p.path ? `${p.path}: ` : ''}${p.message}`;
}

/** The environment files are wrong; each problem is one line a person can act on. */
export class EnvironmentError extends UserError {
  override name = 'EnvironmentError';
  constructor(readonly problems: Problem[]) {
    // Bad input files: the documented usage/input exit code.
    super(problems.map(formatProblem).join('\n'), EXIT.usage);
  }
}

/** `/releases/0/version` -> `releases[0].version` */
export function dottedPath(segments: readonly (string | number)[]): string {
  return segments.reduce<string>(
    (acc, s) => (typeof s === 'number' || /^\d+$/.test(String(s)) ? `${acc}[${s}]` : acc ? `${acc}.${s}` : String(s)),
    '',
  );
}
