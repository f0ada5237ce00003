// A small picture of what the picked preset makes of this result (rendered at most 320 px, PNG,
// by the worker from the stored cut-out), so the user sees the canvas, margin and background before exporting.
import type { Engine } from '../../engine';
import { useI18n } from '../../i18n';
import type { Preset } from '../../shared/presets';
import { resultKey, useBlobLoad } from '../../ui/blob-url';
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
  const { t, te } = useI18n();
  const { url, error, retry } = useBlobLoad(async () => {
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
  }, [resultKey(task), preset]); // made anew after a brush edit or a revert
  // A preview that could not be made says why, with its code, and can be tried again: the export
  // itself may still work, and a silent gap told the user nothing.
  if (error)
    return (
      <p className="preset-preview__error" role="alert" data-testid="preset-preview-error">
        {t('preset.previewFailed', { reason: te(error) })}{' '}
        <button
          type="button"
          className="btn btn--ghost btn--small"
          onClick={retry}
          data-testid="preset-preview-retry"
        >
          {t('preset.previewRetry')}
        </button>
      </p>
    );
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
