/** Which consumers of the keys of a run are one service, restarted once (src/engine/consumer-groups.ts). */
import { expect } from 'chai';
import type { ConsumerConfig, KeyConfig } from '../../src/config/types.js';
import { describeGroup, groupConsumers, groupsForRun } from '../../src/engine/consumer-groups.js';

const key = (id: string, ...consumers: ConsumerConfig[]) => ({ id, consumers }) as unknown as KeyConfig;
const consumer = (name: string, more: Partial<ConsumerConfig> = {}): ConsumerConfig => ({
  name,
  restart: { kind: 'systemd', unit: `${name}.service` },
  timeoutMs: 30_000,
  env: {},
  ...more,
});

describe('engine: consumer groups', () => {
  it('groups by name across keys, in the order of rotation.yaml', () => {
    const { groups, refused } = groupConsumers([
      key('a', consumer('api', { env: { A: 'secret' } })),
      key('b', consumer('worker')),
      key('c', consumer('api', { env: { C: 'secret' } })),
    ]);
    expect(refused).to.deep.equal([]);
    expect(groups.map((g) => [g.name, g.members.map((m) => `${m.key}#${m.index}`)])).to.deep.equal([['api', ['a#0', 'c#0']]]);
  });

  it('groups by restart target: the same unit, container, pm2 process, deployment or command under other names', () => {
    const kube = (namespace: string) => ({ kind: 'kubernetes' as const, deployment: 'api', namespace });
    const { groups } = groupConsumers([
      key('a', consumer('api', { restart: { kind: 'docker', container: 'api' } }), consumer('k1', { restart: kube('prod') })),
      key('b', consumer('api-container', { restart: { kind: 'docker', container: 'api' } }), consumer('k2', { restart: kube('prod') })),
      key('c', consumer('k3', { restart: kube('staging') }), consumer('cmd1', { restart: { kind: 'command', command: ['x', 'y'] } })),
      key('d', consumer('cmd2', { restart: { kind: 'command', command: ['x', 'y'], cwd: 'elsewhere' } })),
    ]);
    expect(groups.map((g) => [g.name, g.members.map((m) => m.key)])).to.deep.equal([
      ['api/api-container', ['a', 'b']],
      ['k1/k2', ['a', 'b']],
    ]);
  });

  it('joins entries through a chain: same name as one, same target as another', () => {
    const { groups } = groupConsumers([
      key('a', consumer('api')),
      key('b', consumer('api', { restart: { kind: 'systemd', unit: 'api.service' } })),
      key('c', consumer('api-v2', { restart: { kind: 'systemd', unit: 'api.service' } })),
    ]);
    expect(groups.map((g) => g.members.map((m) => m.key))).to.deep.equal([['a', 'b', 'c']]);
  });

  it('refuses, with the reason, entries one restart cannot stand for', () => {
    const { groups, refused } = groupConsumers([
      key('a', consumer('api', { env: { SECRET: 'secret' } }), consumer('slow'), consumer('twice')),
      key('b', consumer('api', { env: { SECRET: 'secret' } }), consumer('slow', { timeoutMs: 60_000 }), consumer('twice')),
      key('c', consumer('twice'), consumer('twice', { restart: { kind: 'systemd', unit: 'twice.service' } })),
    ]);
    expect(groups).to.deep.equal([]);
    expect(refused.map((r) => [r.name, r.keys, r.reason])).to.deep.equal([
      ['api', ['a', 'b'], 'keys a and b both map SECRET'],
      ['slow', ['a', 'b'], 'keys a and b declare it differently (restart, health check and timeout must match)'],
      ['twice', ['a', 'b', 'c'], 'key c declares it more than once'],
    ]);
  });

  it('counts a key named twice once', () => {
    const a = key('a', consumer('api', { env: { A: 'secret' } }));
    const { groups, refused } = groupConsumers([a, a, key('b', consumer('api', { env: { B: 'secret' } }))]);
    expect(refused).to.deep.equal([]);
    expect(groups.map((g) => g.members.map((m) => m.key))).to.deep.equal([['a', 'b']]);
  });

  it('for a run: keys of rotation.yaml not rotated join their group as bystanders; groups without a rotated key are left out', () => {
    const all = [
      key('a', consumer('api', { env: { A: 'secret' } })),
      key('b', consumer('api', { env: { B: 'secret' } })),
      key('c', consumer('web', { env: { C: 'secret' } })),
      key('d', consumer('web', { env: { D: 'secret' } })),
      key('e', consumer('db', { env: { X: 'secret' } })),
      key('f', consumer('db', { env: { X: 'secret' } })),
    ];
    const { groups, refused } = groupsForRun(all, [all[0]!]);
    expect(groups.map((g) => [g.name, g.members.map((m) => m.key), g.bystanders])).to.deep.equal([['api', ['a', 'b'], ['b']]]);
    expect(describeGroup(groups[0]!)).to.equal('restart api for key a with the current key of b, health-checked once');
    expect(refused).to.deep.equal([]);
    const both = groupsForRun(all, [all[0]!, all[1]!, all[4]!]);
    expect(describeGroup(both.groups[0]!)).to.equal('restart api once for keys a, b, health-checked once');
    expect(both.refused.map((r) => r.reason)).to.deep.equal(['keys e and f both map X']);
  });

  it('has nothing to group when no two keys share a consumer', () => {
    expect(groupConsumers([key('a', consumer('api'), consumer('api')), key('b', consumer('web'))])).to.deep.equal({
      groups: [],
      refused: [],
    });
  });
});
