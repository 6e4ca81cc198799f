/**
 * keyturn report end to end through the built binary: a run rotates, fails and rolls back,
 * offboards a person and revokes a leaked key; the report of that run is then rendered in
 * headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core) and read through
 * the page's DOM: the summary, the chart and the tables show the run's figures, and the page
 * made no request (a purpose carrying an <img> pointing at a local server the test watches
 * included). CSV and JSON carry the same rotations; no format holds a secret the run issued.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect } from 'chai';
import { chromium, type Browser } from 'playwright-core';
import type { HistoryEntry } from '../../src/model.js';
import { Workspace } from '../support/workspace.js';

const CHROMIUM = '/usr/bin/chromium';

describe('keyturn report', function () {
  this.timeout(60_000);
  let ws: Workspace;
  let server: Server;
  let hits: string[];
  let history: HistoryEntry[];
  let purpose: string;
  const secrets = new Set<string>();

  before(async function () {
    hits = [];
    server = createServer((req, res) => {
      hits.push(req.url ?? '');
      res.end('x');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    ws = await Workspace.create({ keys: 3 });
    // a hostile purpose: markup that would fetch from the watched server, and a spreadsheet formula
    purpose = `=HYPERLINK("http://127.0.0.1:${port}/csv") <img src="http://127.0.0.1:${port}/img.png"> & <b>bold</b>`;
    const file = path.join(ws.dir, 'rotation.yaml');
    await writeFile(file, (await readFile(file, 'utf8')).replace('purpose: test key 3', `purpose: '${purpose}'`));

    const steps: Array<[string[], number]> = [
      [['rotate', '--all', '--yes'], 0],
      [['rotate', 'key-3', '--yes'], 1], // verify fails once: rolled back, key-3 failing
      [['offboard', 'alice', '--yes'], 0], // alice reads key-1 through team:ops
      [['revoke', 'key-2', '--reason', 'pasted in #general', '--yes'], 0],
    ];
    for (const [args, code] of steps) {
      if (args[1] === 'key-3') await ws.failProviderOnce('verify');
      const r = await ws.run(args);
      expect(r.exitCode, `${args.join(' ')}: ${r.stderr}`).to.equal(code);
    }
    for (const s of ws.issuedSecrets()) secrets.add(s);
    const store = await ws.store();
    for (const id of ws.keyIds)
      for (const v of [await store.current(ws.ref(id)), await store.previous(ws.ref(id))])
        for (const value of Object.values(v?.material ?? {})) secrets.add(value);
    await store.close();
    const h = await ws.run(['history', '--json']);
    history = JSON.parse(h.stdout).history;
  });

  after(async () => {
    server?.close();
    await ws?.cleanup();
  });

  function expectNoSecret(text: string, what: string): void {
    expect(secrets.size, 'the run issued secrets').to.be.greaterThan(5);
    for (const secret of secrets) {
      for (let i = 0; i + 12 <= secret.length; i += 4)
        expect(text, `${what} holds a piece of a secret`).to.not.include(secret.slice(i, i + 12));
    }
  }

  it('HTML: one self-contained file, 0600, that Chromium renders with the run’s figures and no request', async () => {
    const started = Date.now();
    const r = await ws.run(['report', '--out', 'evidence.html']);
    expect(r.exitCode, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/Report written to evidence\.html \(html, \d+ bytes, \d+ ms\): 3 key\(s\), 2 on time, 0 overdue, 1 failing/);
    const file = path.join(ws.dir, 'evidence.html');
    expect(statSync(file).mode & 0o777).to.equal(0o600);
    const html = readFileSync(file, 'utf8');
    expectNoSecret(html, 'the HTML report');
    // nothing the page could load: no script, no external reference of any kind
    // (the hostile purpose is there, as escaped text)
    expect(html).to.not.match(
      /<(script|link|img|iframe|object|embed|image|use|foreignObject)\b|@import|url\((?!#)|<[^>]*\s(src|srcset)=|\shref="(?!#)/i,
    );
    expect(html).to.include('&lt;img src=&quot;http://127.0.0.1:');
    expect(html).to.include('Content-Security-Policy');

    expect(existsSync(CHROMIUM), `${CHROMIUM} (apt-get install chromium; .ci/run does)`).to.equal(true);
    const browser: Browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: process.getuid?.() === 0 ? ['--no-sandbox'] : [],
    });
    try {
      const page = await browser.newPage();
      const requests: string[] = [];
      page.on('request', (req) => requests.push(req.url()));
      const url = pathToFileURL(file).href;
      await page.goto(url, { waitUntil: 'load' });
      await page.waitForTimeout(300);
      expect(requests, 'the page asked for nothing but itself').to.deep.equal([url]);
      expect(hits, 'the watched server saw no request').to.deep.equal([]);
      const dom = await page.evaluate(() => {
        const text = (sel: string) => document.querySelector(sel)?.textContent?.trim() ?? '';
        const figure = (id: string) => text(`[data-figure="${id}"] .n`);
        const rows = (sel: string) =>
          [...document.querySelectorAll(`${sel} tbody tr`)].map((tr) => ({
            data: { ...(tr as HTMLElement).dataset } as Record<string, string>,
            cells: [...tr.querySelectorAll('td')].map((td) => td.textContent ?? ''),
          }));
        const series = [...document.querySelectorAll('#age-chart g.series')].map((g) => ({
          data: { ...(g as SVGGElement).dataset } as Record<string, string>,
          lines: g.querySelectorAll('polyline.age:not(.over)').length,
          period: g.querySelectorAll('line.period').length,
        }));
        const svg = document.querySelector('#age-chart') as SVGSVGElement | null;
        return {
          figures: Object.fromEntries(
            ['keys', 'on-time', 'overdue', 'failing', 'rotations', 'offboardings', 'revokes'].map((f) => [f, figure(f)]),
          ),
          keys: rows('#keys-table'),
          rotations: rows('#rotations-table'),
          offboardings: rows('#offboardings-table'),
          revokes: rows('#revokes-table'),
          requirements: [...document.querySelectorAll('#requirements-table tbody tr')].map((tr) => (tr as HTMLElement).dataset.requirement),
          series,
          chartBox: svg ? { w: svg.getBoundingClientRect().width, h: svg.getBoundingClientRect().height } : undefined,
          images: document.images.length,
          bold: document.querySelectorAll('b').length,
        };
      });
      const rotations = history.filter((e) => e.trigger !== 'retire');
      expect(dom.figures).to.deep.equal({
        keys: '3',
        'on-time': '2',
        overdue: '0',
        failing: '1',
        rotations: String(rotations.length),
        offboardings: '1',
        revokes: '1',
      });
      expect(rotations.length).to.equal(6);

      // the keys table: one row per key, standing and rotation counts from history; the hostile purpose is text
      expect(dom.keys.map((k) => [k.data.key, k.data.standing])).to.deep.equal([
        ['key-1', 'on-time'],
        ['key-2', 'on-time'],
        ['key-3', 'failing'],
      ]);
      for (const k of dom.keys) {
        const count = rotations.filter((e) => e.key === k.data.key).length;
        expect(k.cells[6], `${k.data.key} rotations`).to.equal(String(count));
      }
      expect(dom.keys[2]!.cells[1]).to.equal(purpose);
      expect(dom.keys[2]!.cells[9]).to.match(/failing: last rotation rolled-back/);
      expect(dom.images).to.equal(0);
      expect(dom.bold).to.equal(0);

      // the rotations table is the history, every row with its ids and outcome
      expect(dom.rotations.map((r) => r.data.rotation).sort()).to.deep.equal(history.map((e) => e.rotationId).sort());
      for (const e of history) {
        const row = dom.rotations.find((r) => r.data.rotation === e.rotationId)!;
        expect(row.data.outcome).to.equal(e.outcome);
        expect(row.data.trigger).to.equal(e.trigger);
        expect(row.cells[4]).to.equal(e.oldKeyId ?? '');
        expect(row.cells[5]).to.equal(e.newKeyId ?? '');
        expect(row.cells[3]).to.equal('test-operator');
      }

      // the offboarding: alice, key-1, rotated, with the time until the last key
      const off = history.find((e) => e.trigger === 'offboard')!;
      expect(dom.offboardings).to.have.length(1);
      expect(dom.offboardings[0]!.data).to.include({ person: 'alice', key: 'key-1', started: off.startedAt });
      expect(dom.offboardings[0]!.cells.join('|')).to.match(/^alice \(Alice\)\|.*\|key-1\|.* UTC\|\S+\|completed\|\S+$/);

      // the revoke with its reason
      const revoke = history.find((e) => e.trigger === 'revoke')!;
      expect(dom.revokes).to.have.length(1);
      expect(dom.revokes[0]!.data).to.include({ key: 'key-2', rotation: revoke.rotationId });
      expect(dom.revokes[0]!.cells[4]).to.equal('pasted in #general');
      expect(dom.revokes[0]!.cells[5]).to.equal(revoke.oldKeyId);

      // the chart: a row per key, a drop per completed rotation, the period line, drawn at a real size
      expect(dom.series.map((s) => s.data.key)).to.deep.equal(['key-1', 'key-2', 'key-3']);
      for (const s of dom.series) {
        const completed = rotations.filter((e) => e.key === s.data.key && e.outcome === 'completed').length;
        expect(Number(s.data.resets), `${s.data.key} drops`).to.equal(completed);
        expect(s.lines, `${s.data.key} has its age line`).to.equal(1);
        expect(s.period).to.equal(1);
        expect(s.data.periodMs).to.equal(String(30 * 86_400_000));
        expect(s.data.exceeded).to.equal('false');
      }
      expect(dom.chartBox!.w).to.be.greaterThan(300);
      expect(dom.chartBox!.h).to.be.greaterThan(100);

      expect(dom.requirements).to.deep.equal([
        'PCI DSS v4.0.1 3.7.4',
        'PCI DSS v4.0.1 3.7.5',
        'PCI DSS v4.0.1 8.2.5',
        'PCI DSS v4.0.1 8.6.3',
        'ISO/IEC 27001:2022 A.8.24',
        'SOC 2 CC6 (CC6.1–CC6.3)',
      ]);
      await page.screenshot({ path: path.join(ws.dir, 'report.png'), fullPage: true });
      expect(statSync(path.join(ws.dir, 'report.png')).size).to.be.greaterThan(10_000);
      expect(requests).to.have.length(1);
    } finally {
      await browser.close();
    }
    console.log(`      (report + browser check: ${((Date.now() - started) / 1000).toFixed(1)} s)`);
  });

  it('CSV: one row per history entry, quoted, formulas defused, no secret', async () => {
    const r = await ws.run(['report', '--format', 'csv']);
    expect(r.exitCode, r.stderr).to.equal(0);
    expectNoSecret(r.stdout, 'the CSV report');
    const lines = r.stdout.split('\r\n').filter(Boolean);
    expect(lines[0]).to.equal(
      'rotation_id,key,purpose,holders,issuer,store,period_ms,trigger,actor,started_at,finished_at,duration_ms,old_key_id,new_key_id,outcome,reason,error',
    );
    expect(lines).to.have.length(history.length + 1);
    for (const e of history) expect(r.stdout).to.include(`${e.rotationId},${e.key},`);
    const key3 = lines.find((l) => l.includes(',key-3,'))!;
    expect(key3).to.include(`"'=HYPERLINK(""http://127.0.0.1:`);
    expect(lines.find((l) => l.includes(',revoke,'))).to.include(',pasted in #general,');
    // the same through --out, with the format taken from the extension
    const out = await ws.run(['report', '--out', 'rotations.csv']);
    expect(out.exitCode, out.stderr).to.equal(0);
    // (execa strips the final line break of stdout)
    expect(readFileSync(path.join(ws.dir, 'rotations.csv'), 'utf8')).to.equal(`${r.stdout}\r\n`);
  });

  it('JSON: the same figures for machines, no secret', async () => {
    const r = await ws.run(['report', '--json']);
    expect(r.exitCode, r.stderr).to.equal(0);
    expectNoSecret(r.stdout, 'the JSON report');
    const report = JSON.parse(r.stdout);
    expect(report.format).to.equal('keyturn-report/1');
    expect(report.summary).to.include({ keys: 3, onTime: 2, overdue: 0, failing: 1, rotations: 6, offboardings: 1, revokes: 1 });
    expect(report.history).to.have.length(history.length);
    expect(report.revokes[0]).to.include({ key: 'key-2', reason: 'pasted in #general' });
    expect(report.offboardings[0].person).to.equal('alice');
    expect(report.offboardings[0].keys.map((k: any) => k.key)).to.deep.equal(['key-1']);
    expect(report.offboardings[0].complete).to.equal(true);
    expect(report.keys.map((k: any) => k.key)).to.deep.equal(['key-1', 'key-2', 'key-3']);
    expect(report.keys[2].purpose).to.equal(purpose);
  });

  it('--since/--until narrow the range; a range before the run holds no rotation', async () => {
    const before = await ws.run(['report', '--json', '--since', '2020-01-01', '--until', '2020-12-31']);
    expect(before.exitCode, before.stderr).to.equal(0);
    const report = JSON.parse(before.stdout);
    expect(report.range).to.deep.equal({ since: '2020-01-01T00:00:00.000Z', until: '2020-12-31T23:59:59.999Z' });
    expect(report.summary).to.include({ rotations: 0, offboardings: 0, revokes: 0 });
    // as of the end of 2020 no key had been rotated: all overdue (never rotated)
    expect(report.summary).to.include({ onTime: 0, overdue: 3, failing: 0 });
    const day = new Date().toISOString().slice(0, 10);
    const today = JSON.parse((await ws.run(['report', '--json', '--since', `${day}T00:00:00Z`])).stdout);
    expect(today.summary.rotations).to.equal(6);
  });

  it('bad dates, an impossible range, an unknown format or an unwritable --out: exit 2, one clear line, nothing written', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['--since', '2026-02-30'], /--since must be a date \(2026-11-01\) or a time with its zone .*"2026-02-30"/],
      [['--until', 'yesterday'], /--until must be a date/],
      [['--since', '2026-11-01T09:30'], /--since must be a date .*"2026-11-01T09:30"/],
      [['--since', '2026-06-01', '--until', '2026-05-01'], /--since \(2026-06-01T00:00:00.000Z\) is after --until/],
      [['--format', 'xml'], /format/],
      [['--out', 'no/such/folder/r.html'], /cannot write the report to .*no\/such\/folder\/r\.html: ENOENT/],
    ];
    for (const [args, message] of cases) {
      const r = await ws.run(['report', ...args]);
      expect(r.exitCode, args.join(' ')).to.equal(2);
      expect(r.stderr, args.join(' ')).to.match(message);
      expect(r.stderr).to.not.match(/\n\s+at /);
      expect(r.stdout).to.equal('');
    }
    expect(existsSync(path.join(ws.dir, 'no'))).to.equal(false);
  });
});
