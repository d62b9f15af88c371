import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { EXIT, runCommand, table } from '@kosmos/cli';
import { defaultStateDir, readState } from '@kosmos/environment';
import { isHealthy } from '@kosmos/testkit';
import { cacheRoot, componentOf, type Resolved, resolveTool, TOOL_NAMES } from '@kosmos/toolchain';

const run = promisify(execFile);

async function goVersion(): Promise<string> {
  try {
    return (await run('go', ['env', 'GOVERSION'])).stdout.trim();
  } catch {
    return 'not installed';
  }
}

await runCommand({
  name: 'doctor',
  summary: 'show each tool, its version and where it came from, and the local environment',
  usage: 'pnpm run doctor [--json]',
  flags: [
    '--json              print the report as JSON',
    '',
    "Note: `pnpm doctor` is pnpm's own command; use `pnpm run doctor`.",
  ],
  exitCodes: ['0  every tool is available', '1  a tool is missing (run `pnpm run tools` to build it)', '2  bad usage'],
  options: { json: { type: 'boolean' } },
  async run({ values }) {
    const found = await Promise.all(
      TOOL_NAMES.map(async (tool) => {
        try {
          return await resolveTool(tool, { noBuild: true });
        } catch (e) {
          return { tool, error: (e as Error).message };
        }
      }),
    );
    const state = await readState(defaultStateDir());
    const healthy = state ? await isHealthy(state) : false;
    const report = {
      node: process.version,
      go: await goVersion(),
      cache: cacheRoot(),
      tools: found.map((f) =>
        'error' in f
          ? { tool: f.tool, pinned: componentOf(f.tool).version, missing: f.error }
          : {
              tool: f.tool,
              pinned: componentOf(f.tool).version,
              version: f.version,
              source: f.source,
              path: f.path,
              passedOver: (f as Resolved).rejected,
            },
      ),
      local: state
        ? { running: healthy, kubeconfig: state.kubeconfig, registry: `oci://${state.registry}` }
        : { running: false },
    };
    const missing = report.tools.filter((t) => 'missing' in t);
    if (values.json) {
      process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    } else {
      const rows = [['TOOL', 'VERSION', 'SOURCE', 'PATH']];
      for (const t of report.tools) {
        rows.push(
          'missing' in t
            ? [t.tool, '-', 'MISSING', `pinned ${t.pinned}: run \`pnpm run tools\``]
            : [t.tool, t.version ?? '?', t.source ?? '', t.path ?? ''],
        );
      }
      const notes = report.tools.flatMap((t) =>
        'passedOver' in t
          ? (t.passedOver ?? []).map((p) => `  passed over ${p.path} (${p.version ?? 'unknown version'}): ${p.reason}`)
          : [],
      );
      process.stdout.write(
        [
          `node ${report.node}, go ${report.go}, tool cache ${report.cache}`,
          '',
          table(rows),
          ...(notes.length ? ['', ...notes] : []),
          '',
          state
            ? `local environment: ${healthy ? 'running' : 'NOT healthy (run `pnpm run up`)'}; kubeconfig ${state.kubeconfig}; registry oci://${state.registry}`
            : 'local environment: not running (start it with `pnpm run up`)',
          '',
        ].join('\n'),
      );
    }
    return missing.length ? EXIT.failed : EXIT.ok;
  },
});
