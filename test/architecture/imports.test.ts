/**
 * The layers point one way (docs/architecture.md, "Where the code lives"): read from the
 * sources themselves, so a new import that points up, or a cycle, fails here instead of in
 * a reviewer's head.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';

const SRC = path.resolve('src');

interface Module {
  /** relative imports, as paths under src/ ending in .ts */
  local: string[];
  /** package imports (bare specifiers) */
  packages: string[];
}

function readGraph(): Map<string, Module> {
  const graph = new Map<string, Module>();
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(file);
      else if (entry.name.endsWith('.ts')) graph.set(path.relative(SRC, file), parse(file));
    }
  };
  walk(SRC);
  return graph;
}

function parse(file: string): Module {
  const text = readFileSync(file, 'utf8');
  const local: string[] = [];
  const packages: string[] = [];
  for (const [, spec] of text.matchAll(/(?:from|import\()\s*'([^']+)'/g)) {
    if (spec!.startsWith('.')) local.push(path.relative(SRC, path.resolve(path.dirname(file), spec!)).replace(/\.js$/, '.ts'));
    else if (!spec!.startsWith('node:')) packages.push(spec!);
  }
  return { local, packages };
}

const graph = readGraph();
const layerOf = (module: string): string => module.split('/')[0]!.replace(/\.ts$/, '');

/** Every module `from` reaches through relative imports, itself included. */
function closure(from: string): Set<string> {
  const seen = new Set<string>();
  const visit = (module: string): void => {
    if (seen.has(module) || !graph.has(module)) return;
    seen.add(module);
    for (const next of graph.get(module)!.local) visit(next);
  };
  visit(from);
  return seen;
}

/** Imports from modules in `layer` into any of `forbidden` layers, as "from → to". */
function upward(layer: string, forbidden: string[]): string[] {
  const found: string[] = [];
  for (const [module, { local }] of graph)
    if (layerOf(module) === layer) for (const target of local) if (forbidden.includes(layerOf(target))) found.push(`${module} → ${target}`);
  return found;
}

describe('architecture: imports point one way', () => {
  it('reads the sources it judges', () => {
    expect(graph.size).to.be.greaterThan(100);
    expect(graph.get('config/load.ts')!.local).to.include('config/normalize.ts');
  });

  it('no module imports itself back through others (no cycles)', () => {
    const cycles: string[] = [];
    for (const module of graph.keys())
      for (const target of graph.get(module)!.local)
        if (target !== module && closure(target).has(module)) cycles.push(`${module} ⇄ ${target}`);
    expect(cycles).to.deep.equal([]);
  });

  it('adapters (stores, issuers) reach no engine, plan, command line, audit or notification code', () => {
    for (const layer of ['stores', 'issuers', 'adapters'])
      expect(upward(layer, ['engine', 'plan', 'cli', 'audit', 'notify']), layer).to.deep.equal([]);
  });

  it('config and the shared model know nothing of policy, engine, plan or command line', () => {
    for (const layer of ['config', 'model', 'failpoints', 'errors', 'env-names'])
      expect(upward(layer, ['policy', 'engine', 'plan', 'cli', 'audit', 'notify']), layer).to.deep.equal([]);
  });

  it('the engine does not reach the plan or the command line; the plan and policy do not reach the command line', () => {
    expect(upward('engine', ['plan', 'cli', 'audit'])).to.deep.equal([]);
    expect(upward('plan', ['cli'])).to.deep.equal([]);
    expect(upward('policy', ['engine', 'plan', 'cli', 'audit'])).to.deep.equal([]);
  });

  it('loading rotation.yaml loads no SDK, database driver or process runner (validate stays fast)', () => {
    const heavy = [...closure('config/load.ts')].flatMap((module) =>
      graph
        .get(module)!
        .packages.filter((p) => /^(@aws-sdk\/|node-vault$|pg$|execa$|binance$)/.test(p))
        .map((p) => `${module}: ${p}`),
    );
    expect(heavy).to.deep.equal([]);
  });
});
