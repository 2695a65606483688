// bsdtar (libarchive 3.6.2) as a peer reader.
// Quirks learned:
//  * `bsdtar tvf X` prints `ls -l`-like lines: MODE NLINK UID GID SIZE Mon DD YYYY|HH:MM name
//    (names are printed raw; non-printable bytes would be escaped as \ooo, and tvf's dates have no
//    seconds). The root appears as ".". Devices print "MAJ,MIN" as size.
//  * Hard links: the second and later names print "name link to first" and size 0 in tvf, and are
//    extracted as hard links.
//  * Rock Ridge is used when present; otherwise Joliet; otherwise the ISO 9660 names without ";1".
//    Without RR, modes default to 0400/0700-like values; the root shows as ".".
//  * zisofs (RRIP ZF) is decompressed transparently.
//  * `bsdtar xf` refuses entries with ".." components and absolute paths unless -P is given
//    (this is the behaviour our extract must match or beat); as root it restores owners and
//    modes, mtimes to the second, symlinks and hard links, and creates device nodes/fifos.
//    With --no-same-owner it also DROPS setuid/setgid bits (libarchive only restores them together
//    with the owner), so the comparison extraction runs as root with owners restored.
import * as fs from 'fs';
import { EntryType, parseModeString, run, runText } from './run';

export interface BsdtarEntry { path: string; type: EntryType; perm: number; nlink: number; size: number | null; target?: string; hardlinkTo?: string }

export async function bsdtarList(image: string): Promise<BsdtarEntry[]> {
  const text = await runText('bsdtar', ['tvf', image]);
  const re = /^(\S{10})\s+(\d+)\s+(\S+)\s+(\S+)\s+(\S+)\s+\w{3}\s+\d+\s+\S+\s(.*)$/;
  const out: BsdtarEntry[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const m = re.exec(line);
    if (!m) throw new Error(`unparsed bsdtar line: ${line}`);
    const { type, perm } = parseModeString(m[1]);
    let name = m[6];
    let target: string | undefined;
    let hardlinkTo: string | undefined;
    if (type === 'symlink') {
      const i = name.indexOf(' -> ');
      if (i >= 0) [name, target] = [name.slice(0, i), name.slice(i + 4)];
    } else {
      const i = name.indexOf(' link to ');
      if (i >= 0) [name, hardlinkTo] = [name.slice(0, i), '/' + name.slice(i + 9)];
    }
    if (name === '.') continue;
    const e: BsdtarEntry = { path: '/' + name.replace(/\/$/, ''), type, perm, nlink: +m[2], size: /^\d+$/.test(m[5]) ? +m[5] : null };
    if (target !== undefined) e.target = target;
    if (hardlinkTo !== undefined) e.hardlinkTo = hardlinkTo;
    out.push(e);
  }
  return out;
}

export async function bsdtarExtract(image: string, dir: string, extra: string[] = []): Promise<{ code: number | null; stderr: string }> {
  fs.mkdirSync(dir, { recursive: true });
  const r = await run('bsdtar', ['xf', image, '-C', dir, ...extra]);
  return { code: r.code, stderr: r.stderr };
}

export { runText };
