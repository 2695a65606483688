// The host-name planner (src/engine/hostNames.ts) against tables of real-world names, for each
// host profile: Linux (case-sensitive), macOS (case- and normalization-insensitive), macOS on a
// case-sensitive APFS volume, Windows (case-insensitive, Windows names). The probe is tested here
// on this machine's temp folder; on real case-insensitive and Windows-rule file systems (NTFS and
// FAT through FUSE) in test/e2e/extractHostNames.test.ts.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FolderNames, HOST_PROFILES, hostSafeName, nameKey, platformProfile, portableName, probeHostProfile, type HostProfile } from '../../src/engine/hostNames';

const { linux, macos, macosCaseSensitive, windows } = HOST_PROFILES;
const PROFILES: Array<[string, HostProfile]> = [['linux', linux], ['macos', macos], ['macos case-sensitive', macosCaseSensitive], ['windows', windows]];
const NFC = 'caf\u00e9', NFD = 'cafe\u0301';

/** Places `names` in one folder in order; the host names handed out. */
const placeAll = (p: HostProfile, names: string[], isDir = false): string[] => {
  const f = new FolderNames(p);
  return names.map((n) => f.place(n, isDir).name);
};

describe('host names: one name at a time (hostSafeName)', () => {
  // [image name, Windows name, reason]
  const windowsCases: Array<[string, string, string]> = [
    ['a:b', 'a%3Ab', 'character'], ['what?', 'what%3F', 'character'], ['q"uote', 'q%22uote', 'character'],
    ['lt<gt>', 'lt%3Cgt%3E', 'character'], ['pipe|', 'pipe%7C', 'character'], ['star*', 'star%2A', 'character'],
    ['back\\slash', 'back%5Cslash', 'character'], ['ctrl\u0001char', 'ctrl%01char', 'character'], ['tab\there', 'tab%09here', 'character'],
    ['name.', 'name%2E', 'trailing'], ['name ', 'name%20', 'trailing'], ['dots...', 'dots%2E%2E%2E', 'trailing'], ['a. .', 'a%2E%20%2E', 'trailing'],
    ['aux.txt', 'aux_.txt', 'reserved'], ['con.tar.gz', 'con_.tar.gz', 'reserved'], ['Nul', 'Nul_', 'reserved'], ['CONIN$', 'CONIN$_', 'reserved'],
    ['com\u00b9', 'com\u00b9_', 'reserved'], ['lpt\u00b3.log', 'lpt\u00b3_.log', 'reserved'],
  ];
  const reserved = ['CON', 'PRN', 'AUX', 'NUL', ...Array.from({ length: 10 }, (_, i) => `COM${i}`), ...Array.from({ length: 10 }, (_, i) => `LPT${i}`)];
  const ordinary = ['README', '.hidden', 'console', 'com10', 'lpt', 'auxiliary.txt', 'x.con', 'café', '日本語.txt', 'a b', 'a%3Ab', 'readme~2', 'CON_'];

  it('Windows: forbidden characters and trailing dots/spaces as %XX, device names with "_" after the base', () => {
    for (const [name, want, why] of windowsCases) assert.deepEqual(hostSafeName(name, windows), { name: want, reasons: [why] }, name);
    for (const r of reserved) for (const n of [r, r.toLowerCase(), `${r}.txt`, `${r.toLowerCase()}.a.b`]) {
      const dot = n.indexOf('.');
      assert.equal(hostSafeName(n, windows).name, dot < 0 ? `${n}_` : `${n.slice(0, dot)}_${n.slice(dot)}`, n);
    }
    for (const n of ordinary) assert.deepEqual(hostSafeName(n, windows), { name: n, reasons: [] }, n);
  });

  it('Linux and macOS keep every one of those names as it is', () => {
    for (const p of [linux, macos, macosCaseSensitive]) {
      for (const n of [...windowsCases.map((c) => c[0]), ...reserved, ...ordinary]) assert.deepEqual(hostSafeName(n, p), { name: n, reasons: [] }, `${p.label}: ${n}`);
    }
  });

  it('a name over the limit is cut, tagged with a hash of the whole name, and keeps its extension', () => {
    const long = 'n'.repeat(300);
    const cut = hostSafeName(long, linux);
    assert.equal(Buffer.byteLength(cut.name), 255);
    assert.match(cut.name, /^n{246}~[0-9a-f]{8}$/);
    assert.deepEqual(cut.reasons, ['length']);
    assert.notEqual(hostSafeName('n'.repeat(299) + 'm', linux).name, cut.name, 'two long names differing at the end stay two');
    assert.match(hostSafeName('x'.repeat(300) + '.tar', linux).name, /^x{242}~[0-9a-f]{8}\.tar$/);
    // Bytes of UTF-8 on Linux and macOS, UTF-16 units on Windows: 200 CJK characters are 600 bytes, 200 units.
    const cjk = '日'.repeat(200);
    assert.equal(hostSafeName(cjk, windows).name, cjk);
    const onLinux = hostSafeName(cjk, linux).name;
    assert.ok(Buffer.byteLength(onLinux) <= 255 && onLinux.startsWith('日'.repeat(80)), onLinux);
    // Never cut inside a character, nor inside a %XX of its own.
    assert.ok(!hostSafeName('é'.repeat(200), linux).name.includes('\ufffd'));
    const pct = hostSafeName(':'.repeat(100), windows).name;
    assert.match(pct, /^(%3A)+~[0-9a-f]{8}$/);
    assert.ok(pct.length <= 255);
  });
});

describe('host names: portableName (temp copies named after a URI)', () => {
  it('a name every host can create, within its byte budget, never a split character', () => {
    assert.equal(portableName('a:b?c*d|e"f<g>h\\i/j.iso'), 'a%3Ab%3Fc%2Ad%7Ce%22f%3Cg%3Eh%5Ci%2Fj.iso');
    assert.equal(portableName('tab\there\u0000.iso'), 'tab%09here%00.iso');
    assert.equal(portableName('CON'), 'CON_');
    assert.equal(portableName('nul.txt'), 'nul_.txt');
    assert.equal(portableName('console.iso'), 'console.iso');
    assert.equal(portableName('disc. . '), 'disc%2E%20%2E%20');
    assert.equal(portableName(''), 'image');
    assert.equal(portableName('..'), '%2E%2E');
    assert.equal(portableName('déjà vu ☃.iso'), 'déjà vu ☃.iso');
    const long = portableName('é'.repeat(300) + '.iso');
    assert.ok(Buffer.byteLength(long) <= 100 && /^é+~[0-9a-f]{8}\.iso$/.test(long), long);
  });
});

describe('host names: a folder of names (FolderNames) for every host profile', () => {
  // [names in image order, what each host gets: linux, macos, macos case-sensitive, windows]
  const table: Array<{ names: string[]; dir?: boolean; want: Record<string, string[]> }> = [
    { names: ['README', 'ReadMe', 'readme'], want: { linux: ['README', 'ReadMe', 'readme'], macos: ['README', 'ReadMe~2', 'readme~3'], 'macos case-sensitive': ['README', 'ReadMe', 'readme'], windows: ['README', 'ReadMe~2', 'readme~3'] } },
    // A name the renaming would pick is already in the image: it is renamed in turn, nothing lost.
    { names: ['README', 'readme', 'readme~2'], want: { linux: ['README', 'readme', 'readme~2'], macos: ['README', 'readme~2', 'readme~2~2'], 'macos case-sensitive': ['README', 'readme', 'readme~2'], windows: ['README', 'readme~2', 'readme~2~2'] } },
    { names: ['Guide.txt', 'guide.txt', 'GUIDE.TXT'], want: { linux: ['Guide.txt', 'guide.txt', 'GUIDE.TXT'], macos: ['Guide.txt', 'guide~2.txt', 'GUIDE~3.TXT'], 'macos case-sensitive': ['Guide.txt', 'guide.txt', 'GUIDE.TXT'], windows: ['Guide.txt', 'guide~2.txt', 'GUIDE~3.TXT'] } },
    { names: ['Boot', 'boot', 'boot.d', 'BOOT.D'], dir: true, want: { linux: ['Boot', 'boot', 'boot.d', 'BOOT.D'], macos: ['Boot', 'boot~2', 'boot.d', 'BOOT.D~2'], 'macos case-sensitive': ['Boot', 'boot', 'boot.d', 'BOOT.D'], windows: ['Boot', 'boot~2', 'boot.d', 'BOOT.D~2'] } },
    { names: [NFC, NFD], want: { linux: [NFC, NFD], macos: [NFC, `${NFD}~2`], 'macos case-sensitive': [NFC, `${NFD}~2`], windows: [NFC, NFD] } },
    { names: [NFC, NFD.toUpperCase()], want: { linux: [NFC, NFD.toUpperCase()], macos: [NFC, `${NFD.toUpperCase()}~2`], 'macos case-sensitive': [NFC, NFD.toUpperCase()], windows: [NFC, NFD.toUpperCase()] } },
    // ß has no one-character upper case: case-insensitive file systems keep Straße and STRASSE apart.
    { names: ['Straße', 'STRASSE', 'straße'], want: { linux: ['Straße', 'STRASSE', 'straße'], macos: ['Straße', 'STRASSE', 'straße~2'], 'macos case-sensitive': ['Straße', 'STRASSE', 'straße'], windows: ['Straße', 'STRASSE', 'straße~2'] } },
    { names: ['ΣΟΦΟΣ', 'σοφος', 'σοφοσ'], want: { linux: ['ΣΟΦΟΣ', 'σοφος', 'σοφοσ'], macos: ['ΣΟΦΟΣ', 'σοφος~2', 'σοφοσ~3'], 'macos case-sensitive': ['ΣΟΦΟΣ', 'σοφος', 'σοφοσ'], windows: ['ΣΟΦΟΣ', 'σοφος~2', 'σοφοσ~3'] } },
    // Two image names that become one Windows name.
    { names: ['a:b', 'a%3Ab', 'A%3aB'], want: { linux: ['a:b', 'a%3Ab', 'A%3aB'], macos: ['a:b', 'a%3Ab', 'A%3aB~2'], 'macos case-sensitive': ['a:b', 'a%3Ab', 'A%3aB'], windows: ['a%3Ab', 'a%3Ab~2', 'A%3aB~3'] } },
    { names: ['CON', 'CON_', 'con'], want: { linux: ['CON', 'CON_', 'con'], macos: ['CON', 'CON_', 'con~2'], 'macos case-sensitive': ['CON', 'CON_', 'con'], windows: ['CON_', 'CON_~2', 'con_~3'] } },
    { names: ['name', 'name.', 'name ', 'name%2E'], want: { linux: ['name', 'name.', 'name ', 'name%2E'], macos: ['name', 'name.', 'name ', 'name%2E'], 'macos case-sensitive': ['name', 'name.', 'name ', 'name%2E'], windows: ['name', 'name%2E', 'name%20', 'name%2E~2'] } },
  ];
  for (const [label, p] of PROFILES) {
    it(`${label}: every entry gets a name of its own, the same every time`, () => {
      for (const row of table) {
        const got = placeAll(p, row.names, row.dir);
        assert.deepEqual(got, row.want[label], `${row.names.join(' | ')}`);
        assert.equal(new Set(got.map((n) => nameKey(n, p))).size, got.length, 'no two are one entry on this host');
        assert.deepEqual(placeAll(p, row.names, row.dir), got, 'deterministic');
      }
    });
  }

  it('the reason of a rename names the entry it clashed with', () => {
    const f = new FolderNames(macos);
    f.place('README');
    assert.deepEqual(f.place('readme'), { name: 'readme~2', reasons: ['case'], clashesWith: 'README' });
    f.place(NFC);
    assert.deepEqual(f.place(NFD), { name: `${NFD}~2`, reasons: ['normalization'], clashesWith: NFC });
    const w = new FolderNames(windows);
    w.place('a%3Ab');
    assert.deepEqual(w.place('a:b'), { name: 'a%3Ab~2', reasons: ['character', 'taken'], clashesWith: 'a%3Ab' });
  });

  it('1,024 case variants of one name: all kept, numbered in order, in linear time', () => {
    const base = 'abcdefghij';
    const names = Array.from({ length: 1024 }, (_, i) => [...base].map((c, k) => (i >> k) & 1 ? c.toUpperCase() : c).join(''));
    const got = placeAll(windows, names);
    assert.equal(got[0], base);
    assert.deepEqual(got.slice(1).map((n) => Number(/~(\d+)$/.exec(n)?.[1])), Array.from({ length: 1023 }, (_, i) => i + 2));
    assert.equal(new Set(got.map((n) => nameKey(n, windows))).size, 1024);
  });

  it('a clash of two names at the length limit: the suffix fits within it', () => {
    const long = 'x'.repeat(255);
    const got = placeAll(linux, [long, long.toUpperCase()]);
    assert.deepEqual(got, [long, long.toUpperCase()]);
    const [a, b] = placeAll(macos, [long, long.toUpperCase()]);
    assert.equal(a, long);
    assert.equal(b, `${'X'.repeat(253)}~2`);
  });
});

describe('host names: the probe', () => {
  it('this machine\'s temp folder: the profile of the platform, found by trying names; nothing left behind', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'isowb-probe-test-'));
    try {
      const before = Date.now();
      const got = await probeHostProfile(dir);
      assert.deepEqual(fs.readdirSync(dir), [], 'the scratch folder is removed');
      if (process.platform === 'linux') assert.deepEqual(got.profile, { ...linux, label: linux.label }, got.findings.join('; '));
      else assert.equal(got.profile.maxName, platformProfile().maxName);
      assert.ok(got.findings.some((f) => /case-probe and CASE-PROBE are (one entry|two entries)/.test(f)), got.findings.join('; '));
      assert.ok(Math.abs(got.startCtimeMs - before) < 60_000, 'the start time is the target\'s clock, near ours');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a folder the probe cannot write in: an error (extraction then uses the platform\'s profile)', async function () {
    if (process.getuid?.() === 0) {
      // root writes anywhere: a path under a regular file cannot hold a folder for anyone.
      const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'isowb-probe-file-')), 'f');
      fs.writeFileSync(file, '');
      await assert.rejects(probeHostProfile(path.join(file, 'sub')));
      return;
    }
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'isowb-probe-ro-'));
    fs.chmodSync(dir, 0o500);
    try { await assert.rejects(probeHostProfile(dir)); } finally { fs.chmodSync(dir, 0o700); fs.rmSync(dir, { recursive: true }); }
  });
});
