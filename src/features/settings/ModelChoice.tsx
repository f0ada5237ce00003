// Which model runs: the manifest's default or another variant that runs on this backend (issue 10:
// the fp16 graph stays selectable as best quality; a faster quantised one can be chosen), or a
// model file the person imported (issue 14, ModelImport.tsx). The choice is saved and applied by
// reloading the page: the queue and its results are stored, and a photo that was processing runs
// again.
import { useCallback, useEffect, useId, useState } from 'react';
import type { Engine } from '../../engine';
import type { EngineInfo, ModelVariant } from '../../shared/types';
import { useI18n } from '../../i18n';
import { formatBytes } from '../../shared/bytes';
import { saveModel, savedModel } from './model-choice';
import { modelName } from './model-name';
import { ModelImport } from './ModelImport';

export function ModelChoice({ engine, info }: { engine: Engine; info: EngineInfo }) {
  const { t } = useI18n();
  const id = useId();
  const [models, setModels] = useState<ModelVariant[]>();
  const [asked, setAsked] = useState(0);
  const refresh = useCallback(() => setAsked((n) => n + 1), []);
  useEffect(() => {
    let live = true;
    // What the worker loaded and can run here: the list follows the engine, offline too.
    engine.models().then(
      (list) => live && setModels(list),
      () => live && setModels([]),
    );
    return () => {
      live = false;
    };
  }, [engine, info, asked]);
  if (!models) return null;
  const saved = savedModel();
  const value = saved && models.some((v) => v.id === saved) ? saved : '';
  return (
    <>
      {models.length >= 2 && (
        <>
          <dt>
            <label htmlFor={id}>{t('engine.model')}</label>
          </dt>
          <dd>
            <select
              id={id}
              data-testid="model-choice"
              value={value}
              onChange={(e) => {
                saveModel(e.currentTarget.value || undefined);
                location.reload();
              }}
            >
              <option value="">{t('engine.modelDefault')}</option>
              {models.map((v) => (
                <option key={v.id} value={v.id}>
                  {modelName(v, t)} · {formatBytes(v.bytes)}
                </option>
              ))}
            </select>
            <p className="engine__hint">{t('engine.modelHint')}</p>
          </dd>
        </>
      )}
      <dt>{t('import.title')}</dt>
      <dd>
        <ModelImport engine={engine} imported={models.filter((v) => v.imported)} onChange={refresh} />
      </dd>
    </>
  );
}
