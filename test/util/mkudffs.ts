// Pure UDF images made with udftools' mkudffs for the UDF tests (no ISO 9660 part).
import * as path from 'path';
import { runText } from '../peers/run';

/**
 * A pure UDF image as udftools writes one (the command is the documentation):
 *   truncate -s SIZE FILE && mkudffs --media-type=hd --blocksize=BS --label=ISOWB \
 *     --uuid=0123456789abcdef --udfrev=2.01 FILE
 * UDF 2.01, one type 1 partition, anchors at 256, N-256 and N, main and reserve descriptor
 * sequences, a closed integrity descriptor, a file set descriptor and an empty root directory
 * (extended file entry).
 */
export async function mkudffs(dir: string, blockSize: number, size = '8M'): Promise<string> {
  const file = path.join(dir, `mkudffs-${blockSize}.img`);
  await runText('truncate', ['-s', size, file]);
  await runText('mkudffs', ['--media-type=hd', `--blocksize=${blockSize}`, '--label=ISOWB', '--uuid=0123456789abcdef', '--udfrev=2.01', file]);
  return file;
}
