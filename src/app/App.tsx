// The app shell: header, model status, drop zone, result view, task strip, notices.
import { startTransition, useCallback, useEffect, useRef, useState } from 'react';
import { I18nProvider, useI18n } from '../i18n';
import './app.css';
import { DropZone, FilePickers, useIncomingFiles } from '../features/input';
import { ResultView, hasUnsavedEdits } from '../features/result';
import { LanguageSwitch, ModelChoice, modelLicence, modelName } from '../features/settings';
import { StopNotices, TaskList, type QueueSnapshot } from '../features/queue';
import { engine, queue } from './services';
import { refreshEngineInfo, startEngine, useEngineStatus } from './engine-status';
import { ModelProgress } from './ModelProgress';
import { registerServiceWorker } from './pwa';
import { Logo } from './Logo';
import { pagePaths } from '../ui/capabilities';

function useQueue(): QueueSnapshot {
  // Plain state, not useSyncExternalStore: a queue may hand out a new snapshot object per call.
  const [snap, setSnap] = useState<QueueSnapshot>(() => queue.snapshot());
  // A transition: React renders a busy batch's update in short slices that input can interrupt,
  // instead of one long main-thread task per queue notification.
  useEffect(() => queue.subscribe((x) => startTransition(() => setSnap(x))), []);
  return snap;
}

function Shell() {
  const { t, te } = useI18n();
  const status = useEngineStatus();
  const snap = useQueue();
  const [selected, setSelected] = useState<string>();
  const [update, setUpdate] = useState<(() => void) | null>(null);
  const [offlineReady, setOfflineReady] = useState(false);
  const [inputError, setInputError] = useState<string>();
  const snapRef = useRef(snap);
  snapRef.current = snap;

  useEffect(() => {
    startEngine();
    registerServiceWorker({
      onUpdate: (accept) => setUpdate(() => accept),
      // Offline means the app shell and the model: the model is stored after the first result.
      onOfflineReady: () => void engine.modelStored().then(() => setOfflineReady(true)),
      // A model download restarts after the reload, but queued tasks survive it (they are stored):
      // only an image being processed right now is worth waiting for.
      isBusy: () => snapRef.current.tasks.some((x) => x.state === 'processing'),
    });
  }, []);

  useEffect(() => {
    if (offlineReady) {
      const id = setTimeout(() => setOfflineReady(false), 6000);
      return () => clearTimeout(id);
    }
  }, [offlineReady]);

  // Keep the engine info fresh after each finished job (a WebGPU fallback changes it).
  const doneCount = snap.stats.done;
  useEffect(() => refreshEngineInfo(), [doneCount]);

  const addFiles = useCallback(
    async (files: File[]) => {
      setInputError(undefined);
      if (!files.length) return setInputError(t('drop.none'));
      try {
        const tasks = await queue.add(files);
        // An open brush edit keeps the view; the new tasks wait in the list.
        if (tasks[0] && !hasUnsavedEdits()) setSelected(tasks[0].id);
      } catch (err) {
        setInputError(te(err));
      }
    },
    [t, te],
  );

  /** Another task in the result view closes the brush editor: ask first if it holds strokes. */
  const select = useCallback(
    (id: string) => {
      if (hasUnsavedEdits() && !confirm(t('brush.discardConfirm'))) return;
      setSelected(id);
    },
    [t],
  );

  const dragging = useIncomingFiles((files) => void addFiles(files));

  const tasks = snap.tasks;
  const current = tasks.find((x) => x.id === selected) ?? tasks[tasks.length - 1];
  // While the model loads, a task may already be 'processing' (the engine waits for its load).
  const waiting = tasks.filter((x) => x.state === 'queued' || x.state === 'processing').length;
  const info = status.info;

  return (
    <div className={`app${dragging ? ' is-dragging' : ''}`}>
      <a className="skip" href="#main">
        {t('skip.main')}
      </a>
      <header className="topbar">
        <div className="brand">
          <Logo />
          <span className="brand__name">
            Jingjie <span lang="zh-CN">净界</span>
          </span>
        </div>
        <LanguageSwitch />
      </header>

      <div className="notices" aria-live="polite">
        {update && (
          <div className="banner banner--update" role="status" data-testid="update-banner">
            <span>{t('update.available')}</span>
            <button type="button" className="btn btn--primary btn--small" onClick={update}>
              {t('update.reload')}
            </button>
            <button type="button" className="btn btn--ghost btn--small" onClick={() => setUpdate(null)}>
              {t('update.later')}
            </button>
          </div>
        )}
        {offlineReady && (
          <div className="banner banner--ok" role="status">
            {t('notice.offlineReady')}
          </div>
        )}
        {!self.crossOriginIsolated && info?.backend !== 'webgpu' && (
          <div className="banner banner--warn" role="status" data-testid="no-threads">
            {t('notice.noThreads')}
          </div>
        )}
        {info?.storage && (
          // The worker's own words stay in EngineInfo for developers; the UI words the code.
          <div className="banner banner--warn" role="status" data-testid="storage-warning">
            {t(`notice.storage.${info.storage}`)}
          </div>
        )}
        {inputError && (
          <div className="banner banner--error" role="alert">
            {inputError}
          </div>
        )}
        <StopNotices snapshot={snap} queue={queue} />
      </div>

      <FilePickers onFiles={(f) => void addFiles(f)}>
        <main id="main" className="main" tabIndex={-1}>
          {!tasks.length && <p className="tagline">{t('app.tagline')}</p>}
          <ModelProgress status={status} waiting={waiting} onRetry={startEngine} />
          {!tasks.length ? (
            <DropZone dragging={dragging} />
          ) : (
            <div className="workspace">
              {current && (
                <ResultView
                  key={current.id}
                  task={current}
                  engine={engine}
                  queue={queue}
                  info={info}
                  progress={snap.progress?.id === current.id ? snap.progress.code : undefined}
                  onRetry={(id) => void queue.retry(id)}
                />
              )}
              <div className="side">
                <TaskList
                  snapshot={snap}
                  queue={queue}
                  engine={engine}
                  selected={current?.id}
                  onSelect={select}
                />
                <DropZone compact dragging={dragging} />
              </div>
            </div>
          )}
        </main>
      </FilePickers>

      <footer className="footer">
        <p>{t('privacy')}</p>
        {info && (
          <details className="engine">
            <summary>
              {t('engine.title')}: {info.backend === 'webgpu' ? 'WebGPU' : 'WASM'} ·{' '}
              {modelName(info.variant, t)}
            </summary>
            <dl>
              <dt>{t('engine.backend')}</dt>
              <dd data-testid="engine-backend">{info.backend === 'webgpu' ? 'WebGPU' : 'WASM'}</dd>
              <dt>{t('engine.weights')}</dt>
              <dd data-testid="engine-weights">{modelName(info.variant, t)}</dd>
              <dt>{t('engine.licence')}</dt>
              <dd data-testid="engine-licence">{modelLicence(info.variant, t)}</dd>
              <ModelChoice engine={engine} info={info} />
              <dt>{t('engine.threads')}</dt>
              <dd data-testid="engine-threads">{info.threads}</dd>
              <dt>{t('engine.isolated')}</dt>
              <dd>{info.crossOriginIsolated ? t('engine.yes') : t('engine.no')}</dd>
              <dt>{t('engine.modelFrom')}</dt>
              <dd>{info.modelFrom === 'indexeddb' ? t('engine.fromCache') : t('engine.fromNetwork')}</dd>
              <PathsDetails />
              {info.fallback && (
                <>
                  <dt>{t('engine.fallback')}</dt>
                  <dd data-testid="engine-fallback" data-code={info.fallback}>
                    {t(`engine.fallback.${info.fallback}`)}
                  </dd>
                </>
              )}
            </dl>
          </details>
        )}
      </footer>
      {dragging && (
        <div className="drop-overlay" aria-hidden="true">
          <span>{t('drop.active')}</span>
        </div>
      )}
    </div>
  );
}

/** The decode and save paths this browser takes, and whether Copy works here (issue 21). */
function PathsDetails() {
  const { t } = useI18n();
  const p = pagePaths();
  return (
    <>
      <dt>{t('engine.decode')}</dt>
      <dd data-testid="engine-decode" data-code={p.decode}>
        {t(`engine.decode.${p.decode}`)}
      </dd>
      <dt>{t('engine.save')}</dt>
      <dd data-testid="engine-save" data-code={p.save}>
        {t(`engine.save.${p.save}`)}
      </dd>
      <dt>{t('engine.copy')}</dt>
      <dd data-testid="engine-copy">{p.copy ? t('engine.yes') : t('result.copyUnavailable')}</dd>
    </>
  );
}

export function App() {
  return (
    <I18nProvider>
      <Shell />
    </I18nProvider>
  );
}
