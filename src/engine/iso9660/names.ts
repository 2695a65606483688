// ECMA-119 7.5 File identifiers (name, extension, ";version") and 6.5.1 multi-extent file sections

/**
 * Display name of an ISO 9660 / Joliet file identifier: drops the version (7.5.1 SEPARATOR 2 and
 * version number) and a trailing SEPARATOR 1 left with an empty extension.
 * "FOO.TXT;1" → "FOO.TXT", "FOO.;1" → "FOO", "README." → "README". '.' and '..' are kept.
 */
export function stripVersion(name: string): string {
  if (name === '.' || name === '..') return name;
  let s = name.replace(/;\d*$/u, '');
  if (s.length > 1 && s.endsWith('.')) s = s.slice(0, -1);
  return s.length > 0 ? s : name;
}

/**
 * Groups the records of one directory into files (ECMA-119 6.5.1, 9.1.6 bit 7): consecutive
 * records with the same identifier, all but the last flagged multi-extent, form one file.
 * A group that is broken — followed by a different name, or still flagged multi-extent at the end
 * of the directory — is returned as it is, and reported through `onBroken` when given.
 */
export function groupMultiExtent<T extends { multiExtent: boolean; name: string }>(records: T[], onBroken?: (group: T[], reason: string) => void): T[][] {
  const groups: T[][] = [];
  let open: T[] | null = null;
  for (const rec of records) {
    if (open) {
      if (rec.name === open[0].name) {
        open.push(rec);
        if (!rec.multiExtent) { groups.push(open); open = null; }
        continue;
      }
      onBroken?.(open, `multi-extent file ${JSON.stringify(open[0].name)} is interrupted by ${JSON.stringify(rec.name)} before its last extent`);
      groups.push(open);
      open = null;
    }
    if (rec.multiExtent) open = [rec];
    else groups.push([rec]);
  }
  if (open) {
    onBroken?.(open, `multi-extent file ${JSON.stringify(open[0].name)} has no final extent (the directory ends with a record flagged multi-extent)`);
    groups.push(open);
  }
  return groups;
}
