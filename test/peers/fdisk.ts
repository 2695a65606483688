// fdisk -l (util-linux 2.38) as a peer for MBR and GPT partition tables.
// Quirks learned:
//  * Device names are the image path with the partition number appended ("x.iso1"): strip the path.
//  * When the MBR is not protective (isohybrid --gpt style with a 0x00/0x17 partition) fdisk shows
//    the *dos* label even though a GPT exists; with a protective 0xEE MBR it shows the GPT only.
//    So fdisk gives us the MBR of hybrid images and the GPT of grub-mkrescue-like ones.
//  * The Boot column is "*" or blank, so the default columns are parsed with -o chosen explicitly:
//    dos: Device,Boot,Start,End,Sectors,Id,Type  gpt: Device,Start,End,Sectors,Type-UUID,UUID,Name
//    (Name is last because it may contain spaces; GUIDs are printed upper-case in text form).
//  * fdisk prints "Disk identifier: 0x…" for dos and the GUID for gpt; partition 1 of isohybrid
//    images starts at sector 0, which fdisk prints without complaint.
import { runText } from './run';

export interface FdiskReport {
  label: 'dos' | 'gpt' | null;
  identifier: string;
  dos: { index: number; bootable: boolean; start: number; sectors: number; type: number }[];
  gpt: { index: number; start: number; end: number; sectors: number; typeGuid: string; guid: string; name: string }[];
}

export async function fdiskList(image: string): Promise<FdiskReport> {
  const first = await runText('fdisk', ['-l', image]);
  const label = (/^Disklabel type: (\w+)/m.exec(first)?.[1] ?? null) as FdiskReport['label'];
  const rep: FdiskReport = { label, identifier: /^Disk identifier: (.*)$/m.exec(first)?.[1] ?? '', dos: [], gpt: [] };
  if (!label) return rep;
  const cols = label === 'dos' ? 'Device,Boot,Start,End,Sectors,Id,Type' : 'Device,Start,End,Sectors,Type-UUID,UUID,Name';
  const text = await runText('fdisk', ['-l', '-o', cols, image]);
  for (const line of text.split('\n')) {
    if (!line.startsWith(image)) continue;
    const rest = line.slice(image.length);
    let m: RegExpExecArray | null;
    if (label === 'dos' && (m = /^(\d+)\s+(\*?)\s+(\d+)\s+(\d+)\s+(\d+)\s+([0-9a-f]+)\s/.exec(rest + ' '))) {
      rep.dos.push({ index: +m[1], bootable: m[2] === '*', start: +m[3], sectors: +m[5], type: parseInt(m[6], 16) });
    } else if (label === 'gpt' && (m = /^(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\S+)\s+(\S+)\s?(.*)$/.exec(rest))) {
      rep.gpt.push({ index: +m[1], start: +m[2], end: +m[3], sectors: +m[4], typeGuid: m[5], guid: m[6], name: m[7] });
    }
  }
  return rep;
}
