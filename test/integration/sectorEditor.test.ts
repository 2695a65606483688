// The sector editor in a real VS Code: the custom editor opens real images, the real webview asks
// only for the ranges on screen, the structure panel matches xorriso's El Torito and system-area
// reports, edits go through VS Code's undo stack and Save writes only the changed bytes.
import { strict as assert } from 'assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { SectorPanel } from '../../src/extension/sectorEditor/sectorPanel';
import type { HostMessage, StructNode, WebviewMessage } from '../../src/shared/sectorProtocol';
import { xorrisoElTorito, xorrisoSystemArea } from '../peers/xorriso';
import { fixture, realImage } from '../fixtures/build';
import { api, closeAllEditors, tempDir, waitFor } from './host';

const VIEW = 'isoWorkbench.sectorEditor';
let reqSeq = 1_000_000_000;

async function openEditor(uri: vscode.Uri, viewType = VIEW): Promise<SectorPanel> {
  const a = await api();
  await vscode.commands.executeCommand('vscode.openWith', uri, viewType);
  return waitFor(`sector editor on ${path.basename(uri.path)} ready`, () => a.sectorEditor.panelsOf(uri).find(p => p.ready), 60_000);
}

/** Acts as the webview: sends one message, resolves with the first matching host answer. */
async function ask<T extends HostMessage['type']>(p: SectorPanel, msg: WebviewMessage, type: T, match: (m: Extract<HostMessage, { type: T }>) => boolean = () => true, ms = 60_000): Promise<Extract<HostMessage, { type: T }>> {
  let sub: vscode.Disposable | undefined;
  const got = new Promise<Extract<HostMessage, { type: T }>>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no ${type} answer to ${msg.type} within ${ms} ms`)), ms);
    sub = p.onDidPost(m => {
      if (m.type === type && match(m as Extract<HostMessage, { type: T }>)) { clearTimeout(t); resolve(m as Extract<HostMessage, { type: T }>); }
    });
  });
  try {
    await p.handle(msg);
    return await got;
  } finally {
    sub?.dispose();
  }
}

async function readBytes(p: SectorPanel, offset: number, length: number): Promise<Extract<HostMessage, { type: 'bytes' }>> {
  const reqId = reqSeq++;
  return ask(p, { type: 'read', reqId, offset, length }, 'bytes', m => m.reqId === reqId);
}

function fileBytes(file: string, offset: number, length: number): Buffer {
  const fd = fs.openSync(file, 'r');
  try {
    const b = Buffer.alloc(length);
    const n = fs.readSync(fd, b, 0, length, offset);
    return b.subarray(0, n);
  } finally {
    fs.closeSync(fd);
  }
}

function* walk(nodes: StructNode[]): Generator<StructNode> {
  for (const n of nodes) { yield n; yield* walk(n.children); }
}

function field(n: StructNode, name: string): string {
  const f = n.fields.find(x => x.name === name);
  assert.ok(f, `${n.name} has a field ${name} (has ${n.fields.map(x => x.name).join(', ')})`);
  return f.display;
}

/** Byte offsets where two files differ. */
function differingOffsets(a: string, b: string): number[] {
  const out: number[] = [];
  const x = fs.readFileSync(a), y = fs.readFileSync(b);
  assert.equal(x.length, y.length, 'same size');
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) out.push(i);
  return out;
}

describe('sector editor', function () {
  this.timeout(10 * 60_000);
  let tmp: string;
  let grub: string;
  before(async () => {
    tmp = tempDir('sector');
    grub = await realImage('grub-rescue-cdrom.iso');
  });
  afterEach(() => closeAllEditors());
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('is the default editor for .iso: the real webview paints and asks only for what is on screen', async () => {
    const a = await api();
    const uri = vscode.Uri.file(grub);
    await vscode.commands.executeCommand('vscode.open', uri);
    const p = await waitFor('sector editor ready', () => a.sectorEditor.panelsOf(uri).find(x => x.ready), 60_000);
    const tab = vscode.window.tabGroups.activeTabGroup.activeTab;
    assert.ok(tab?.input instanceof vscode.TabInputCustom, 'a custom editor tab');
    assert.equal((tab.input as vscode.TabInputCustom).viewType, VIEW);
    const paint = await waitFor('the webview reports its first painted bytes', () => p.perf.find(x => x.what === 'firstPaint'), 30_000);
    assert.equal(paint.offset, 0);
    // The host pushes the first 64 KiB with init; the webview asks for anything else it shows.
    const requested = p.reads.reduce((n, [, len]) => n + len, 0);
    assert.ok(requested <= 1024 * 1024, `the webview asked for ${requested} bytes (≤ 1 MiB of a ${fs.statSync(grub).size}-byte image)`);
    assert.ok(p.reads.every(([o]) => o < 1024 * 1024), 'all reads near the top');
  });

  it('serves any range byte-identical to the file, including the last sector of a 4.4 GiB image', async () => {
    const big = await fixture('large-multiextent');
    const p = await openEditor(vscode.Uri.file(big));
    const size = fs.statSync(big).size;
    assert.ok(size > 4 * 1024 ** 3, `${size} bytes`);
    const info = await ask(p, { type: 'ready' }, 'init');
    assert.equal(info.doc.size, size);
    assert.equal(info.doc.decoded, true);
    for (const off of [0, 32768, 2048 * 1000 + 7, size - 2048, size - 16]) {
      const r = await readBytes(p, off, 2048);
      assert.deepEqual(Buffer.from(r.data), fileBytes(big, off, 2048), `bytes at ${off}`);
      assert.deepEqual(r.edited, []);
    }
    // Jump there through the command the keybinding runs; the real webview paints the target.
    const before = p.perf.length;
    await vscode.commands.executeCommand('isoWorkbench.sector.goto', { offset: size - 2048, length: 2048 });
    const shown = await waitFor('the webview painted the last sector', () => p.perf.slice(before).find(x => x.what === 'reveal'), 30_000);
    assert.equal(shown.offset, size - 2048);
    assert.ok(p.reads.some(([o, l]) => o <= size - 2048 && o + l >= size - 16), 'the webview asked for the last sector');
  });

  it('structure panel: the El Torito entries and MBR partitions xorriso reports (GRUB rescue image)', async () => {
    const p = await openEditor(vscode.Uri.file(grub));
    const nodes = (await ask(p, { type: 'ready' }, 'structures')).roots;
    const x = await xorrisoElTorito(grub); // xorriso -indev IMAGE -report_el_torito plain
    assert.ok(x);
    const all = [...walk(nodes)];
    const catalog = all.find(n => n.type === 'boot-catalog');
    assert.ok(catalog, 'a boot catalog node');
    assert.equal(catalog.offset, x.catalogLba * 2048);
    assert.ok(catalog.children.some(n => n.type === 'eltorito-validation'), 'validation entry');
    const entries = catalog.children.filter(n => /eltorito-(default-)?entry|section-entry/.test(n.type));
    assert.equal(entries.length, x.images.length, entries.map(e => e.type).join());
    for (const [i, img] of x.images.entries()) {
      assert.equal(entries[i].target?.lba, img.lba, `entry ${i} load RBA`);
      assert.equal(Number(field(entries[i], 'Sector count (512-byte virtual sectors)')), img.sectorCount);
      const bootImage = all.find(n => n.type === 'boot-image' && n.target?.lba === img.lba);
      assert.ok(bootImage?.target?.path, 'boot image node with a path');
      assert.equal(bootImage.target.path, img.path);
    }
    const sa = await xorrisoSystemArea(grub); // xorriso -indev IMAGE -report_system_area plain
    const parts = all.filter(n => n.type === 'mbr-partition' && !/unused/.test(n.name));
    assert.deepEqual(parts.map(n => [Number(field(n, 'Starting LBA')), Number(field(n, 'Size in LBA')), parseInt(field(n, 'OS type'), 16)]),
      sa.mbr.map(m => [m.start, m.blocks, m.type]));
  });

  it('structure panel: GPT partitions of a grub-mkrescue image equal xorriso\'s', async () => {
    const img = await fixture('grub-mkrescue');
    const p = await openEditor(vscode.Uri.file(img));
    const nodes = (await ask(p, { type: 'ready' }, 'structures')).roots;
    const sa = await xorrisoSystemArea(img);
    const all = [...walk(nodes)];
    assert.ok(sa.gpt, 'xorriso sees a GPT');
    const gptParts = all.filter(n => n.type === 'gpt-entry' && n.id.startsWith('gpt:primary:'));
    assert.deepEqual(gptParts.map(n => [Number(field(n, 'StartingLBA')), Number(field(n, 'EndingLBA')) - Number(field(n, 'StartingLBA')) + 1, field(n, 'PartitionName')]),
      sa.gpt.partitions.map(x => [x.start, x.size, JSON.stringify(x.name)]), 'GPT entries');
    for (const which of ['primary', 'backup']) {
      const header = all.find(n => n.id === `gpt:${which}:header`);
      assert.ok(header, `the ${which} GPT header`);
      assert.deepEqual(header.problems ?? [], [], `${which} header CRCs match`);
    }
    const mbr = all.filter(n => n.type === 'mbr-partition' && !/unused/.test(n.name));
    assert.deepEqual(mbr.map(n => Number(field(n, 'Starting LBA'))), sa.mbr.map(m => m.start));
  });

  it('edits go through VS Code\'s undo stack; Save writes only the changed bytes', async () => {
    const copy = path.join(tmp, 'edit.iso');
    fs.copyFileSync(grub, copy);
    const uri = vscode.Uri.file(copy);
    const p = await openEditor(uri);
    const a = await api();
    const pvdVolId = 16 * 2048 + 40;
    const far = 2048 * 1500 + 100;
    await p.handle({ type: 'edit', offset: pvdVolId, data: Buffer.from('EDITED'), label: 'type' });
    await p.handle({ type: 'edit', offset: far, data: Uint8Array.of(0xde, 0xad), label: 'type' });
    const r = await readBytes(p, pvdVolId, 6);
    assert.equal(Buffer.from(r.data).toString(), 'EDITED');
    assert.deepEqual(r.edited, [[pvdVolId, pvdVolId + 6]]);
    await waitFor('the tab is dirty', () => vscode.window.tabGroups.activeTabGroup.activeTab?.isDirty);
    // Undo the second edit, redo it, through VS Code's commands.
    await vscode.commands.executeCommand('undo');
    await waitFor('undo restored the bytes', async () => Buffer.from((await readBytes(p, far, 2)).data).equals(fileBytes(grub, far, 2)));
    await vscode.commands.executeCommand('redo');
    await waitFor('redo re-applied them', async () => Buffer.from((await readBytes(p, far, 2)).data).equals(Buffer.from([0xde, 0xad])));
    // The structure map is re-decoded from the edited bytes.
    await waitFor('the PVD shows the new volume id', () => [...walk(p.doc.nodes)].find(n => n.type === 'pvd')?.fields.some(f => f.display.includes('EDITED')));
    const inode = fs.statSync(copy).ino;
    await vscode.commands.executeCommand('workbench.action.files.save');
    await waitFor('saved', () => !vscode.window.tabGroups.activeTabGroup.activeTab?.isDirty);
    const doc = a.sectorEditor.panelsOf(uri)[0].doc;
    assert.ok(doc.lastSave);
    assert.equal(doc.lastSave.kind, 'save');
    assert.equal(doc.lastSave.bytesWritten, 8, 'only the 8 changed bytes were written');
    assert.equal(fs.statSync(copy).ino, inode, 'saved in place, not rewritten');
    const diff = differingOffsets(grub, copy);
    const expected = [...Array(6).keys()].map(i => pvdVolId + i).filter(o => fileBytes(grub, o, 1)[0] !== Buffer.from('EDITED')[o - pvdVolId]).concat([far, far + 1]);
    assert.deepEqual(diff, expected);
    // xorriso reads the saved volume id.
    const out = execFileSync('xorriso', ['-indev', copy, '-pvd_info'], { stdio: ['ignore', 'pipe', 'pipe'] }).toString();
    assert.match(out, /Volume Id\s*:\s*EDITED/);
  });

  it('a broken El Torito validation checksum is flagged and recomputed in one undoable step', async () => {
    const copy = path.join(tmp, 'fix.iso');
    fs.copyFileSync(grub, copy);
    const uri = vscode.Uri.file(copy);
    const p = await openEditor(uri);
    const x = await xorrisoElTorito(grub);
    assert.ok(x);
    const idString = x.catalogLba * 2048 + 4; // El Torito 1.0 §2.1: ID string at byte 4 of the validation entry
    await p.handle({ type: 'edit', offset: idString, data: Buffer.from('ISOWB'), label: 'type' });
    const broken = await waitFor('the validation entry is flagged fixable', () => [...walk(p.doc.nodes)].find(n => n.type === 'eltorito-validation' && n.fixable));
    assert.ok(broken.problems?.some(m => /checksum|sum/i.test(m)), String(broken.problems));
    await p.handle({ type: 'fix', id: broken.id });
    await waitFor('the validation entry validates again', () => [...walk(p.doc.nodes)].find(n => n.type === 'eltorito-validation' && !n.fixable && !n.problems?.length));
    await vscode.commands.executeCommand('workbench.action.files.save');
    await waitFor('saved', () => !vscode.window.tabGroups.activeTabGroup.activeTab?.isDirty);
    const diff = differingOffsets(grub, copy);
    assert.ok(diff.every(o => (o >= idString && o < idString + 5) || o === x.catalogLba * 2048 + 28 || o === x.catalogLba * 2048 + 29), `changed: ${diff.join(',')}`);
    const after = await xorrisoElTorito(copy);
    assert.deepEqual(after?.images.map(i => i.lba), x.images.map(i => i.lba), 'xorriso reads the catalog again');
  });

  it('Save As writes a copy and leaves the original untouched; Revert drops the edits', async () => {
    const copy = path.join(tmp, 'orig.iso');
    fs.copyFileSync(grub, copy);
    const uri = vscode.Uri.file(copy);
    const p = await openEditor(uri);
    const a = await api();
    await p.handle({ type: 'edit', offset: 100, data: Uint8Array.of(1, 2, 3), label: 'type' });
    const dest = path.join(tmp, 'saved-as.iso');
    await a.sectorEditor.saveCustomDocumentAs(p.doc, vscode.Uri.file(dest), new vscode.CancellationTokenSource().token);
    assert.deepEqual(differingOffsets(grub, copy), [], 'original untouched');
    assert.deepEqual(differingOffsets(grub, dest).length <= 3, true);
    assert.deepEqual(fileBytes(dest, 100, 3), Buffer.from([1, 2, 3]));
    assert.deepEqual(fs.readdirSync(tmp).filter(f => f.endsWith('.tmp')), [], 'no temp file left');
    await a.sectorEditor.revertCustomDocument(p.doc);
    const r = await readBytes(p, 100, 3);
    assert.deepEqual(Buffer.from(r.data), fileBytes(grub, 100, 3));
    assert.deepEqual(r.edited, []);
  });

  it('backs up unsaved edits and restores them into a new document (hot exit)', async () => {
    const copy = path.join(tmp, 'backup.iso');
    fs.copyFileSync(grub, copy);
    const uri = vscode.Uri.file(copy);
    const a = await api();
    const p = await openEditor(uri);
    await p.handle({ type: 'edit', offset: 5000, data: Buffer.from('hot exit'), label: 'type' });
    const dest = vscode.Uri.file(path.join(tmp, 'backup.json'));
    const backup = await a.sectorEditor.backupCustomDocument(p.doc, { destination: dest });
    assert.ok(fs.statSync(dest.fsPath).size < 4096, 'the backup holds the edits, not the image');
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
    const restored = await a.sectorEditor.openCustomDocument(uri, { backupId: backup.id, untitledDocumentData: undefined });
    try {
      const r = await restored.read(5000, 8);
      assert.equal(Buffer.from(r.data).toString(), 'hot exit');
      assert.deepEqual(r.edited, [[5000, 5008]]);
      assert.deepEqual(fileBytes(copy, 5000, 8), fileBytes(grub, 5000, 8), 'the file itself is unchanged');
    } finally {
      restored.dispose();
      backup.delete();
    }
  });

  it('search streams hits with their location, equal to grep -obUa', async () => {
    const p = await openEditor(vscode.Uri.file(grub));
    const hits: number[] = [];
    const locs: string[] = [];
    const sub = p.onDidPost(m => { if (m.type === 'searchProgress' && m.searchId === 7) for (const h of m.hits) { hits.push(h.offset); locs.push(h.location.kind); } });
    try {
      const done = await ask(p, { type: 'search', searchId: 7, query: { kind: 'ascii', pattern: 'GRUB', caseSensitive: true, from: 0 } }, 'searchDone', m => m.searchId === 7);
      assert.equal(done.error, undefined);
      assert.equal(done.cancelled, false);
    } finally {
      sub.dispose();
    }
    const grep = execFileSync('grep', ['-obUa', 'GRUB', grub], { maxBuffer: 64 << 20 }).toString().trim().split('\n').map(l => Number(l.split(':')[0]));
    assert.deepEqual(hits, grep);
    assert.ok(locs.includes('file'), 'some hits lie in files');
  });

  it('images inside images open read-only; edits are refused with the reason', async () => {
    const a = await api();
    const img = await fixture('grub-mkrescue');
    const x = await xorrisoElTorito(img);
    const efi = x?.images.find(i => i.platform === 'UEFI' && i.path);
    assert.ok(efi?.path, 'an EFI boot image file');
    const inner = a.uriOf(vscode.Uri.file(img), efi.path);
    const p = await openEditor(inner, 'isoWorkbench.sectorEditor.option');
    const init = await ask(p, { type: 'ready' }, 'init');
    assert.equal(init.doc.editable, false);
    assert.match(init.doc.readonlyReason ?? '', /inside another image/);
    const r = await readBytes(p, 0, 512);
    execFileSync('xorriso', ['-osirrox', 'on', '-indev', img, '-extract', efi.path, path.join(tmp, 'efi.img')], { stdio: 'ignore' });
    assert.deepEqual(Buffer.from(r.data), fileBytes(path.join(tmp, 'efi.img'), 0, 512));
    const rejected = await ask(p, { type: 'edit', offset: 0, data: Uint8Array.of(0), label: 'type' }, 'editRejected');
    assert.match(rejected.reason, /inside another image/);
  });

  it('a boot entry opens the file it points to through the image\'s URI', async () => {
    const a = await api();
    const p = await openEditor(vscode.Uri.file(grub));
    const x = await xorrisoElTorito(grub);
    await p.handle({ type: 'openTarget', lba: x!.images[0].lba });
    const want = a.uriOf(vscode.Uri.file(grub), x!.images[0].path!).toString();
    await waitFor(`a tab for ${want}`, () => vscode.window.tabGroups.all.flatMap(g => g.tabs).some(t => {
      const i = t.input as { uri?: vscode.Uri };
      return i?.uri?.toString() === want;
    }));
  });
});
