// First-visit model download: a real progress bar (bytes and percent, never NaN) and which weights
// are coming; on later visits a short "loading from this device".
import { useI18n } from '../i18n';
import type { EngineStatus } from './engine-status';
import { SlidingBar } from '../ui/stepped';

interface Props {
  status: EngineStatus;
  waiting: number;
  onRetry(): void;
}

export function ModelProgress({ status, waiting, onRetry }: Props) {
  const { t, te, bytes } = useI18n();
  if (status.error) {
    return (
      <section className="card model model--error" role="alert" data-testid="model-error">
        <p>{te(status.error)}</p>
        <button type="button" className="btn btn--primary" onClick={onRetry}>
          {t('load.retry')}
        </button>
      </section>
    );
  }
  if (status.stage === 'ready' || status.stage === 'idle') return null;
  // The engine announces the download (0 bytes) before it looks in IndexedDB: only bytes make it one.
  const downloading = status.stage === 'download' && !status.fromCache && status.loaded > 0;
  const total = status.total > 0 ? status.total : 0;
  const loaded = Math.min(status.loaded, total || status.loaded);
  const pct = total ? Math.floor((loaded / total) * 100) : 0;
  const label =
    status.stage === 'download'
      ? downloading
        ? t('load.download')
        : t('load.manifest')
      : status.fromCache && status.stage === 'session'
        ? t('load.fromCache')
        : t(`load.${status.stage}` as const);
  const determinate = downloading && total > 0;
  return (
    <section className="card model" aria-labelledby="model-progress-label" data-testid="model-progress">
      <div className="model__head">
        <p id="model-progress-label" className="model__label">
          {label}
        </p>
        {determinate && (
          <p className="model__pct" data-testid="model-pct">
            {pct}%
          </p>
        )}
      </div>
      <div
        className={`progress${determinate ? '' : ' progress--indeterminate'}`}
        role="progressbar"
        aria-labelledby="model-progress-label"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={determinate ? pct : undefined}
        aria-valuetext={
          determinate ? `${pct}% · ${t('load.bytes', { loaded: bytes(loaded), total: bytes(total) })}` : label
        }
      >
        {determinate ? <div className="progress__bar" style={{ width: `${pct}%` }} /> : <SlidingBar />}
      </div>
      <p className="model__meta">
        {status.variantName && (
          <span className="model__weights" data-testid="model-weights">
            {status.variantName}
          </span>
        )}
        {downloading && total > 0 && (
          <span data-testid="model-bytes">
            {t('load.bytes', { loaded: bytes(loaded), total: bytes(total) })}
          </span>
        )}
      </p>
      {waiting > 0 && <p className="model__waiting">{t('load.waiting')}</p>}
    </section>
  );
}
