// ISO: Show Image Info — a Markdown report (src/extension/report.ts) shown as a read-only virtual
// document `isowb-info://<image key>/<image name>.md`, with links into the image.
import * as nodePath from 'node:path';
import * as vscode from 'vscode';
import { ImageRegistry } from '../provider/registry';
import { SCHEME } from '../provider/uri';
import { imageLabel, resolveTarget, targetOf, type Ctx } from './context';
import { imageReport } from './report';

export const INFO_SCHEME = 'isowb-info';

export class InfoDocuments implements vscode.TextDocumentContentProvider, vscode.DocumentLinkProvider, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.emitter.event;
  private readonly sub: vscode.Disposable;

  constructor(private readonly ctx: Ctx) {
    // A changed image or namespace changes its report.
    this.sub = ctx.registry.onDidChange(ev => {
      if (ev.kind !== 'changed' && ev.kind !== 'namespace') return;
      for (const d of vscode.workspace.textDocuments) {
        if (d.uri.scheme === INFO_SCHEME && d.uri.authority === ev.key) this.emitter.fire(d.uri);
      }
    });
  }

  static uriFor(key: string, imageUri: vscode.Uri): vscode.Uri {
    return vscode.Uri.from({ scheme: INFO_SCHEME, authority: key, path: `/${nodePath.posix.basename(imageUri.path) || 'image'} (info).md` });
  }

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const root = vscode.Uri.from({ scheme: SCHEME, authority: uri.authority, path: '/' });
    const t = targetOf(root);
    return this.ctx.registry.use(t.key, img => imageReport(img, {
      imageLabel: t.imageUri.scheme === 'file' ? t.imageUri.fsPath : imageLabel(t.imageUri),
      link: p => ImageRegistry.uriOf(t.imageUri, p, ImageRegistry.parse(root).session).toString(),
    }));
  }

  /** Makes every isowb: URI in the report a link (the report's Markdown links point at them). */
  provideDocumentLinks(doc: vscode.TextDocument): vscode.DocumentLink[] {
    const links: vscode.DocumentLink[] = [];
    const re = /isowb:\/\/[a-z2-7]+(?:\.s\d+)?\/[^\s)>\]`]*/g;
    for (let line = 0; line < doc.lineCount; line++) {
      const text = doc.lineAt(line).text;
      for (const m of text.matchAll(re)) {
        try {
          links.push(new vscode.DocumentLink(new vscode.Range(line, m.index, line, m.index + m[0].length), vscode.Uri.parse(m[0], true)));
        } catch { /* not a URI after all */ }
      }
    }
    return links;
  }

  dispose(): void { this.sub.dispose(); this.emitter.dispose(); }
}

export async function showInfo(ctx: Ctx, arg?: vscode.Uri): Promise<vscode.Uri | undefined> {
  const t = await resolveTarget(ctx, arg, 'show information about', { nested: true });
  if (!t) return undefined;
  // Open (and so validate) the image first: a corrupt image fails here with the engine's message.
  await ctx.registry.use(t.key, () => undefined);
  const uri = InfoDocuments.uriFor(t.key, t.imageUri);
  const doc = await vscode.workspace.openTextDocument(uri);
  await vscode.languages.setTextDocumentLanguage(doc, 'markdown');
  await vscode.window.showTextDocument(doc, { preview: false });
  return uri;
}
