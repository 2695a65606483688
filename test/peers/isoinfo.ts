// isoinfo (cdrkit 1.1.11, Debian 12) as a peer reader.
// Quirks learned:
//  * `isoinfo -d -i X` prints the PVD ids ("Volume id: …", "Publisher id: …", "Data preparer id",
//    "Application id", "System id", "Volume set id"), "Logical block size is: N", "Volume size is: N",
//    "Joliet with UCS level N found", "Rock Ridge signatures version N found"; no dates.
//  * `-l` lists directories as "Directory listing of /dir/" then `ls -l`-like lines:
//      MODE NLINK UID GID SIZE Mon DD YYYY [ LBA FLAGS]  name␠
//    with two spaces before the name and one trailing space. "." and ".." are included.
//    Without -R/-J the names are raw ISO 9660 names with ";1" and a trailing "." for extension-less
//    files (e.g. "NOEXT.;1" from genisoimage, "EVIL1.;1" from xorriso).
//  * For multi-extent files every extent is its own line, and the flags column of the non-final
//    extents is garbled ("[     33 FFFF BIG.BIN;1": no separator); sizes must be summed.
//  * With -R, the UID/GID columns are wrong for non-zero owners (1234 prints as 2322): isoinfo reads
//    the PX fields badly, so owners are not compared with isoinfo. NLINK (PX) is right (2 for a hard
//    link pair), which xorriso's lsdl does not show. Large owners even run the UID and GID columns
//    together ("1 102221411   7"), so the owner columns are parsed as one opaque field. Symlinks print "name -> target"; fifos print
//    'f' as the type letter.
//  * With -J some entries are printed twice in a row (seen for 4 of 20 entries of the rr-joliet
//    fixture): consecutive duplicates are dropped. Joliet has no symlinks/devices (xorriso omits
//    them) and xorriso truncates long Joliet names to 103 UCS-2 characters (-joliet-long).
//  * isoinfo cannot print Unicode Joliet names: it converts UCS-2 to a single-byte charset (-j,
//    "UTF-8" is not accepted) and prints '_' for every UCS-2 unit it cannot map (an emoji, being a
//    surrogate pair, becomes "__"). We ask for -j iso8859-1, decode as Latin-1, and compare our
//    names through jolietAsIsoinfoPrints().
//  * Symlink lines (-R) have no trailing space after the target.
import { EntryType, parseModeString, runText } from './run';

export interface IsoinfoPvd {
  systemId: string; volumeId: string; volumeSetId: string; publisherId: string; preparerId: string; applicationId: string;
  blockSize: number; volumeBlocks: number; joliet: boolean; rockRidge: boolean;
}

export async function isoinfoPvd(image: string): Promise<IsoinfoPvd> {
  // the ids are bytes (a-characters, or anything a hostile image holds): read as Latin-1, as the engine does
  const text = await runText('isoinfo', ['-d', '-i', image], { encoding: 'latin1' });
  const get = (label: string) => new RegExp(`^${label}: ?(.*)$`, 'm').exec(text)?.[1] ?? '';
  return {
    systemId: get('System id'), volumeId: get('Volume id'), volumeSetId: get('Volume set id'), publisherId: get('Publisher id'),
    preparerId: get('Data preparer id'), applicationId: get('Application id'),
    blockSize: +(/Logical block size is: (\d+)/.exec(text)?.[1] ?? NaN), volumeBlocks: +(/Volume size is: (\d+)/.exec(text)?.[1] ?? NaN),
    joliet: /Joliet with UCS level/.test(text), rockRidge: /Rock Ridge signatures/.test(text),
  };
}

export interface IsoinfoEntry {
  path: string; // absolute, names as isoinfo prints them
  type: EntryType;
  perm: number;
  nlink: number;
  size: number; // summed over extents
  extents: { lba: number; size: number }[];
  target?: string;
}

export async function isoinfoList(image: string, mode: 'iso9660' | 'joliet' | 'rr'): Promise<IsoinfoEntry[]> {
  const flag = mode === 'joliet' ? ['-J', '-j', 'iso8859-1'] : mode === 'rr' ? ['-R'] : [];
  const text = await runText('isoinfo', ['-l', ...flag, '-i', image], { encoding: mode === 'joliet' ? 'latin1' : 'utf8' });
  const out: IsoinfoEntry[] = [];
  let dir = '/';
  let prevLine = '';
  const re = /^(\S{10})\s+(\d+)\s+(\d+(?:\s+\d+)?)\s+(\d+)\s+\w{3}\s+\d+\s+\d{4}\s+\[\s*(\d+)\s*(?:([0-9A-F]{2})\]\s|FFFF\s?)\s?(.*?) ?$/;
  for (const line of text.split('\n')) {
    const d = /^Directory listing of (.*)$/.exec(line);
    if (d) {
      dir = d[1];
      prevLine = '';
      continue;
    }
    if (!line.trim()) continue;
    if (line === prevLine) continue; // -J duplicate quirk
    prevLine = line;
    const m = re.exec(line);
    if (!m) throw new Error(`unparsed isoinfo line: ${JSON.stringify(line)}`);
    let name = m[7];
    if (name === '.' || name === '..') continue;
    const { type, perm } = parseModeString(m[1]);
    let target: string | undefined;
    if (type === 'symlink' && mode === 'rr') {
      const i = name.indexOf(' -> ');
      if (i >= 0) {
        target = name.slice(i + 4);
        name = name.slice(0, i);
      }
    }
    const p = dir + name;
    const last = out[out.length - 1];
    if (last && last.path === p && last.type === 'file' && type === 'file') {
      // next extent of a multi-extent file
      last.size += +m[4];
      last.extents.push({ lba: +m[5], size: +m[4] });
      continue;
    }
    const e: IsoinfoEntry = { path: p, type, perm, nlink: +m[2], size: +m[4], extents: [{ lba: +m[5], size: +m[4] }] };
    if (target !== undefined) e.target = target;
    out.push(e);
  }
  return out;
}

/** Our Joliet name as isoinfo -J -j iso8859-1 prints it: UTF-16 units above U+00FF become '_'. */
export function jolietAsIsoinfoPrints(p: string): string {
  return p.replace(/[\u0100-\uffff]/g, '_');
}
