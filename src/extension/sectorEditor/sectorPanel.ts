// The host end of one sector editor webview: builds its page and answers its messages (the typed
// protocol of src/shared/sectorProtocol.ts, which the webview's media/src/app/transport.ts speaks
// from the other side). It reads only the ranges the webview asks for, forwards edits to the
// document (and so to VS Code's undo stack), expands lazy structures, locates offsets, runs
// searches with progress and cancel, and tells the document's owner (customEditorProvider.ts)
// about readiness, focus and the cursor.
import * as vscode from 'vscode';
import { describeError, type Ctx } from '../context';
import { iconText } from '../../provider/escape';
import { ImageRegistry } from '../../provider/registry';
import { SECTOR_SIZE, type HostMessage, type SearchQuery, type ViewState, type WebviewCommand, type WebviewMessage } from '../../shared/sectorProtocol';
import type { SectorDocument } from './document';
import { sectorEditorHtml } from './html';

/** What a panel needs from the provider that made it. */
export interface PanelOwner {
  readonly ctx: Ctx;
  panelReady(p: SectorPanel): void;
  panelFocusChanged(p: SectorPanel): void;
  cursorMoved(p: SectorPanel): void;
}

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

  private disposed = false;

  constructor(readonly doc: SectorDocument, readonly webviewPanel: vscode.WebviewPanel, private readonly owner: PanelOwner) {
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
      webviewPanel.onDidDispose(() => { this.disposed = true; }),
      this.received, this.posted,
    );
  }

  /**
   * Sends a message to the webview; a no-op once the panel is closed (a reply to a request that was
   * in flight when the user closed the editor: postMessage then throws "Webview is disposed").
   */
  post(m: HostMessage): void {
    if (this.disposed) return;
    this.posted.fire(m);
    try {
      void this.webviewPanel.webview.postMessage(m).then(undefined, () => undefined);
    } catch {
      this.disposed = true;
    }
  }

  command(name: WebviewCommand): void { this.post({ type: 'command', name }); }
  reveal(offset: number, length: number): void { this.post({ type: 'reveal', offset, length }); }

  /** Handles one message (also called by tests to act as the webview). */
  async handle(m: WebviewMessage): Promise<void> {
    try {
      await this.dispatch(m);
    } catch (e) {
      const msg = describeError(e);
      this.owner.ctx.log.error(`sector editor: ${m.type}: ${msg}`);
      this.post({ type: 'error', message: msg });
    }
  }

  private async dispatch(m: WebviewMessage): Promise<void> {
    const doc = this.doc;
    switch (m.type) {
      case 'ready': await this.onReady(); break;
      case 'read': await this.onRead(m.reqId, m.offset, m.length); break;
      case 'edit': await this.orRejected(() => doc.edit([{ offset: m.offset, data: m.data }], m.label || 'Edit bytes')); break;
      case 'fix': await this.orRejected(() => doc.fix(m.id)); break;
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
      case 'openTarget': await this.openTarget(m.path, m.lba); break;
      case 'search': await this.search(m.searchId, m.query); break;
      case 'cancelSearch': this.searches.get(m.searchId)?.abort(); break;
      case 'copy':
        await vscode.env.clipboard.writeText(m.text);
        vscode.window.setStatusBarMessage(`Copied ${iconText(m.what)}`, 2500);
        break;
      case 'state': this.state = m.state; break;
      case 'cursor':
        this.cursor = { offset: m.offset, selectionLength: m.selectionLength };
        this.owner.cursorMoved(this);
        break;
      case 'perf':
        this.perf.push({ what: m.what, ms: m.ms, at: m.at, offset: m.offset });
        if (this.perf.length > 1000) this.perf.splice(0, this.perf.length - 1000);
        this.owner.ctx.log.debug(`sector editor perf: ${m.what} ${m.ms.toFixed(1)} ms at offset ${m.offset}`);
        break;
      case 'error': this.owner.ctx.log.error(`sector editor webview: ${m.message}`); break;
    }
  }

  private async onReady(): Promise<void> {
    const doc = this.doc;
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
  }

  private async onRead(reqId: number, offset: number, length: number): Promise<void> {
    this.reads.push([offset, length]);
    if (this.reads.length > 10000) this.reads.splice(0, this.reads.length - 10000);
    const generation = this.doc.generation;
    const r = await this.doc.read(offset, length);
    // A copy: engine buffers may be views into larger pooled buffers.
    this.post({ type: 'bytes', reqId, offset, data: new Uint8Array(r.data), generation, edited: r.edited });
  }

  /** Runs an edit; a refusal goes back to the webview as `editRejected` (it drops its overlay). */
  private async orRejected(edit: () => unknown): Promise<void> {
    try {
      await edit();
    } catch (e) {
      this.post({ type: 'editRejected', reason: describeError(e) });
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
    this.disposed = true;
    for (const a of this.searches.values()) a.abort();
    for (const d of this.subs) d.dispose();
  }
}
