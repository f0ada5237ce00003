// A small picture of what the picked preset makes of this result (rendered at most 320 px, PNG,
// by the worker from the stored cut-out), so the user sees the canvas, margin and background before exporting.
import { useState } from 'react';
import type { Engine } from '../../engine';
import { JingjieError } from '../../shared/errors';
import { useI18n } from '../../i18n';
import type { Preset } from '../../shared/presets';
import { resultKey, useBlobLoad } from '../../ui/blob-url';
import type { QueueApi, Task } from '../queue';
import { presetBackground } from './store';
import { presetLabel, readyIssue } from './PresetControls';

const PREVIEW_EDGE = 320;
/**
 * A preview is a render of at most 320 px: far under a second. One not made in this time is
 * asked for once more (a render that never settled was seen in Firefox: no error, no preview),
 * then shown as failed with Try again.
 */
const PREVIEW_WAIT_MS = 15_000;

/** The render, or undefined when it took longer than `ms`. */
function within<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<undefined>((res) => (timer = setTimeout(() => res(undefined), ms)));
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

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
  // Where a preview still being made waits (shown on a hidden marker): a preview that never came
  // in Firefox's cross-engine check could not be told apart from one never asked for.
  const [stage, setStage] = useState('start');
  const { url, error, retry } = useBlobLoad(async () => {
    if (readyIssue(preset)) return void setStage('not-ready');
    setStage('result');
    const cut = await queue.result(task.id);
    if (!cut) return void setStage('no-result');
    const small: Preset = {
      ...preset,
      format: 'png',
      maxEdge: Math.min(preset.maxEdge ?? PREVIEW_EDGE, PREVIEW_EDGE),
    };
    const extras = {
      backgroundImage: preset.background.kind === 'image' ? presetBackground.get() : undefined,
      original: preset.background.kind === 'blur' ? await queue.original(task.id) : undefined,
    };
    for (let attempt = 1; attempt <= 2; attempt++) {
      setStage(`present ${attempt}`);
      const made = await within(engine.present(cut, small, extras), PREVIEW_WAIT_MS);
      if (made) return made;
    }
    throw new JingjieError('PreviewTimedOut', 'preview not made in time, twice', { ms: PREVIEW_WAIT_MS });
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
  if (!url) return <span hidden data-testid="preset-preview-pending" data-phase={stage} />;
  return (
    <img
      className="preset-preview checker"
      src={url}
      alt={presetLabel(t, preset)}
      data-testid="preset-preview"
    />
  );
}
