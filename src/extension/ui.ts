// The status-bar item for the active image and the Explorer decorations of El Torito files.
import * as vscode from 'vscode';
import type { BootEntry } from '../engine/types';
import { SCHEME } from '../provider/uri';
import { activeResource, imageLabel, isImageFile, NAMESPACE_LABEL, targetOf, type Ctx } from './context';
import { humanSize } from './report';
import { iconText, markdownText, plainText } from '../provider/escape';

/** "VOLUME_ID · Rock Ridge" for the image of the active editor; click to switch the namespace. */
export class ImageStatusBar implements vscode.Disposable {
  readonly item = vscode.window.createStatusBarItem('isoWorkbench.image', vscode.StatusBarAlignment.Left, 50);
  private readonly subs: vscode.Disposable[] = [];
  private generation = 0;

  constructor(private readonly ctx: Ctx) {
    this.item.name = 'ISO Workbench: Active Image';
    this.subs.push(
      vscode.window.tabGroups.onDidChangeTabs(() => this.update()),
      vscode.window.tabGroups.onDidChangeTabGroups(() => this.update()),
      vscode.window.onDidChangeActiveTextEditor(() => this.update()),
      ctx.registry.onDidChange(ev => { if (ev.kind !== 'closed') this.update(); }),
    );
    this.update();
  }

  update(): void {
    const gen = ++this.generation;
    const res = activeResource();
    if (!res || (res.scheme !== SCHEME && !(isImageFile(res) && this.ctx.registry.open.some(o => o.imageUri.toString() === res.toString())))) {
      this.item.hide();
      return;
    }
    const t = targetOf(res);
    this.ctx.registry.use(t.key, img => ({ vol: img.volume, ns: img.namespace, all: img.namespaces, size: img.size })).then(info => {
      if (gen !== this.generation) return;
      // status-bar text renders $(icon); the tooltip is Markdown (appendText leaves URLs and
      // e-mail addresses to marked's autolinks): the volume id and image name go through escape.ts
      this.item.text = `$(disc) ${iconText(info.vol.volumeId || imageLabel(t.imageUri))} · ${NAMESPACE_LABEL[info.ns]}`;
      const md = new vscode.MarkdownString(undefined, true);
      md.appendMarkdown(`**ISO Workbench** — ${markdownText(imageLabel(t.imageUri))}\n\n`);
      md.appendMarkdown(`Volume ID: ${info.vol.volumeId ? markdownText(info.vol.volumeId) : '(none)'}  \n`);
      md.appendMarkdown(`Size: ${humanSize(info.size)}  \nTrees: ${info.all.map(n => NAMESPACE_LABEL[n]).join(', ')}\n\n`);
      md.appendMarkdown('Click to switch the namespace (the directory tree shown).');
      this.item.tooltip = md;
      this.item.command = { command: 'isoWorkbench.switchNamespace', title: 'Switch Namespace', arguments: [t.uri] };
      this.item.accessibilityInformation = { label: plainText(`Disc image ${info.vol.volumeId}, showing ${NAMESPACE_LABEL[info.ns]}; activate to switch namespace`) };
      this.item.show();
    }, () => { if (gen === this.generation) this.item.hide(); });
  }

  dispose(): void { this.item.dispose(); for (const s of this.subs) s.dispose(); }
}

const PLATFORM: Record<string, string> = { x86: 'x86 BIOS', efi: 'UEFI', ppc: 'PowerPC', mac: 'Mac' };

function describeEntry(e: BootEntry): string {
  const platform = typeof e.platform === 'number' ? `platform 0x${e.platform.toString(16)}` : PLATFORM[e.platform] ?? e.platform;
  const emu = e.emulation === 'none' ? 'no emulation' : `${e.emulation} emulation`;
  return `El Torito boot image (entry ${e.index}): ${platform}, ${emu}${e.bootable ? '' : ', not bootable'}${e.bootInfoTable ? ', boot info table' : ''}`;
}

/** Marks the boot catalog ("BC") and boot images ("B") of mounted images in the Explorer. */
export class BootDecorations implements vscode.FileDecorationProvider, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<vscode.Uri | vscode.Uri[] | undefined>();
  readonly onDidChangeFileDecorations = this.emitter.event;
  private readonly maps = new Map<string, Promise<Map<string, vscode.FileDecoration>>>();
  private readonly subs: vscode.Disposable[] = [];

  constructor(private readonly ctx: Ctx) {
    this.subs.push(ctx.registry.onDidChange(ev => {
      if (ev.kind === 'changed' || ev.kind === 'namespace') { this.maps.delete(ev.key); this.emitter.fire(undefined); }
    }));
    this.subs.push(vscode.workspace.onDidChangeConfiguration(e => { if (e.affectsConfiguration('isoWorkbench.decorations')) this.emitter.fire(undefined); }));
  }

  async provideFileDecoration(uri: vscode.Uri): Promise<vscode.FileDecoration | undefined> {
    if (uri.scheme !== SCHEME || !vscode.workspace.getConfiguration('isoWorkbench').get<boolean>('decorations', true)) return undefined;
    const t = targetOf(uri);
    let map = this.maps.get(t.key);
    if (!map) {
      map = this.build(t.key);
      this.maps.set(t.key, map);
    }
    try {
      return (await map).get(t.path);
    } catch {
      this.maps.delete(t.key);
      return undefined;
    }
  }

  /** Decorations by path (exported for tests through the extension API). */
  async decorationsOf(key: string): Promise<Map<string, vscode.FileDecoration>> {
    return (this.maps.get(key) ?? this.build(key));
  }

  private build(key: string): Promise<Map<string, vscode.FileDecoration>> {
    return this.ctx.registry.use(key, async img => {
      const out = new Map<string, vscode.FileDecoration>();
      const et = await img.elTorito();
      if (!et) return out;
      if (et.catalogPath) {
        const d = new vscode.FileDecoration('BC', `El Torito boot catalog (LBA ${et.catalogLba}, ${et.entries.length} entr${et.entries.length === 1 ? 'y' : 'ies'})`, new vscode.ThemeColor('isoWorkbench.bootFileForeground'));
        out.set(et.catalogPath, d);
      }
      for (const e of et.entries) {
        if (!e.path) continue;
        const prev = out.get(e.path);
        const tip = describeEntry(e);
        out.set(e.path, new vscode.FileDecoration('B', prev?.tooltip ? `${prev.tooltip}\n${tip}` : tip, new vscode.ThemeColor('isoWorkbench.bootFileForeground')));
      }
      return out;
    });
  }

  dispose(): void { this.emitter.dispose(); for (const s of this.subs) s.dispose(); }
}
