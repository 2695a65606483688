// xorriso as a peer reader (libisofs; xorriso 1.5.4 on Debian 12).
// Quirks learned:
//  * `-find / -exec lsdl` prints one `ls -ld`-like line per node on stdout (status on stderr):
//      MODE NLINK UID GID SIZE MON DAY YEAR|HH:MM 'path' [-> 'target']
//    Paths and targets are shell-quoted with single quotes; an embedded ' is written '"'"'.
//    Non-ASCII names are printed raw (UTF-8). Devices show "MAJ,MIN" in the size column.
//  * lsdl's NLINK column is always 1 (even with -hardlinks on and RRIP PX nlink 2) and the date has
//    no seconds, so neither is usable for comparison: use isoinfo -R for nlink, bsdtar xf for mtimes.
//  * The El Torito boot catalog shows with type letter 'e' ("er--r--r--"): parsed as a file.
//  * With Rock Ridge, xorriso presents relocated deep directories at their original place (CL/PL/RE)
//    but still lists the (then empty) /rr_moved directory itself.
//  * Without Rock Ridge xorriso shows ISO 9660 names with ";1" stripped and a trailing "." removed,
//    default mode dr-xr-xr-x / -r-xr-xr-x (the Linux kernel's); it does not load Joliet names unless told to.
//  * -report_el_torito plain: "El Torito boot img :   N  Pltf  B   Emul  Ld_seg  Hdpt  Ldsiz  LBA"
//    (Pltf BIOS/UEFI/PPC/Mac or hex, Emul none/fd1.2/fd1.4/fd2.8/hd, Ldsiz = 512-byte sectors);
//    "img path" only when the image is a file in the tree; "img blks" for images outside it.
//  * -report_system_area plain: MBR Start/Blocks in 512-byte sectors; GPT GUIDs are printed as the
//    16 raw on-disk bytes in hex (not the mixed-endian text form); "GPT start and size" in 512-byte
//    blocks; APM start/size in APM blocks (usually 2048).
//  * -pvd_info dates are the 16 raw digits YYYYMMDDhhmmsscc without the GMT offset byte.
//  * -toc on a grown stdio file lists every session superblock ("ISO session : idx , sbsector ,
//    Size , Volume Id"; Size is counted from the session start, with an "s" suffix).
import * as path from 'path';
import { EntryType, parseModeString, run, runText } from './run';

export interface LsdlEntry {
  path: string;
  type: EntryType;
  perm: number;
  nlink: number;
  uid: number;
  gid: number;
  size: number | null; // null for devices
  rdev?: { major: number; minor: number };
  target?: string;
}

/** Reads one sh-quoted word ('…' and "…" pieces concatenated) from s at i. */
function shWord(s: string, i: number): { word: string; end: number } {
  let word = '';
  while (i < s.length && s[i] !== ' ') {
    const q = s[i];
    if (q === "'" || q === '"') {
      const close = s.indexOf(q, i + 1);
      if (close < 0) throw new Error(`unbalanced quote in ${s}`);
      word += s.slice(i + 1, close);
      i = close + 1;
    } else {
      word += q;
      i++;
    }
  }
  return { word, end: i };
}

export function parseLsdl(text: string): LsdlEntry[] {
  const out: LsdlEntry[] = [];
  const re = /^(\S{10})\s+(\d+)\s+(\d+)\s+(\d+)\s+(\S+)\s+\w{3}\s+\d+\s+\S+\s+(['"].*)$/;
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const m = re.exec(line);
    if (!m) throw new Error(`unparsed lsdl line: ${line}`);
    // 'e' is xorriso's type letter for the El Torito boot catalog node: a regular file to others
    const { type, perm } = parseModeString(m[1][0] === 'e' ? `-${m[1].slice(1)}` : m[1]);
    const p = shWord(m[6], 0);
    const e: LsdlEntry = { path: p.word, type, perm, nlink: +m[2], uid: +m[3], gid: +m[4], size: null };
    if (/^\d+,\d+$/.test(m[5])) {
      const [major, minor] = m[5].split(',').map(Number);
      e.rdev = { major, minor };
    } else e.size = +m[5];
    const rest = m[6].slice(p.end);
    if (rest.startsWith(' -> ')) e.target = shWord(rest, 4).word;
    out.push(e);
  }
  return out;
}

export async function xorrisoLsdl(image: string, extraArgs: string[] = []): Promise<LsdlEntry[]> {
  return parseLsdl(await runText('xorriso', ['-abort_on', 'FATAL', '-indev', image, ...extraArgs, '-find', '/', '-exec', 'lsdl', '--']));
}

export interface XorrisoBootImage {
  index: number;
  platform: string; // BIOS UEFI PPC Mac or 0x..
  bootable: boolean;
  emulation: string; // none fd1.2 fd1.4 fd2.8 hd
  loadSegment: number;
  systemType: number;
  sectorCount: number;
  lba: number;
  path?: string;
  opts: string[];
  blocks?: number;
}
export interface XorrisoElTorito {
  catalogLba: number;
  catalogPath?: string;
  images: XorrisoBootImage[];
}

export async function xorrisoElTorito(image: string): Promise<XorrisoElTorito | null> {
  const text = await runText('xorriso', ['-indev', image, '-report_el_torito', 'plain']);
  let res: XorrisoElTorito | null = null;
  const byIdx = new Map<number, XorrisoBootImage>();
  for (const line of text.split('\n')) {
    let m: RegExpExecArray | null;
    if ((m = /^El Torito catalog\s*:\s*(\d+)/.exec(line))) res = { catalogLba: +m[1], images: [] };
    else if (res && (m = /^El Torito cat path\s*:\s*(.*)$/.exec(line))) res.catalogPath = m[1].trim();
    else if (res && (m = /^El Torito boot img\s*:\s*(\d+)\s+(\S+)\s+([yn])\s+(\S+)\s+(0x[0-9a-f]+)\s+(0x[0-9a-f]+)\s+(\d+)\s+(\d+)/i.exec(line))) {
      const img: XorrisoBootImage = {
        index: +m[1], platform: m[2], bootable: m[3] === 'y', emulation: m[4],
        loadSegment: parseInt(m[5], 16), systemType: parseInt(m[6], 16), sectorCount: +m[7], lba: +m[8], opts: [],
      };
      res.images.push(img);
      byIdx.set(img.index, img);
    } else if (res && (m = /^El Torito img path\s*:\s*(\d+)\s+(.*)$/.exec(line))) byIdx.get(+m[1])!.path = m[2].trim();
    else if (res && (m = /^El Torito img opts\s*:\s*(\d+)\s+(.*)$/.exec(line))) byIdx.get(+m[1])!.opts = m[2].trim().split(/\s+/);
    else if (res && (m = /^El Torito img blks\s*:\s*(\d+)\s+(\d+)/.exec(line))) byIdx.get(+m[1])!.blocks = +m[2];
  }
  return res;
}

export interface XorrisoSystemArea {
  summary: string[];
  mbr: { index: number; status: number; type: number; start: number; blocks: number }[];
  gpt: null | {
    diskGuidHex: string;
    partitions: { index: number; name: string; guidHex: string; typeGuidHex: string; start: number; size: number }[];
  };
  apm: null | { blockSize: number; partitions: { index: number; name: string; type: string; start: number; size: number }[] };
}

/** Converts xorriso's raw 16-byte GUID hex into the usual text form (first 3 fields little-endian). */
export function guidFromRawHex(hex: string): string {
  const b = Buffer.from(hex, 'hex');
  if (b.length !== 16) throw new Error(`bad GUID hex ${hex}`);
  const h = (x: Buffer) => x.toString('hex');
  return [h(Buffer.from(b.subarray(0, 4)).reverse()), h(Buffer.from(b.subarray(4, 6)).reverse()), h(Buffer.from(b.subarray(6, 8)).reverse()), h(b.subarray(8, 10)), h(b.subarray(10, 16))].join('-').toUpperCase();
}

export async function xorrisoSystemArea(image: string): Promise<XorrisoSystemArea> {
  const text = await runText('xorriso', ['-indev', image, '-report_system_area', 'plain']);
  const sa: XorrisoSystemArea = { summary: [], mbr: [], gpt: null, apm: null };
  const gp = new Map<number, { index: number; name: string; guidHex: string; typeGuidHex: string; start: number; size: number }>();
  const ap = new Map<number, { index: number; name: string; type: string; start: number; size: number }>();
  for (const line of text.split('\n')) {
    let m: RegExpExecArray | null;
    if ((m = /^System area summary:\s*(.*)$/.exec(line))) sa.summary = m[1].trim().split(/\s+/);
    else if ((m = /^MBR partition\s*:\s*(\d+)\s+(0x[0-9a-f]+)\s+(0x[0-9a-f]+)\s+(\d+)\s+(\d+)/i.exec(line))) {
      sa.mbr.push({ index: +m[1], status: parseInt(m[2], 16), type: parseInt(m[3], 16), start: +m[4], blocks: +m[5] });
    } else if ((m = /^GPT disk GUID\s*:\s*([0-9a-f]{32})/i.exec(line))) sa.gpt = { diskGuidHex: m[1], partitions: [] };
    else if ((m = /^GPT (partname local|partition GUID|type GUID|start and size)\s*:\s*(\d+)\s+(.*)$/.exec(line))) {
      const i = +m[2];
      if (!gp.has(i)) gp.set(i, { index: i, name: '', guidHex: '', typeGuidHex: '', start: 0, size: 0 });
      const p = gp.get(i)!;
      if (m[1] === 'partname local') p.name = m[3].trim();
      else if (m[1] === 'partition GUID') p.guidHex = m[3].trim();
      else if (m[1] === 'type GUID') p.typeGuidHex = m[3].trim();
      else [p.start, p.size] = m[3].trim().split(/\s+/).map(Number);
    } else if ((m = /^APM block size\s*:\s*(\d+)/.exec(line))) sa.apm = { blockSize: +m[1], partitions: [] };
    else if ((m = /^APM (partition name|partition type|start and size)\s*:\s*(\d+)\s+(.*)$/.exec(line))) {
      const i = +m[2];
      if (!ap.has(i)) ap.set(i, { index: i, name: '', type: '', start: 0, size: 0 });
      const p = ap.get(i)!;
      if (m[1] === 'partition name') p.name = m[3].trim();
      else if (m[1] === 'partition type') p.type = m[3].trim();
      else [p.start, p.size] = m[3].trim().split(/\s+/).map(Number);
    }
  }
  if (sa.gpt) sa.gpt.partitions = [...gp.values()].sort((a, b) => a.index - b.index);
  if (sa.apm) sa.apm.partitions = [...ap.values()].sort((a, b) => a.index - b.index);
  return sa;
}

export interface PvdInfo {
  volumeId: string; volumeSetId: string; publisherId: string; preparerId: string; applicationId: string; systemId: string;
  created: string; modified: string; // 16 raw digits
}
export async function xorrisoPvdInfo(image: string): Promise<PvdInfo> {
  // the ids are bytes (a-characters, or anything a hostile image holds): read as Latin-1, as the engine does
  const text = await runText('xorriso', ['-indev', image, '-pvd_info'], { encoding: 'latin1' });
  const get = (label: string) => {
    const m = new RegExp(`^${label.replace(/[.]/g, '\\.')}\\s*: ?(.*)$`, 'm').exec(text);
    if (!m) throw new Error(`-pvd_info: no ${label}`);
    return m[1];
  };
  return {
    volumeId: get('Volume Id'), volumeSetId: get('Volume Set Id'), publisherId: get('Publisher Id'), preparerId: get('Preparer Id'),
    applicationId: get('App Id'), systemId: get('System Id'), created: get('Creation Time').trim(), modified: get('Modif. Time').trim(),
  };
}

export interface TocSession { index: number; startLba: number; blocks: number; volumeId: string }
export async function xorrisoToc(image: string): Promise<TocSession[]> {
  const text = await runText('xorriso', ['-indev', image, '-toc']);
  const out: TocSession[] = [];
  for (const m of text.matchAll(/^ISO session\s*:\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)s\s*,\s*(.*)$/gm)) {
    out.push({ index: +m[1], startLba: +m[2], blocks: +m[3], volumeId: m[4].trim() });
  }
  return out;
}

/** Extracts the whole tree with osirrox (keeps modes; with -osirrox on:o_excl_off it overwrites). */
export async function xorrisoExtract(image: string, dir: string): Promise<void> {
  const r = await run('xorriso', ['-osirrox', 'on', '-indev', image, '-extract', '/', path.resolve(dir)]);
  if (r.code !== 0) throw new Error(`xorriso -extract failed (${r.code}): ${r.stderr.slice(-2000)}`);
}
