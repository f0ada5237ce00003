// Reassembles the IS-Net graphs that @imgly/background-removal-data ships as hash-named chunks.
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';

/**
 * Concatenate the chunks of one resources.json entry (e.g. "/models/small"), checking each
 * chunk's sha256 (its file name), its byte range and the total size.
 */
export function assembleChunks(distDir, key) {
  const resources = JSON.parse(fs.readFileSync(path.join(distDir, 'resources.json'), 'utf8'));
  const entry = resources[key];
  if (!entry) throw new Error(`${key} is not listed in ${path.join(distDir, 'resources.json')}`);
  const out = Buffer.alloc(entry.size);
  let expectedStart = 0;
  for (const chunk of entry.chunks) {
    const [start, end] = chunk.offsets;
    if (start !== expectedStart || end <= start || end > entry.size) {
      throw new Error(
        `${key}: chunk ${chunk.hash} has offsets ${start}..${end}, expected to start at ${expectedStart}`,
      );
    }
    const file = path.join(distDir, chunk.hash);
    const bytes = fs.readFileSync(file);
    if (bytes.length !== end - start)
      throw new Error(`${file}: ${bytes.length} bytes, expected ${end - start}`);
    const digest = crypto.createHash('sha256').update(bytes).digest('hex');
    if (digest !== chunk.hash) throw new Error(`${file}: sha256 is ${digest}, expected ${chunk.hash}`);
    bytes.copy(out, start);
    expectedStart = end;
  }
  if (expectedStart !== entry.size)
    throw new Error(`${key}: chunks cover ${expectedStart} bytes, expected ${entry.size}`);
  return { bytes: out, chunks: entry.chunks.map((c) => c.hash) };
}
