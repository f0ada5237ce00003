// The big "drop photos here" area with the file and folder pickers. Drops anywhere on the page are
// handled by useIncomingFiles; this component is the visible target and the keyboard way in. Its
// buttons open the page's one pair of file inputs (FilePickers), which outlive any drop zone.
import { useId } from 'react';
import { useI18n } from '../../i18n';
import { usePickers } from './FilePickers';
import './input.css';

interface Props {
  compact?: boolean;
  dragging?: boolean;
}

export function DropZone({ compact, dragging }: Props) {
  const { t } = useI18n();
  const pickers = usePickers();
  const titleId = useId();
  const isMac = /Mac|iPhone|iPad/.test(navigator.platform);
  return (
    <section
      className={`dropzone${compact ? ' dropzone--compact' : ''}${dragging ? ' dropzone--active' : ''}`}
      aria-labelledby={titleId}
      data-testid="dropzone"
    >
      {!compact && (
        <svg className="dropzone__art" viewBox="0 0 64 64" aria-hidden="true">
          <rect x="6" y="10" width="52" height="44" rx="8" className="art-frame" />
          <path
            d="M6 44 L22 30 L34 40 L42 33 L58 46 V46 a8 8 0 0 1 -8 8 H14 a8 8 0 0 1 -8 -8 Z"
            className="art-hill"
          />
          <circle cx="44" cy="22" r="5" className="art-sun" />
        </svg>
      )}
      <h2 id={titleId} className="dropzone__title">
        {dragging ? t('drop.active') : compact ? t('drop.more') : t('drop.title')}
      </h2>
      {!compact && <p className="dropzone__hint">{t('drop.hint', { key: isMac ? '⌘' : 'Ctrl' })}</p>}
      <div className="dropzone__actions">
        <button type="button" className="btn btn--primary" onClick={pickers.pickFiles}>
          {t('drop.pick')}
        </button>
        <button type="button" className="btn" onClick={pickers.pickFolder}>
          {t('drop.pickFolder')}
        </button>
      </div>
      {!compact && <p className="dropzone__formats">{t('drop.formats')}</p>}
    </section>
  );
}
