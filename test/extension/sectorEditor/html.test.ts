// The sector editor's webview page: CSP, nonce, escaping of the title.
import { strict as assert } from 'assert';
import { contentSecurityPolicy, escapeHtml, nonce, sectorEditorHtml } from '../../../src/extension/sectorEditor/html';

describe('sector editor host: page', () => {
  it('has a strict CSP: nothing but the extension\'s own resources and one nonce\'d script', () => {
    const n = nonce();
    assert.match(n, /^[A-Za-z0-9]{16,}$/);
    assert.notEqual(nonce(), n);
    const html = sectorEditorHtml({ cspSource: 'https://x.vscode-cdn.net', script: 'https://x/s.js', style: 'https://x/s.css', codicons: 'https://x/c.css', title: 'a.iso' }, n);
    const attr = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)?.[1];
    assert.equal(attr, escapeHtml(contentSecurityPolicy('https://x.vscode-cdn.net', n)));
    const csp = attr?.replace(/&#39;/g, "'");
    assert.match(csp!, /default-src 'none'/);
    assert.doesNotMatch(csp!, /unsafe-inline|unsafe-eval|\*/);
    const scripts = [...html.matchAll(/<script([^>]*)>/g)];
    assert.equal(scripts.length, 1);
    assert.match(scripts[0][1], new RegExp(`nonce="${n}"`));
    assert.doesNotMatch(html, /style="/);
  });

  it('escapes the title (a file name from anywhere)', () => {
    const html = sectorEditorHtml({ cspSource: 's', script: 's', style: 's', codicons: 'c', title: '<img src=x onerror=alert(1)>".iso' }, 'abc');
    assert.ok(html.includes('<title>&lt;img src=x onerror=alert(1)&gt;&quot;.iso</title>'));
    assert.ok(!html.includes('<img'));
  });
});
