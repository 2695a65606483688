// The tools being compared: ISO Workbench's CLI and the installed peers.
import * as fs from 'fs';
import { spawnSync } from 'child_process';

export type Op = 'list' | 'extract' | 'cat';

export interface Tool {
  id: string;
  /** argv for each operation it supports; IMAGE/PATH/DIR filled in. */
  list?: (img: string) => string[];
  extract?: (img: string, dir: string) => string[];
  cat?: (img: string, isoPath: string) => string[];
  /** Human-readable description of the command, for the docs. */
  describe: Partial<Record<Op, string>>;
  version: string;
  ours?: boolean;
}

function which(bin: string): string | undefined {
  const r = spawnSync('sh', ['-c', `command -v ${bin}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

function firstLine(argv: string[], pick: (out: string) => string = (o) => o.trim().split('\n')[0]): string {
  const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8' });
  const out = `${r.stdout ?? ''}\n${r.stderr ?? ''}`;
  try {
    return pick(out).trim();
  } catch {
    return '?';
  }
}

export function isowbTool(dist: string): Tool | undefined {
  if (!fs.existsSync(dist)) return undefined;
  const node = process.execPath;
  const v = spawnSync(node, [dist, '--version'], { encoding: 'utf8' });
  return {
    id: 'isowb',
    ours: true,
    list: (img) => [node, dist, 'ls', img, '-R'],
    extract: (img, dir) => [node, dist, 'extract', img, '-o', dir],
    cat: (img, p) => [node, dist, 'cat', img, p],
    describe: { list: 'isowb ls IMG -R', extract: 'isowb extract IMG -o DIR', cat: 'isowb cat IMG PATH' },
    version: v.status === 0 ? v.stdout.trim() : 'isowb (no --version)',
  };
}

export function peerTools(): Tool[] {
  const tools: Tool[] = [];
  if (which('xorriso')) {
    tools.push({
      id: 'xorriso',
      list: (img) => ['xorriso', '-indev', img, '-find', '/', '-exec', 'lsdl'],
      extract: (img, dir) => ['xorriso', '-osirrox', 'on', '-indev', img, '-extract', '/', dir],
      // xorriso has no "cat"; -concat to "-" copies a file's content to stdout.
      cat: (img, p) => ['xorriso', '-osirrox', 'on', '-indev', img, '-concat', 'overwrite', '-', p],
      describe: {
        list: 'xorriso -indev IMG -find / -exec lsdl',
        extract: 'xorriso -osirrox on -indev IMG -extract / DIR',
        cat: 'xorriso -osirrox on -indev IMG -concat overwrite - PATH',
      },
      version: firstLine(['xorriso', '-version']).replace(/ : .*/, ''),
    });
  }
  if (which('isoinfo')) {
    tools.push({
      id: 'isoinfo',
      list: (img) => ['isoinfo', '-R', '-l', '-i', img],
      cat: (img, p) => ['isoinfo', '-R', '-x', p, '-i', img],
      describe: { list: 'isoinfo -R -l -i IMG', cat: 'isoinfo -R -x PATH -i IMG' },
      version: firstLine(['isoinfo', '--version']),
    });
  }
  if (which('7z')) {
    tools.push({
      id: '7z',
      list: (img) => ['7z', 'l', img],
      extract: (img, dir) => ['7z', 'x', '-y', `-o${dir}`, img],
      cat: (img, p) => ['7z', 'x', '-so', img, p.replace(/^\//, '')],
      describe: { list: '7z l IMG', extract: '7z x -y -oDIR IMG', cat: '7z x -so IMG PATH' },
      version: firstLine(['7z'], (o) => (o.split('\n').find((l) => /7-Zip|p7zip/.test(l)) ?? '?').replace(/ : .*/, '')),
    });
  }
  if (which('bsdtar')) {
    tools.push({
      id: 'bsdtar',
      list: (img) => ['bsdtar', 'tvf', img],
      extract: (img, dir) => ['bsdtar', 'xf', img, '-C', dir],
      cat: (img, p) => ['bsdtar', 'xOf', img, p.replace(/^\//, '')],
      describe: { list: 'bsdtar tvf IMG', extract: 'bsdtar xf IMG -C DIR', cat: 'bsdtar xOf IMG PATH' },
      version: firstLine(['bsdtar', '--version']),
    });
  }
  return tools;
}
