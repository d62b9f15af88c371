import { relative } from 'node:path';
import type { Environment } from '@kosmos/environment';
import { lint as helmLint, prepareChart } from '@kosmos/helm';
import { chartSource } from '@kosmos/render';
import pLimit from 'p-limit';
import type { Finding, RuleInfo } from './types.ts';

export const HELM_LINT: RuleInfo = {
  id: 'helm-lint',
  severity: 'error',
  description: "The chart passes `helm lint --strict` with the environment's values (--strict: warnings fail too).",
};

/**
 * helm's `[ERROR] templates/x.yaml: message` and `[WARNING] …` lines as findings. Under --strict
 * a warning fails the lint as much as an error does, so both are errors; `[INFO]` is advice.
 */
export function parseHelmLint(output: string, chartPath: string): Omit<Finding, 'env' | 'release'>[] {
  const out: Omit<Finding, 'env' | 'release'>[] = [];
  let last: Omit<Finding, 'env' | 'release'> | undefined;
  for (const raw of output.split('\n')) {
    const line = raw.trim();
    const m = /^\[(ERROR|WARNING)\]\s+(?:([^\s:]+):\s*)?(.*)$/.exec(line);
    if (!m) {
      // helm continues some messages on the following lines (schema violations per chart).
      if (last && line && !line.startsWith('[') && !line.startsWith('==>') && !/chart\(s\) linted/.test(line))
        last.message += ` ${line}`;
      else last = undefined;
      continue;
    }
    const where = m[2] ?? '';
    const message = m[3] ?? '';
    const at = /\.(?:ya?ml|tpl|txt):(\d+)(?::(\d+))?/.exec(message);
    last = {
      ruleId: HELM_LINT.id,
      severity: 'error',
      file: where ? `${chartPath}/${where.replace(/\/$/, '')}` : chartPath,
      ...(at?.[1] ? { line: Number(at[1]) } : {}),
      ...(at?.[2] ? { col: Number(at[2]) } : {}),
      message: `${m[1] === 'WARNING' ? '[WARNING] ' : ''}${message}`.trim(),
    };
    out.push(last);
  }
  return out;
}

/** Layer 1: `helm lint --strict` of each chart of this repository with each environment's values. */
export async function helmLintEnvironments(
  root: string,
  envs: readonly Environment[],
  o: { concurrency?: number; onDone?: (env: string, release: string) => void } = {},
): Promise<Finding[]> {
  const limit = pLimit(Math.max(1, o.concurrency ?? 2));
  const jobs = envs.flatMap((env) =>
    env.releases.flatMap((r) => {
      if (r.chart.kind !== 'repo') return [];
      const source = chartSource(env, r);
      const chartPath = relative(root, r.chart.dir);
      if (source.kind !== 'tree') {
        // The pinned version differs from the tree: the published chart was linted when it was released.
        return [
          Promise.resolve<Finding[]>([
            {
              ruleId: HELM_LINT.id,
              severity: 'note',
              file: relative(root, env.file),
              line: r.at.line,
              env: env.name,
              release: r.name,
              message: `${r.chart.name} ${r.version} is not the version in the tree: helm lint skipped`,
            },
          ]),
        ];
      }
      const chart = r.chart.dir;
      return [
        limit(async () => {
          await prepareChart(chart);
          const res = await helmLint({ chart, valuesFiles: r.values, namespace: r.namespace, strict: true });
          o.onDone?.(env.name, r.name);
          const found = parseHelmLint(res.output, chartPath).map((f) => ({ ...f, env: env.name, release: r.name }));
          if (!res.ok && found.length === 0) {
            const line = res.output.split('\n').find((l) => l.startsWith('Error:')) ?? 'helm lint failed';
            found.push({
              ruleId: HELM_LINT.id,
              severity: 'error',
              file: chartPath,
              env: env.name,
              release: r.name,
              message: line,
            });
          }
          return found;
        }),
      ];
    }),
  );
  return (await Promise.all(jobs)).flat();
}
