import { EXIT, progress, runCommand } from '@kosmos/cli';
import { resolveTool, TOOL_NAMES } from '@kosmos/toolchain';

await runCommand({
  name: 'tools',
  summary: 'find or build every pinned tool (helm, etcd, Kubernetes control plane, kwok, registry)',
  usage: 'pnpm run tools [--json]',
  flags: [
    '--json              print what was resolved as JSON',
    '',
    'Tools already on PATH at an accepted version are used as they are; the rest are built from',
    'the Go module proxy into ~/.cache/kosmos-platform (XDG_CACHE_HOME) once per version.',
  ],
  options: { json: { type: 'boolean' } },
  async run({ values }) {
    const started = Date.now();
    const out = [];
    // One at a time: each build already uses every core.
    for (const tool of TOOL_NAMES) out.push(await resolveTool(tool, { log: progress }));
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
