import { promises as fs } from 'node:fs';

/**
 * Write and fsync a file. Checkpoint folders are published by renaming a temp folder; without the fsync a power loss
 * right after the rename could leave a published checkpoint whose files were still only in the page cache.
 */
export async function writeFileSynced(file: string, data: string | Uint8Array): Promise<void> {
  const handle = await fs.open(file, 'w');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}
