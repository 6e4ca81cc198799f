/**
 * npm run bench:scan — `keyturn scan` against grep on the same values, in the same run.
 *
 * 1. A generated tree of BENCH_SCAN_MB (200) MB of log- and code-like text in 2,000 files,
 *    with 1,000 managed secrets in the store (random 48-character tokens, staged through the
 *    store API) and PLANTED of them written into the tree (as written and base64). keyturn
 *    scan (the built CLI, a fresh process) against `grep -rFn -f PATTERNS` with LC_ALL=C
 *    (GNU grep's fastest mode) given exactly the forms keyturn searches (every value as
 *    written, JSON-escaped, URL-encoded, base64/base64url at three alignments, hex): median
 *    of 3 wall times each, the ratio (target ≤ 1.5), MB/s, and both must find the same lines.
 *    The pattern file exists only for grep; keyturn keeps the values in memory.
 * 2. A repository of BENCH_SCAN_COMMITS (10,000) commits (git fast-import), one secret added
 *    in an early commit and removed in the next: `keyturn scan REPO --git` wall time, and that
 *    the finding names that commit.
 *
 * Separate from `npm run bench` because generating 200 MB and 10,000 commits takes about a
 * minute on its own.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { encodings, secretParts } from '../src/log/redactor.js';
import { openStore } from '../src/stores/registry.js';

const MB = Number(process.env.BENCH_SCAN_MB ?? 200);
const SECRETS = Number(process.env.BENCH_SCAN_SECRETS ?? 1000);
const PLANTED = Number(process.env.BENCH_SCAN_PLANTED ?? 50);
const COMMITS = Number(process.env.BENCH_SCAN_COMMITS ?? 10_000);
const FILES = 2000;
const CLI = path.resolve('dist/src/cli/main.js');
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** A small deterministic PRNG: the same tree every run. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    return s / 2 ** 32;
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function token(random: () => number, n: number): string {
  let out = '';
  for (let i = 0; i < n; i++) out += ALNUM[Math.floor(random() * ALNUM.length)];
  return out;
}

const WORDS = 'the of request user order price status error retry timeout config token session key value handler'.split(' ');

function textBlock(random: () => number, bytes: number): string {
  const lines: string[] = [];
  let size = 0;
  while (size < bytes) {
    const kind = random();
    let line: string;
    if (kind < 0.5) {
      const words = Array.from({ length: 6 + Math.floor(random() * 10) }, () => WORDS[Math.floor(random() * WORDS.length)]).join(' ');
      line = `2026-11-${String(1 + Math.floor(random() * 28)).padStart(2, '0')}T12:00:00Z INFO ${words} id=${token(random, 16)}`;
    } else if (kind < 0.8) {
      line = `  const ${WORDS[Math.floor(random() * WORDS.length)]}${Math.floor(random() * 1000)} = await fetch('/api/${token(random, 8)}', { retries: ${Math.floor(random() * 9)} });`;
    } else {
      line = `sha256=${randomHex(random, 64)} ${token(random, 40)}`;
    }
    lines.push(line);
    size += line.length + 1;
  }
  return `${lines.join('\n')}\n`;
}

function randomHex(random: () => number, n: number): string {
  let out = '';
  for (let i = 0; i < n; i++) out += '0123456789abcdef'[Math.floor(random() * 16)];
  return out;
}

function rotationYaml(): string {
  const keys = Array.from(
    { length: SECRETS },
    (_, i) =>
      `  - { id: tok-${i}, purpose: token ${i}, issuer: tokens, spec: { length: 48 }, path: app/tok-${i}, period: 90d, tier: normal, holders: [alice] }`,
  );
  return `version: 1
defaults: { store: local }
stores:
  local: { type: file, path: store.enc }
issuers:
  tokens: { type: random }
people:
  alice: { name: Alice }
keys:
${keys.join('\n')}
`;
}

function run(
  command: string,
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv },
): { ms: number; stdout: string; status: number | null } {
  const started = performance.now();
  const r = spawnSync(command, args, { cwd: options.cwd, env: options.env, encoding: 'utf8', maxBuffer: 1 << 30 });
  return { ms: performance.now() - started, stdout: r.stdout, status: r.status };
}

async function main(): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'keyturn-bench-scan-'));
  const env = { ...process.env, KEYTURN_MASTER_KEY: randomBytes(32).toString('hex'), LC_ALL: 'C' };
  const random = prng(13);
  try {
    // 1,000 managed secrets, straight into the store
    await writeFile(path.join(dir, 'rotation.yaml'), rotationYaml());
    const values = Array.from({ length: SECRETS }, () => token(random, 48));
    const store = await openStore({ name: 'local', type: 'file', options: { path: 'store.enc' } }, { baseDir: dir, env });
    for (let i = 0; i < SECRETS; i++) {
      const ref = { store: 'local', path: `app/tok-${i}`, key: `tok-${i}` };
      await store.stage(ref, `bench-${i}`, { keyId: `tok-${i}-v1`, material: { value: values[i]! } });
      await store.promote(ref, `bench-${i}`);
    }
    await store.close();

    // the tree, with PLANTED secrets (half as written, half base64) at known lines
    const tree = path.join(dir, 'tree');
    const perFile = Math.floor((MB * 1024 * 1024) / FILES);
    const plantedIn = new Map<number, string>();
    for (let p = 0; p < PLANTED; p++) plantedIn.set(Math.floor((p * FILES) / PLANTED) + 3, values[(p * 17) % SECRETS]!);
    let written = 0;
    for (let f = 0; f < FILES; f++) {
      const sub = path.join(tree, `pkg${f % 40}`, `mod${f % 7}`);
      await mkdir(sub, { recursive: true });
      let text = textBlock(random, perFile);
      const secret = plantedIn.get(f);
      if (secret) {
        const form = f % 2 ? Buffer.from(`user:${secret}`).toString('base64') : secret;
        const at = text.indexOf('\n', Math.floor(text.length / 2)) + 1;
        text = `${text.slice(0, at)}export TOKEN=${form}\n${text.slice(at)}`;
      }
      written += text.length;
      await writeFile(path.join(sub, `file${f}.${f % 3 ? 'log' : 'ts'}`), text);
    }
    // grep gets exactly the forms keyturn searches
    const patterns = new Set<string>();
    for (const value of values)
      for (const part of secretParts(value)) for (const [, form] of encodings(part)) if (form.length >= 12) patterns.add(form);
    const patternFile = path.join(dir, 'patterns.txt');
    await writeFile(patternFile, `${[...patterns].join('\n')}\n`);

    const scans = [];
    const greps = [];
    for (let i = 0; i < 3; i++) {
      scans.push(run(process.execPath, [CLI, 'scan', 'tree', '--json'], { cwd: dir, env }));
      greps.push(run('grep', ['-rFn', '-f', patternFile, 'tree'], { cwd: dir, env }));
    }
    const scanMs = median(scans.map((s) => s.ms));
    const grepMs = median(greps.map((g) => g.ms));
    const report = JSON.parse(scans[0]!.stdout) as { findings: Array<{ path: string; line: number }> };
    const keyturnLines = new Set(report.findings.map((f) => `${f.path}:${f.line}`));
    const grepLines = new Set(
      greps[0]!.stdout
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split(':').slice(0, 2).join(':')),
    );
    const sameLines = keyturnLines.size === grepLines.size && [...keyturnLines].every((l) => grepLines.has(l));

    // 10,000 commits, one secret added early and removed in the next commit
    const repo = path.join(dir, 'repo');
    await mkdir(repo);
    spawnSync('git', ['init', '-q', '-b', 'main'], { cwd: repo });
    const leakAt = Math.floor(COMMITS / 7);
    const leaked = values[999 % SECRETS]!;
    const stream: string[] = [];
    for (let c = 1; c <= COMMITS; c++) {
      const file = `src/part${c % 50}.ts`;
      let body = `// revision ${c}\nexport const n${c} = ${c};\n${textBlock(random, 600)}`;
      if (c === leakAt) body = `// revision ${c}\nconst apiToken = '${leaked}';\n${body}`;
      stream.push(
        `commit refs/heads/main\nmark :${c}\ncommitter Bench <b@b> ${1_700_000_000 + c} +0000\ndata ${`change ${c}`.length}\nchange ${c}\n` +
          (c > 1 ? '' : '') +
          `M 644 inline ${file}\ndata ${Buffer.byteLength(body)}\n${body}\n`,
      );
    }
    const imported = spawnSync('git', ['fast-import', '--quiet'], { cwd: repo, input: stream.join(''), maxBuffer: 1 << 30 });
    if (imported.status !== 0) throw new Error(`git fast-import failed: ${String(imported.stderr)}`);
    spawnSync('git', ['reset', '-q', '--hard', 'main'], { cwd: repo });
    const leakCommit = spawnSync('git', ['rev-list', '--reverse', 'main'], { cwd: repo, encoding: 'utf8' }).stdout.split('\n')[leakAt - 1];
    const history = run(process.execPath, [CLI, 'scan', 'repo', '--git', '--json'], { cwd: dir, env });
    const historyReport = JSON.parse(history.stdout) as {
      findings: Array<{ commit?: string; path: string; line: number }>;
      summary: { history: { commits: number; blobs: number; bytes: number } };
    };

    const result = {
      tree: {
        megabytes: +(written / 1024 / 1024).toFixed(1),
        files: FILES,
        secrets: SECRETS,
        planted: PLANTED,
        patternsForGrep: patterns.size,
      },
      keyturnScanMs: Math.round(scanMs),
      grepMs: Math.round(grepMs),
      ratio: +(scanMs / grepMs).toFixed(2),
      targetRatio: 1.5,
      keyturnMBps: +(written / 1024 / 1024 / (scanMs / 1000)).toFixed(0),
      grepMBps: +(written / 1024 / 1024 / (grepMs / 1000)).toFixed(0),
      keyturnFindings: report.findings.length,
      grepMatchingLines: grepLines.size,
      sameLines,
      git: {
        commits: historyReport.summary.history.commits,
        blobs: historyReport.summary.history.blobs,
        megabytes: +(historyReport.summary.history.bytes / 1024 / 1024).toFixed(1),
        ms: Math.round(history.ms),
        findings: historyReport.findings.length,
        foundInLeakCommit: historyReport.findings.some((f) => f.commit === leakCommit),
      },
    };
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    if (!sameLines || !result.git.foundInLeakCommit) process.exitCode = 1;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
