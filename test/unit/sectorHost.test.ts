// The sector editor's pure host pieces: the webview page (CSP, nonce, escaping) and the engine
// structure → panel node conversion, on the structure map of a real image.
import { strict as assert } from 'assert';
import { contentSecurityPolicy, escapeHtml, nonce, sectorEditorHtml } from '../../src/extension/sectorEditor/html';
import { toNodes, walk } from '../../src/extension/sectorEditor/convert';
import { DiscImage } from '../../src/engine/image';
import { fixableReason } from '../../src/engine/fixes';
import type { Structure } from '../../src/engine/structure/fields';
import { realImage } from '../fixtures/build';

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

describe('sector editor host: structure nodes', function () {
  this.timeout(60_000);
  let structures: Structure[];
  let img: DiscImage;
  before(async () => {
    img = await DiscImage.openFile(await realImage('grub-rescue-cdrom.iso'));
    structures = await img.structures();
  });
  after(() => img.close());

  it('keeps every structure and field, indexes every id, marks subdirectories lazy', () => {
    const index = new Map<string, Structure>();
    const nodes = toNodes(structures, { isExpandable: s => img.isExpandable(s), fixableReason }, index);
    const all = [...walk(structures)];
    assert.equal(index.size, new Set(all.map(s => s.id)).size);
    const flat = (ns: typeof nodes): typeof nodes => ns.flatMap(n => [n, ...flat(n.children)]);
    const nodeList = flat(nodes);
    assert.equal(nodeList.length, all.length);
    for (const [i, s] of all.entries()) {
      assert.equal(nodeList[i].id, s.id);
      assert.equal(nodeList[i].fields.length, s.fields.length);
      assert.deepEqual(nodeList[i].fields.map(f => [f.offset, f.length, f.display]), s.fields.map(f => [f.offset, f.length, f.display]));
    }
    const boot = nodeList.find(n => n.type === 'dir-record' && n.target?.path === '/boot');
    assert.ok(boot?.lazy, 'the /boot record loads its directory lazily');
    assert.ok(!nodeList.some(n => n.fixable), 'an intact image has nothing to fix');
  });
});
