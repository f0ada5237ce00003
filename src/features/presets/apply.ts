// Applying a preset to stored results: one task's file, or every done task into the ZIP, each
// re-rendered from the stored cut-out by the engine's worker (no second inference).
import type { Engine } from '../../engine';
import { presetExtension, type Preset } from '../../shared/presets';
import type { QueueApi, Task, ZipRender } from '../queue';
import { presetBackground } from './store';

export async function applyPreset(
  engine: Engine,
  queue: QueueApi,
  task: Task,
  preset: Preset,
): Promise<Blob> {
  const cut = await queue.result(task.id);
  if (!cut) throw new Error('result unavailable');
  return renderWith(engine, queue, preset)(cut, task);
}

function renderWith(engine: Engine, queue: QueueApi, preset: Preset) {
  return async (png: Blob, task: Task): Promise<Blob> =>
    engine.present(png, preset, {
      backgroundImage: preset.background.kind === 'image' ? presetBackground.get() : undefined,
      original: preset.background.kind === 'blur' ? await queue.original(task.id) : undefined,
    });
}

/** What "Download all" passes to the queue's ZIP export for a preset. */
export function zipRender(engine: Engine, queue: QueueApi, preset: Preset): ZipRender {
  return { ext: presetExtension(preset), apply: renderWith(engine, queue, preset) };
}

/** `photo-nobg.jpg` for a JPEG preset: the queue's name rules with the preset's extension. */
export function presetFileName(queue: QueueApi, task: Task, preset: Preset): string {
  return queue.resultName(task, presetExtension(preset));
}
