// The escape functions for VS Code's UI (src/provider/escape.ts), one per kind of place. Here:
// each output, read the way VS Code 1.139 reads that place (the rules are quoted from its source
// in escape.ts), shows exactly the input (controls made visible) and holds no link, icon or
// autolink; Markdown output is parsed with markdown-it, with linkify on. How the real workbench
// renders them — a notification with no link element, a status bar and quick pick with no icon,
// hovers with no link — is checked by the UI scenario "names that inject"
// (scripts/vscode-host/ui-e2e.js) on the inject-names fixture.
import { strict as assert } from 'assert';
import { createRequire } from 'node:module';
import { iconText, logText, markdownText, noticeText, pickText, plainText, visible, WJ } from '../../src/provider/escape';
import { prng } from '../util/prng';

// VS Code 1.139: src/vs/base/common/linkedText.ts (notifications, input-box prompts)
const LINK = /\[([^\]]+)\]\(((?:https?:\/\/|command:|file:)[^)\s]+)(?: (["'])(.+?)(\3))?\)/gi;
// src/vs/base/common/themables.ts iconNameExpression + iconModifierExpression, as used by
// renderLabelWithIcons and stripIcons (src/vs/base/common/iconLabels.ts)
const ICON = /(\\)?\$\(([A-Za-z0-9-]+(?:~[A-Za-z]+)?)\)/g;
const noWj = (s: string) => s.split(WJ).join('');

interface Token { type: string; content: string; children: Token[] | null }
interface MarkdownIt { parse(src: string, env: object): Token[]; linkify: { set(o: object): void } }
const MarkdownItCtor = createRequire(__filename)('markdown-it') as new (o: object) => MarkdownIt;

/** markdown-it with linkify: links `scheme://…`, `mailto:`, `//host…` and e-mail addresses (as marked's GFM autolinks do for http(s)/ftp/e-mail). */
const md = new MarkdownItCtor({ html: true, linkify: true });
md.linkify.set({ fuzzyLink: false });
/** Inline token types of `src` rendered as Markdown, and its text. */
function inline(src: string): { kinds: string[]; text: string } {
  const kinds: string[] = [];
  let text = '';
  for (const t of md.parse(src, {})) {
    if (t.type !== 'inline') { if (!/^paragraph_(open|close)$/.test(t.type)) kinds.push(t.type); continue; }
    for (const c of t.children ?? []) {
      if (c.type === 'text' || c.type === 'text_special') text += c.content;
      else if (c.type === 'softbreak') text += '\n';
      else kinds.push(c.type);
    }
  }
  return { kinds, text };
}
/** What VS Code does to a quick-pick description before its Markdown hover renders it. */
const htmlEscaped = (s: string) => s.replace(/[<>&]/g, c => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;' }[c] as string));

const HOSTILE = [
  '', 'plain', 'ISOLINUX_HYBRID', '/boot/grub/grub.cfg', 'getty@.service', 'naïve café ☃ 😀',
  '[Retry extraction](command:workbench.action.terminal.new)', '[x](https://evil.com)', '[x](http://evil.com "title")', "[x](file:///etc/passwd 'a')",
  '[a](command:b)[c](command:d)', '[[x](command:y)]', '](command:x)', '[x]', '(command:y)', '![img](https://evil.com/p.png)',
  '$(alert) x', '$(loading~spin)', '\\$(alert)', '$$(alert)', '$(x', 'cost $5 (approx.)', '$', '(',
  '\x1b]0;pwned\x07', '\x1b[2J', 'c1 \u009b31m red', 'bidi \u202etxt.exe', 'visible\rhidden', 'line1\nline2', 'tab\tthere', 'nul\0', 'del\x7f', 'lone \ud800',
  'https://evil.example/x', 'see http://evil.com.', 'ftp://evil.com/f', '//evil.com/x', 'mailto:a@evil.com', 'user@evil.com', 'www.evil.com',
  '<https://evil.com>', '<b>bold</b> <img src=x onerror=alert(1)>', '*em* **strong** `code` ~~s~~ # h', '&amp; &#65;', 'back\\slash',
];
const ALPHABET = ['[', ']', '(', ')', '$', '\\', 'command:', 'https://', 'file:', 'x', ' ', '"', "'", 'alert', '~spin', '\x1b', '\n', '\u202e', '@', 'evil.com', 'www.', '//', ':', '<', '>', '&', '*', '!'];
const rnd = prng(0x10);
const ALL = [...HOSTILE, ...Array.from({ length: 600 }, () => Array.from({ length: rnd() % 12 }, () => ALPHABET[rnd() % ALPHABET.length]).join(''))];

describe('escaping for VS Code UI places (src/provider/escape.ts)', function () {
  it('visible(): control, bidi and separator characters become visible stand-ins; other text stays', function () {
    assert.equal(visible('a\x1b]0;x\x07\n\r\t\0\x7f'), 'a\u241b]0;x\u2407\u240a\u240d\u2409\u2400\u2421');
    assert.equal(visible('\u202eevil\u009b\u2066'), '\u2039U+202E\u203aevil\u2039U+009B\u203a\u2039U+2066\u203a');
    for (const s of ['plain', 'naïve café ☃ 😀 漢字', '[x](y) $(z) \\ / @ : *']) assert.equal(visible(s), s);
  });

  it('noticeText: a notification (parseLinkedText; a progress title/message also stripIcons) shows the text, with no link and no icon', function () {
    for (const s of ALL) {
      const out = noticeText(s);
      assert.equal(noWj(out), visible(s), JSON.stringify(s));
      assert.equal(out.match(LINK), null, `link in ${JSON.stringify(out)}`);
      assert.equal(out.match(ICON), null, `icon (or stripped text) in ${JSON.stringify(out)}`);
      assert.doesNotMatch(out, /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/, JSON.stringify(s)); // eslint-disable-line no-control-regex
      // in a sentence: "Extracting from NAME: N files — PATH"
      for (const around of [`a ${out} b`, `${out}(command:x)`, `[y${out}`, `${out}${out}`, `$${out}`]) {
        assert.equal(around.match(LINK), null, `link in ${JSON.stringify(around)}`);
      }
    }
    // what the tester saw: the link, exactly as written, without the link
    const link = '[Retry extraction](command:workbench.action.terminal.new)';
    assert.equal(noticeText(link), `[Retry extraction]${WJ}(command:workbench.action.terminal.new)`);
    // ordinary text is unchanged
    for (const s of ['grub-rescue-cdrom.iso', '/boot/grub/grub.cfg', 'Extracted 3 files (1.0 MiB) to /tmp/x in 0.1 s']) assert.equal(noticeText(s), s);
  });

  it('iconText: quick-pick labels and status-bar text show $(…) as text', function () {
    for (const s of ALL) {
      const out = iconText(s);
      assert.equal(noWj(out), visible(s), JSON.stringify(s));
      for (const around of [out, `$(file) ${out}`, `$${out}`, `${out})`]) {
        const icons = [...around.matchAll(ICON)].filter(m => !m[1]).map(m => m[2]);
        assert.deepEqual(icons.filter(i => i !== 'file'), [], `icon in ${JSON.stringify(around)}`);
      }
    }
    assert.equal(iconText('$(alert) x'), `$${WJ}(alert) x`);
    assert.equal(iconText('grub.cfg'), 'grub.cfg');
  });

  it('pickText: quick-pick descriptions show the text, and their Markdown hover shows no link, image or autolink', function () {
    for (const s of ALL) {
      const out = pickText(s);
      assert.equal(noWj(out), visible(s), JSON.stringify(s));
      assert.equal(out.match(ICON), null, JSON.stringify(out));
      const r = inline(htmlEscaped(out));
      for (const k of r.kinds) assert.ok(!/^(link|image|html|autolink)/.test(k), `${k} in the hover of ${JSON.stringify(out)}`);
      // marked's GFM "www." autolink (markdown-it's linkify leaves it to fuzzyLink)
      assert.doesNotMatch(out, /\bwww\.[A-Za-z0-9-]/i, JSON.stringify(out));
    }
    // paths keep their look, and '@' not before a domain stays as it is
    for (const s of ['/usr/lib/systemd/system/getty@.service.d', '/boot/grub/i386-pc']) assert.equal(pickText(s), s);
  });

  it('markdownText: Markdown that renders as exactly the text (controls visible), with no markup, link, autolink or icon', function () {
    for (const s of ALL) {
      const out = markdownText(s);
      for (const src of [out, `Volume ID: ${out}`, `**ISO Workbench** — ${out}\n\nnext`]) {
        const r = inline(src);
        assert.deepEqual(r.kinds.filter(k => !/^(strong_|paragraph_)/.test(k)), [], `${JSON.stringify(src)} → ${r.kinds.join(' ')}`);
      }
      const r = inline(out);
      // &nbsp; for spaces and tabs (as MarkdownString.appendText does)
      assert.equal(noWj(r.text), visible(s).replace(/[ \t]/g, '\u00a0'), JSON.stringify(s));
      // with supportThemeIcons, VS Code renders $(…) in the HTML Markdown made of it
      assert.equal(r.text.match(ICON), null, `icon in the rendered ${JSON.stringify(r.text)}`);
    }
  });

  it('plainText and logText: controls visible; a log entry cannot start a new line', function () {
    assert.equal(plainText('a\x1b[2Jb\u202e'), 'a\u241b[2Jb\u2039U+202E\u203a');
    assert.equal(logText('read /x\n2024-01-01T00:00:00.000Z [error] forged\x1b[2J'), 'read /x\n    2024-01-01T00:00:00.000Z [error] forged\u241b[2J');
  });
});
