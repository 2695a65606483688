// The writer's temp and backup names (src/engine/write/output.ts): beside the output under
// path.win32 and path.posix (the path module is a parameter), at most 255 bytes, and stale ones
// of dead writers cleaned.
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { backupPathFor, cleanStaleTemps, isTempName, tempPathFor } from '../../../src/engine/write/output';

type Flavour = 'win32' | 'posix';

describe('the writer\'s temp and backup names (src/engine/write/output.ts)', () => {
  let tmp = '';
  before(() => { tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'isowb-hostpaths-')); });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('beside the output under either flavour, recognised as temp names, at most 255 bytes', () => {
    const cases: Array<[Flavour, string, string]> = [
      ['win32', 'C:\\Users\\me\\out.iso', 'C:\\Users\\me\\'],
      ['win32', '\\\\server\\share\\out dir\\out.iso', '\\\\server\\share\\out dir\\'],
      ['posix', '/home/me/out.iso', '/home/me/'],
    ];
    for (const [f, out, dir] of cases) {
      const t = tempPathFor(out, path[f]);
      assert.ok(t.startsWith(dir), `${f}: ${t}`);
      const name = t.slice(dir.length);
      assert.match(name, new RegExp(`^\\.out\\.iso\\.isowb-${process.pid}-[0-9a-f]{8}\\.tmp$`));
      assert.ok(isTempName(name));
      assert.equal(backupPathFor(out, () => false, path[f]), `${out}.isowb-backup`);
      assert.equal(backupPathFor(out, (p) => p === `${out}.isowb-backup`, path[f], 1234), `${out}.isowb-backup-1234`);
    }
    const long = `${'é'.repeat(120)}.iso`; // 244 bytes: legal, but not with a suffix
    for (const name of [path.basename(tempPathFor(path.join(tmp, long))), path.basename(backupPathFor(path.join(tmp, long))), path.basename(backupPathFor(path.join(tmp, long), () => true))]) {
      assert.ok(Buffer.byteLength(name) <= 255, `${Buffer.byteLength(name)} bytes`);
      assert.ok(!name.includes('\ufffd'));
    }
    assert.ok(isTempName(path.basename(tempPathFor(path.join(tmp, long)))));
    assert.ok(!isTempName('out.iso') && !isTempName('.out.iso.isowb-backup'));
  });

  it('a temp name is a file this host can create, and a stale one is cleaned — long names and line breaks too', () => {
    const long = path.join(tmp, `${'é'.repeat(120)}.iso`);
    const names = [path.basename(tempPathFor(long)), '.line\nbreak.iso.isowb-999999999-0123abcd.tmp'];
    fs.writeFileSync(path.join(tmp, names[0]), 'x'); // ENAMETOOLONG before the cut
    // A dead writer's temp file (no such PID), with a line break in the name.
    fs.writeFileSync(path.join(tmp, names[1]), 'x');
    const removed = cleanStaleTemps(tmp);
    assert.deepEqual(removed, [names[1]], 'only the dead writer\'s file (ours is alive)');
    assert.ok(fs.existsSync(path.join(tmp, names[0])));
  });
});
