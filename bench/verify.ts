// Correctness checks: a run only counts if its output is right.
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { Manifest } from './generate';

export interface Verdict {
  ok: boolean;
  /** Why it failed, or remarks on an accepted result (e.g. extra entries). */
  note: string;
}

/** Every file name carries a unique F###### token and every directory a D#### token, whatever the
 *  tool's output format; a listing is complete when it shows all of them. */
export function verifyListing(text: string, man: Manifest): Verdict {
  const f = new Set<string>();
  const d = new Set<string>();
  for (const m of text.matchAll(/F(\d{6})_/g)) f.add(m[1]);
  for (const m of text.matchAll(/D(\d{4})_/g)) d.add(m[1]);
  const problems: string[] = [];
  if (f.size !== man.fileTokens) problems.push(`${f.size}/${man.fileTokens} files`);
  if (d.size !== man.dirTokens) problems.push(`${d.size}/${man.dirTokens} dirs`);
  if (!text.includes('isolinux') && man.kind === 'small') problems.push('no /isolinux');
  return problems.length ? { ok: false, note: `listing incomplete: ${problems.join(', ')}` } : { ok: true, note: '' };
}

export function verifyCat(sha256: string | undefined, bytes: number | undefined, man: Manifest): Verdict {
  const t = man.catTarget;
  if (bytes !== undefined && bytes !== t.size) return { ok: false, note: `read ${bytes} bytes, expected ${t.size}` };
  if (sha256 !== t.sha256) return { ok: false, note: 'sha256 mismatch' };
  return { ok: true, note: '' };
}

export function sha256File(file: string): string {
  const h = crypto.createHash('sha256');
  const fd = fs.openSync(file, 'r');
  const buf = Buffer.allocUnsafe(8 * 1024 * 1024);
  try {
    let n: number;
    while ((n = fs.readSync(fd, buf, 0, buf.length, null)) > 0) h.update(buf.subarray(0, n));
  } finally {
    fs.closeSync(fd);
  }
  return h.digest('hex');
}

function walk(root: string): Map<string, number> {
  const out = new Map<string, number>();
  const stack = [''];
  while (stack.length) {
    const rel = stack.pop() as string;
    for (const e of fs.readdirSync(root + rel, { withFileTypes: true })) {
      const p = `${rel}/${e.name}`;
      if (e.isDirectory()) stack.push(p);
      else if (e.isFile()) out.set(p, fs.statSync(root + p).size);
      else out.set(p, -1); // symlink or other: counted as an extra
    }
  }
  return out;
}

/** The extracted tree must contain every expected file with the right size; sampled files (and
 *  the files of the large image, all of them) must have the right sha256. Extra files are allowed
 *  (7-Zip adds [BOOT]/Boot-NoEmul.img) and mentioned. */
export function verifyExtraction(dir: string, man: Manifest): Verdict {
  const got = walk(dir);
  let missing = 0;
  let wrongSize = 0;
  let wrongHash = 0;
  const examples: string[] = [];
  for (const f of man.files) {
    const size = got.get(f.path);
    if (size === undefined) {
      missing++;
      if (examples.length < 3) examples.push(`missing ${f.path}`);
      continue;
    }
    got.delete(f.path);
    if (size !== f.size) {
      wrongSize++;
      if (examples.length < 3) examples.push(`${f.path}: ${size} bytes, expected ${f.size}`);
      continue;
    }
    if (f.sha256 && sha256File(path.join(dir, f.path)) !== f.sha256) {
      wrongHash++;
      if (examples.length < 3) examples.push(`${f.path}: sha256 mismatch`);
    }
  }
  const extras = [...got.keys()];
  const extraNote = extras.length ? `+${extras.length} extra (${extras.slice(0, 2).join(', ')})` : '';
  if (missing || wrongSize || wrongHash) {
    return {
      ok: false,
      note: `extraction wrong: ${missing} missing, ${wrongSize} wrong size, ${wrongHash} wrong sha256; ${examples.join('; ')}`,
    };
  }
  return { ok: true, note: extraNote };
}
