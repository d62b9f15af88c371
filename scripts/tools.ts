import { EXIT, progress, runCommand } from '@kosmos/cli';
import { CONTROLLER_TOOLS, ensureSystemTools, resolveTool, TOOL_NAMES } from '@kosmos/toolchain';

await runCommand({
  name: 'tools',
  summary:
    'find or build every pinned tool (helm, etcd, Kubernetes control plane, kwok, registry, actionlint, crane, rclone, promtool, amtool, and the controllers the cluster tests run: Argo Rollouts, Traefik, Prometheus Operator, Prometheus) and install the Debian tools the tests drive',
  usage: 'pnpm run tools [--skip-controllers] [--json]',
  flags: [
    '--skip-controllers  leave out the controllers (only the real-controller tests need them;',
    '                    they build on first use otherwise, ~15 minutes cold on 2 cores)',
    '--json              print what was resolved as JSON',
    '',
    'Tools already on PATH at an accepted version are used as they are; the rest are built from',
    'the Go module proxy into ~/.cache/kosmos-platform (XDG_CACHE_HOME) once per version.',
    'The Debian tools (shellcheck, keepalived, cloud-init, systemd-analyze, ip) are installed with',
    'apt-get when run as root; otherwise the command prints the one apt-get line to run and exits 1.',
  ],
  exitCodes: [
    '0  every tool is ready',
    '1  a build or install failed, or Debian tools are missing and we are not root (the line says what to run)',
    '2  bad usage',
  ],
  options: { json: { type: 'boolean' }, 'skip-controllers': { type: 'boolean' } },
  async run({ values }) {
    const started = Date.now();
    // First, because it is quick and, when not root, the user has something to run meanwhile.
    const system = await ensureSystemTools({ log: progress });
    const out = [];
    // One at a time: each build already uses every core.
    const tools = values['skip-controllers'] ? TOOL_NAMES.filter((t) => !CONTROLLER_TOOLS.includes(t)) : TOOL_NAMES;
    for (const tool of tools) out.push(await resolveTool(tool, { log: progress }));
    const seconds = (Date.now() - started) / 1000;
    if (values.json)
      process.stdout.write(
        `${JSON.stringify({ seconds, tools: out.map(({ rejected: _, ...t }) => t), debian: system }, null, 2)}\n`,
      );
    else
      process.stdout.write(
        `${[
          ...out.map((t) => `${t.tool} ${t.version} (${t.source})`),
          ...system.map(
            (t) =>
              `${t.tool} ${t.version ?? '?'} (${t.source === 'apt' ? `Debian ${t.package}` : 'PATH'}${t.installed ? ', installed now' : ''})`,
          ),
        ].join('\n')}\nall tools ready in ${seconds.toFixed(1)}s\n`,
      );
    return EXIT.ok;
  },
});
