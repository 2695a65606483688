// dumpet (El Torito catalog dumper) as a peer.
// Quirks learned:
//  * `dumpet -i X` prints "Validation Entry:" (PlatformId, ID in quotes, Checksum/Key bytes 0x55aa
//    are printed as the key bytes, not the checksum word), then "Boot Catalog Default Entry:" and,
//    per section, "Section Header Entry:" (Header Indicator 0x90/0x91, PlatformId 0xNN (name),
//    Section Entries: N) and "Boot Catalog Section Entry:" blocks.
//  * The default entry says "Media load segment: 0x0 (0000:7c00)", section entries say
//    "Media load address: 0 (0x0000)" for the same field.
//  * Emulation names: "no emulation", "1.44MB floppy diskette emulation" (1.2/2.88 alike),
//    "hard disk emulation". "Entry is bootable" / "Entry is not bootable".
//  * It exits non-zero and prints nothing useful for images without a boot catalog.
import { run } from './run';

export interface DumpetEntry {
  section: number; // 0 = default entry
  platformId: number;
  bootable: boolean;
  emulation: string;
  loadSegment: number;
  systemType: number;
  sectorCount: number;
  lba: number;
}
export interface DumpetReport { platformId: number; id: string; entries: DumpetEntry[] }

export async function dumpet(image: string): Promise<DumpetReport | null> {
  const r = await run('dumpet', ['-i', image]);
  const text = r.stdout.toString('utf8');
  if (r.code !== 0 || !/Validation Entry:/.test(text)) return null;
  const blocks = text.split(/^(?=\S.*:\s*$)/m);
  let rep: DumpetReport | null = null;
  let section = 0;
  let sectionPlatform = 0;
  for (const b of blocks) {
    const field = (label: string) => new RegExp(`^\\s*${label}:\\s*(.*)$`, 'm').exec(b)?.[1] ?? '';
    if (b.startsWith('Validation Entry:')) {
      sectionPlatform = parseInt(field('PlatformId'), 16);
      rep = { platformId: sectionPlatform, id: /"(.*)"/.exec(field('ID'))?.[1] ?? '', entries: [] };
    } else if (b.startsWith('Section Header Entry:')) {
      section++;
      sectionPlatform = parseInt(field('PlatformId'), 16);
    } else if (rep && (b.startsWith('Boot Catalog Default Entry:') || b.startsWith('Boot Catalog Section Entry:'))) {
      const seg = b.startsWith('Boot Catalog Default') ? field('Media load segment') : field('Media load address');
      rep.entries.push({
        section, platformId: sectionPlatform, bootable: /Entry is bootable/.test(b), emulation: field('Boot Media emulation type'),
        loadSegment: parseInt(seg, seg.startsWith('0x') ? 16 : 10), systemType: parseInt(field('System type'), 10),
        sectorCount: parseInt(field('Load Sectors'), 10), lba: parseInt(field('Load LBA'), 10),
      });
    }
  }
  return rep;
}
