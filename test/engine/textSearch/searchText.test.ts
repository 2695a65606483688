// Text search (src/engine/textSearch/searchText.ts) on an image built here with xorriso from a folder this test
// writes. The image is made with (the command is `buildImage` below):
//
//   xorriso -outdev search.iso -joliet on -zisofs level=9 -map TREE / \
//           -find /z -type f -exec set_filter --zisofs --
//
// The tree: matches across the 64 KiB read-chunk boundaries (including a multi-byte UTF-8
// character and a CRLF split across one), CRLF lines, UTF-16 LE and BE files with a BOM, a binary
// file holding the pattern after a NUL, a file with a NUL after the 8 KiB sniff window, a file
// bigger than the size limit, whole-word cases, a file 11 folders deep, a symlink to a matching
// file (not followed) and a zisofs-compressed file. Every expected position comes from the
// builder that wrote the file, not from the engine.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CancelledError, InvalidArgumentError } from '../../../src/engine/errors';
import { DiscImage } from '../../../src/engine/image';
import { listFiles, searchText, type SearchOptions, type SearchQuery, type SearchResult } from '../../../src/engine/textSearch/searchText';

const B = 64 * 1024;

/** Writes a text file line by line and records where the needles land (line, UTF-16 column). */
class TextBuilder {
  private parts: Buffer[] = [];
  len = 0;
  lines = 0;
  readonly hits: Array<{ line: number; column: number }> = [];
  private add(s: string): void {
    const b = Buffer.from(s, 'utf8');
    this.parts.push(b);
    this.len += b.length;
    this.lines += (s.match(/\n/g) ?? []).length;
  }
  /** Filler lines (no needle) until the file is exactly `n` bytes long. */
  fillTo(n: number): this {
    let i = 0;
    while (this.len < n) {
      const left = n - this.len;
      const s = left > 60 ? `filler ${String(i++).padStart(6, '0')} the quick brown fox\n` : left === 1 ? '\n' : `${'.'.repeat(left - 1)}\n`;
      this.add(s);
    }
    assert.equal(this.len, n);
    return this;
  }
  /** Appends `before + needle + after + eol`, recording the needle's position. */
  hit(before: string, needle: string, after = '', eol = '\n'): this {
    this.hits.push({ line: this.lines, column: before.length });
    this.add(before + needle + after + eol);
    return this;
  }
  raw(s: string): this { this.add(s); return this; }
  bytes(): Buffer { return Buffer.concat(this.parts); }
}

interface Tree { dir: string; expected: Map<string, Array<{ line: number; column: number }>>; }

function writeTree(dir: string): Tree {
  const expected = new Map<string, Array<{ line: number; column: number }>>();
  const put = (rel: string, data: Buffer | string, hits: Array<{ line: number; column: number }> = []) => {
    const f = path.join(dir, rel);
    fs.mkdirSync(path.dirname(f), { recursive: true });
    fs.writeFileSync(f, data);
    if (hits.length) expected.set('/' + rel, hits);
  };

  // Needles across the chunk boundaries of a UTF-8 file.
  const bd = new TextBuilder();
  bd.fillTo(B - 3 - 10).hit('0123456789', 'NEEDLE', ' one'); // starts 3 bytes before 64 KiB
  bd.fillTo(2 * B - 6 - 5).hit('abcde', 'NEEDLE'); // ends exactly at 128 KiB, "\n" is the next chunk's first byte
  bd.fillTo(3 * B - 20).hit('y'.repeat(13), 'NEEDLE', '', '\r\n'); // "\r" last byte of a chunk, "\n" first of the next
  // "☃" (3 bytes, 1 code unit) and "🙂" (4 bytes, 2 code units) before "café", whose "é" (C3 A9) straddles 256 KiB
  bd.fillTo(4 * B - 1 - 17);
  bd.hit('☃🙂', 'NEEDLE-café', '');
  bd.fillTo(5 * B).hit('last ', 'NEEDLE', '', ''); // final line without a newline
  const boundary = bd.bytes();
  assert.equal(boundary.subarray(B - 3, B + 3).toString(), 'NEEDLE');
  assert.equal(boundary[2 * B - 1], 'E'.charCodeAt(0));
  assert.equal(boundary[2 * B], 10);
  assert.deepEqual([boundary[3 * B - 1], boundary[3 * B]], [13, 10]);
  assert.deepEqual([boundary[4 * B - 1], boundary[4 * B]], [0xc3, 0xa9]);
  put('boundary.txt', boundary, bd.hits);

  put('crlf.txt', 'first line\r\nsecond NEEDLE line\r\n\r\nNEEDLE at start\r\nend', [{ line: 1, column: 7 }, { line: 3, column: 0 }]);
  put('utf16le.txt', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('héllo\r\nα NEEDLE β\r\n', 'utf16le')]), [{ line: 1, column: 2 }]);
  put('utf16be.txt', Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from('one\nNEEDLE two\n', 'utf16le').swap16()]), [{ line: 1, column: 0 }]);
  put('binary.bin', Buffer.concat([Buffer.from('ELF\0\0\0 NEEDLE\n'), Buffer.alloc(100, 1)]));
  // A NUL after the 8 KiB sniff window: the search stops at its line.
  const ln = new TextBuilder();
  ln.hit('', 'NEEDLE', ' before the nul').fillTo(9000).raw('bad\0line NEEDLE\nNEEDLE after\n');
  put('latenul.txt', ln.bytes(), ln.hits);
  // 200,000 bytes: skipped with maxFileSize 199,999, searched with 200,000 and by default.
  const big = new TextBuilder();
  big.fillTo(150_000).hit('big ', 'NEEDLE').fillTo(200_000);
  put('big.txt', big.bytes(), big.hits);
  put('words.txt', 'foo foobar barfoo foo_bar foo. (foo) éfoo foo9 foo\n');
  put('case.txt', 'Needle NEEDLE needle\n', [{ line: 0, column: 7 }]);
  put('a/b/c/d/e/f/g/h/i/j/k/deep.txt', 'deep\n  NEEDLE deep down\n', [{ line: 1, column: 2 }]);
  put('target.txt', 'NEEDLE in the target\n', [{ line: 0, column: 0 }]);
  fs.symlinkSync('target.txt', path.join(dir, 'link.txt'));
  put('empty.txt', '');
  // One 70,000-character line: literal search finds the needle, regex search examines 64 Ki only.
  put('long.txt', 'a'.repeat(68_000) + 'NEEDLE' + 'b'.repeat(1994) + '\nshort NEEDLE\n', [{ line: 0, column: 68_000 }, { line: 1, column: 6 }]);
  // zisofs: compressible text with a needle across the 128 KiB boundary.
  const z = new TextBuilder();
  z.fillTo(2 * B - 2 - 4).hit('zzzz', 'NEEDLE').fillTo(300_000);
  put('z/compressed.txt', z.bytes(), z.hits);
  return { dir, expected };
}

function buildImage(tree: string, out: string): void {
  execFileSync('xorriso', ['-outdev', out, '-joliet', 'on', '-zisofs', 'level=9', '-map', tree, '/', '-find', '/z', '-type', 'f', '-exec', 'set_filter', '--zisofs', '--'], { stdio: 'pipe' });
}

const keys = (r: SearchResult) => r.matches.map(m => `${m.path}:${m.line}:${m.column}:${m.length}`).sort();
const expectedKeys = (exp: Map<string, Array<{ line: number; column: number }>>, len: number, skip: string[] = []) =>
  [...exp].filter(([p]) => !skip.includes(p)).flatMap(([p, hs]) => hs.map(h => `${p}:${h.line}:${h.column}:${len}`)).sort();

describe('text search in an image (searchText, listFiles)', function () {
  this.timeout(120_000);
  let tmp = '';
  let tree: Tree;
  let img: DiscImage;
  const lit = (pattern: string, extra: Partial<SearchQuery> = {}): SearchQuery => ({ pattern, isCaseSensitive: true, ...extra });
  const search = (q: SearchQuery, o: SearchOptions = {}) => searchText(img, q, o);

  before(function () {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'isowb-search-'));
    const dir = path.join(tmp, 'tree');
    fs.mkdirSync(dir);
    tree = writeTree(dir);
    buildImage(dir, path.join(tmp, 'search.iso'));
  });
  beforeEach(async function () { img = await DiscImage.openFile(path.join(tmp, 'search.iso')); });
  afterEach(async function () { await img.close(); });
  after(function () { fs.rmSync(tmp, { recursive: true, force: true }); });

  it('the fixture has what the tests rely on (zisofs file, symlink, deep folder)', async function () {
    assert.equal(img.namespace, 'rr');
    const z = await img.lookup('/z/compressed.txt');
    assert.ok(z.zisofs, 'z/compressed.txt is zisofs-compressed');
    assert.equal(z.size, 300_000);
    assert.equal((await img.lookup('/link.txt')).type, 'symlink');
    assert.equal((await img.lookup('/a/b/c/d/e/f/g/h/i/j/k/deep.txt')).type, 'file');
  });

  it('finds every match at its exact line and column (chunk boundaries, CRLF, UTF-16, zisofs, deep, NUL)', async function () {
    const r = await search(lit('NEEDLE'));
    assert.deepEqual(keys(r), expectedKeys(tree.expected, 6));
    assert.equal(r.truncated, false);
    assert.equal(r.filesSkippedBinary, 1, 'binary.bin');
    assert.equal(r.filesSkippedLarge, 0);
    // every regular file except binary.bin: boundary crlf utf16le utf16be latenul big words case deep target empty long compressed
    assert.equal(r.filesSearched, 13);
    assert.ok(!r.matches.some(m => m.path === '/link.txt'), 'symlink not followed');
    assert.equal(r.matches.filter(m => m.path === '/target.txt').length, 1);
    for (const m of r.matches) {
      assert.ok(m.preview.length <= 250, `${m.path}:${m.line} preview ≤ 250`);
      assert.equal(m.preview.slice(m.column - m.previewStart, m.column - m.previewStart + m.length), 'NEEDLE', `${m.path}:${m.line} preview holds the match`);
      assert.ok(!/[\r\n]/.test(m.preview));
    }
  });

  it('finds the same matches whatever the chunk size (1, 2, 3, 7, 4095 bytes, 64 KiB + 1)', async function () {
    const want = keys(await search(lit('NEEDLE')));
    for (const chunkSize of [1, 2, 3, 7, 4095, B + 1]) {
      // chunkSize 1 over 800 KiB of files is slow-ish: restrict to the interesting files
      const o: SearchOptions = { chunkSize, exclude: chunkSize < 4 ? ['big.txt', 'z', 'long.txt'] : [] };
      const got = keys(await search(lit('NEEDLE'), o));
      assert.deepEqual(got, want.filter(k => !(o.exclude ?? []).some(x => k.startsWith(`/${x}`))), `chunkSize ${chunkSize}`);
      const bin = await search(lit('NEEDLE'), { chunkSize, include: ['binary.bin', 'utf16*'] });
      assert.equal(bin.filesSkippedBinary, 1, `chunkSize ${chunkSize}: binary sniff`);
      assert.equal(bin.matches.length, 2);
    }
  });

  it('decodes UTF-8 across a chunk boundary and counts columns in UTF-16 code units', async function () {
    const r = await search(lit('café'), { path: '/boundary.txt' });
    assert.equal(r.matches.length, 1);
    const m = r.matches[0];
    assert.equal(m.column, '☃🙂NEEDLE-'.length); // 1 + 2 + 7 code units
    assert.equal(m.length, 4);
    assert.equal(m.preview, '☃🙂NEEDLE-café');
  });

  it('CRLF: the CR is not part of the line (previews, $ anchors)', async function () {
    const r = await search(lit('line$', { isRegExp: true }), { path: '/crlf.txt' });
    assert.deepEqual(r.matches.map(m => [m.line, m.column, m.preview]), [[0, 6, 'first line'], [1, 14, 'second NEEDLE line']]);
    const end = await search(lit('NEEDLE$', { isRegExp: true }), { include: ['boundary.txt'] });
    const bdHits = tree.expected.get('/boundary.txt')!;
    assert.deepEqual(end.matches.map(m => [m.line, m.column]), [bdHits[1], bdHits[2], bdHits[4]].map(h => [h.line, h.column]));
  });

  it('a pattern matching only the empty string reports each line once (like grep)', async function () {
    const r = await search(lit('^', { isRegExp: true }), { path: '/crlf.txt' });
    assert.deepEqual(r.matches.map(m => [m.line, m.column, m.length]), [[0, 0, 0], [1, 0, 0], [2, 0, 0], [3, 0, 0], [4, 0, 0]]);
    const star = await search(lit('e*', { isRegExp: true }), { path: '/crlf.txt' });
    // non-empty matches where there are some; one empty match on lines without an "e"
    assert.deepEqual(star.matches.filter(m => m.line === 2).map(m => [m.column, m.length]), [[0, 0]]);
    assert.ok(star.matches.filter(m => m.line === 4).every(m => m.length > 0));
  });

  it('case sensitivity and whole words', async function () {
    assert.equal((await search({ pattern: 'needle' }, { path: '/case.txt' })).matches.length, 3);
    assert.equal((await search({ pattern: 'needle', isCaseSensitive: true }, { path: '/case.txt' })).matches.length, 1);
    const all = await search(lit('foo'), { path: '/words.txt' });
    assert.deepEqual(all.matches.map(m => m.column), [0, 4, 14, 18, 26, 32, 38, 42, 47]);
    const words = await search(lit('foo', { isWordMatch: true }), { path: '/words.txt' });
    assert.deepEqual(words.matches.map(m => m.column), [0, 26, 32, 47]); // not foobar, barfoo, foo_bar, éfoo, foo9
    const rx = await search(lit('fo+', { isRegExp: true, isWordMatch: true }), { path: '/words.txt' });
    assert.deepEqual(rx.matches.map(m => m.column), [0, 26, 32, 47]);
  });

  it('skips files over maxFileSize and counts them', async function () {
    const r = await search(lit('NEEDLE'), { maxFileSize: 199_999 });
    // big.txt (200,000 bytes), z/compressed.txt (300,000 uncompressed), boundary.txt (327,680)
    assert.equal(r.filesSkippedLarge, 3);
    assert.deepEqual(keys(r), expectedKeys(tree.expected, 6, ['/big.txt', '/z/compressed.txt', '/boundary.txt']));
    assert.equal((await search(lit('NEEDLE'), { maxFileSize: 200_000 })).filesSkippedLarge, 2);
  });

  it('long lines: literal search examines the whole line, regex the first 64 Ki; previews are trimmed', async function () {
    const lit1 = await search(lit('NEEDLE'), { path: '/long.txt' });
    assert.deepEqual(lit1.matches.map(m => [m.line, m.column]), [[0, 68_000], [1, 6]]);
    const m = lit1.matches[0];
    assert.equal(m.preview.length, 250);
    assert.equal(m.previewStart, 68_000 - 40);
    assert.equal(m.preview.slice(40, 46), 'NEEDLE');
    assert.equal(lit1.longLinesCapped, 0);
    const rx = await search(lit('NEE+DLE', { isRegExp: true }), { path: '/long.txt' });
    assert.deepEqual(rx.matches.map(x => [x.line, x.column]), [[1, 6]]);
    assert.equal(rx.longLinesCapped, 1);
  });

  it('include / exclude globs and a starting folder or file', async function () {
    const inc = await search(lit('NEEDLE'), { include: ['*.txt'], exclude: ['a', 'z/**', 'b*.txt'] });
    assert.deepEqual([...new Set(inc.matches.map(m => m.path))].sort(), ['/case.txt', '/crlf.txt', '/latenul.txt', '/long.txt', '/target.txt', '/utf16be.txt', '/utf16le.txt']);
    const folder = await search(lit('NEEDLE'), { include: ['{z,a/b}'] });
    assert.deepEqual([...new Set(folder.matches.map(m => m.path))].sort(), ['/a/b/c/d/e/f/g/h/i/j/k/deep.txt', '/z/compressed.txt']);
    const deep = await search(lit('NEEDLE'), { path: '/a/b/c' });
    assert.deepEqual(keys(deep), ['/a/b/c/d/e/f/g/h/i/j/k/deep.txt:1:2:6']);
    const one = await search(lit('NEEDLE'), { path: '/crlf.txt' });
    assert.equal(one.filesSearched, 1);
    assert.equal(one.matches.length, 2);
    const link = await search(lit('NEEDLE'), { path: '/link.txt' });
    assert.equal(link.filesSearched, 0, 'a symlink given as the path is not followed either');
    // The ISO 9660 namespace has upper-case names: globs are case-insensitive there (like lookups).
    img.setNamespace('iso9660');
    const iso = await search(lit('NEEDLE'), { include: ['crlf.txt'] });
    assert.deepEqual(iso.matches.map(x => `${x.path}:${x.line}`), ['/CRLF.TXT:1', '/CRLF.TXT:3']);
  });

  it('maxResults truncates (and says so only when more matches exist); maxMatchesPerFile', async function () {
    const total = (await search(lit('NEEDLE'))).matches.length;
    const two = await search(lit('NEEDLE'), { maxResults: 2 });
    assert.equal(two.matches.length, 2);
    assert.equal(two.truncated, true);
    const exact = await search(lit('NEEDLE'), { maxResults: total });
    assert.equal(exact.matches.length, total);
    assert.equal(exact.truncated, false);
    const perFile = await search(lit('NEEDLE'), { maxMatchesPerFile: 1 });
    assert.equal(perFile.matches.length, tree.expected.size);
    const streamed: string[] = [];
    const nc = await search(lit('NEEDLE'), { collect: false, onMatch: x => streamed.push(`${x.path}:${x.line}:${x.column}:${x.length}`) });
    assert.equal(nc.matches.length, 0);
    assert.deepEqual(streamed.sort(), expectedKeys(tree.expected, 6));
  });

  it('cancellation: abort after the first match rejects with CancelledError', async function () {
    const ac = new AbortController();
    let seen = 0;
    await assert.rejects(search(lit('NEEDLE'), { signal: ac.signal, onMatch: () => { seen++; ac.abort(); } }), CancelledError);
    assert.equal(seen, 1);
    const pre = new AbortController();
    pre.abort();
    await assert.rejects(search(lit('NEEDLE'), { signal: pre.signal }), CancelledError);
    // An abort from outside (a timer, a UI event) arrives mid-file: the search yields to the event
    // loop every 20 ms even though small reads are synchronous. 1-byte chunks make the file slow.
    const mid = new AbortController();
    let progressed = 0;
    const t0 = Date.now();
    await assert.rejects(search(lit('no such text'), { path: '/boundary.txt', signal: mid.signal, chunkSize: 1, onProgress: () => { if (++progressed === 1) setTimeout(() => mid.abort(), 1); } }), CancelledError);
    assert.ok(Date.now() - t0 < 2000, 'promptly');
  });

  it('validates the query: empty pattern, bad regex (with the regex error), bad options', async function () {
    await assert.rejects(search({ pattern: '' }), InvalidArgumentError);
    await assert.rejects(search({ pattern: '(', isRegExp: true }), (e: Error) => e instanceof InvalidArgumentError && /Unterminated group/.test(e.message));
    await assert.rejects(search({ pattern: 'a)(?:b', isRegExp: true, isWordMatch: true }), InvalidArgumentError);
    await assert.rejects(search({ pattern: '[z-a]', isRegExp: true }), (e: Error) => e instanceof InvalidArgumentError && /out of order/i.test(e.message));
    await assert.rejects(search(lit('x'), { maxResults: 0 }), InvalidArgumentError);
    // fine without the u flag only: still accepted
    assert.equal((await search({ pattern: 'NEEDLE\\-caf', isRegExp: true }, { path: '/boundary.txt' })).matches.length, 1);
    // a literal pattern with regex syntax is literal
    assert.equal((await search({ pattern: '(foo)' }, { path: '/words.txt' })).matches.length, 1);
  });

  it('a file that cannot be read (damaged zisofs data) is reported and the search goes on', async function () {
    const z = await img.lookup('/z/compressed.txt');
    const bad = path.join(tmp, 'damaged.iso');
    fs.copyFileSync(path.join(tmp, 'search.iso'), bad);
    // Overwrite the compressed data after the zisofs header and block pointers with garbage.
    const fd = fs.openSync(bad, 'r+');
    fs.writeSync(fd, Buffer.alloc(2000, 0x5a), 0, 2000, z.ranges[0].offset + 200);
    fs.closeSync(fd);
    const dimg = await DiscImage.openFile(bad);
    try {
      const r = await searchText(dimg, lit('NEEDLE'));
      assert.equal(r.errors.length, 1);
      assert.equal(r.errors[0].path, '/z/compressed.txt');
      assert.ok(r.errors[0].message.includes('/z/compressed.txt'));
      assert.deepEqual(keys(r), expectedKeys(tree.expected, 6, ['/z/compressed.txt']));
    } finally {
      await dimg.close();
    }
  });

  it('reports progress (at least once, at the end with the totals)', async function () {
    const seen: Array<{ files: number; bytes: number; current: string }> = [];
    const r = await search(lit('NEEDLE'), { onProgress: p => seen.push(p) });
    assert.ok(seen.length >= 1);
    assert.equal(seen[seen.length - 1].files, r.filesSearched);
    assert.equal(seen[seen.length - 1].bytes, r.bytesSearched);
  });

  it('listFiles: files and symlinks depth-first in image order, batches, max, cancellation', async function () {
    const walked: string[] = [];
    await img.walk(img.root, n => { if (n.type === 'file' || n.type === 'symlink') walked.push(n.path); });
    const batches: string[][] = [];
    const r = await listFiles(img, { onBatch: b => batches.push(b) });
    assert.deepEqual(r.paths, walked);
    assert.equal(r.truncated, false);
    assert.deepEqual(batches.flat(), r.paths);
    assert.ok(r.paths.includes('/link.txt') && r.paths.includes('/a/b/c/d/e/f/g/h/i/j/k/deep.txt') && !r.paths.includes('/a'));
    assert.equal(r.paths.length, 15);
    const cut = await listFiles(img, { max: 3 });
    assert.deepEqual(cut, { paths: walked.slice(0, 3), truncated: true });
    assert.deepEqual((await listFiles(img, { path: '/z' })).paths, ['/z/compressed.txt']);
    const ac = new AbortController();
    ac.abort();
    await assert.rejects(listFiles(img, { signal: ac.signal }), CancelledError);
  });
});
