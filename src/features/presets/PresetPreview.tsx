// A small picture of what the picked preset makes of this result (rendered at most 320 px, PNG,
// by the worker from the stored cut-out), so the user sees the canvas, margin and background before exporting.
import type { Engine } from '../../engine';
import { useI18n } from '../../i18n';
import type { Preset } from '../../shared/presets';
import { useBlobUrl } from '../../ui/blob-url';
import type { QueueApi, Task } from '../queue';
import { presetBackground } from './store';
import { presetLabel, readyIssue } from './PresetControls';

const PREVIEW_EDGE = 320;

export function PresetPreview({
  engine,
  queue,
  task,
  preset,
}: {
  engine: Engine;
  queue: QueueApi;
  task: Task;
  preset: Preset;
}) {
  const { t } = useI18n();
  const url = useBlobUrl(async () => {
    if (readyIssue(preset)) return undefined;
    const cut = await queue.result(task.id);
    if (!cut) return undefined;
    const small: Preset = {
      ...preset,
      format: 'png',
      maxEdge: Math.min(preset.maxEdge ?? PREVIEW_EDGE, PREVIEW_EDGE),
    };
    return engine.present(cut, small, {
      backgroundImage: preset.background.kind === 'image' ? presetBackground.get() : undefined,
      original: preset.background.kind === 'blur' ? await queue.original(task.id) : undefined,
    });
  }, [task.id, preset]);
  if (!url) return null;
  return (
    <img
      className="preset-preview checker"
      src={url}
      alt={presetLabel(t, preset)}
      data-testid="preset-preview"
    />
  );
}
