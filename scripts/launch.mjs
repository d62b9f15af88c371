#!/usr/bin/env node
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
// Runs scripts/<verb>.ts as one bundled ESM file under .kosmos/bin, so a command's start-up is
// node loading one file rather than a TypeScript transpiler resolving and compiling ~40 modules.
// The bundle is rebuilt whenever any file esbuild read to make it (its metafile inputs), the
// lockfile or this launcher is newer than the bundle: an edited source is never run stale, and
// checking costs one stat per input. Plain JavaScript on purpose: it must run on bare node.
import module from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** True when `out` exists and no input listed beside it is newer (or gone). */
export function isFresh(out) {
  let built;
  try {
    built = statSync(out).mtimeMs;
  } catch {
    return false;
  }
  let inputs;
  try {
    inputs = JSON.parse(readFileSync(`${out}.inputs.json`, 'utf8'));
  } catch {
    return false;
  }
  for (const f of inputs) {
    try {
      if (statSync(f).mtimeMs > built) return false;
    } catch {
      return false;
    }
  }
  return true;
}

// A bundle lives elsewhere than its sources: code that finds files next to itself
// (import.meta.url / dirname / filename) must keep seeing its source's location.
const keepImportMeta = {
  name: 'keep-import-meta',
  setup(build) {
    build.onLoad({ filter: /\.[cm]?ts$/ }, (args) => {
      const text = readFileSync(args.path, 'utf8');
      if (!text.includes('import.meta.')) return undefined;
      const contents = text
        .replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href))
        .replaceAll('import.meta.dirname', JSON.stringify(dirname(args.path)))
        .replaceAll('import.meta.filename', JSON.stringify(args.path));
      return { contents, loader: 'ts' };
    });
  },
};

/** Bundles `entry` into `out` (written atomically) with the list of its inputs beside it. */
export async function build(entry, out, extraInputs = []) {
  const { build: esbuild } = await import('esbuild');
  const result = await esbuild({
    entryPoints: [entry],
    outfile: out,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    write: false,
    metafile: true,
    // Less to parse on every start; --debug maps stack traces back to the sources.
    minify: true,
    keepNames: true,
    sourcemap: 'linked',
    logLevel: 'silent',
    plugins: [keepImportMeta],
    // CommonJS dependencies inside an ESM bundle still use require, __filename and __dirname.
    banner: {
      js: [
        "import { createRequire as __kosmosRequire } from 'node:module';",
        "import { fileURLToPath as __kosmosPath } from 'node:url';",
        'const require = __kosmosRequire(import.meta.url);',
        'const __filename = __kosmosPath(import.meta.url);',
        "const __dirname = __filename.slice(0, __filename.lastIndexOf('/'));",
      ].join('\n'),
    },
  });
  mkdirSync(dirname(out), { recursive: true });
  const cwd = process.cwd();
  const inputs = [...Object.keys(result.metafile.inputs).map((p) => resolve(cwd, p)), ...extraInputs];
  const tag = `.${process.pid}.tmp`;
  for (const f of result.outputFiles) writeFileSync(`${f.path}${tag}`, f.contents);
  writeFileSync(`${out}.inputs.json${tag}`, JSON.stringify(inputs));
  // The inputs list before the bundle: a reader that sees the new bundle sees its inputs too.
  renameSync(`${out}.inputs.json${tag}`, `${out}.inputs.json`);
  for (const f of result.outputFiles.filter((f) => f.path !== out)) renameSync(`${f.path}${tag}`, f.path);
  renameSync(`${out}${tag}`, out);
}

/** The bundle of scripts/<verb>.ts, built first if missing or stale. */
export async function ensureBuilt(verb, root = ROOT) {
  const entry = join(root, 'scripts', `${verb}.ts`);
  const out = join(process.env.KOSMOS_BIN_DIR ?? join(root, '.kosmos', 'bin'), `${verb}.mjs`);
  if (!isFresh(out)) {
    try {
      statSync(entry);
    } catch {
      process.stderr.write(`launch: no command "${verb}" (expected scripts/${verb}.ts)\n`);
      process.exit(2);
    }
    await build(entry, out, [join(root, 'pnpm-lock.yaml'), fileURLToPath(import.meta.url)]);
  }
  return { entry, out };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const verb = process.argv[2];
  if (!verb || verb.startsWith('-')) {
    process.stderr.write('usage: node scripts/launch.mjs VERB [flags]\n');
    process.exit(2);
  }
  // Node 22.1+ keeps V8's compiled code between runs; Node 20 has no such cache.
  module.enableCompileCache?.(join(ROOT, '.kosmos', 'bin', '.v8-cache'));
  const { entry, out } = await ensureBuilt(verb);
  // The command sees the argv it would under tsx: [node, scripts/<verb>.ts, ...flags].
  process.argv.splice(1, 2, entry);
  if (process.argv.includes('--debug')) process.setSourceMapsEnabled(true);
  await import(pathToFileURL(out).href);
}
