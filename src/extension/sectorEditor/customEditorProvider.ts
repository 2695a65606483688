// The sector editor's host side: a CustomEditorProvider over SectorDocument. Each webview panel
// speaks the typed protocol of src/shared/sectorProtocol.ts; the host reads only the ranges the
// panel asks for, forwards edits to VS Code's undo stack, re-decodes structures after changes,
// runs searches with progress and cancel, and routes the editor's commands and keybindings.
import * as vscode from 'vscode';
import { command, describeError, type Ctx } from '../context';
import { iconText } from '../../provider/escape';
import { ImageRegistry } from '../../provider/registry';
import { SECTOR_SIZE, type HostMessage, type SearchQuery, type ViewState, type WebviewCommand, type WebviewMessage } from '../../shared/sectorProtocol';
import { SectorDocument } from './document';
import { sectorEditorHtml } from './html';

/** Default editor for .iso files. */
export const VIEW_TYPE = 'isoWorkbench.sectorEditor';
/** The same editor offered in "Open With…" for the other image extensions (.img, .bin, .udf, …). */
export const VIEW_TYPE_OPTION = 'isoWorkbench.sectorEditor.option';

/** One webview showing a document. */
export class SectorPanel implements vscode.Disposable {
  private readonly subs: vscode.Disposable[] = [];
  private readonly searches = new Map<number, AbortController>();
  ready = false;
  state: ViewState | null = null;
  cursor = { offset: 0, selectionLength: 0 };
  /** Ranges the webview asked for, [offset, length] (the last 10,000; tests check reads stay on screen). */
  readonly reads: Array<[number, number]> = [];
  /** Webview timings (benchmark). */
  readonly perf: Array<{ what: string; ms: number; at: number; offset: number }> = [];
  private readonly received = new vscode.EventEmitter<WebviewMessage>();
  /** Every message from the webview (tests observe the real webview's requests). */
  readonly onDidReceive = this.received.event;
  private readonly posted = new vscode.EventEmitter<HostMessage>();
  readonly onDidPost = this.posted.event;

  constructor(readonly doc: SectorDocument, readonly webviewPanel: vscode.WebviewPanel, private readonly owner: SectorEditorProvider) {
    const webview = webviewPanel.webview;
    const root = vscode.Uri.joinPath(owner.ctx.ext.extensionUri, 'dist', 'webview');
    webview.options = { enableScripts: true, localResourceRoots: [root] };
    webview.html = sectorEditorHtml({
      cspSource: webview.cspSource,
      script: webview.asWebviewUri(vscode.Uri.joinPath(root, 'sector.js')).toString(),
      style: webview.asWebviewUri(vscode.Uri.joinPath(root, 'sector-style.css')).toString(),
      codicons: webview.asWebviewUri(vscode.Uri.joinPath(root, 'codicon.css')).toString(),
      title: doc.info().name,
    });
    this.subs.push(
      webview.onDidReceiveMessage((m: WebviewMessage) => { this.received.fire(m); void this.handle(m); }),
      doc.onDidChangeBytes(e => this.post({ type: 'changed', generation: doc.generation, size: doc.size, dirty: doc.hasEdits, ranges: e.ranges })),
      doc.onDidChangeStructures(() => this.post({ type: 'structures', generation: doc.generation, roots: doc.nodes })),
      webviewPanel.onDidChangeViewState(() => owner.panelFocusChanged(this)),
      this.received, this.posted,
    );
  }

  post(m: HostMessage): void {
    this.posted.fire(m);
    void this.webviewPanel.webview.postMessage(m).then(undefined, () => undefined);
  }

  command(name: WebviewCommand): void { this.post({ type: 'command', name }); }
  reveal(offset: number, length: number): void { this.post({ type: 'reveal', offset, length }); }

  /** Handles one message (also called by tests to act as the webview). */
  async handle(m: WebviewMessage): Promise<void> {
    const doc = this.doc;
    try {
      switch (m.type) {
        case 'ready':
          this.ready = true;
          this.post({ type: 'init', doc: doc.info(), state: this.state, generation: doc.generation });
          {
            // The first screen goes out with init: one round trip less before bytes are painted.
            const generation = doc.generation;
            const top = Math.max(0, Math.floor((this.state?.topOffset ?? 0) / 16384) * 16384);
            const r = await doc.read(top, 64 * 1024);
            this.post({ type: 'bytes', reqId: -1, offset: top, data: new Uint8Array(r.data), generation, edited: r.edited });
          }
          this.post({ type: 'structures', generation: doc.generation, roots: doc.nodes });
          this.owner.panelReady(this);
          break;
        case 'read': {
          this.reads.push([m.offset, m.length]);
          if (this.reads.length > 10000) this.reads.splice(0, this.reads.length - 10000);
          const generation = doc.generation;
          const r = await doc.read(m.offset, m.length);
          // A copy: engine buffers may be views into larger pooled buffers.
          this.post({ type: 'bytes', reqId: m.reqId, offset: m.offset, data: new Uint8Array(r.data), generation, edited: r.edited });
          break;
        }
        case 'edit':
          try {
            doc.edit([{ offset: m.offset, data: m.data }], m.label || 'Edit bytes');
          } catch (e) {
            this.post({ type: 'editRejected', reason: describeError(e) });
          }
          break;
        case 'fix':
          try {
            await doc.fix(m.id);
          } catch (e) {
            this.post({ type: 'editRejected', reason: describeError(e) });
          }
          break;
        case 'expand':
          try {
            this.post({ type: 'children', reqId: m.reqId, id: m.id, children: await doc.expand(m.id) });
          } catch (e) {
            this.post({ type: 'children', reqId: m.reqId, id: m.id, children: [], error: describeError(e) });
          }
          break;
        case 'locate':
          this.post({ type: 'located', reqId: m.reqId, offset: m.offset, location: await doc.locate(m.offset) });
          break;
        case 'openTarget':
          await this.openTarget(m.path, m.lba);
          break;
        case 'search':
          await this.search(m.searchId, m.query);
          break;
        case 'cancelSearch':
          this.searches.get(m.searchId)?.abort();
          break;
        case 'copy':
          await vscode.env.clipboard.writeText(m.text);
          vscode.window.setStatusBarMessage(`Copied ${iconText(m.what)}`, 2500);
          break;
        case 'state':
          this.state = m.state;
          break;
        case 'cursor':
          this.cursor = { offset: m.offset, selectionLength: m.selectionLength };
          this.owner.cursorMoved(this);
          break;
        case 'perf':
          this.perf.push({ what: m.what, ms: m.ms, at: m.at, offset: m.offset });
          if (this.perf.length > 1000) this.perf.splice(0, this.perf.length - 1000);
          this.owner.ctx.log.debug(`sector editor perf: ${m.what} ${m.ms.toFixed(1)} ms at offset ${m.offset}`);
          break;
        case 'error':
          this.owner.ctx.log.error(`sector editor webview: ${m.message}`);
          break;
      }
    } catch (e) {
      const msg = describeError(e);
      this.owner.ctx.log.error(`sector editor: ${m.type}: ${msg}`);
      this.post({ type: 'error', message: msg });
    }
  }

  private async search(searchId: number, query: SearchQuery): Promise<void> {
    const ac = new AbortController();
    this.searches.set(searchId, ac);
    try {
      const r = await this.doc.search(query, ac.signal, (scanned, total, hits) => {
        this.post({ type: 'searchProgress', searchId, scanned, total, hits });
      });
      this.post({ type: 'searchDone', searchId, cancelled: r.cancelled, truncated: r.truncated, count: r.count });
    } catch (e) {
      this.post({ type: 'searchDone', searchId, cancelled: false, truncated: false, count: 0, error: describeError(e) });
    } finally {
      this.searches.delete(searchId);
    }
  }

  /** Opens the file a structure points to, through the image's isowb: URI. */
  private async openTarget(path: string | undefined, lba: number | undefined): Promise<void> {
    let inner: string | null = null;
    if (lba !== undefined) inner = await this.doc.fileAtLba(lba);
    if (!inner && path) inner = path;
    if (!inner) {
      if (lba !== undefined) { this.reveal(lba * SECTOR_SIZE, SECTOR_SIZE); return; }
      throw new Error('the structure points to no file');
    }
    const uri = ImageRegistry.uriOf(this.doc.uri, inner);
    const st = await vscode.workspace.fs.stat(uri);
    if (st.type & vscode.FileType.Directory) await vscode.commands.executeCommand('isoWorkbench.browse', this.doc.uri, inner);
    else await vscode.commands.executeCommand('vscode.open', uri, { preview: true, viewColumn: vscode.ViewColumn.Beside });
  }

  dispose(): void {
    for (const a of this.searches.values()) a.abort();
    for (const d of this.subs) d.dispose();
  }
}

export class SectorEditorProvider implements vscode.CustomEditorProvider<SectorDocument>, vscode.Disposable {
  private readonly changeEmitter = new vscode.EventEmitter<vscode.CustomDocumentEditEvent<SectorDocument>>();
  readonly onDidChangeCustomDocument = this.changeEmitter.event;
  readonly panels = new Set<SectorPanel>();
  private readonly panelEmitter = new vscode.EventEmitter<SectorPanel>();
  /** A panel's webview said `ready` (tests wait for it). */
  readonly onDidReadyPanel = this.panelEmitter.event;
  private activePanel: SectorPanel | undefined;
  private readonly status: vscode.StatusBarItem;

  constructor(readonly ctx: Ctx) {
    this.status = vscode.window.createStatusBarItem('isoWorkbench.sectorCursor', vscode.StatusBarAlignment.Right, 100);
    this.status.name = 'ISO Sector Editor Cursor';
    this.status.command = 'isoWorkbench.sector.goto';
    this.status.tooltip = 'Go to offset or LBA (Ctrl+G)';
  }

  static register(ctx: Ctx): { provider: SectorEditorProvider; disposables: vscode.Disposable[] } {
    const provider = new SectorEditorProvider(ctx);
    const opts = { webviewOptions: { retainContextWhenHidden: false, enableFindWidget: false }, supportsMultipleEditorsPerDocument: true };
    return {
      provider,
      disposables: [
        provider,
        vscode.window.registerCustomEditorProvider(VIEW_TYPE, provider.forViewType(VIEW_TYPE), opts),
        vscode.window.registerCustomEditorProvider(VIEW_TYPE_OPTION, provider.forViewType(VIEW_TYPE_OPTION), opts),
      ],
    };
  }

  /**
   * The provider as registered for one view type. VS Code looks edits up by (view type, URI), so
   * each registration must only see the edits of the documents it opened.
   */
  forViewType(viewType: string): vscode.CustomEditorProvider<SectorDocument> {
    const edits: vscode.Event<vscode.CustomDocumentEditEvent<SectorDocument>> = (listener, thisArg, disposables) =>
      this.onDidChangeCustomDocument(e => { if (e.document.viewType === viewType) listener.call(thisArg, e); }, undefined, disposables);
    return {
      onDidChangeCustomDocument: edits,
      openCustomDocument: async (uri, openContext) => {
        const doc = await this.openCustomDocument(uri, openContext);
        doc.viewType = viewType;
        return doc;
      },
      resolveCustomEditor: (doc, panel) => this.resolveCustomEditor(doc, panel),
      saveCustomDocument: doc => this.saveCustomDocument(doc),
      saveCustomDocumentAs: (doc, dest, cancel) => this.saveCustomDocumentAs(doc, dest, cancel),
      revertCustomDocument: doc => this.revertCustomDocument(doc),
      backupCustomDocument: (doc, context) => this.backupCustomDocument(doc, context),
    };
  }

  get active(): SectorPanel | undefined {
    if (this.activePanel?.webviewPanel.active) return this.activePanel;
    for (const p of this.panels) if (p.webviewPanel.active) return p;
    return this.activePanel;
  }

  async openCustomDocument(uri: vscode.Uri, openContext: vscode.CustomDocumentOpenContext): Promise<SectorDocument> {
    const journalDir = vscode.Uri.joinPath(this.ctx.ext.globalStorageUri, 'sector-journals').fsPath;
    const doc = await SectorDocument.open(uri, openContext.backupId, { registry: this.ctx.registry, log: this.ctx.log, journalDir });
    doc.onDidEdit(e => this.changeEmitter.fire(e));
    this.ctx.log.info(`sector editor: opened ${uri.toString(true)} (${doc.size} bytes, ${doc.map?.decoded ? 'decoded' : `not ISO 9660: ${doc.map?.error ?? '?'}`}${doc.editable ? '' : ', read-only'})`);
    return doc;
  }

  async resolveCustomEditor(doc: SectorDocument, webviewPanel: vscode.WebviewPanel): Promise<void> {
    const panel = new SectorPanel(doc, webviewPanel, this);
    this.panels.add(panel);
    this.activePanel = panel;
    webviewPanel.onDidDispose(() => {
      this.panels.delete(panel);
      panel.dispose();
      if (this.activePanel === panel) this.activePanel = undefined;
      this.updateStatus();
    });
  }

  saveCustomDocument(doc: SectorDocument): Thenable<void> { return doc.save().then(() => undefined); }
  saveCustomDocumentAs(doc: SectorDocument, dest: vscode.Uri, cancel: vscode.CancellationToken): Thenable<void> { return doc.saveAs(dest, cancel).then(() => undefined); }
  revertCustomDocument(doc: SectorDocument): Thenable<void> { return doc.revert(); }
  backupCustomDocument(doc: SectorDocument, context: vscode.CustomDocumentBackupContext): Thenable<vscode.CustomDocumentBackup> { return doc.backup(context.destination); }

  panelReady(p: SectorPanel): void { this.panelEmitter.fire(p); }

  panelFocusChanged(p: SectorPanel): void {
    if (p.webviewPanel.active) this.activePanel = p;
    this.updateStatus();
  }

  cursorMoved(p: SectorPanel): void { if (p === this.active) this.updateStatus(); }

  private updateStatus(): void {
    const p = this.active;
    if (!p || !p.webviewPanel.active) { this.status.hide(); return; }
    const { offset, selectionLength } = p.cursor;
    const lba = Math.floor(offset / SECTOR_SIZE);
    this.status.text = `$(symbol-number) 0x${offset.toString(16)} · LBA ${lba}+${offset % SECTOR_SIZE}${selectionLength > 1 ? ` · ${selectionLength} selected` : ''}`;
    this.status.show();
  }

  /** Panels showing a document (tests). */
  panelsOf(uri: vscode.Uri): SectorPanel[] {
    return [...this.panels].filter(p => p.doc.uri.toString() === uri.toString());
  }

  dispose(): void {
    this.status.dispose();
    this.changeEmitter.dispose();
    this.panelEmitter.dispose();
  }
}

/** Commands of the sector editor: open it, and the ones its keybindings run in the active panel. */
export function registerSectorCommands(ctx: Ctx, provider: SectorEditorProvider): vscode.Disposable[] {
  const activePanel = (): SectorPanel => {
    const p = provider.active;
    if (!p) throw new Error('No sector editor is active.');
    return p;
  };
  const forward = (id: string, name: WebviewCommand) => command(ctx, id, async () => { activePanel().command(name); });
  return [
    command(ctx, 'isoWorkbench.openInSectorEditor', async (uri?: vscode.Uri) => {
      const target = uri ?? vscode.window.activeTextEditor?.document.uri ?? (vscode.window.tabGroups.activeTabGroup.activeTab?.input as { uri?: vscode.Uri } | undefined)?.uri;
      if (!target) throw new Error('Select an image file in the Explorer first.');
      await vscode.commands.executeCommand('vscode.openWith', target, /\.iso$/i.test(target.path) ? VIEW_TYPE : VIEW_TYPE_OPTION);
    }),
    command(ctx, 'isoWorkbench.sector.goto', async (arg?: { offset?: number; lba?: number; length?: number }) => {
      const p = activePanel();
      if (arg && (typeof arg.offset === 'number' || typeof arg.lba === 'number')) {
        const offset = typeof arg.offset === 'number' ? arg.offset : (arg.lba as number) * SECTOR_SIZE;
        p.reveal(offset, arg.length ?? 1);
      } else p.command('goto');
    }),
    forward('isoWorkbench.sector.find', 'find'),
    forward('isoWorkbench.sector.toggleSectorMode', 'toggleSectorMode'),
    command(ctx, 'isoWorkbench.sector.copyAs', async () => {
      const p = activePanel();
      const pick = await vscode.window.showQuickPick([
        { label: 'Hex', description: '55 AA …', name: 'copyHex' as const },
        { label: 'Text', description: 'ASCII, non-printables as .', name: 'copyText' as const },
        { label: 'Base64', name: 'copyBase64' as const },
        { label: 'C array', description: 'unsigned char data[] = { 0x55, … }', name: 'copyCArray' as const },
      ], { title: 'Copy Selection As' });
      if (pick) p.command(pick.name);
    }),
  ];
}
