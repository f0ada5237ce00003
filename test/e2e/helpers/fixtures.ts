// Paths and bytes of the test fixtures (test/fixtures/**), resolved from the repo root.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const FIXTURES = join(ROOT, 'test', 'fixtures');

export function photoPath(name: string): string {
  return join(FIXTURES, 'photos', name);
}

/** The oracle's mask for a photo and model variant: test/fixtures/reference/<variant>/<photo>. */
export function referencePath(variant: string, photo: string): string {
  return join(FIXTURES, 'reference', variant, photo);
}

export function hasFixture(path: string): boolean {
  return existsSync(path);
}

export function readFixture(path: string): Buffer {
  return readFileSync(path);
}

export function mimeOf(name: string): string {
  const ext = name.split('.').pop()?.toLowerCase();
  return ext === 'png'
    ? 'image/png'
    : ext === 'jpg' || ext === 'jpeg'
      ? 'image/jpeg'
      : ext === 'webp'
        ? 'image/webp'
        : 'application/octet-stream';
}
