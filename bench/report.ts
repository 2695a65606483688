// Helpers the benchmark sections share: the file system of a folder, number and ratio formatting,
// and putting a generated section into docs/benchmarks.md between its markers.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';

export function fsTypeOf(dir: string): string {
  const r = spawnSync('findmnt', ['-n', '-o', 'FSTYPE', '-T', dir], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim().split('\n')[0] : '?'; // /dev/shm can be mounted twice
}

export function ratio(a: number | undefined, b: number | undefined): string {
  return a !== undefined && b !== undefined && b > 0 ? `${(a / b).toFixed(2)}×` : '—';
}

export function fmt(x: number | undefined): string {
  return x === undefined ? '—' : x.toFixed(x < 1 ? 3 : 2);
}

/**
 * Puts `body` into `docs` between the markers `start` and `end` (replacing what was there); when
 * the file has no such section yet, `heading` + the section go before "## Sector editor", or at
 * the end.
 */
export function putDocSection(docs: string, start: string, end: string, body: string, heading: string, what: string): void {
  const section = [start, body, end].join('\n');
  const old = fs.existsSync(docs) ? fs.readFileSync(docs, 'utf8') : '# Benchmarks\n';
  const i = old.indexOf(start.replace(/ \(.*$/, ''));
  let text: string;
  if (i >= 0) text = old.slice(0, i) + section + old.slice(old.indexOf(end) + end.length);
  else {
    const added = `${heading}${section}\n\n`;
    const j = old.indexOf('## Sector editor');
    text = j >= 0 ? old.slice(0, j) + added + old.slice(j) : `${old.trimEnd()}\n\n${added}`;
  }
  fs.writeFileSync(docs, text);
  process.stderr.write(`wrote ${path.relative(process.cwd(), docs)} (${what} section)\n`);
}

/** A Markdown table; the columns between the first and the last are numbers (right-aligned). */
export function mdTable(head: string[], rows: string[][]): string[] {
  return [`| ${head.join(' | ')} |`, `|${head.map((_, i) => (i >= 1 && i < head.length - 1 ? '---:' : '---')).join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`)];
}

/** `- machine: …` for a results section. */
export function machineLine(): string {
  return `- machine: ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'}), ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM, Linux ${os.release()}`;
}

/** What closes a results section before its commands: the targets table and the skipped notes. */
export function mdTargets(targets: Array<[string, string]>, skipped: string[]): string[] {
  return [
    ...(targets.length ? ['| ISO Workbench target | result |', '|---|---|', ...targets.map(([k, v]) => `| ${k} | ${v} |`), ''] : []),
    ...skipped.map((s) => `Skipped: ${s}\n`),
  ];
}
