// 7z (p7zip-full on Debian 12; the package is really 7-Zip 26.02 behind p7zip's wrapper) as a peer.
// Quirks learned:
//  * `7z l -slt X` prints a header block (Path = the archive itself, Type = Iso, …) then, after a
//    line "----------", one block per entry: "Path = a/b", "Folder = +|-", "Size = N" (empty for
//    folders), "Modified = YYYY-MM-DD hh:mm:ss" (local time; TZ=UTC is forced), "Mode" and
//    "Symbolic Link" (both empty for ISO).
//  * 7z reads the Joliet tree when there is one: no symlinks, devices or fifos (they are not in
//    Joliet), Joliet's (possibly truncated) names. Without Joliet, 7-Zip 26 takes the Rock Ridge NM
//    names but NOT the RR tree: relocated directories stay in /rr_moved under their ISO names
//    (genisoimage's RR_MOVED/LEVEL7, mixed with RR names elsewhere), symlinks/devices show as plain
//    files. Without Joliet or RR it shows ISO 9660 names with ";1" removed.
//  * It does not understand zisofs: "Size" of a zisofs file is the compressed size.
//  * Paths are relative, without a leading "/".
//  * With El Torito it adds a fake "[BOOT]/…" entry per boot image (e.g. "[BOOT]/Boot-NoEmul.img").
import { runText } from './run';

export interface SevenZipEntry { path: string; dir: boolean; size: number | null }

export async function sevenZipList(image: string): Promise<SevenZipEntry[]> {
  const text = await runText('7z', ['l', '-slt', image]);
  const body = text.split(/^----------$/m)[1] ?? '';
  const out: SevenZipEntry[] = [];
  for (const block of body.split(/\n\s*\n/)) {
    const path = /^Path = (.*)$/m.exec(block)?.[1];
    if (path === undefined) continue;
    const size = /^Size = (\d*)$/m.exec(block)?.[1] ?? '';
    out.push({ path: '/' + path, dir: /^Folder = \+$/m.test(block), size: size === '' ? null : +size });
  }
  return out;
}
