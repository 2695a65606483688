#!/usr/bin/env node
// Fingerprints what the writer produces, so a refactoring of the writer can prove it still writes
// the same bytes: for every fixture image in test/fixtures/cache (and the GRUB rescue images), a
// preserving repack, a compacting repack with one file added and one removed, and a build from
// the image's extracted tree — each output's SHA-256, with the clock fixed (Date is frozen at
// 2026-01-02T03:04:05Z in the isowb process, so "now" timestamps are the same in every run).
//
//   node scripts/writer-fingerprint.js [--isowb dist/isowb.js] [--out FILE.json] [--compare OLD.json]
//
// Compare two commits: run it with each commit's dist/isowb.js and pass the first JSON to
// --compare; it lists every output whose bytes differ and exits 1 if any does.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const crypto = require('crypto');
const { spawnSync } = require('child_process');

const args = process.argv.slice(2);
const opt = (name, dflt) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : dflt; };
const root = path.resolve(__dirname, '..');
const isowb = path.resolve(opt('--isowb', path.join(root, 'dist/isowb.js')));
const outFile = opt('--out');
const compare = opt('--compare');
const FIXED = Date.UTC(2026, 0, 2, 3, 4, 5);

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'isowb-fp-'));
const preload = path.join(work, 'fixed-date.js');
// A Date whose "now" is fixed; dates made from values (file times) are real Dates, and
// instanceof Date holds for both (the prototype is the original's).
fs.writeFileSync(preload, `const R = Date; const T = ${FIXED};
function D(...a) { if (!new.target) return new R(T).toString(); return a.length ? new R(...a) : new R(T); }
D.prototype = R.prototype; D.now = () => T; D.UTC = R.UTC; D.parse = R.parse;
globalThis.Date = D;
`);
const added = path.join(work, 'added.txt');
fs.writeFileSync(added, 'added by writer-fingerprint\n'.repeat(100));
fs.utimesSync(added, new Date(FIXED), new Date(FIXED));

function run(argv) {
  const r = spawnSync(process.execPath, ['-r', preload, isowb, ...argv], { encoding: 'utf8', maxBuffer: 64 << 20 });
  return { code: r.status, out: (r.stdout || '') + (r.stderr || '') };
}
function sha(file) {
  if (!fs.existsSync(file)) return null;
  const h = crypto.createHash('sha256');
  const fd = fs.openSync(file, 'r'); const buf = Buffer.alloc(1 << 20); let n;
  while ((n = fs.readSync(fd, buf, 0, buf.length, null)) > 0) h.update(buf.subarray(0, n));
  fs.closeSync(fd);
  return h.digest('hex');
}
/** Sets every mtime under dir to FIXED, so a build sees the same tree in every run. */
function freeze(dir) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) freeze(p);
    if (!e.isSymbolicLink()) try { fs.utimesSync(p, new Date(FIXED), new Date(FIXED)); } catch { /* fifo etc. */ }
  }
  fs.utimesSync(dir, new Date(FIXED), new Date(FIXED));
}

const cache = path.join(root, 'test/fixtures/cache');
const images = fs.readdirSync(cache).filter((f) => f.endsWith('.iso')).map((f) => path.join(cache, f))
  .concat(fs.existsSync(path.join(cache, 'real')) ? fs.readdirSync(path.join(cache, 'real')).filter((f) => f.endsWith('.iso')).map((f) => path.join(cache, 'real', f)) : [])
  .filter((f) => fs.statSync(f).size <= 64 << 20)
  // hostile-million (1,000,000 entries in one directory) takes minutes to extract and tests the
  // reader's budgets, not the writer.
  .filter((f) => !path.basename(f).startsWith('hostile-million'))
  .sort();
const result = {};
for (const img of images) {
  const name = path.relative(cache, img);
  const o = path.join(work, 'out.iso');
  const record = (what, argv) => {
    fs.rmSync(o, { force: true });
    const r = run(argv);
    result[`${name} ${what}`] = { code: r.code, sha256: sha(o) };
  };
  record('repack-preserve', ['repack', img, '-o', o, '--layout', 'preserve', '-q']);
  const ls = run(['ls', img, '-R']).out.split('\n').filter((l) => /^\/[^/]+$/.test(l.trim()));
  const rm = ls.find((l) => !/boot|efi|isolinux|grub/i.test(l));
  record('repack-compact-edit', ['repack', img, '-o', o, '--layout', 'compact', '--add', `${added}=/zz-added.txt`, ...(rm ? ['--rm', rm.trim()] : []), '-q']);
  const tree = path.join(work, 'tree');
  fs.rmSync(tree, { recursive: true, force: true });
  run(['extract', img, '-o', tree, '--quiet', '--no-rename-list']);
  if (fs.existsSync(tree)) { freeze(tree); record('build', ['build', tree, '-o', o, '--force', '-q']); }
  process.stderr.write('.');
}
process.stderr.write('\n');
fs.rmSync(work, { recursive: true, force: true });
const json = JSON.stringify(result, null, 1);
if (outFile) fs.writeFileSync(outFile, json + '\n');
let differ = 0;
if (compare) {
  const old = JSON.parse(fs.readFileSync(compare, 'utf8'));
  let missing = 0;
  for (const k of new Set([...Object.keys(old), ...Object.keys(result)])) {
    const a = old[k], b = result[k];
    if (!a || !b) { missing++; console.log(`ONLY IN ${a ? 'OLD' : 'NEW'} ${k}`); continue; }
    if (a.sha256 !== b.sha256 || a.code !== b.code) { differ++; console.log(`DIFFERS ${k}: ${JSON.stringify(a)} -> ${JSON.stringify(b)}`); }
  }
  console.log(`${Object.keys(result).length} outputs, ${differ} differ${missing ? `, ${missing} in one run only (not compared)` : ''}`);
} else if (!outFile) console.log(json);
process.exit(differ ? 1 : 0);
