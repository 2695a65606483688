// The sector editor's webview page: a strict Content Security Policy with a per-load nonce, only
// the extension's own bundled script, stylesheet and codicon font; no inline code, no remote
// resources. Pure (no vscode import) so it is unit-tested.
import { randomBytes } from 'crypto';

export interface PageResources {
  /** webview.cspSource */
  cspSource: string;
  script: string;
  style: string;
  codicons: string;
  /** Document title (escaped here; the webview itself never parses it as HTML). */
  title: string;
}

export function nonce(): string {
  return randomBytes(18).toString('base64').replace(/[^A-Za-z0-9]/g, '').slice(0, 22) || 'n0nce';
}

/** Escapes text for an HTML text node or a double-quoted attribute. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, c => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c] as string));
}

export function contentSecurityPolicy(cspSource: string, n: string): string {
  return [
    "default-src 'none'",
    `img-src ${cspSource} data:`,
    `style-src ${cspSource}`,
    `font-src ${cspSource}`,
    `script-src 'nonce-${n}'`,
  ].join('; ');
}

export function sectorEditorHtml(r: PageResources, n = nonce()): string {
  const a = (s: string) => escapeHtml(s);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${a(contentSecurityPolicy(r.cspSource, n))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${a(r.codicons)}" id="vscode-codicon-stylesheet">
<link rel="stylesheet" href="${a(r.style)}">
<title>${a(r.title)}</title>
</head>
<body>
<div id="app"></div>
<script nonce="${a(n)}" src="${a(r.script)}"></script>
</body>
</html>`;
}
