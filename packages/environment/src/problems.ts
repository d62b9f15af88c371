/** One thing wrong with a file, pointing at the exact place. */
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
export class EnvironmentError extends Error {
  override name = 'EnvironmentError';
  readonly userFacing = true;
  /** Bad input files: the documented usage/input exit code. */
  readonly exitCode = 2;
  constructor(readonly problems: Problem[]) {
    super(problems.map(formatProblem).join('\n'));
  }
}

/** `/releases/0/version` -> `releases[0].version` */
export function dottedPath(segments: readonly (string | number)[]): string {
  return segments.reduce<string>(
    (acc, s) => (typeof s === 'number' || /^\d+$/.test(String(s)) ? `${acc}[${s}]` : acc ? `${acc}.${s}` : String(s)),
    '',
  );
}
