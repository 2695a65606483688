// Host paths and image paths (src/engine/hostPaths.ts, src/cli/paths.ts, the isowb: key of
// Windows images). Host-path rules take the path module as a parameter: every table runs under
// path.win32 and path.posix, whatever machine runs the tests. Image paths are POSIX on every host.
// The writer's temp and backup names: test/engine/write/output.test.ts; the build's own-folder
// tests: test/engine/write/build.test.ts.
import { strict as assert } from 'assert';
import * as path from 'path';
import { imagePathArg, splitSrcDest } from '../../src/cli/paths';
import { UsageError } from '../../src/cli/errors';
import {
  cutUtf8, folderPathToImagePath, hostPathKey, imageFileBeside, imagePathUnder, linkTargetToImage, sameHostPath, withoutLongPathPrefix,
} from '../../src/engine/hostPaths';
import { decodeKey, encodeKey, isUriString } from '../../src/provider/uri';

type Flavour = 'win32' | 'posix';
const FLAVOURS: Flavour[] = ['win32', 'posix'];
/** A case: its value under each flavour (`same` for both). */
type Per<T> = { win32: T; posix: T } | { same: T };
const pick = <T>(c: Per<T>, f: Flavour): T => ('same' in c ? c.same : c[f]);

describe('host paths (src/engine/hostPaths.ts) under path.win32 and path.posix', () => {
  it('withoutLongPathPrefix drops \\\\?\\ and \\\\?\\UNC\\ on Windows only', () => {
    const cases: Array<[string, Per<string>]> = [
      ['\\\\?\\C:\\long\\x.iso', { win32: 'C:\\long\\x.iso', posix: '\\\\?\\C:\\long\\x.iso' }],
      ['\\\\?\\UNC\\server\\share\\x.iso', { win32: '\\\\server\\share\\x.iso', posix: '\\\\?\\UNC\\server\\share\\x.iso' }],
      ['//?/C:/x', { win32: 'C:/x', posix: '//?/C:/x' }],
      ['C:\\x', { same: 'C:\\x' }],
      ['\\\\server\\share\\x', { same: '\\\\server\\share\\x' }],
      ['/home/me/x.iso', { same: '/home/me/x.iso' }],
    ];
    for (const f of FLAVOURS) for (const [p, want] of cases) assert.equal(withoutLongPathPrefix(p, path[f]), pick(want, f), `${f}: ${p}`);
  });

  it('sameHostPath: case, separators, trailing separators, ".." and the long-path prefix (Windows); exact case (POSIX)', () => {
    const cases: Array<[string, string, Per<boolean>]> = [
      ['C:\\Users\\Me\\x.iso', 'c:\\users\\me\\X.ISO', { win32: true, posix: false }],
      ['C:/Users/me/x.iso', 'C:\\Users\\me\\x.iso', { win32: true, posix: false }], // mixed separators
      ['C:\\a\\..\\b\\x.iso', 'C:\\b\\x.iso', { win32: true, posix: false }],
      ['C:\\a\\', 'C:\\a', { win32: true, posix: false }],
      ['\\\\?\\C:\\a\\x', 'C:\\a\\x', { win32: true, posix: false }],
      ['\\\\server\\share\\x.iso', '\\\\SERVER\\Share\\x.iso', { win32: true, posix: false }],
      ['\\\\?\\UNC\\server\\share\\x.iso', '\\\\server\\share\\x.iso', { win32: true, posix: false }],
      ['C:\\a', 'D:\\a', { same: false }],
      ['/home/Me/x.iso', '/home/me/x.iso', { win32: true, posix: false }],
      ['/a/../b/', '/b', { same: true }],
      ['/a/b\\c', '/a/b/c', { win32: true, posix: false }], // '\' is a name character on POSIX
    ];
    for (const f of FLAVOURS) {
      for (const [a, b, want] of cases) {
        assert.equal(sameHostPath(a, b, path[f]), pick(want, f), `${f}: ${a} vs ${b}`);
        assert.equal(hostPathKey(a, path[f]) === hostPathKey(b, path[f]), pick(want, f));
      }
    }
  });

  it('imagePathUnder: a host path inside a folder as a POSIX image path, null outside', () => {
    const cases: Array<[string, string, Per<string | null>]> = [
      ['C:\\src', 'C:\\src\\boot\\x.iso', { win32: '/boot/x.iso', posix: null }],
      ['C:\\src', 'c:\\SRC\\Boot\\x.iso', { win32: '/Boot/x.iso', posix: null }], // Windows: inside whatever the case
      ['C:\\src', 'C:/src/a\\b', { win32: '/a/b', posix: null }],
      ['C:\\src\\', 'C:\\src', { win32: '/', posix: null }],
      ['C:\\src', 'C:\\src\\..foo.iso', { win32: '/..foo.iso', posix: null }], // two dots, inside
      ['C:\\src', 'C:\\srcx\\y.iso', { same: null }],
      ['C:\\src', 'C:\\x.iso', { same: null }],
      ['C:\\src', 'D:\\src\\x.iso', { same: null }], // another drive: relative() answers an absolute path
      ['\\\\server\\share\\src', '\\\\server\\share\\src\\a\\b.iso', { win32: '/a/b.iso', posix: null }],
      ['C:\\src', '\\\\?\\C:\\src\\a\\b', { win32: '/a/b', posix: null }],
      ['C:\\', 'C:\\x\\y.iso', { win32: '/x/y.iso', posix: null }], // a root ends with its separator
      ['\\\\server\\share', '\\\\server\\share\\a.iso', { win32: '/a.iso', posix: null }],
      ['\\\\server\\share\\src', '\\\\server\\other\\src\\a.iso', { same: null }],
      ['/', '/x/y.iso', { same: '/x/y.iso' }],
      ['/src', '/src/boot/x.iso', { same: '/boot/x.iso' }],
      ['/src/', '/src', { same: '/' }],
      ['/src', '/src/..foo.iso', { same: '/..foo.iso' }],
      ['/src', '/src/a\\b', { win32: '/a/b', posix: '/a\\b' }], // POSIX: one name holding a backslash
      ['/src', '/SRC/x', { win32: '/x', posix: null }],
      ['/src', '/srcx/y', { same: null }],
      ['/src', '/src/../etc/passwd', { same: null }],
    ];
    for (const f of FLAVOURS) for (const [root, p, want] of cases) assert.equal(imagePathUnder(root, p, path[f]), pick(want, f), `${f}: ${p} under ${root}`);
  });

  it('folderPathToImagePath: "\\" separates on Windows, is a name character on POSIX', () => {
    const cases: Array<[string, Per<string>]> = [
      ['boot\\isolinux\\isolinux.bin', { win32: '/boot/isolinux/isolinux.bin', posix: '/boot\\isolinux\\isolinux.bin' }],
      ['boot/grub\\i386-pc\\eltorito.img', { win32: '/boot/grub/i386-pc/eltorito.img', posix: '/boot/grub\\i386-pc\\eltorito.img' }],
      ['.\\boot\\.\\x', { win32: '/boot/x', posix: '/.\\boot\\.\\x' }],
      ['/boot//x', { same: '/boot/x' }],
      ['./boot/./x/', { same: '/boot/x' }],
      ['efi.img', { same: '/efi.img' }],
    ];
    for (const f of FLAVOURS) for (const [p, want] of cases) assert.equal(folderPathToImagePath(p, path[f]), pick(want, f), `${f}: ${p}`);
  });

  it('linkTargetToImage: Windows link targets get "/" separators; POSIX targets are kept', () => {
    const cases: Array<[string, Per<string>]> = [
      ['..\\hello.txt', { win32: '../hello.txt', posix: '..\\hello.txt' }],
      ['sub\\dir\\', { win32: 'sub/dir/', posix: 'sub\\dir\\' }],
      ['\\\\?\\C:\\Users\\me\\x', { win32: 'C:/Users/me/x', posix: '\\\\?\\C:\\Users\\me\\x' }],
      ['../a//b/', { same: '../a//b/' }],
      ['/etc/shadow', { same: '/etc/shadow' }],
    ];
    for (const f of FLAVOURS) for (const [t, want] of cases) assert.equal(linkTargetToImage(t, path[f]), pick(want, f), `${f}: ${t}`);
  });

  it('imageFileBeside: <folder>.iso, or image.iso inside a root (drive, UNC share, /)', () => {
    const cases: Array<[string, Per<string>]> = [
      ['C:\\data\\disc', { win32: 'C:\\data\\disc.iso', posix: '' }],
      ['C:\\data\\disc\\', { win32: 'C:\\data\\disc.iso', posix: '' }],
      ['C:/data/disc/', { win32: 'C:\\data\\disc.iso', posix: '' }],
      ['C:\\', { win32: 'C:\\image.iso', posix: '' }],
      ['\\\\server\\share', { win32: '\\\\server\\share\\image.iso', posix: '' }],
      ['\\\\server\\share\\dir\\', { win32: '\\\\server\\share\\dir.iso', posix: '' }],
      ['/data/disc/', { win32: '\\data\\disc.iso', posix: '/data/disc.iso' }],
      ['/', { win32: '\\image.iso', posix: '/image.iso' }],
    ];
    for (const f of FLAVOURS) {
      for (const [dir, want] of cases) {
        const w = pick(want, f);
        if (w === '') continue; // a Windows path means nothing as a POSIX folder
        assert.equal(imageFileBeside(dir, path[f]), w, `${f}: ${dir}`);
      }
    }
  });

  it('cutUtf8: never a split character', () => {
    assert.equal(cutUtf8('a😀b', 4), 'a');
    assert.equal(cutUtf8('a😀b', 5), 'a😀');
    assert.equal(cutUtf8('abc', 10), 'abc');
  });
});

describe('command-line paths (src/cli/paths.ts)', () => {
  it('SRC=DEST splits at the last "=" followed by "/" (else the last "="), for any host path', () => {
    const ok: Array<[string, string, string]> = [
      ['C:\\dir\\file=/boot/x', 'C:\\dir\\file', '/boot/x'],
      ['C:\\a=b\\file.txt=/docs/a=b.txt', 'C:\\a=b\\file.txt', '/docs/a=b.txt'],
      ['\\\\server\\share\\x.iso=/x.iso', '\\\\server\\share\\x.iso', '/x.iso'],
      ['\\\\?\\C:\\long\\f=/f', '\\\\?\\C:\\long\\f', '/f'],
      ['C:\\dir\\f=boot/x', 'C:\\dir\\f', '/boot/x'],
      ['C:\\a=b\\f=boot/x', 'C:\\a=b\\f', '/boot/x'],
      ['C:relative\\f=/f', 'C:relative\\f', '/f'],
      ['/home/me/x=y=/x', '/home/me/x=y', '/x'],
      ['/home/me/f=boot/x', '/home/me/f', '/boot/x'],
      ['my folder/a b.txt=/with space/a b.txt', 'my folder/a b.txt', '/with space/a b.txt'],
      ['dir=/', 'dir', '/'],
      // The rule's limit, as documented: a relative DEST after a SRC holding "=/" splits at that "=/".
      ['/data/x=/f=boot/x', '/data/x', '/f=boot/x'],
    ];
    for (const f of FLAVOURS) {
      for (const [spec, src, dest] of ok) assert.deepEqual(splitSrcDest(spec, '--add', path[f]), { src, dest }, `${f}: ${spec}`);
      for (const bad of ['=/x', 'a=', 'nothing', '=']) assert.throws(() => splitSrcDest(bad, '--add', path[f]), (e: unknown) => e instanceof UsageError && /--add wants SRC=DEST/.test((e as Error).message));
    }
  });

  it('a "\\" in an image path is refused on Windows (surely a Windows path), a name character on POSIX', () => {
    assert.throws(() => splitSrcDest('C:\\x\\f=\\boot\\f', '--add', path.win32), (e: unknown) => e instanceof UsageError && /paths inside an image are written with '\/'/.test((e as Error).message));
    assert.deepEqual(splitSrcDest('C:\\x\\f=\\boot\\f', '--add', path.posix), { src: 'C:\\x\\f', dest: '/\\boot\\f' });
    assert.throws(() => imagePathArg('new\\dir', '--mkdir', path.win32), UsageError);
    assert.equal(imagePathArg('new\\dir', '--mkdir', path.posix), '/new\\dir');
    for (const f of FLAVOURS) {
      assert.equal(imagePathArg('boot/x', '--mkdir', path[f]), '/boot/x');
      assert.equal(imagePathArg('/boot/x', '--mkdir', path[f]), '/boot/x');
    }
  });
});

describe('image URIs of Windows and POSIX images (src/provider/uri.ts)', () => {
  it('isUriString: URIs are schemes of two or more letters; drive letters, UNC and POSIX paths with ":" are host paths', () => {
    const cases: Array<[string, Per<boolean>]> = [
      ['file:///c%3A/Users/me/x.iso', { same: true }],
      ['file://server/share/x.iso', { same: true }],
      ['isowb://mzxw6ytboi/inner.iso', { same: true }],
      ['vscode-remote://ssh-remote%2Bbox/srv/x.iso', { same: true }],
      ['C:\\Users\\me\\x.iso', { same: false }],
      ['C:/Users/me/x.iso', { same: false }],
      ['c:x.iso', { same: false }],
      ['\\\\server\\share\\x.iso', { same: false }],
      ['\\\\?\\C:\\long\\x.iso', { same: false }],
      ['/home/me/a:b.iso', { same: false }],
      ['a:b.iso', { same: false }],
      ['images/x.iso', { same: false }],
    ];
    for (const f of FLAVOURS) for (const [s, want] of cases) assert.equal(isUriString(s, path[f]), pick(want, f), `${f}: ${s}`);
  });

  it('keys round-trip the file: URIs VS Code makes for Windows and POSIX image paths, and images inside them', () => {
    // Uri.file(hostPath).toString() as VS Code formats it (src/vs/base/common/uri.ts): on Windows
    // "\" becomes "/", the drive letter is lower-cased and its ":" escaped, a UNC server (and the
    // "?" of a \\?\ path) is the authority; space, "#", "%", non-ASCII are percent-encoded. The
    // host path comes back from that string through Uri.parse(…).fsPath, which is VS Code's.
    const uris = [
      'file:///c%3A/Users/me/My%20Images/debian%2312%20100%25.iso', // C:\Users\me\My Images\debian#12 100%.iso
      'file://server/share/images/x.iso', // \\server\share\images\x.iso
      'file://%3F/c%3A/very/long/x.iso', // \\?\C:\very\long\x.iso
      'file:///d%3A/d%C3%A9j%C3%A0%20vu/%E2%98%83.iso', // D:\déjà vu\☃.iso
      'file:///home/me/My%20Images/debian%2312%20100%25.iso',
      'file:///home/me/C%3A%5Cnot-a-drive.iso', // a POSIX name holding "C:\"
    ];
    for (const image of uris) {
      const key = encodeKey({ image });
      assert.deepEqual(decodeKey(key), { image });
      assert.deepEqual(decodeKey(key.toUpperCase()), { image }, 'VS Code compares authorities without case');
      // An image inside that image, and one inside that: the outer isowb: URI is the inner key's URI.
      const inner = `isowb://${key}/boot/inner%20%231.iso`;
      const innerKey = encodeKey({ image: inner, session: 2 });
      assert.deepEqual(decodeKey(innerKey), { image: inner, session: 2 });
      const deeper = `isowb://${innerKey}/x.img`;
      assert.deepEqual(decodeKey(encodeKey({ image: deeper })), { image: deeper });
    }
    assert.equal(new Set(uris.map(image => encodeKey({ image }))).size, uris.length, 'different images, different keys');
  });
});
