/**
 * npm run bench:yaml — the YAML readers on the generated 10,000-key rotation.yaml (issue 9):
 * the subset reader (src/config/yaml-subset.ts), js-yaml with its CORE schema and the `yaml`
 * package alone. Each is timed in a fresh process, as the CLI meets it: module load plus
 * the first (cold) parse, then the median of 5 warm parses.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { generateRotationYaml } from './gen-rotation-yaml.js';

const READERS: Record<string, { load: string; parse: string }> = {
  'yaml-subset': {
    load: `const { parseYamlSubset } = await import(${JSON.stringify(path.resolve('dist/src/config/yaml-subset.js'))});`,
    parse: 'if (!parseYamlSubset(text)) throw new Error("declined")',
  },
  'js-yaml (CORE_SCHEMA)': {
    load: "const jsyaml = await import('js-yaml');",
    parse: 'jsyaml.load(text, { schema: jsyaml.CORE_SCHEMA })',
  },
  'yaml package': {
    load: "const { parse } = await import('yaml');",
    parse: 'parse(text, { maxAliasCount: 1000 })',
  },
};

function child(file: string, reader: { load: string; parse: string }): { loadMs: number; coldMs: number; warmMs: number } {
  const script = `
    import { readFileSync } from 'node:fs';
    const text = readFileSync(${JSON.stringify(file)}, 'utf8');
    let t = performance.now();
    ${reader.load}
    const loadMs = performance.now() - t;
    t = performance.now();
    ${reader.parse};
    const coldMs = performance.now() - t;
    const warm = [];
    for (let i = 0; i < 5; i++) { t = performance.now(); ${reader.parse}; warm.push(performance.now() - t); }
    warm.sort((a, b) => a - b);
    console.log(JSON.stringify({ loadMs, coldMs, warmMs: warm[2] }));`;
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: process.cwd(), encoding: 'utf8' });
  if (run.status !== 0) throw new Error(run.stderr);
  return JSON.parse(run.stdout) as { loadMs: number; coldMs: number; warmMs: number };
}

async function main(): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'keyturn-bench-yaml-'));
  try {
    const file = path.join(dir, 'rotation-10k.yaml');
    const text = generateRotationYaml(10_000);
    await writeFile(file, text);
    process.stdout.write(`10,000 keys, ${(text.length / 1e6).toFixed(1)} MB; median of 3 fresh processes\n`);
    for (const [name, reader] of Object.entries(READERS)) {
      const runs = [0, 1, 2].map(() => child(file, reader)).sort((a, b) => a.loadMs + a.coldMs - (b.loadMs + b.coldMs));
      const { loadMs, coldMs, warmMs } = runs[1]!;
      process.stdout.write(
        `${name.padEnd(22)} load ${loadMs.toFixed(0).padStart(4)} ms, first parse ${coldMs.toFixed(0).padStart(5)} ms, warm parse ${warmMs.toFixed(0).padStart(5)} ms\n`,
      );
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
