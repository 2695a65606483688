// Names on the host's file system. A name that is ordinary inside an image may be one the target
// file system cannot hold, or holds as the same file as another name: README and readme on a
// case-insensitive volume (NTFS, APFS and HFS+ by default, vfat/exFAT, casefolded ext4), "é"
// composed and decomposed on macOS (normalization-insensitive), "a:b", "CON", "aux.txt", "x." and
// "x " on Windows. Extraction never lets one entry overwrite another or vanish: it asks a
// HostNames planner for every name, and the planner hands out the name itself when the target can
// hold it as a distinct file, else a deterministic replacement (forbidden characters and trailing
// dots or spaces as %XX, "CON" as "CON_", a clash as "readme~2", a long name cut with a hash) and
// the reason, which extraction lists. Pure logic here (testable for every host on any host);
// `probeHostProfile` looks at the real target folder.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import { cutUtf8 } from './hostPaths';

/** What a target file system does to names. */
export interface HostProfile {
  /** Short description for summaries ("case-insensitive, Windows names"). */
  readonly label: string;
  /** README and readme are the same entry. */
  readonly caseInsensitive: boolean;
  /** "é" (U+00E9) and "e" + U+0301 are the same entry (APFS, HFS+). */
  readonly normalizationInsensitive: boolean;
  /** <>:"|?*\ and control characters U+0001–U+001F cannot be in a name (Windows, FAT, NTFS). */
  readonly forbiddenChars: boolean;
  /** CON, PRN, AUX, NUL, COM0–9, LPT0–9 (also with an extension) are devices, not files (Windows). */
  readonly reservedNames: boolean;
  /** A trailing dot or space is dropped or refused (Windows). */
  readonly trailingDotsSpaces: boolean;
  /** Only ASCII names (some FUSE FAT drivers); set after the target refused a non-ASCII name. */
  readonly asciiOnly?: boolean;
  /** Longest name: 255 bytes of UTF-8 (Linux, APFS) or 255 UTF-16 units (Windows, HFS+). */
  readonly maxName: { readonly units: 'bytes' | 'utf16'; readonly max: number };
}

const POSIX_NAME = { units: 'bytes', max: 255 } as const;
const UTF16_NAME = { units: 'utf16', max: 255 } as const;

/** The usual file system of each host; `probeHostProfile` refines it for the real target. */
export const HOST_PROFILES = {
  linux: { label: 'case-sensitive', caseInsensitive: false, normalizationInsensitive: false, forbiddenChars: false, reservedNames: false, trailingDotsSpaces: false, maxName: POSIX_NAME },
  macos: { label: 'case-insensitive, normalization-insensitive', caseInsensitive: true, normalizationInsensitive: true, forbiddenChars: false, reservedNames: false, trailingDotsSpaces: false, maxName: POSIX_NAME },
  macosCaseSensitive: { label: 'case-sensitive, normalization-insensitive', caseInsensitive: false, normalizationInsensitive: true, forbiddenChars: false, reservedNames: false, trailingDotsSpaces: false, maxName: POSIX_NAME },
  windows: { label: 'case-insensitive, Windows names', caseInsensitive: true, normalizationInsensitive: false, forbiddenChars: true, reservedNames: true, trailingDotsSpaces: true, maxName: UTF16_NAME },
} satisfies Record<string, HostProfile>;

/** The profile a platform's usual file system has (before probing). */
export function platformProfile(platform: NodeJS.Platform = process.platform): HostProfile {
  return platform === 'win32' ? HOST_PROFILES.windows : platform === 'darwin' ? HOST_PROFILES.macos : HOST_PROFILES.linux;
}

/** Why an entry is written under another name. */
export type RenameReason = 'case' | 'normalization' | 'character' | 'reserved' | 'trailing' | 'length' | 'taken';

export const REASON_TEXT: Record<RenameReason, string> = {
  case: 'another entry has the same name ignoring case',
  normalization: 'another entry has the same name in another Unicode normalization',
  character: 'the name holds characters this file system forbids',
  reserved: 'the name is a Windows device name',
  trailing: 'the name ends in a dot or space, which this file system drops',
  length: 'the name is longer than this file system allows',
  taken: 'the file system refused the name or it was already taken',
};

// Control characters are the point of this one.
// eslint-disable-next-line no-control-regex
const FORBIDDEN = /[<>:"|?*\\\u0000-\u001f]/g;
const RESERVED = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³]|conin\$|conout\$)$/i;

/** %XX (UTF-8) of one character. */
function percent(ch: string): string {
  return [...Buffer.from(ch, 'utf8')].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('');
}

/** The Windows device name a name stands for, if any: "aux.txt" and "CON " are "aux" and "CON". */
function reservedBase(name: string): boolean {
  const dot = name.indexOf('.');
  return RESERVED.test((dot < 0 ? name : name.slice(0, dot)).replace(/ +$/, ''));
}

function nameLength(name: string, p: HostProfile): number {
  return p.maxName.units === 'bytes' ? Buffer.byteLength(name, 'utf8') : name.length;
}

/** `name` cut (at a character boundary) to at most `max` units of the profile. */
function cutTo(name: string, max: number, p: HostProfile): string {
  if (p.maxName.units === 'bytes') return cutUtf8(name, max);
  let out = '';
  for (const ch of name) {
    if (out.length + ch.length > max) break;
    out += ch;
  }
  return out;
}

/** "name.ext" → ["name", ".ext"]; a leading dot or a long or spaced "extension" is part of the stem. */
function splitExtension(name: string, isDir: boolean): [string, string] {
  const dot = name.lastIndexOf('.');
  if (isDir || dot <= 0 || name.length - dot > 17 || /\s/.test(name.slice(dot))) return [name, ''];
  return [name.slice(0, dot), name.slice(dot)];
}

/**
 * `stem + tag + ext` within the profile's length, the stem cut when needed (the tag and the
 * extension are kept: "…~2.txt" still opens as text).
 */
function fit(stem: string, tag: string, ext: string, p: HostProfile): string {
  const whole = stem + tag + ext;
  if (nameLength(whole, p) <= p.maxName.max) return whole;
  const keepExt = nameLength(ext, p) <= 32 ? ext : '';
  const room = p.maxName.max - nameLength(tag + keepExt, p);
  // Not in the middle of a %XX this planner wrote.
  return cutTo(stem, Math.max(1, room), p).replace(/%[0-9A-F]?$/, '') + tag + keepExt;
}

/**
 * The name `name` becomes on a target with profile `p`, ignoring the other entries of its folder:
 * forbidden characters and a trailing dot or space as %XX, a device name with "_" after its base,
 * a name over the length limit cut and tagged with a hash of the whole name. Deterministic.
 */
export function hostSafeName(name: string, p: HostProfile, isDir = false): { name: string; reasons: RenameReason[] } {
  const reasons: RenameReason[] = [];
  let out = name;
  if (p.forbiddenChars && out.search(FORBIDDEN) >= 0) {
    out = out.replace(FORBIDDEN, percent);
    reasons.push('character');
  }
  if (p.asciiOnly && /\P{ASCII}/u.test(out)) {
    out = out.replace(/\P{ASCII}/gu, percent);
    if (!reasons.includes('character')) reasons.push('character');
  }
  if (p.trailingDotsSpaces && /[. ]$/.test(out)) {
    const m = /[. ]+$/.exec(out)!;
    out = out.slice(0, m.index) + [...m[0]].map(percent).join('');
    reasons.push('trailing');
  }
  if (p.reservedNames && reservedBase(out)) {
    const dot = out.indexOf('.');
    out = dot < 0 ? `${out}_` : `${out.slice(0, dot)}_${out.slice(dot)}`;
    reasons.push('reserved');
  }
  if (nameLength(out, p) > p.maxName.max) {
    const hash = createHash('sha256').update(name).digest('hex').slice(0, 8);
    const [stem, ext] = splitExtension(out, isDir);
    out = fit(stem, `~${hash}`, ext, p);
    reasons.push('length');
  }
  return { name: out, reasons };
}

/**
 * One file-name component of at most `maxBytes` UTF-8 bytes that every host can create, made of a
 * name from elsewhere (a URI's last segment, for a temp copy): the Windows-safe form of the name
 * ("/" as %2F too), or `fallback` when nothing usable is left. UTF-8 bytes bound every host:
 * Linux and macOS count 255 bytes, Windows 255 UTF-16 units.
 */
export function portableName(name: string, maxBytes = 100, fallback = 'image'): string {
  const s = hostSafeName(name.replace(/\//g, '%2F'), { ...HOST_PROFILES.windows, maxName: { units: 'bytes', max: maxBytes } }).name;
  return s === '' ? fallback : s;
}

/** Case folding as case-insensitive file systems compare: per character, simple (1:1) mappings. */
function foldCase(s: string): string {
  let out = '';
  for (const ch of s) {
    const up = ch.toUpperCase();
    out += ([...up].length === 1 ? up : ch).toLowerCase();
  }
  return out;
}

/** The key two names share exactly when the target holds them as one entry. */
export function nameKey(name: string, p: HostProfile): string {
  let k = p.normalizationInsensitive ? name.normalize('NFC') : name;
  if (p.caseInsensitive) k = foldCase(k);
  return k;
}

/** Whether names can clash on this target at all (else names need no bookkeeping). */
export function namesCanClash(p: HostProfile): boolean {
  return p.caseInsensitive || p.normalizationInsensitive || p.forbiddenChars || p.reservedNames || p.trailingDotsSpaces;
}

/** A name handed out for an entry, and why it is not the entry's own name (empty: it is). */
export interface PlacedName {
  name: string;
  reasons: RenameReason[];
  /** The host name of the entry this one would have been (a clash). */
  clashesWith?: string;
}

/**
 * The names of one target folder: the first entry to claim a name (as the target compares names)
 * keeps it, a later one gets "name~2", "name~3" … (before the extension), the first free one.
 */
export class FolderNames {
  /** key → the host name that holds it. */
  private readonly taken = new Map<string, string>();
  /** Next suffix to try per stem, so many clashes of one name stay linear. */
  private readonly nextSuffix = new Map<string, number>();

  constructor(private readonly p: HostProfile) {}

  /** Claims a name for the entry `name` (a directory when `isDir`). */
  place(name: string, isDir = false): PlacedName {
    const safe = hostSafeName(name, this.p, isDir);
    const key = nameKey(safe.name, this.p);
    const holder = this.taken.get(key);
    if (holder === undefined) {
      this.taken.set(key, safe.name);
      return safe;
    }
    // Why the two are one entry: the same name after %XX and the like, in another
    // normalization, or in another case.
    const why: RenameReason = holder === safe.name ? 'taken' : holder.normalize('NFC') === safe.name.normalize('NFC') ? 'normalization' : 'case';
    return { name: this.alternative(safe.name, isDir), reasons: [...safe.reasons, why], clashesWith: holder };
  }

  /** Another free name for `safeName` (host-safe already): "name~2.ext", "name~3.ext" … */
  alternative(safeName: string, isDir = false): string {
    const [stem, ext] = splitExtension(safeName, isDir);
    const stemKey = nameKey(`${stem}/${ext}`, this.p);
    for (let n = this.nextSuffix.get(stemKey) ?? 2; ; n++) {
      const candidate = fit(stem, `~${n}`, ext, this.p);
      const key = nameKey(candidate, this.p);
      if (!this.taken.has(key)) {
        this.taken.set(key, candidate);
        this.nextSuffix.set(stemKey, n + 1);
        return candidate;
      }
    }
  }
}

/** A probe's findings: the profile, and when the target folder's own entries count as new. */
export interface ProbedHost {
  profile: HostProfile;
  /** What each probe found, for the log ("README and readme are one entry", …). */
  findings: string[];
  /**
   * The change time (ms) of a directory made at the start, by the target's own clock: an entry
   * whose ctime is not older was created (or changed) by this run.
   */
  startCtimeMs: number;
}

/**
 * Looks at the target folder's real behaviour (macOS volumes can be case-sensitive, Linux can
 * mount vfat, NTFS or casefolded ext4, NTFS folders can be case-sensitive): creates a scratch
 * folder `.isowb-probe-*` in `dir`, tries the names that differ between file systems in it, and
 * removes it. Starts from the platform's usual profile; Windows keeps its name rules (a probe
 * there would open devices).
 */
export async function probeHostProfile(dir: string, platform: NodeJS.Platform = process.platform): Promise<ProbedHost> {
  const base = platformProfile(platform);
  const scratch = await fs.promises.mkdtemp(nodePath.join(dir, '.isowb-probe-'));
  const findings: string[] = [];
  try {
    const startCtimeMs = (await fs.promises.stat(scratch)).ctimeMs;
    /** Creates `name` in the scratch folder; whether that worked. */
    const make = async (name: string): Promise<boolean> => {
      try { await (await fs.promises.open(nodePath.join(scratch, name), 'wx')).close(); return true; } catch { return false; }
    };
    const exists = async (name: string): Promise<boolean> => {
      try { await fs.promises.lstat(nodePath.join(scratch, name)); return true; } catch { return false; }
    };
    const listed = async (name: string): Promise<boolean> => (await fs.promises.readdir(scratch)).includes(name);

    let caseInsensitive = base.caseInsensitive;
    if (await make('case-probe')) {
      caseInsensitive = await exists('CASE-PROBE');
      findings.push(caseInsensitive ? 'case-probe and CASE-PROBE are one entry' : 'case-probe and CASE-PROBE are two entries');
    }
    let normalizationInsensitive = base.normalizationInsensitive;
    const composed = 'norm-\u00e9', decomposed = 'norm-e\u0301';
    if (await make(composed)) {
      normalizationInsensitive = await exists(decomposed);
      findings.push(normalizationInsensitive ? 'composed and decomposed é are one entry' : 'composed and decomposed é are two entries');
    }
    let { forbiddenChars, reservedNames, trailingDotsSpaces } = base;
    if (platform !== 'win32') {
      forbiddenChars = !(await make('char-a:b?'));
      reservedNames = !(await make('CON')) || !(await make('aux.txt'));
      trailingDotsSpaces = !((await make('dot.')) && (await listed('dot.')) && (await make('space ')) && (await listed('space ')));
      if (forbiddenChars) findings.push('names with : or ? are refused');
      if (reservedNames) findings.push('Windows device names (CON, aux.txt) are refused');
      if (trailingDotsSpaces) findings.push('a trailing dot or space is refused or dropped');
    }
    const same = (Object.values(HOST_PROFILES) as HostProfile[]).find((h) => h.caseInsensitive === caseInsensitive && h.normalizationInsensitive === normalizationInsensitive
      && h.forbiddenChars === forbiddenChars && h.reservedNames === reservedNames && h.trailingDotsSpaces === trailingDotsSpaces && h.maxName === base.maxName);
    const label = same?.label ?? [caseInsensitive ? 'case-insensitive' : 'case-sensitive', normalizationInsensitive ? 'normalization-insensitive' : '',
      forbiddenChars || reservedNames || trailingDotsSpaces ? 'Windows names' : ''].filter(Boolean).join(', ');
    const profile: HostProfile = { label, caseInsensitive, normalizationInsensitive, forbiddenChars, reservedNames, trailingDotsSpaces, maxName: base.maxName };
    return { profile, findings, startCtimeMs };
  } finally {
    await fs.promises.rm(scratch, { recursive: true, force: true });
  }
}
