// Well-known GPT partition type GUIDs (UEFI 2.10 §5.3.3 Table 5.7 for the UEFI-defined ones;
// the rest as published by their owners and listed by util-linux fdisk), in the mixed-endian
// text form used by fdisk.
const TYPES: Record<string, string> = {
  '00000000-0000-0000-0000-000000000000': 'Unused',
  'C12A7328-F81F-11D2-BA4B-00A0C93EC93B': 'EFI System',
  '024DEE41-33E7-11D3-9D69-0008C781F39F': 'MBR partition scheme',
  '21686148-6449-6E6F-744E-656564454649': 'BIOS boot',
  'E3C9E316-0B5C-4DB8-817D-F92DF00215AE': 'Microsoft reserved',
  'EBD0A0A2-B9E5-4433-87C0-68B6B72699C7': 'Microsoft basic data',
  '5808C8AA-7E8F-42E0-85D2-E1E90434CFB3': 'Microsoft LDM metadata',
  'AF9B60A0-1431-4F62-BC68-3311714A69AD': 'Microsoft LDM data',
  'DE94BBA4-06D1-4D40-A16A-BFD50179D6AC': 'Windows recovery environment',
  '0FC63DAF-8483-4772-8E79-3D69D8477DE4': 'Linux filesystem',
  '0657FD6D-A4AB-43C4-84E5-0933C84B4F4F': 'Linux swap',
  'E6D6D379-F507-44C2-A23C-238F2A3DF928': 'Linux LVM',
  'A19D880F-05FC-4D3B-A006-743F0F84911E': 'Linux RAID',
  '933AC7E1-2EB4-4F13-B844-0E14E2AEF915': 'Linux home',
  '3B8F8425-20E0-4F3B-907F-1A25A76F98E8': 'Linux server data',
  'BC13C2FF-59E6-4262-A352-B275FD6F7172': 'Linux extended boot',
  '44479540-F297-41B2-9AF7-D131D5F0458A': 'Linux root (x86)',
  '4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709': 'Linux root (x86-64)',
  'B921B045-1DF0-41C3-AF44-4C6F280D3FAE': 'Linux root (ARM-64)',
  '69DAD710-2CE4-4E3C-B16C-21A1D49ABED3': 'Linux root (ARM)',
  '8DA63339-0007-60C0-C436-083AC8230908': 'Linux reserved',
  'CA7D7CCB-63ED-4C53-861C-1742536059CC': 'Linux LUKS',
  'FE3A2A5D-4F32-41A7-B725-ACCC3285A309': 'ChromeOS kernel',
  '3CB8E202-3B7E-47DD-8A3C-7FF2A13CFCEC': 'ChromeOS root fs',
  '2E0A753D-9E48-43B0-8337-B15192CB1B5E': 'ChromeOS reserved',
  '48465300-0000-11AA-AA11-00306543ECAC': 'Apple HFS/HFS+',
  '7C3457EF-0000-11AA-AA11-00306543ECAC': 'Apple APFS',
  '55465300-0000-11AA-AA11-00306543ECAC': 'Apple UFS',
  '426F6F74-0000-11AA-AA11-00306543ECAC': 'Apple boot',
  '52414944-0000-11AA-AA11-00306543ECAC': 'Apple RAID',
  '4C616265-6C00-11AA-AA11-00306543ECAC': 'Apple label',
  '5265636F-7665-11AA-AA11-00306543ECAC': 'Apple TV recovery',
  '53746F72-6167-11AA-AA11-00306543ECAC': 'Apple Core storage',
  '516E7CB4-6ECF-11D6-8FF8-00022D09712B': 'FreeBSD data',
  '83BD6B9D-7F41-11DC-BE0B-001560B84F0F': 'FreeBSD boot',
  '516E7CB5-6ECF-11D6-8FF8-00022D09712B': 'FreeBSD swap',
  '516E7CB6-6ECF-11D6-8FF8-00022D09712B': 'FreeBSD UFS',
  '516E7CBA-6ECF-11D6-8FF8-00022D09712B': 'FreeBSD ZFS',
  '6A898CC3-1DD2-11B2-99A6-080020736631': 'Solaris /usr & Apple ZFS',
  '9E1A2D38-C612-4316-AA26-8B49521E5A8B': 'PowerPC PReP boot',
};

/** Display name of a GPT partition type GUID (any case), or "unknown". */
export function gptTypeName(guid: string): string {
  return TYPES[guid.toUpperCase()] ?? 'unknown';
}

/** Formats 16 on-disk GUID bytes as fdisk does: first three fields little-endian, uppercase. */
export function formatGuid(b: Uint8Array, off = 0): string {
  const h = (i: number): string => b[off + i].toString(16).padStart(2, '0');
  const s = [3, 2, 1, 0].map(h).join('') + '-' + [5, 4].map(h).join('') + '-' + [7, 6].map(h).join('') + '-' +
    [8, 9].map(h).join('') + '-' + [10, 11, 12, 13, 14, 15].map(h).join('');
  return s.toUpperCase();
}
