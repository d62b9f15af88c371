import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { EXIT, runCommand, table } from '@kosmos/cli';
import { defaultStateDir, readState } from '@kosmos/environment';
import { isHealthy } from '@kosmos/testkit';
import { cacheRoot, componentOf, inspectSystemTools, type Resolved, resolveTool, TOOL_NAMES } from '@kosmos/toolchain';

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
  summary:
    'show each tool (built, and Debian tools the tests drive), its version and where it came from, and the local environment',
  usage: 'pnpm run doctor [--json]',
  flags: [
    '--json              print the report as JSON',
    '',
    "Note: `pnpm doctor` is pnpm's own command; use `pnpm run doctor`.",
  ],
  exitCodes: [
    '0  every tool is available',
    '1  a tool is missing (run `pnpm run tools` to build or install it)',
    '2  bad usage',
  ],
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
    const debian = await inspectSystemTools();
    const state = await readState(defaultStateDir());
    const healthy = state ? await isHealthy(state) : false;
    const report = {
      node: process.version,
      go: await goVersion(),
      cache: cacheRoot(),
      tools: found.map((f) =>
        'error' in f
          ? { tool: f.tool, component: componentOf(f.tool).id, pinned: componentOf(f.tool).version, missing: f.error }
          : {
              tool: f.tool,
              component: componentOf(f.tool).id,
              pinned: componentOf(f.tool).version,
              version: f.version,
              source: f.source,
              path: f.path,
              passedOver: (f as Resolved).rejected,
            },
      ),
      debian: debian.map((d) =>
        'missing' in d
          ? { tool: d.tool, package: d.package, usedFor: d.purpose, missing: 'not installed: run `pnpm run tools`' }
          : {
              tool: d.tool,
              package: d.package,
              usedFor: d.purpose,
              version: d.version,
              source: d.source,
              path: d.path,
            },
      ),
      local: state
        ? { running: healthy, kubeconfig: state.kubeconfig, registry: `oci://${state.registry}` }
        : { running: false },
    };
    const missing = [...report.tools, ...report.debian].filter((t) => 'missing' in t);
    if (values.json) {
      process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    } else {
      // COMPONENT: the build that yields the tool (one Go module build may yield several tools).
      const rows = [['TOOL', 'COMPONENT', 'VERSION', 'SOURCE', 'PATH']];
      for (const t of report.tools) {
        const component = `${t.component} ${t.pinned}`;
        rows.push(
          'missing' in t
            ? [t.tool, component, '-', 'MISSING', 'run `pnpm run tools`']
            : [t.tool, component, t.version ?? '?', t.source ?? '', t.path ?? ''],
        );
      }
      for (const d of report.debian) {
        rows.push(
          'missing' in d
            ? [d.tool, 'Debian', '-', 'MISSING', `Debian package ${d.package}: run \`pnpm run tools\``]
            : [d.tool, 'Debian', d.version ?? '?', d.source === 'apt' ? `Debian ${d.package}` : 'PATH', d.path],
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
