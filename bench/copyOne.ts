// `node out/bench/copyOne.js SRC DST [--stream]`: the engine's whole-file copy (src/engine/io/copy.ts)
// on its own, as the preserving repack runs it (a clone where the file system can, else the
// streaming copy that keeps holes); --stream skips the clone attempt. Prints which one ran.
import * as fs from 'fs';
import { cloneOrCopy, sparseCopy } from '../src/engine/io/copy';

async function main(): Promise<void> {
  const [src, dst, flag] = process.argv.slice(2);
  if (!src || !dst || (flag !== undefined && flag !== '--stream')) throw new Error('usage: copyOne SRC DST [--stream]');
  const size = fs.statSync(src).size;
  if (flag === '--stream') {
    await sparseCopy(src, dst, { size });
    console.log('stream');
  } else console.log(await cloneOrCopy(src, dst, { size }));
}

main().catch((e: unknown) => {
  console.error(`copyOne: ${(e as Error).message}`);
  process.exit(1);
});
