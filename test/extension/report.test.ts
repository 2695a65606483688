// The "ISO: Show Image Info" report (src/extension/report.ts). Every fact in it is checked against
// the peer tools' own output on every fixture and on Debian's GRUB rescue image: xorriso
// -pvd_info, -report_el_torito plain, -report_system_area plain, -toc, -find lsdl, and isoinfo -d.
// The Markdown is checked by parsing it with markdown-it configured as VS Code 1.139's Markdown
// preview configures it (extensions/markdown-language-features: html on, linkify on as the
// markdown.preview.linkify default has it, linkify-it's fuzzyLink off): strings from the image —
// volume ids, file names, GPT partition names — must come out as the same plain text, never as
// markup, HTML, links (also no autolinked URL or e-mail address) or broken table rows, and every
// link must be link(path) of a file the peers name.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import { DiscImage } from '../../src/engine/image';
import { MemorySource } from '../../src/engine/io/source';
import { crc32 } from '../../src/engine/bytes/crc32';
import { codeBlock, escapeMd, humanSize, imageReport, linkTarget, mdLink, sizeText, visible } from '../../src/extension/report';
import { fixture, listFixtures, realImage } from '../fixtures/build';
import { isoinfoList, isoinfoPvd } from '../peers/isoinfo';
import { runText } from '../peers/run';
import { guidFromRawHex, xorrisoElTorito, xorrisoLsdl, xorrisoPvdInfo, xorrisoSystemArea, xorrisoToc } from '../peers/xorriso';
import { prng } from '../util/prng';

// ---- markdown-it, as a parser of the report ------------------------------------------------------

interface MdToken {
  type: string;
  tag: string;
  markup: string;
  content: string;
  info: string;
  attrs: [string, string][] | null;
  children: MdToken[] | null;
}
interface MarkdownIt {
  parse(src: string, env: object): MdToken[];
  linkify: { set(opts: { fuzzyLink?: boolean }): void };
}
// markdown-it (a devDependency; no type declarations are installed)
const MarkdownItCtor = createRequire(__filename)('markdown-it') as new (opts: { html: boolean; linkify: boolean }) => MarkdownIt;
const md = new MarkdownItCtor({ html: true, linkify: true });
md.linkify.set({ fuzzyLink: false });

interface Link { href: string; text: string }
interface Inline { text: string; kinds: string[]; links: Link[] }
interface Table { section: string; header: string[]; rows: Inline[][] }
interface Doc {
  src: string;
  tokens: MdToken[];
  title: string;
  tables: Table[];
  /** List items and paragraphs, with the heading they are under. */
  blocks: Array<{ section: string; list: boolean; inline: Inline }>;
  fences: Array<{ section: string; info: string; content: string }>;
}

function inlineOf(t: MdToken): Inline {
  const out: Inline = { text: '', kinds: [], links: [] };
  let open: Link | null = null;
  for (const c of t.children ?? []) {
    if (c.type === 'text' || c.type === 'text_special') {
      out.text += c.content;
      if (open) open.text += c.content;
    } else {
      out.kinds.push(c.type);
      if (c.type === 'link_open') {
        open = { href: c.attrs?.find(a => a[0] === 'href')?.[1] ?? '', text: '' };
        out.links.push(open);
      } else if (c.type === 'link_close') open = null;
    }
  }
  return out;
}

function parseDoc(src: string): Doc {
  const tokens = md.parse(src, {});
  const doc: Doc = { src, tokens, title: '', tables: [], blocks: [], fences: [] };
  let section = '';
  let table: Table | null = null;
  let row: Inline[] = [];
  let inHead = false;
  let listDepth = 0;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    switch (t.type) {
      case 'heading_open':
        section = inlineOf(tokens[i + 1]).text;
        if (t.tag === 'h1') doc.title = section;
        break;
      case 'table_open': table = { section, header: [], rows: [] }; doc.tables.push(table); break;
      case 'thead_open': inHead = true; break;
      case 'thead_close': inHead = false; break;
      case 'tr_open': row = []; break;
      case 'th_open': case 'td_open': row.push(inlineOf(tokens[i + 1])); break;
      case 'tr_close':
        if (inHead) table!.header = row.map(c => c.text);
        else table!.rows.push(row);
        break;
      case 'bullet_list_open': listDepth++; break;
      case 'bullet_list_close': listDepth--; break;
      case 'paragraph_open': doc.blocks.push({ section, list: listDepth > 0, inline: inlineOf(tokens[i + 1]) }); break;
      case 'fence': doc.fences.push({ section, info: t.info, content: t.content }); break;
    }
  }
  return doc;
}

function tableOf(doc: Doc, section: string): Table {
  const t = doc.tables.find(x => x.section === section);
  assert.ok(t, `no table under "${section}"; sections with tables: ${doc.tables.map(x => x.section).join(', ')}`);
  return t;
}
function cell(t: Table, row: Inline[], column: string): Inline {
  const i = t.header.indexOf(column);
  assert.ok(i >= 0, `no column "${column}" in ${t.header.join(' | ')}`);
  return row[i];
}
/** The list item or paragraph under `section` whose text starts with `prefix` (e.g. "Disk GUID:"). */
function block(doc: Doc, section: string, prefix: string): Inline {
  const b = doc.blocks.find(x => x.section === section && x.inline.text.startsWith(prefix));
  assert.ok(b, `no "${prefix}…" under "${section}"`);
  return b.inline;
}
/** The value after "Label: " of a list item. */
const after = (s: string, prefix: string) => s.slice(prefix.length).trim();

const BLOCK_TYPES = new Set([
  'heading_open', 'heading_close', 'paragraph_open', 'paragraph_close', 'inline', 'bullet_list_open', 'bullet_list_close', 'list_item_open',
  'list_item_close', 'table_open', 'table_close', 'thead_open', 'thead_close', 'tbody_open', 'tbody_close', 'tr_open', 'tr_close', 'th_open',
  'th_close', 'td_open', 'td_close', 'fence', 'html_block',
]);
const INLINE_TYPES = new Set(['link_open', 'link_close', 'strong_open', 'strong_close']);
const HTML_BLOCK = /^(<details>\n<summary>The same in the layout of <code>xorriso -report_(el_torito|system_area) plain<\/code><\/summary>\n|<\/details>\n)$/;

/** Counts `|` not escaped by a backslash. */
function unescapedPipes(line: string): number {
  let n = 0;
  for (let i = 0; i < line.length; i++) {
    if (line[i] === '\\') i++;
    else if (line[i] === '|') n++;
  }
  return n;
}

/**
 * The report is nothing but the report's own structure: ATX headings, paragraphs, bullet lists,
 * tables, fenced code and the two <details> wrappers; inline only text, **labels** and links; every
 * table row splits into its header's cell count; the fenced blocks are never closed early; and the
 * links are exactly link(p) for the given paths, each showing p as its text.
 */
function assertClean(doc: Doc, link: (p: string) => string, paths: Iterable<string>): void {
  for (const t of doc.tokens) {
    assert.ok(BLOCK_TYPES.has(t.type), `unexpected block ${t.type} ${JSON.stringify(t.content)}`);
    if (t.type === 'heading_open') assert.equal(t.markup[0], '#', 'setext heading made by content');
    if (t.type === 'html_block') assert.match(t.content, HTML_BLOCK);
    if (t.type === 'fence') assert.equal(t.info, 'text', 'a fence opened by content');
    for (const c of t.children ?? []) assert.ok(c.type === 'text' || c.type === 'text_special' || INLINE_TYPES.has(c.type), `unexpected inline ${c.type} in ${JSON.stringify(t.content)}`);
  }
  const opens = doc.tokens.filter(t => t.type === 'html_block' && t.content.startsWith('<details>')).length;
  assert.equal(doc.tokens.filter(t => t.type === 'html_block' && t.content === '</details>\n').length, opens, '<details> balanced');
  assert.equal(doc.fences.length, opens, 'one fenced block per <details>');
  for (const b of doc.blocks) assert.doesNotMatch(b.inline.text, /^(El Torito|MBR|GPT|APM|ISO image) [^:]*:/, 'xorriso-style line outside its code block');
  // raw source: every line of a table has its header's number of cell separators
  let pipes = -1;
  for (const line of doc.src.split('\n')) {
    if (!line.startsWith('|')) { pipes = -1; continue; }
    if (pipes < 0) pipes = unescapedPipes(line);
    else assert.equal(unescapedPipes(line), pipes, `table row splits differently from its header: ${line}`);
  }
  const want = new Map([...paths].map(p => [link(p), p]));
  const seen = new Set<string>();
  for (const t of doc.tokens) {
    if (t.type !== 'inline') continue;
    for (const l of inlineOf(t).links) {
      const uri = decodeURIComponent(l.href);
      assert.ok(want.has(uri), `unexpected link ${l.href} (${JSON.stringify(uri)}); expected only ${JSON.stringify([...want.keys()])}`);
      assert.equal(l.text, visible(want.get(uri)!), `text of the link to ${uri}`);
      seen.add(uri);
    }
  }
  assert.deepEqual([...seen].sort(), [...want.keys()].sort(), 'every expected link is present');
}

// ---- subjects ------------------------------------------------------------------------------------

const link = (p: string) => `isowb://k${p}`;

async function reportOf(img: DiscImage, label = 'test.iso'): Promise<{ src: string; doc: Doc }> {
  const src = await imageReport(img, { imageLabel: label, link });
  return { src, doc: parseDoc(src) };
}

async function reportOfFile(file: string): Promise<{ src: string; doc: Doc }> {
  const img = await DiscImage.openFile(file);
  try {
    return await reportOf(img, file.split('/').pop());
  } finally {
    await img.close();
  }
}

function memo<T>(f: () => Promise<T>): () => Promise<T> {
  let p: Promise<T> | undefined;
  return () => (p ??= f());
}

const subjects: Array<{ name: string; get: () => Promise<string> }> = [
  { name: 'grub-rescue-cdrom.iso', get: () => realImage('grub-rescue-cdrom.iso') },
  ...listFixtures().filter(f => !f.large && !f.noPeers).map(f => ({ name: f.name, get: () => fixture(f.name) })),
];

const XORRISO_PLATFORM: Record<string, string> = { BIOS: 'x86 BIOS', UEFI: 'UEFI', PPC: 'PowerPC', Mac: 'Mac' };
const XORRISO_EMULATION: Record<string, string> = { none: 'no emulation', 'fd1.2': '1.2 MB floppy', 'fd1.4': '1.44 MB floppy', 'fd2.8': '2.88 MB floppy', hd: 'hard disk' };
const hex = (n: number, w: number) => '0x' + n.toString(16).padStart(w, '0');
/** "5081088 bytes (4.8 MiB)" → 5081088. */
const bytesOf = (s: string) => Number(/^(\d+) bytes?\b/.exec(s)?.[1] ?? NaN);
/** "2026-05-03 22:12:13+00:00" → "20260503221213"; "—" → "". */
const dateDigits = (s: string) => (s === '—' ? '' : s.replace(/\D/g, '').slice(0, 14));
const dash = (s: string) => (s === '—' ? '' : s);

const ET_LINE = /^El Torito (images|cat path|boot img|img path|img opts|img blks) *:/;
const SA_LINE = /^(ISO image size\/512|MBR partition|GPT  +:|GPT (disk GUID|partition|partname|type GUID|start and size)|APM  +:|APM (block size|partition|start and size))/;
/** "(MBR|GPT|APM) partition path : N /path" lines of -report_system_area plain. */
function partitionPaths(text: string, kind: string): Map<number, string> {
  const m = new Map<number, string>();
  for (const x of text.matchAll(new RegExp(`^${kind} partition path :\\s*(\\d+)\\s+(.*)$`, 'gm'))) m.set(+x[1], x[2]);
  return m;
}

/**
 * The system area part of the report against xorriso -report_system_area plain: MBR, GPT and APM
 * tables, the files partitions lie in, and the xorriso-style block line for line.
 */
async function checkSystemArea(img: string, doc: Doc): Promise<void> {
  const xs = await xorrisoSystemArea(img);
  const text = await runText('xorriso', ['-indev', img, '-report_system_area', 'plain']);
  const head = Buffer.alloc(32768);
  const fd = fs.openSync(img, 'r');
  try {
    fs.readSync(fd, head, 0, 32768, 0);
  } finally {
    fs.closeSync(fd);
  }
  const systemText = doc.blocks.filter(b => b.section === 'System area').map(b => b.inline.text).join('\n');
  if (head.every(b => b === 0)) {
    assert.equal(systemText, 'The first 32 KiB are all zero: no MBR, GPT or Apple Partition Map (not a hybrid image).');
    assert.deepEqual([xs.mbr, xs.gpt, xs.apm], [[], null, null], 'xorriso sees nothing either');
    return;
  }
  const fileCell = (c: Inline, path: string | undefined, what: string) => {
    if (path) {
      assert.deepEqual(c.links.map(l => [decodeURIComponent(l.href), l.text]), [[link(path), path]], what);
      assert.match(c.text.slice(path.length), /^( \(from byte \d+ of the file\))?$/, what);
    } else assert.equal(c.text, '—', what);
  };
  if (xs.mbr.length) {
    const t = tableOf(doc, 'Master Boot Record');
    assert.deepEqual(
      t.rows.map(r => ({ index: +cell(t, r, '#').text, bootable: cell(t, r, 'Boot').text === 'active', type: parseInt(cell(t, r, 'Type').text, 16), start: +cell(t, r, 'Start (512 B sectors)').text, sectors: +cell(t, r, 'Sectors').text })),
      xs.mbr.map(m => ({ index: m.index, bootable: m.status === 0x80, type: m.type, start: m.start, sectors: m.blocks })),
      'MBR partitions',
    );
    const paths = partitionPaths(text, 'MBR');
    for (const r of t.rows) fileCell(cell(t, r, 'File'), paths.get(+r[0].text), `MBR partition ${r[0].text} file`);
  } else assert.ok(!doc.tables.some(x => x.section === 'Master Boot Record'), 'no MBR table');
  if (xs.gpt) {
    const g = xs.gpt;
    assert.equal(after(block(doc, 'GUID Partition Table', 'Disk GUID:').text, 'Disk GUID:').toUpperCase(), guidFromRawHex(g.diskGuidHex));
    const bs = Number(/^Block size: (\d+) bytes/.exec(block(doc, 'GUID Partition Table', 'Block size:').text)?.[1]);
    assert.match(block(doc, 'GUID Partition Table', 'Header:').text, /CRC OK$/);
    assert.match(block(doc, 'GUID Partition Table', 'Partition entries:').text, /CRC OK$/);
    const t = tableOf(doc, 'GUID Partition Table');
    assert.deepEqual(
      t.rows.map(r => ({ index: +r[0].text, typeGuid: cell(t, r, 'Type GUID').text.toUpperCase(), guid: cell(t, r, 'Partition GUID').text.toUpperCase(), name: dash(cell(t, r, 'Name').text), first: +cell(t, r, 'First LBA').text, last: +cell(t, r, 'Last LBA').text })),
      g.partitions.map(x => ({ index: x.index, typeGuid: guidFromRawHex(x.typeGuidHex), guid: guidFromRawHex(x.guidHex), name: x.name, first: (x.start * 512) / bs, last: ((x.start + x.size) * 512) / bs - 1 })),
      'GPT partitions (xorriso counts 512-byte blocks)',
    );
    const paths = partitionPaths(text, 'GPT');
    for (const r of t.rows) fileCell(cell(t, r, 'File'), paths.get(+r[0].text), `GPT partition ${r[0].text} file`);
  } else assert.ok(!doc.tables.some(x => x.section === 'GUID Partition Table'), 'no GPT table');
  if (xs.apm) {
    const a = xs.apm;
    assert.equal(block(doc, 'Apple Partition Map', 'Block size:').text, `Block size: ${a.blockSize} bytes (start and size below count these)`);
    const t = tableOf(doc, 'Apple Partition Map');
    // xorriso lists the partitions after the map's own entry, numbered from 1
    const real = t.rows.filter(r => cell(t, r, 'Type').text !== 'Apple_partition_map');
    assert.deepEqual(
      real.map(r => ({ name: cell(t, r, 'Name').text, type: cell(t, r, 'Type').text, start: +cell(t, r, 'Start block').text, size: +cell(t, r, 'Blocks').text })),
      a.partitions.map(x => ({ name: x.name, type: x.type, start: x.start, size: x.size })),
      'APM partitions',
    );
    const paths = partitionPaths(text, 'APM');
    real.forEach((r, i) => fileCell(cell(t, r, 'File'), paths.get(i + 1), `APM partition ${i + 1} file`));
  } else assert.ok(!doc.tables.some(x => x.section === 'Apple Partition Map'), 'no APM table');
  const theirs = text.split('\n').filter(l => SA_LINE.test(l));
  const fence = doc.fences.find(f => ['System area', 'Master Boot Record', 'GUID Partition Table', 'Apple Partition Map'].includes(f.section));
  assert.ok(fence, 'xorriso-style block');
  assert.deepEqual(fence.content.split('\n').filter(l => SA_LINE.test(l)), theirs);
}

describe('Show Image Info report', function () {
  this.timeout(10 * 60_000);

  describe('Markdown escaping (synthetic)', function () {
    const HOSTILE = [
      '', ' ', 'plain', 'ISOLINUX_HYBRID', '_lead', 'trail_', '*bold* **strong** ***both***', '__u__ _i_ a_b_c', '~~strike~~ ~one~',
      '[link](http://e.example/) ![img](x.png) [ref][1]', '<b>bold</b> <script>alert(1)</script> <!-- c -->', '<https://e.example/> <a@b.c>',
      '`code` ``two`` ```', 'a | b | c', '\\| \\\\ \\', '&amp; &lt; &#65; &#x41; &copy', '$x$ $$y$$', '# h', '## h ##', 'trailing #',
      '- item', '+ item', '* item', '1. one', '2) two', '> quote', '    indented code', '---', '===', '***', '~~~', '```js',
      'line1\nline2', 'cr\rlf\r\n', 'tab\there', 'nul\0byte', 'del\x7f', 'c1\u0085\u009b', 'bidi \u202eevil\u202c \u2066x\u2069', 'ls\u2028ps\u2029',
      'bom\ufeff', 'lone \ud800 surrogate', 'emoji 😀 é ü 漢字', '   three leading', 'trailing   ', '{curly} :colon: ^sup^ @at %pct',
      '[x](<y>)', 'a\\*b', '\\\n', '<', '>', '|', '`', '\\',
      // what linkify (and the editor showing the source) would make a link
      'https://evil.example/x', 'see http://evil.com.', 'HTTPS://EVIL.COM/X', 'ftp://evil.com/f', '//evil.com/x', 'a //evil.com/x', '///evil.com',
      'mailto:a@evil.com', 'user@evil.com', 'u.ser+tag@sub.evil.co.uk', 'file:///etc/passwd', 'https:/\\/evil.com', 'https\\://evil.com',
      'x:y@evil.com', 'www.evil.com', '[x](https://evil.com)', '<user@evil.com>', 'command:workbench.action.terminal.new',
    ];
    const ALPHABET = ['\\', '`', '*', '_', '[', ']', '(', ')', '<', '>', '|', '~', '&', '$', '#', '!', '{', '}', ':', ';', '"', "'", '-', '+', '=', '.', '1', '9',
      'a', 'Z', ' ', ' ', '\n', '\r', '\t', '\0', '\x7f', '\u0085', '\u202e', '\u2028', '\ufeff', '😀', '\ud800', 'é', '%', '@', '/', '^', '?',
      '&amp;', '&#65;', '<b>', '**', '__', '~~', '```', '$$', '- ', '1. ', '> ', '# ', '    ', '---', '===', 'www.e.com', 'x_y',
      'https:', 'http://', '//', 'evil.com', 'mailto:', 'user@', 'a@b.com', ':', '/'];
    const rnd = prng(0x5eed);
    const fuzz = Array.from({ length: 400 }, () => Array.from({ length: rnd() % 16 }, () => ALPHABET[rnd() % ALPHABET.length]).join(''));
    const all = [...HOSTILE, ...fuzz];

    /** Parses `src` and returns the one inline of the expected block shape. */
    function only(src: string, shape: string[]): Inline {
      const toks = md.parse(src, {});
      assert.deepEqual(toks.map(t => t.type), shape, `block structure of ${JSON.stringify(src)}`);
      const inl = toks.filter(t => t.type === 'inline');
      for (const t of inl) for (const c of t.children ?? []) assert.ok(c.type === 'text' || c.type === 'text_special' || INLINE_TYPES.has(c.type), `${c.type} in ${JSON.stringify(src)}`);
      return inlineOf(inl[0]);
    }

    it('renders exactly the string as plain text in a paragraph', function () {
      for (const s of all) {
        const i = only(`x ${escapeMd(s)} y`, ['paragraph_open', 'inline', 'paragraph_close']);
        assert.equal(i.text, `x ${visible(s)} y`, JSON.stringify(s));
        assert.deepEqual(i.kinds, [], JSON.stringify(s));
        // the report is opened in an editor, whose link detection makes scheme://… Ctrl+clickable
        assert.doesNotMatch(escapeMd(s), /[A-Za-z]:\/\//, JSON.stringify(s));
      }
    });

    it('renders exactly the string in a heading, a list item and after a bold label', function () {
      for (const s of all) {
        assert.equal(only(`# ${escapeMd(s)}`, ['heading_open', 'inline', 'heading_close']).text, visible(s), `heading ${JSON.stringify(s)}`);
        if (s === '') continue; // "- " alone is an empty item (no paragraph)
        const li = only(`- ${escapeMd(s)}`, ['bullet_list_open', 'list_item_open', 'paragraph_open', 'inline', 'paragraph_close', 'list_item_close', 'bullet_list_close']);
        assert.equal(li.text, visible(s), `list item ${JSON.stringify(s)}`);
        assert.deepEqual(li.kinds, [], `list item ${JSON.stringify(s)}`);
        const lab = only(`- **Label:** ${escapeMd(s)}`, ['bullet_list_open', 'list_item_open', 'paragraph_open', 'inline', 'paragraph_close', 'list_item_close', 'bullet_list_close']);
        assert.equal(lab.text, `Label: ${visible(s)}`, `labelled ${JSON.stringify(s)}`);
        assert.deepEqual(lab.kinds, ['strong_open', 'strong_close'], `labelled ${JSON.stringify(s)}`);
      }
    });

    it('stays inside its GFM table cell', function () {
      const shape = ['table_open', 'thead_open', 'tr_open', 'th_open', 'inline', 'th_close', 'th_open', 'inline', 'th_close', 'tr_close', 'thead_close',
        'tbody_open', 'tr_open', 'td_open', 'inline', 'td_close', 'td_open', 'inline', 'td_close', 'tr_close', 'tbody_close', 'table_close'];
      for (const s of all) {
        const src = `| h | k |\n|---|---|\n| ${escapeMd(s)} | z |\n`;
        const toks = md.parse(src, {});
        assert.deepEqual(toks.map(t => t.type), shape, JSON.stringify(s));
        const cells = toks.filter(t => t.type === 'inline').map(inlineOf);
        assert.equal(cells[2].text, visible(s), JSON.stringify(s));
        assert.deepEqual(cells[2].kinds, [], JSON.stringify(s));
        assert.equal(cells[3].text, 'z', JSON.stringify(s));
        assert.equal(unescapedPipes(src.split('\n')[2]), 3, JSON.stringify(s));
      }
    });

    it('escapes what Markdown extensions of VS Code would take: $ (math), ~ (strikethrough)', function () {
      // markdown-it without plugins shows these as text either way; VS Code's preview renders $…$ as math
      assert.equal(escapeMd('$x$ ~~s~~'), '\\$x\\$ \\~\\~s\\~\\~');
    });

    it('code blocks hold any line, backticks and control characters included', function () {
      const lines = ['```', 'a ```` b', '~~~', '    x', '</details>', 'nl\nin\rline', '`````'];
      const toks = md.parse(`${codeBlock(lines)}\nafter\n`, {});
      assert.deepEqual(toks.map(t => t.type), ['fence', 'paragraph_open', 'inline', 'paragraph_close']);
      assert.equal(toks[0].content, lines.map(visible).join('\n') + '\n');
    });

    it('makes control, bidi and separator characters visible and leaves other text alone', function () {
      assert.equal(visible('a\nb\r\t\0\x7f'), 'a\u240ab\u240d\u2409\u2400\u2421');
      assert.equal(visible('\u202eevil\u0085'), '\u2039U+202E\u203aevil\u2039U+0085\u203a');
      assert.equal(visible('x\ud800y'), 'x\u2039U+D800\u203ay');
      assert.equal(visible('emoji 😀 é 漢字'), 'emoji 😀 é 漢字');
      // readable source: ordinary volume ids and paths come through unchanged
      for (const s of ['ISOLINUX_HYBRID', 'XORRISO-1.5.4 2021.01.30.150001, LIBISOBURN-1.5.4', '/boot/grub/i386-pc/eltorito.img', 'EFI (FAT-12/16/32)']) {
        assert.equal(escapeMd(s), s);
      }
    });

    it('keeps link targets whole and link texts plain', function () {
      const uris = ['isowb://k/a b (c)/d.txt', 'isowb://k/<x>|`y`\\z', 'isowb://k/nl\nand\rcr\ttab', 'isowb://k/ü😀/é', 'isowb://k/[x](y)', 'isowb://k/)(', 'isowb://k/\u0085c1'];
      for (const u of uris) {
        for (const text of ['/a b (c)/d.txt', '[x](y) *z*', 'line\nbreak |pipe|', '']) {
          const src = `- ${mdLink(text, u)}`;
          const i = only(src, ['bullet_list_open', 'list_item_open', 'paragraph_open', 'inline', 'paragraph_close', 'list_item_close', 'bullet_list_close']);
          assert.deepEqual(i.kinds, ['link_open', 'link_close'], src);
          assert.equal(i.links.length, 1, src);
          assert.equal(decodeURIComponent(i.links[0].href), u, src);
          assert.equal(i.links[0].text, visible(text), src);
          // and inside a table cell
          const cells = md.parse(`| a | b |\n|---|---|\n| ${mdLink(text, u)} | z |\n`, {}).filter(t => t.type === 'inline').map(inlineOf);
          assert.equal(decodeURIComponent(cells[2].links[0].href), u, `cell ${src}`);
          assert.equal(cells[3].text, 'z', `cell ${src}`);
        }
        assert.match(linkTarget(u), /^<[^<>\s\\`|()[\]]*>$/);
      }
    });

    it('formats sizes in bytes and binary units with one decimal', function () {
      assert.equal(humanSize(0), '0 bytes');
      assert.equal(humanSize(1), '1 byte');
      assert.equal(humanSize(1023), '1023 bytes');
      assert.equal(humanSize(1024), '1.0 KiB');
      assert.equal(humanSize(1536), '1.5 KiB');
      assert.equal(humanSize(5 * 1024 * 1024 - 1), '5.0 MiB');
      assert.equal(humanSize(3 * 1024 ** 3 + 512 * 1024 ** 2), '3.5 GiB');
      assert.equal(humanSize(2 * 1024 ** 4), '2.0 TiB');
      assert.equal(sizeText(512), '512 bytes');
      assert.equal(sizeText(1474560), '1474560 bytes (1.4 MiB)');
    });
  });

  for (const s of subjects) {
    describe(s.name, function () {
      let img = '';
      before(async function () {
        img = await s.get();
      });
      const rep = memo(() => reportOfFile(img));
      const pvd = memo(() => isoinfoPvd(img));

      it('title, sizes and volume fields match isoinfo -d and xorriso -pvd_info', async function () {
        const { doc } = await rep();
        const [p, xp] = [await pvd(), await xorrisoPvdInfo(img)];
        assert.equal(doc.title, img.split('/').pop());
        const size = fs.statSync(img).size;
        assert.equal(bytesOf(after(block(doc, doc.title, 'Image size:').text, 'Image size:')), size, 'image size');
        assert.match(block(doc, doc.title, 'ISO volume:').text, new RegExp(`^ISO volume: ${p.volumeBlocks} blocks of ${p.blockSize} bytes = ${p.volumeBlocks * p.blockSize} bytes`));
        const t = tableOf(doc, 'Volume (Primary Volume Descriptor)');
        const field = (name: string) => {
          const r = t.rows.find(x => x[0].text === name);
          assert.ok(r, `no row ${name}`);
          return r[1].text;
        };
        const pairs: Array<[string, string, string]> = [
          ['Volume id', p.volumeId, xp.volumeId], ['System id', p.systemId, xp.systemId], ['Volume set id', p.volumeSetId, xp.volumeSetId],
          ['Publisher id', p.publisherId, xp.publisherId], ['Data preparer id', p.preparerId, xp.preparerId], ['Application id', p.applicationId, xp.applicationId],
        ];
        // (the peers print the bytes; the report shows control characters visibly: inject-names)
        for (const [name, iso, x] of pairs) {
          assert.equal(dash(field(name)), visible(iso.trim()), `${name} vs isoinfo`);
          assert.equal(dash(field(name)), visible(x.trim()), `${name} vs xorriso`);
        }
        assert.equal(dateDigits(field('Created')), /^0+$/.test(xp.created) ? '' : xp.created.slice(0, 14), 'created vs xorriso');
        assert.equal(dateDigits(field('Modified')), /^0+$/.test(xp.modified) ? '' : xp.modified.slice(0, 14), 'modified vs xorriso');
        assert.match(field('Volume size'), new RegExp(`^${p.volumeBlocks} blocks = `));
        assert.equal(field('Logical block size'), `${p.blockSize} bytes`);
        assert.equal(after(block(doc, doc.title, 'Volume id:').text, 'Volume id:'), visible(p.volumeId.trim()) || '—');
      });

      it('namespaces, UDF and sessions match isoinfo -d, the recognition sequence and xorriso -toc', async function () {
        const { doc } = await rep();
        const p = await pvd();
        const t = tableOf(doc, 'Namespaces');
        const present = (name: string) => t.rows.find(r => r[0].text === name)?.[1].text;
        assert.equal(present('Rock Ridge'), p.rockRidge ? 'yes' : 'no');
        assert.equal(present('Joliet'), p.joliet ? 'yes' : 'no');
        assert.equal(present('ISO 9660'), 'yes');
        const shown = t.rows.filter(r => cell(t, r, 'Shown').text === 'shown').map(r => r[0].text);
        assert.deepEqual(shown, [p.rockRidge ? 'Rock Ridge' : p.joliet ? 'Joliet' : 'ISO 9660'], 'Rock Ridge > Joliet > ISO 9660');
        // UDF: NSR02/NSR03 in the volume recognition sequence after the ISO descriptors
        const fd = fs.openSync(img, 'r');
        let udf = false;
        try {
          const b = Buffer.alloc(6);
          for (let lba = 16; lba < 80; lba++) {
            if (fs.readSync(fd, b, 0, 6, lba * 2048) < 6) break;
            const id = b.toString('latin1', 1, 6);
            if (id === 'NSR02' || id === 'NSR03') { udf = true; break; }
          }
        } finally {
          fs.closeSync(fd);
        }
        const u = block(doc, 'Namespaces', 'UDF:').text;
        if (udf) assert.match(u, /UDF bridge is present.*not supported yet/);
        else assert.equal(u, 'UDF: not present.');
        const toc = await xorrisoToc(img);
        if (toc.length > 1) {
          const st = tableOf(doc, 'Sessions');
          assert.deepEqual(
            st.rows.map(r => ({ index: +cell(st, r, 'Session').text, start: +cell(st, r, 'Start LBA').text, volumeId: dash(cell(st, r, 'Volume id').text) })),
            toc.map(x => ({ index: x.index, start: x.startLba, volumeId: x.volumeId })),
          );
          assert.deepEqual(st.rows.filter(r => cell(st, r, 'Shown').text === 'shown').map(r => +r[0].text), [toc[toc.length - 1].index], 'newest session shown');
        } else {
          assert.equal(toc.length, 1);
          assert.equal(block(doc, 'Namespaces', 'Sessions:').text, `Sessions: one (starting at LBA ${toc[0].startLba}).`);
          assert.ok(!doc.tables.some(x => x.section === 'Sessions'));
        }
      });

      it('volume descriptor table lists the descriptor set as recorded', async function () {
        const { doc } = await rep();
        const t = tableOf(doc, 'Volume descriptors');
        const expected: Array<{ lba: number; type: number }> = [];
        const fd = fs.openSync(img, 'r');
        try {
          const b = Buffer.alloc(7);
          for (let lba = 16; lba < 16 + 64; lba++) {
            fs.readSync(fd, b, 0, 7, lba * 2048);
            if (b.toString('latin1', 1, 6) !== 'CD001') break;
            expected.push({ lba, type: b[0] });
            if (b[0] === 255) break;
          }
        } finally {
          fs.closeSync(fd);
        }
        assert.deepEqual(t.rows.map(r => ({ lba: +r[0].text, type: Number(/\((\d+)/.exec(r[1].text)?.[1]) })), expected);
        const p = await pvd();
        assert.equal(t.rows.find(r => r[1].text.startsWith('Primary'))![2].text, visible(p.volumeId.trim()) || '—');
      });

      it('El Torito matches xorriso -report_el_torito plain (and the xorriso-style block is xorriso line for line)', async function () {
        const { doc } = await rep();
        const xe = await xorrisoElTorito(img);
        const section = doc.blocks.filter(b => b.section === 'El Torito').map(b => b.inline.text);
        if (!xe) {
          assert.deepEqual(section, ['No El Torito boot record: the image does not boot from CD/DVD.']);
          assert.ok(!doc.fences.some(f => f.section === 'El Torito'));
          return;
        }
        const cat = block(doc, 'El Torito', 'Boot catalog:');
        assert.match(cat.text, new RegExp(`^Boot catalog: LBA ${xe.catalogLba}, `));
        if (xe.catalogPath) assert.deepEqual(cat.links.map(l => [decodeURIComponent(l.href), l.text]), [[link(xe.catalogPath), xe.catalogPath]]);
        assert.match(block(doc, 'El Torito', 'Validation entry:').text, /checksum OK, key bytes 55 AA OK$/);
        const t = tableOf(doc, 'El Torito');
        assert.equal(t.rows.length, xe.images.length, 'one row per boot entry');
        const p = await pvd();
        const sizes = new Map((await xorrisoLsdl(img)).map(e => [e.path, e.size]));
        xe.images.forEach((x, i) => {
          const r = t.rows[i];
          const c = (col: string) => cell(t, r, col).text;
          const w = `entry ${x.index}`;
          assert.equal(c('N'), String(x.index), w);
          assert.equal(c('Platform'), XORRISO_PLATFORM[x.platform] ?? x.platform, `${w} platform`);
          assert.equal(c('Bootable'), x.bootable ? 'yes' : 'no', `${w} bootable`);
          assert.equal(c('Emulation'), XORRISO_EMULATION[x.emulation], `${w} emulation`);
          assert.ok(c('Load segment').startsWith(hex(x.loadSegment, 4)), `${w} load segment ${c('Load segment')} vs ${hex(x.loadSegment, 4)}`);
          assert.equal(c('System type'), hex(x.systemType, 2), `${w} system type`);
          assert.equal(c('Sectors (512 B)'), String(x.sectorCount), `${w} sector count`);
          assert.equal(c('Load RBA'), String(x.lba), `${w} load RBA`);
          assert.deepEqual(c('Patched / flags') === '—' ? [] : c('Patched / flags').split(', ').sort(), [...x.opts].sort(), `${w} options`);
          assert.equal(c('Outside volume'), x.lba >= p.volumeBlocks ? 'yes' : 'no', `${w} outside volume`);
          const bi = cell(t, r, 'Boot image');
          if (x.path) {
            assert.deepEqual(bi.links.map(l => [decodeURIComponent(l.href), l.text]), [[link(x.path), x.path]], `${w} boot image link`);
            assert.equal(bytesOf(c('Image size')), sizes.get(x.path), `${w} image size = the file's size (xorriso lsdl)`);
            assert.equal(c('Size from'), 'file size', w);
          } else {
            assert.deepEqual(bi.links, [], `${w} has no file`);
            assert.ok(c('Boot image').startsWith('—'), w);
          }
          if (x.blocks !== undefined) assert.equal(Math.ceil(bytesOf(c('Image size')) / 2048), x.blocks, `${w} image blocks (xorriso img blks)`);
        });
        const theirs = (await runText('xorriso', ['-indev', img, '-report_el_torito', 'plain'])).split('\n').filter(l => ET_LINE.test(l));
        const fence = doc.fences.find(f => f.section === 'El Torito');
        assert.ok(fence, 'xorriso-style block');
        assert.deepEqual(fence.content.split('\n').filter(l => ET_LINE.test(l)), theirs);
      });

      it('system area matches xorriso -report_system_area plain (and the xorriso-style block is xorriso line for line)', async function () {
        await checkSystemArea(img, (await rep()).doc);
      });

      it('is clean Markdown whose links are exactly link(path) of the files xorriso names', async function () {
        const { doc } = await rep();
        const paths = new Set<string>();
        const xe = await xorrisoElTorito(img);
        if (xe?.catalogPath) paths.add(xe.catalogPath);
        for (const x of xe?.images ?? []) if (x.path) paths.add(x.path);
        const sa = await runText('xorriso', ['-indev', img, '-report_system_area', 'plain']);
        for (const k of ['MBR', 'GPT', 'APM']) for (const p of partitionPaths(sa, k).values()) paths.add(p);
        assertClean(doc, link, paths);
      });
    });
  }

  describe('partitions that lie in files', function () {
    it('MBR partitions starting at, inside and outside files name the file as xorriso does (isolinux-hybrid, patched)', async function () {
      const src = await fixture('isolinux-hybrid');
      const xe = await xorrisoElTorito(src);
      assert.ok(xe);
      const bootLbas = new Set([xe.catalogLba, ...xe.images.map(x => x.lba)]);
      // files El Torito does not already name, so the report has to search the tree for them
      const files = (await isoinfoList(src, 'iso9660')).filter(e => e.type === 'file' && e.size > 4096 && !bootLbas.has(e.extents[0].lba)).sort((a, b) => b.size - a.size);
      assert.ok(files.length >= 1, 'a file of more than 4 KiB besides the boot files');
      const p = await isoinfoPvd(src);
      const buf = fs.readFileSync(src);
      const big = files[0].extents[0].lba;
      const other = (await isoinfoList(src, 'iso9660')).find(e => e.type === 'file' && e.size > 0 && e !== files[0] && !bootLbas.has(e.extents[0].lba))!.extents[0].lba;
      // entry 1 is isohybrid's; 2: 5 sectors (one block and a sector) into the largest file; 3: at another file's start;
      // 4: in the last block of the volume (padding, no file)
      const parts: Array<[number, number]> = [[big * 4 + 5, 8], [other * 4, 4], [(p.volumeBlocks - 1) * 4, 4]];
      parts.forEach(([start, n], i) => {
        const o = 446 + 16 * (i + 1);
        buf[o] = 0;
        buf[o + 4] = 0x83;
        buf.writeUInt32LE(start, o + 8);
        buf.writeUInt32LE(n, o + 12);
      });
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'isowb-report-'));
      const file = path.join(dir, 'partitions.iso');
      try {
        fs.writeFileSync(file, buf);
        const { doc } = await reportOfFile(file);
        await checkSystemArea(file, doc);
        const t = tableOf(doc, 'Master Boot Record');
        const paths = partitionPaths(await runText('xorriso', ['-indev', file, '-report_system_area', 'plain']), 'MBR');
        assert.ok(paths.has(2) && paths.has(3), 'xorriso places partitions 2 and 3 in files');
        assert.equal(cell(t, t.rows[1], 'File').text, `${paths.get(2)} (from byte ${5 * 512} of the file)`);
        assert.equal(cell(t, t.rows[2], 'File').text, paths.get(3));
        assert.equal(cell(t, t.rows[3], 'File').text, paths.get(4) ?? '—');
        const boot = [xe.catalogPath, ...xe.images.map(x => x.path)].filter((x): x is string => !!x);
        assertClean(doc, link, [...paths.values(), ...boot]);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  describe('hostile strings from the image', function () {
    /** Replaces a Rock Ridge NM payload ("NM" LEN 1 FLAGS=0 NAME) that occurs exactly once. */
    function patchNm(buf: Buffer, from: string, to: string): void {
      assert.equal(Buffer.byteLength(to), from.length, 'same length');
      const needle = Buffer.concat([Buffer.from([0x4e, 0x4d, 5 + from.length, 1, 0]), Buffer.from(from, 'latin1')]);
      const hits: number[] = [];
      for (let i = buf.indexOf(needle); i >= 0; i = buf.indexOf(needle, i + 1)) hits.push(i);
      assert.equal(hits.length, 1, `NM ${from} found ${hits.length} times`);
      Buffer.from(to, 'utf8').copy(buf, hits[0] + 5);
    }
    const openBuf = (buf: Buffer, name: string) => DiscImage.open(new MemorySource(new Uint8Array(buf), name));

    it('PVD identifiers and the image label come out as plain text (escape fixture, patched)', async function () {
      const buf = fs.readFileSync(await fixture('escape'));
      const pvd = 16 * 2048;
      const fields: Array<[string, keyof DiscImage['volume'], number, number, string]> = [
        ['System id', 'systemId', 8, 32, 'sys|tem\n*x*\t<i>'],
        ['Volume id', 'volumeId', 40, 32, '`v` [a](b) _u_ ~~s~~ $m$ &amp;'],
        ['Volume set id', 'volumeSetId', 190, 128, '# h1\n- item\n1. one\n> q\n    code\n```\n---\n=== | x |'],
        ['Publisher id', 'publisherId', 318, 128, '<script>alert(1)</script><img src=x onerror=alert(1)> <https://e.example/> ![i](x.png) \\| a | b \\\\'],
        ['Data preparer id', 'preparerId', 446, 128, '\x00\x01\x1b[31mred\x7f\x85\x9b end'],
        ['Application id', 'applicationId', 574, 128, '   indented *a* __b__'],
        ['Copyright file id', 'copyrightFileId', 702, 37, '[c](<javascript:alert(1)>)'],
        ['Abstract file id', 'abstractFileId', 739, 37, '&#x26; &lt; &amp; <!--'],
        ['Bibliographic file id', 'bibliographicFileId', 776, 37, '**b** __u__ *i* _j_ $$'],
      ];
      for (const [, , off, len, v] of fields) {
        assert.ok(v.length <= len);
        buf.fill(0x20, pvd + off, pvd + off + len);
        buf.write(v, pvd + off, 'latin1');
      }
      // a name the engine refuses ('/' in it) becomes a diagnostic that quotes it
      patchNm(buf, '../x.txt', '[a](/b)*');
      // the M path table's first entry (the root) points elsewhere: a path-table problem
      const mPathTable = buf.readUInt32BE(pvd + 148) * 2048;
      buf.writeUInt32BE(buf.readUInt32BE(mPathTable + 2) + 1, mPathTable + 2);
      const label = '*evil* [x](y) <b>|\n# t ';
      const img = await openBuf(buf, 'hostile.iso');
      try {
        for (const [name, key, , , v] of fields) assert.equal(img.volume[key], v, `${name} patched`);
        // the fixture's hostile names become diagnostics; reading twice records them twice
        await img.readdir('/', false);
        await img.readdir('/', false);
        const problems = await img.checkPathTables();
        assert.ok(problems.length > 0, 'the patched M path table is reported');
        const { doc } = await reportOf(img, label);
        assert.deepEqual(doc.blocks.filter(b => b.section === 'Path tables').map(b => b.inline.text), problems.map(visible));
        assert.equal(doc.title, visible(label));
        const t = tableOf(doc, 'Volume (Primary Volume Descriptor)');
        for (const [name, , , , v] of fields) {
          const r = t.rows.find(x => x[0].text === name);
          assert.ok(r, name);
          assert.equal(r[1].text, visible(v), name);
          assert.deepEqual(r[1].kinds, [], name);
        }
        assert.equal(block(doc, visible(label), 'Volume id:').text, `Volume id: ${visible(fields[1][4])}`);
        const vd = tableOf(doc, 'Volume descriptors');
        assert.equal(vd.rows.find(r => r[1].text.startsWith('Primary'))![2].text, visible(fields[1][4]));
        assertClean(doc, link, []);
        // diagnostics: each of the engine's once (a second report adds no duplicates), as plain
        // text, path-table problems only under "Path tables"
        const pathTable = (w: { structure?: string; message: string }) => !!w.structure?.endsWith('path table') && problems.some(p => p.endsWith(`: ${w.message}`));
        const unique = new Map(img.warnings.filter(w => !pathTable(w)).map(w => [`${w.severity} ${w.structure} ${w.offset} ${w.message}`, w]));
        assert.ok(img.warnings.length > unique.size, 'the sink holds repeats');
        assert.ok([...unique.values()].some(w => w.message.includes('[a](/b)*')), 'a diagnostic quotes the hostile name');
        for (const d of [doc, (await reportOf(img, label)).doc]) {
          const items = d.blocks.filter(b => b.section === 'Diagnostics' && b.list).map(b => b.inline);
          assert.equal(items.length, unique.size, 'one item per distinct diagnostic');
          [...unique.values()].forEach((w, i) => {
            assert.ok(items[i].text.startsWith(w.severity), items[i].text);
            assert.ok(items[i].text.endsWith(`: ${visible(w.message)}`), `${items[i].text} vs ${w.message}`);
          });
        }
      } finally {
        await img.close();
      }
    });

    it('boot image and boot catalog names: link text plain, link target link(path) (isolinux-hybrid, patched)', async function () {
      const buf = fs.readFileSync(await fixture('isolinux-hybrid'));
      const bootName = 'a (b)|<```>*';
      const catName = 'c\n[x](y)';
      patchNm(buf, 'isolinux.bin', bootName);
      patchNm(buf, 'boot.cat', catName);
      const img = await openBuf(buf, 'hostile-boot.iso');
      try {
        const et = await img.elTorito();
        assert.ok(et);
        const bootPath = `/isolinux/${bootName}`;
        const catPath = `/isolinux/${catName}`;
        assert.equal(et.entries[0].path, bootPath, 'patched boot image name');
        assert.equal(et.catalogPath, catPath, 'patched catalog name');
        const { doc } = await reportOf(img);
        const cat = block(doc, 'El Torito', 'Boot catalog:');
        assert.deepEqual(cat.links.map(l => [decodeURIComponent(l.href), l.text]), [[link(catPath), visible(catPath)]]);
        const t = tableOf(doc, 'El Torito');
        const bi = cell(t, t.rows[0], 'Boot image');
        assert.deepEqual(bi.links.map(l => [decodeURIComponent(l.href), l.text]), [[link(bootPath), visible(bootPath)]]);
        const fence = doc.fences.find(f => f.section === 'El Torito')!;
        const lines = fence.content.split('\n');
        assert.ok(lines.includes(`El Torito cat path : ${visible(catPath)}`), fence.content);
        assert.ok(lines.includes(`El Torito img path :   1  ${visible(bootPath)}`), fence.content);
        assert.ok(lines.some(l => l.startsWith('El Torito img opts :   1  boot-info-table')), 'the block goes on after the name with ``` in it');
        assertClean(doc, link, [bootPath, catPath]);
      } finally {
        await img.close();
      }
    });

    it('GPT partition names come out as plain text, in the table and the xorriso-style block (gpt-basdat, patched, CRCs redone)', async function () {
      const buf = fs.readFileSync(await fixture('gpt-basdat'));
      const name = '|*x*| ```\n<b>\u202e[l](u)\ud800 \\';
      const orig = await openBuf(buf, 'orig.iso');
      let gpt = (await orig.systemArea()).gpt;
      await orig.close();
      assert.ok(gpt && gpt.blockSize === 512 && gpt.partitions.length >= 2);
      const target = gpt.partitions[1];
      // primary and backup: rewrite the entry's name, then the entry array CRC and the header CRC
      for (const headerLba of [gpt.currentLba, gpt.backupLba]) {
        const h = headerLba * 512;
        assert.equal(buf.toString('latin1', h, h + 8), 'EFI PART');
        const entries = Number(buf.readBigUInt64LE(h + 72)) * 512;
        const count = buf.readUInt32LE(h + 80);
        const size = buf.readUInt32LE(h + 84);
        const e = entries + (target.index - 1) * size;
        buf.fill(0, e + 56, e + 128);
        for (let i = 0; i < name.length; i++) buf.writeUInt16LE(name.charCodeAt(i), e + 56 + 2 * i);
        buf.writeUInt32LE(crc32(buf.subarray(entries, entries + count * size)), h + 88);
        const hs = buf.readUInt32LE(h + 12);
        buf.writeUInt32LE(0, h + 16);
        buf.writeUInt32LE(crc32(buf.subarray(h, h + hs)), h + 16);
      }
      const img = await openBuf(buf, 'hostile-gpt.iso');
      try {
        gpt = (await img.systemArea()).gpt;
        assert.ok(gpt && gpt.headerCrcOk && gpt.entriesCrcOk, 'patched GPT is consistent');
        assert.equal(gpt.partitions[1].name, name, 'patched name');
        const { doc } = await reportOf(img);
        const t = tableOf(doc, 'GUID Partition Table');
        const c = cell(t, t.rows[1], 'Name');
        assert.equal(c.text, visible(name));
        assert.deepEqual(c.kinds, []);
        const fence = doc.fences.find(f => f.section === 'GUID Partition Table')!;
        const lines = fence.content.split('\n');
        const at = lines.indexOf(`GPT partname local :   2  ${visible(name)}`);
        assert.ok(at >= 0, fence.content);
        assert.ok(lines.slice(at).some(l => l.startsWith('GPT start and size :   2')), 'the block goes on after the name');
        const efi = (await img.elTorito())!.entries.filter(e => e.path).map(e => e.path!);
        const catalog = (await img.elTorito())!.catalogPath!;
        assertClean(doc, link, [catalog, ...efi]);
      } finally {
        await img.close();
      }
    });
  });
});
