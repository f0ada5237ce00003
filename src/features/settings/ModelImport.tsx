// "Use your own RMBG-1.4 model file" (issue 14): pick model.onnx, model_fp16.onnx or
// model_quantized.onnx from disk; the worker checks it (inputs/outputs, a test run on a blank
// image, its sha256) and keeps it in IndexedDB, and it is offered as a model choice from then on,
// offline too. BRIA's licence notice stands beside the control and on each imported entry.
import { useId, useState } from 'react';
import type { Engine } from '../../engine';
import type { ModelVariant } from '../../shared/types';
import { RMBG_LICENCE_URL } from '../../shared/known-models';
import { useI18n } from '../../i18n';
import { formatBytes } from '../../shared/bytes';
import { modelName } from './model-name';
import { saveModel, savedModel } from './model-choice';
import './settings.css';

type State =
  | { kind: 'idle' }
  | { kind: 'checking'; fileName: string }
  | { kind: 'done'; variant: ModelVariant }
  | { kind: 'error'; err: unknown };

export function ModelImport({
  engine,
  imported,
  onChange,
}: {
  engine: Engine;
  imported: ModelVariant[];
  onChange: () => void;
}) {
  const { t, te } = useI18n();
  const inputId = useId();
  const [state, setState] = useState<State>({ kind: 'idle' });
  const failed = (err: unknown) => setState({ kind: 'error', err });
  // Worded when shown, so a change of language rewords it.
  const message = (err: unknown) =>
    err && typeof err === 'object' && 'name' in err && err.name === 'StorageUnavailable'
      ? t('import.storageUnavailable')
      : te(err);

  const pick = (file: File) => {
    setState({ kind: 'checking', fileName: file.name });
    engine.importModel(file).then((variant) => {
      setState({ kind: 'done', variant });
      onChange();
    }, failed);
  };

  const remove = (v: ModelVariant) => {
    if (!confirm(t('import.removeConfirm', { name: modelName(v, t) }))) return;
    engine.removeModel(v.id).then(() => {
      // The model in use goes: back to the default, which the reload loads.
      if (savedModel() === v.id) {
        saveModel(undefined);
        location.reload();
        return;
      }
      setState({ kind: 'idle' });
      onChange();
    }, failed);
  };

  return (
    <div className="model-import" data-testid="model-import">
      <input
        id={inputId}
        className="model-import__input"
        type="file"
        accept=".onnx"
        data-testid="model-import-input"
        disabled={state.kind === 'checking'}
        onChange={(e) => {
          const f = e.currentTarget.files?.[0];
          e.currentTarget.value = '';
          if (f) pick(f);
        }}
      />
      <label htmlFor={inputId} className="btn btn--small model-import__pick">
        {t('import.pick')}
      </label>
      <p className="engine__hint">{t('import.hint')}</p>
      <p className="engine__hint" data-testid="model-import-licence">
        {t('import.licence')}{' '}
        <a href={RMBG_LICENCE_URL} target="_blank" rel="noreferrer noopener">
          {t('import.licenceLink')}
        </a>
      </p>
      <p className="model-import__status" role="status" data-testid="model-import-status">
        {state.kind === 'checking'
          ? t('import.checking', { fileName: state.fileName })
          : state.kind === 'done'
            ? state.variant.imported?.verified
              ? t('import.done', { name: state.variant.name })
              : t('import.doneUnverified', {
                  fileName: state.variant.imported?.fileName ?? state.variant.name,
                })
            : ''}
      </p>
      {state.kind === 'error' && (
        <p className="model-import__error" role="alert" data-testid="model-import-error">
          {message(state.err)}
        </p>
      )}
      {imported.length > 0 && (
        <>
          <p className="model-import__list-title">{t('import.list')}</p>
          <ul className="model-import__list" data-testid="imported-models">
            {imported.map((v) => (
              <li key={v.id} data-testid="imported-model" data-id={v.id}>
                <span>
                  <span className="model-import__name">
                    {v.imported?.verified ? v.name : (v.imported?.fileName ?? v.name)}
                  </span>{' '}
                  · {formatBytes(v.bytes)} ·{' '}
                  {v.imported?.verified ? t('import.verified') : t('import.unverified')}
                </span>
                <span className="engine__hint model-import__licence">
                  {v.imported?.verified ? t('import.licenceVerified') : t('import.licenceShort')}{' '}
                  <a href={RMBG_LICENCE_URL} target="_blank" rel="noreferrer noopener">
                    {t('import.licenceLink')}
                  </a>
                </span>
                <button
                  type="button"
                  className="btn btn--small"
                  aria-label={t('import.removeLabel', { name: modelName(v, t) })}
                  onClick={() => remove(v)}
                >
                  {t('import.remove')}
                </button>
              </li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}
