import { EXIT, progress, runCommand } from '@kosmos/cli';
import { CONTROLLER_TOOLS, resolveTool, TOOL_NAMES } from '@kosmos/toolchain';

await runCommand({
  name: 'tools',
  summary:
    'find or build every pinned tool (helm, etcd, Kubernetes control plane, kwok, registry, and the controllers the cluster tests run: Argo Rollouts, Traefik, Prometheus Operator, Prometheus)',
  usage: 'pnpm run tools [--skip-controllers] [--json]',
  flags: [
    '--skip-controllers  leave out the controllers (only the real-controller tests need them;',
    '                    they build on first use otherwise, ~15 minutes cold on 2 cores)',
    '--json              print what was resolved as JSON',
    '',
    'Tools already on PATH at an accepted version are used as they are; the rest are built from',
    'the Go module proxy into ~/.cache/kosmos-platform (XDG_CACHE_HOME) once per version.',
  ],
  options: { json: { type: 'boolean' }, 'skip-controllers': { type: 'boolean' } },
  async run({ values }) {
    const started = Date.now();
    const out = [];
    // One at a time: each build already uses every core.
    const tools = values['skip-controllers'] ? TOOL_NAMES.filter((t) => !CONTROLLER_TOOLS.includes(t)) : TOOL_NAMES;
    for (const tool of tools) out.push(await resolveTool(tool, { log: progress }));
    const seconds = (Date.now() - started) / 1000;
    if (values.json)
      process.stdout.write(`${JSON.stringify({ seconds, tools: out.map(({ rejected: _, ...t }) => t) }, null, 2)}\n`);
    else
      process.stdout.write(
        `${out.map((t) => `${t.tool} ${t.version} (${t.source})`).join('\n')}\nall tools ready in ${seconds.toFixed(1)}s\n`,
      );
    return EXIT.ok;
  },
});
