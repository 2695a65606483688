// The sector editor's CustomEditorProvider (VS Code's name for what it is): it opens and saves
// SectorDocuments (document.ts), gives each webview panel a SectorPanel (sectorPanel.ts: the host
// end of the protocol in src/shared/sectorProtocol.ts), keeps the cursor in the status bar, and
// registers the editor's commands, which its keybindings run in the active panel.
import * as vscode from 'vscode';
import { command, type Ctx } from '../context';
import { SECTOR_SIZE, type WebviewCommand } from '../../shared/sectorProtocol';
import { SectorDocument } from './document';
import { SectorPanel } from './sectorPanel';

/** Default editor for .iso files. */
export const VIEW_TYPE = 'isoWorkbench.sectorEditor';
/** The same editor offered in "Open With…" for the other image extensions (.img, .bin, .udf, …). */
export const VIEW_TYPE_OPTION = 'isoWorkbench.sectorEditor.option';

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
