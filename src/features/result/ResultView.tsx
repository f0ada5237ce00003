// The result of one task: the viewer, background options, export (PNG/WebP/mask), copy, and what ran.
import { useEffect, useId, useRef, useState } from 'react';
import type { Engine, EngineInfo } from '../../engine';
import type { QueueApi, Task } from '../queue';
import type { RemoveProgress } from '../../shared/types';
import { useI18n } from '../../i18n';
import { JingjieError } from '../../shared/errors';
import { Viewer } from './Viewer';
import { EdgeCheck } from './EdgeCheck';
import { resultKey, useBlobUrl, useSharedBlobUrl } from '../../ui/blob-url';
import { pagePaths } from '../../ui/capabilities';
import { BrushEditor } from './BrushEditor';
import { noteShown } from '../../engine/timeline';
import {
  copyPng,
  exportName,
  produce,
  saveBlob,
  type BackgroundMode,
  type ExportChoice,
  type ExportFormat,
} from './exporter';
import {
  PresetPicker,
  PresetPreview,
  applyPreset,
  presetBackground,
  presetErrorText,
  presetFileName,
  presetStore,
  readyIssue,
  usePresets,
} from '../presets';
import { modelName } from '../settings';
import './result.css';

interface Props {
  task: Task;
  engine: Engine;
  queue: QueueApi;
  info?: EngineInfo;
  /** The long stage this task is in while it processes (e.g. edge refinement of a large photo). */
  progress?: RemoveProgress;
  onRetry(id: string): void;
}

const BACKEND_LABEL = { webgpu: 'WebGPU', wasm: 'WASM' } as const;

export function ResultView({ task, engine, queue, info, progress, onRetry }: Props) {
  const { t, te, lang } = useI18n();
  const done = task.state === 'done' && !!task.result;
  const originalUrl = useSharedBlobUrl(`original:${task.id}`, () => queue.original(task.id));
  const resultUrl = useSharedBlobUrl(done ? resultKey(task) : undefined, () => queue.result(task.id));
  const [mode, setMode] = useState<BackgroundMode>('transparent');
  const [colour, setColour] = useState('#ffffff');
  const [bgImage, setBgImage] = useState<File>();
  const bgImageUrl = useBlobUrl(() => Promise.resolve(bgImage), [bgImage]);
  const [format, setFormat] = useState<ExportFormat>('png');
  const [working, setWorking] = useState<'download' | 'copy' | 'revert' | null>(null);
  const [message, setMessage] = useState<{ kind: 'ok' | 'error'; text: string }>();
  const bgFileRef = useRef<HTMLInputElement>(null);
  const [dims, setDims] = useState<{ w: number; h: number }>();
  const ids = { bg: useId(), fmt: useId(), colour: useId() };
  const preset = presetStore.byId(usePresets().pick.export);

  // Before the result exists, size the viewer from the original.
  useEffect(() => {
    if (task.result) return setDims({ w: task.result.width, h: task.result.height });
    if (!originalUrl) return;
    const img = new Image();
    img.onload = () => setDims({ w: img.naturalWidth, h: img.naturalHeight });
    img.src = originalUrl;
  }, [originalUrl, task.result]);

  const [editing, setEditing] = useState(false);
  useEffect(() => {
    setMessage(undefined);
    setEditing(false);
  }, [task.id]);
  const edits = task.result?.edits ?? 0;

  const revert = async () => {
    setWorking('revert');
    setMessage(undefined);
    try {
      await queue.saveEdits(task.id, []);
    } catch (err) {
      setMessage({ kind: 'error', text: te(err) });
    } finally {
      setWorking(null);
    }
  };

  const choice = (): ExportChoice => ({ mode, colour, image: bgImage, format });

  const download = async () => {
    setWorking('download');
    setMessage(undefined);
    try {
      if (preset) {
        const issue = readyIssue(preset);
        if (issue) throw new JingjieError('PresetInvalid', issue, { issue });
        saveBlob(await applyPreset(engine, queue, task, preset), presetFileName(queue, task, preset));
      } else {
        const blob = await produce(engine, queue, task, choice());
        saveBlob(blob, exportName(queue, task, format));
      }
    } catch (err) {
      setMessage({ kind: 'error', text: presetErrorText(t, te, err) });
    } finally {
      setWorking(null);
    }
  };

  const canCopy = pagePaths().copy;
  const copyNoteId = useId();
  const copy = () => {
    setWorking('copy');
    setMessage(undefined);
    // The Promise must be created here, inside the click, for Safari's clipboard.
    const png = produce(engine, queue, task, { ...choice(), format: 'png' });
    copyPng(png)
      .then(
        () => setMessage({ kind: 'ok', text: t('result.copied') }),
        (err: unknown) =>
          setMessage({
            kind: 'error',
            text:
              err instanceof Error && err.name === 'NotAllowedError'
                ? t('result.copyFailed')
                : te(err) === t('error.unknown')
                  ? t('result.copyFailed')
                  : te(err),
          }),
      )
      .finally(() => setWorking(null));
  };

  const weights = task.result
    ? info?.variant.id === task.result.variant
      ? modelName(info.variant, t)
      : task.result.variant
    : '';
  const seconds = task.result
    ? (task.result.timings.total / 1000).toLocaleString(lang === 'zh' ? 'zh-CN' : 'en', {
        maximumFractionDigits: 1,
        minimumFractionDigits: 1,
      })
    : '';
  const busy = task.state === 'queued' || task.state === 'processing';

  return (
    <section className="result" aria-label={t('result.title')}>
      <div className="result__view">
        {editing && done ? (
          <BrushEditor
            task={task}
            engine={engine}
            queue={queue}
            originalUrl={originalUrl}
            onClose={() => setEditing(false)}
          />
        ) : dims ? (
          <Viewer
            originalUrl={originalUrl}
            resultUrl={resultUrl}
            width={dims.w}
            height={dims.h}
            background={{
              colour: mode === 'colour' ? colour : undefined,
              imageUrl: mode === 'image' ? bgImageUrl : undefined,
            }}
            busy={busy}
            busyLabel={
              busy
                ? progress
                  ? t(`progress.${progress}`)
                  : t('result.processing', { name: task.name })
                : undefined
            }
            onResultShown={
              done && task.result ? () => noteShown(task.id, task.result?.timings.inference ?? 0) : undefined
            }
          />
        ) : (
          <div className="viewer viewer--placeholder" />
        )}
        {!editing && done && task.result && resultUrl && (
          <EdgeCheck
            resultUrl={resultUrl}
            width={task.result.width}
            height={task.result.height}
            focus={task.result.edgeFocus}
          />
        )}
      </div>

      <aside className="result__panel">
        <h2 className="result__name" title={task.name}>
          {task.name}
        </h2>
        {task.state === 'failed' && (
          <div className="alert alert--error" role="alert">
            <p>{te(task.error)}</p>
            <button type="button" className="btn" onClick={() => onRetry(task.id)}>
              {t('load.retry')}
            </button>
          </div>
        )}
        {task.state === 'cancelled' && (
          <div className="alert" role="status">
            <p>{t('task.cancelled')}</p>
            <button type="button" className="btn" onClick={() => onRetry(task.id)}>
              {t('load.retry')}
            </button>
          </div>
        )}
        {done && task.result && (
          <>
            <p
              className="result__stats"
              data-testid="result-stats"
              data-variant={task.result.variant}
              data-backend={task.result.backend}
            >
              <span className="pill" data-testid="backend">
                {BACKEND_LABEL[task.result.backend]}
              </span>
              <span className="result__weights">{weights}</span>
              <span className="result__time">{t('result.seconds', { n: seconds })}</span>
            </p>
            <p className="result__dims">
              {t('result.size', { w: task.result.width, h: task.result.height })}
            </p>
            {task.result.notes
              ? task.result.notes.map((n) => (
                  <p key={n} className="alert" data-testid="result-note">
                    {n === 'downsized'
                      ? t('notice.downsized', {
                          name: task.name,
                          ow: task.result!.originalWidth ?? '?',
                          oh: task.result!.originalHeight ?? '?',
                          w: task.result!.width,
                          h: task.result!.height,
                        })
                      : t('notice.firstFrame', { name: task.name })}
                  </p>
                ))
              : task.result.notice && <p className="alert">{task.result.notice}</p>}
          </>
        )}

        <fieldset className="field" disabled={!done}>
          <legend>{t('result.background')}</legend>
          <div className="segmented" role="radiogroup" aria-label={t('result.background')}>
            {(['transparent', 'colour', 'image'] as const).map((m) => (
              <label key={m} className={`segmented__item${mode === m ? ' is-on' : ''}`}>
                <input
                  type="radio"
                  name={ids.bg}
                  value={m}
                  checked={mode === m}
                  onChange={() => {
                    setMode(m);
                    if (m === 'image' && !bgImage) bgFileRef.current?.click();
                  }}
                />
                <span>
                  {t(
                    m === 'transparent'
                      ? 'result.bgTransparent'
                      : m === 'colour'
                        ? 'result.bgColour'
                        : 'result.bgImage',
                  )}
                </span>
              </label>
            ))}
          </div>
          {mode === 'colour' && (
            <div className="field__row">
              <label htmlFor={ids.colour}>{t('result.bgColourPick')}</label>
              <input
                id={ids.colour}
                type="color"
                value={colour}
                data-testid="bg-colour"
                onChange={(e) => setColour(e.currentTarget.value)}
              />
              <code className="field__value">{colour}</code>
            </div>
          )}
          {mode === 'image' && (
            <div className="field__row">
              <button type="button" className="btn btn--small" onClick={() => bgFileRef.current?.click()}>
                {bgImage ? t('result.bgImageChange') : t('result.bgImagePick')}
              </button>
              {bgImage && (
                <span className="field__value" title={bgImage.name}>
                  {bgImage.name}
                </span>
              )}
            </div>
          )}
          <input
            ref={bgFileRef}
            type="file"
            accept="image/*"
            hidden
            aria-label={t('result.bgImagePick')}
            onChange={(e) => {
              const f = e.currentTarget.files?.[0];
              e.currentTarget.value = '';
              if (f) {
                presetBackground.set(f);
                setBgImage(f);
                setMode('image');
              }
            }}
          />
        </fieldset>

        <div className="field">
          <label className="field__label" htmlFor={ids.fmt}>
            {t('result.format')}
          </label>
          <select
            id={ids.fmt}
            value={format}
            disabled={!done || !!preset}
            onChange={(e) => setFormat(e.currentTarget.value as ExportFormat)}
            data-testid="format"
          >
            <option value="png">{t('result.formatPng')}</option>
            <option value="webp">{t('result.formatWebp')}</option>
            <option value="mask">{t('result.formatMask')}</option>
          </select>
        </div>

        <PresetPicker slot="export" label={t('preset.label')} disabled={!done} testId="export-preset" />
        {done && preset && <PresetPreview engine={engine} queue={queue} task={task} preset={preset} />}

        <div className="result__actions">
          <button
            type="button"
            className="btn btn--primary btn--wide"
            disabled={!done || !!working || editing}
            onClick={() => void download()}
            data-testid="download"
          >
            {working === 'download' ? t('result.preparing') : t('result.download')}
          </button>
          <button
            type="button"
            className="btn btn--wide"
            disabled={!done || !!working || editing || format === 'mask' || !canCopy}
            onClick={copy}
            data-testid="copy"
            aria-describedby={canCopy ? undefined : copyNoteId}
          >
            {t('result.copy')}
          </button>
        </div>
        {!canCopy && (
          // Said, not hidden: a person who looks for Copy learns why it is greyed out here.
          <p className="result__note" id={copyNoteId} data-testid="copy-unavailable">
            {t('result.copy')}: {t('result.copyUnavailable')}
          </p>
        )}
        {done && (
          <div className="result__edit">
            <button
              type="button"
              className="btn btn--wide"
              disabled={editing || !!working}
              aria-pressed={editing}
              onClick={() => setEditing(true)}
              data-testid="brush-open"
            >
              {t('brush.open')}
            </button>
            {edits > 0 && (
              <p className="result__edited" data-testid="brush-edited">
                <span>{t('brush.edited', { n: edits })}</span>
                <button
                  type="button"
                  className="btn btn--small btn--ghost"
                  disabled={editing || !!working}
                  onClick={() => void revert()}
                  data-testid="brush-revert"
                >
                  {t('brush.revert')}
                </button>
              </p>
            )}
          </div>
        )}
        <p
          className={`result__message${message?.kind === 'error' ? ' is-error' : ''}`}
          role="status"
          aria-live="polite"
        >
          {message?.text}
        </p>
      </aside>
    </section>
  );
}
