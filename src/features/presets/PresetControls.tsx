// The preset picker (result view and "Download all"), the small editor that saves a named preset,
// and the batch's "Download all" with the picked preset applied to every file.
import { useEffect, useId, useRef, useState } from 'react';
import type { Engine } from '../../engine';
import { useI18n, type MessageKey, type TFunction } from '../../i18n';
import {
  BUILT_IN_PRESETS,
  SHADOW_OFF,
  validatePreset,
  type Preset,
  type PresetBackground,
  type PresetIssue,
} from '../../shared/presets';
import type { QueueApi } from '../queue';
import { FORMAT_IDS, FORMATS, formatSpec, isFormatId } from '../../shared/formats';
import { zipRender } from './apply';
import { presetBackground, presetStore, usePresets, type PickSlot } from './store';
import './presets.css';
import { NumberField } from '../../ui/NumberField';

export function presetLabel(t: TFunction, p: Preset): string {
  return p.builtIn ? t(`preset.builtin.${p.id.replace(/^builtin:/, '')}` as MessageKey) : p.name;
}

/** Words for an error from applying a preset: the issue's own message for PresetInvalid. */
export function presetErrorText(t: TFunction, te: (e: unknown) => string, err: unknown): string {
  const issue =
    err && typeof err === 'object' && 'name' in err && err.name === 'PresetInvalid' && 'detail' in err
      ? (err as { detail?: { issue?: unknown } }).detail?.issue
      : undefined;
  return typeof issue === 'string' ? t(`preset.invalid.${issue}` as MessageKey) : te(err);
}

/** Checks that need more than the preset itself (an image picked for an image background). */
export function readyIssue(p: Preset): PresetIssue | undefined {
  const issues = validatePreset(p);
  if (issues.length) return issues[0];
  if (p.background.kind === 'image' && !presetBackground.get()) return 'noImage';
  return undefined;
}

interface PickerProps {
  slot: PickSlot;
  label: string;
  disabled?: boolean;
  testId: string;
}

export function PresetPicker({ slot, label, disabled, testId }: PickerProps) {
  const { t } = useI18n();
  const { presets, pick } = usePresets();
  const id = useId();
  const [editing, setEditing] = useState<Preset | undefined>();
  const picked = presetStore.byId(pick[slot]);
  return (
    <div className="field preset-picker">
      <label className="field__label" htmlFor={id}>
        {label}
      </label>
      <div className="field__row">
        <select
          id={id}
          value={picked ? picked.id : ''}
          title={picked ? presetLabel(t, picked) : t('preset.none')}
          disabled={disabled}
          data-testid={testId}
          onChange={(e) => presetStore.pick(slot, e.currentTarget.value)}
        >
          <option value="">{t('preset.none')}</option>
          {presets.map((p) => (
            <option key={p.id} value={p.id}>
              {presetLabel(t, p)}
            </option>
          ))}
        </select>
      </div>
      <div className="field__row preset-picker__actions">
        <button
          type="button"
          className="btn btn--small btn--ghost"
          data-testid={`${testId}-new`}
          onClick={() => setEditing(draftFrom(picked, t))}
        >
          {t('preset.new')}
        </button>
        {picked && !picked.builtIn && (
          <>
            <button type="button" className="btn btn--small btn--ghost" onClick={() => setEditing(picked)}>
              {t('preset.edit')}
            </button>
            <button
              type="button"
              className="btn btn--small btn--ghost"
              onClick={() => presetStore.remove(picked.id)}
            >
              {t('preset.delete')}
            </button>
          </>
        )}
      </div>
      {editing && (
        <PresetEditor
          initial={editing}
          onClose={(saved) => {
            setEditing(undefined);
            if (saved) presetStore.pick(slot, saved.id);
          }}
        />
      )}
    </div>
  );
}

/** A new preset starts from the picked one (or the Marketplace one), under a new name. */
function draftFrom(p: Preset | undefined, t: TFunction): Preset {
  const base = p ?? BUILT_IN_PRESETS[0];
  return {
    ...base,
    id: '',
    builtIn: false,
    name: p ? `${presetLabel(t, base)} (2)` : '',
    shadow: { ...(base.shadow ?? SHADOW_OFF) },
  };
}

const BACKGROUNDS: PresetBackground['kind'][] = ['transparent', 'white', 'colour', 'image', 'blur'];
const CANVASES = ['original', '1:1', '4:5', '3:4', '16:9', 'exact'] as const;

function PresetEditor({ initial, onClose }: { initial: Preset; onClose(saved?: Preset): void }) {
  const { t } = useI18n();
  const [p, setP] = useState<Preset>(initial);
  const [issues, setIssues] = useState<PresetIssue[]>([]);
  const ref = useRef<HTMLDialogElement>(null);
  const uid = useId();
  const f = (k: string) => `${uid}-${k}`;
  const quality = isFormatId(p.format) ? formatSpec(p.format).quality : undefined;

  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) d.showModal();
  }, []);

  const update = (patch: Partial<Preset>) => {
    setP((x) => ({ ...x, ...patch }));
    setIssues([]);
  };
  const canvasValue = p.canvas.kind === 'ratio' ? p.canvas.ratio : p.canvas.kind;
  const exact = p.canvas.kind === 'exact' ? p.canvas : { kind: 'exact' as const, width: 2000, height: 2000 };

  const save = () => {
    const found = validatePreset(p);
    setIssues(found);
    if (found.length) return;
    onClose(presetStore.save(p));
  };

  return (
    <dialog
      ref={ref}
      className="preset-editor"
      aria-labelledby={f('title')}
      data-testid="preset-editor"
      onCancel={() => onClose()}
    >
      <form
        method="dialog"
        onSubmit={(e) => {
          e.preventDefault();
          save();
        }}
      >
        <h2 id={f('title')}>{t('preset.editorTitle')}</h2>
        <label htmlFor={f('name')}>{t('preset.name')}</label>
        <input
          id={f('name')}
          value={p.name}
          data-testid="preset-name"
          onChange={(e) => update({ name: e.currentTarget.value })}
        />

        <label htmlFor={f('bg')}>{t('preset.background')}</label>
        <div className="preset-editor__row">
          <select
            id={f('bg')}
            value={p.background.kind}
            data-testid="preset-bg"
            onChange={(e) => {
              const kind = e.currentTarget.value as PresetBackground['kind'];
              update({
                background:
                  kind === 'colour'
                    ? { kind, colour: '#f2f2f2' }
                    : kind === 'blur'
                      ? { kind, radius: 4 }
                      : { kind },
              });
            }}
          >
            {BACKGROUNDS.map((k) => (
              <option key={k} value={k}>
                {t(`preset.bg.${k}` as MessageKey)}
              </option>
            ))}
          </select>
          {p.background.kind === 'colour' && (
            <input
              type="color"
              aria-label={t('preset.bg.colour')}
              value={p.background.colour}
              onChange={(e) => update({ background: { kind: 'colour', colour: e.currentTarget.value } })}
            />
          )}
          {p.background.kind === 'blur' && (
            <NumberField
              label={t('preset.blurRadius')}
              min={0}
              max={25}
              step={0.5}
              value={p.background.radius}
              onValue={(radius) => update({ background: { kind: 'blur', radius } })}
            />
          )}
        </div>

        <label htmlFor={f('canvas')}>{t('preset.canvas')}</label>
        <div className="preset-editor__row">
          <select
            id={f('canvas')}
            value={canvasValue}
            data-testid="preset-canvas"
            onChange={(e) => {
              const v = e.currentTarget.value as (typeof CANVASES)[number];
              update({
                canvas:
                  v === 'original'
                    ? { kind: 'original' }
                    : v === 'exact'
                      ? { kind: 'exact', width: 2000, height: 2000 }
                      : { kind: 'ratio', ratio: v },
              });
            }}
          >
            {CANVASES.map((c) => (
              <option key={c} value={c}>
                {t(`preset.canvas.${c}` as MessageKey)}
              </option>
            ))}
          </select>
          {p.canvas.kind === 'exact' && (
            <>
              <NumberField
                label={t('preset.width')}
                min={1}
                max={8000}
                value={p.canvas.width}
                testId="preset-width"
                onValue={(width) => update({ canvas: { ...exact, width } })}
              />
              <NumberField
                label={t('preset.height')}
                min={1}
                max={8000}
                value={p.canvas.height}
                testId="preset-height"
                onValue={(height) => update({ canvas: { ...exact, height } })}
              />
            </>
          )}
        </div>

        <label htmlFor={f('place')}>{t('preset.placement')}</label>
        <div className="preset-editor__row">
          <select
            id={f('place')}
            value={p.placement}
            onChange={(e) => update({ placement: e.currentTarget.value as Preset['placement'] })}
          >
            {(['none', 'center', 'bottom'] as const).map((k) => (
              <option key={k} value={k}>
                {t(`preset.place.${k}` as MessageKey)}
              </option>
            ))}
          </select>
          {p.placement !== 'none' && (
            <NumberField
              label={t('preset.margin')}
              min={0}
              max={45}
              step={0.5}
              value={p.margin}
              testId="preset-margin"
              onValue={(margin) => update({ margin })}
            />
          )}
        </div>

        <div className="preset-editor__row">
          <label>
            <input
              type="checkbox"
              checked={p.shadow.enabled}
              onChange={(e) => update({ shadow: { ...p.shadow, enabled: e.currentTarget.checked } })}
            />{' '}
            {t('preset.shadow')}
          </label>
          {p.shadow.enabled && (
            <>
              <NumberField
                label={t('preset.shadowStrength')}
                type="range"
                min={0}
                max={1}
                step={0.05}
                value={p.shadow.strength}
                onValue={(strength) => update({ shadow: { ...p.shadow, strength } })}
              />
              <NumberField
                label={t('preset.shadowSoftness')}
                type="range"
                min={0}
                max={1}
                step={0.05}
                value={p.shadow.softness}
                onValue={(softness) => update({ shadow: { ...p.shadow, softness } })}
              />
            </>
          )}
        </div>

        <label htmlFor={f('format')}>{t('preset.format')}</label>
        <div className="preset-editor__row">
          <select
            id={f('format')}
            value={p.format}
            data-testid="preset-format"
            onChange={(e) => update({ format: e.currentTarget.value as Preset['format'] })}
          >
            {FORMAT_IDS.map((id) => (
              <option key={id} value={id}>
                {t(FORMATS[id].label)}
              </option>
            ))}
          </select>
          {quality && (
            <NumberField
              label={t('preset.quality')}
              min={quality.min}
              max={quality.max}
              value={p.quality}
              onValue={(quality) => update({ quality })}
            />
          )}
        </div>

        <label htmlFor={f('max')}>{t('preset.maxEdge')}</label>
        <input
          id={f('max')}
          type="number"
          min={16}
          max={8000}
          value={p.maxEdge ?? ''}
          onChange={(e) => {
            const v = e.currentTarget.value.trim();
            update({ maxEdge: v === '' ? undefined : Number(v) });
          }}
        />

        {issues.length > 0 && (
          <ul className="preset-editor__issues" role="alert" data-testid="preset-issues">
            {issues.map((i) => (
              <li key={i} data-issue={i}>
                {t(`preset.invalid.${i}` as MessageKey)}
              </li>
            ))}
          </ul>
        )}
        <div className="preset-editor__actions">
          <button type="button" className="btn" onClick={() => onClose()}>
            {t('preset.cancel')}
          </button>
          <button type="submit" className="btn btn--primary" data-testid="preset-save">
            {t('preset.save')}
          </button>
        </div>
      </form>
    </dialog>
  );
}

/** "Download all" with a preset picker: every done result in one streamed ZIP, the preset applied to each. */
export function BatchExport({ queue, engine }: { queue: QueueApi; engine: Engine }) {
  const { t, te } = useI18n();
  const { pick } = usePresets();
  const [error, setError] = useState<string>();
  const download = () => {
    setError(undefined);
    const preset = presetStore.byId(pick.zip);
    const issue = preset && readyIssue(preset);
    if (issue) return setError(t(`preset.invalid.${issue}` as MessageKey));
    queue
      .exportZip(undefined, preset ? { render: zipRender(engine, queue, preset) } : undefined)
      .catch((err: unknown) => {
        if (err && typeof err === 'object' && 'name' in err && err.name === 'AbortError') return;
        setError(presetErrorText(t, te, err));
      });
  };
  return (
    <div className="batch-export">
      <PresetPicker slot="zip" label={t('preset.zipLabel')} testId="zip-preset" />
      <button type="button" className="btn btn--small" onClick={download} data-testid="download-all">
        {t('tasks.downloadAll')}
      </button>
      {error && (
        <p className="batch-export__error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
