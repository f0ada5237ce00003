// The big "drop photos here" area with the file and folder pickers. Drops anywhere on the page are
// handled by useIncomingFiles; this component is the visible target and the keyboard way in.
import { useId, useRef } from 'react';
import { useI18n } from '../../i18n';
import { looksLikeImage } from './collect';

const ACCEPT = 'image/*,.heic,.heif,.avif,.webp';

interface Props {
  onFiles(files: File[]): void;
  compact?: boolean;
  dragging?: boolean;
}

export function DropZone({ onFiles, compact, dragging }: Props) {
  const { t } = useI18n();
  const fileRef = useRef<HTMLInputElement>(null);
  const dirRef = useRef<HTMLInputElement>(null);
  const titleId = useId();
  const isMac = /Mac|iPhone|iPad/.test(navigator.platform);
  const take = (input: HTMLInputElement) => {
    const files = [...(input.files ?? [])];
    input.value = '';
    if (files.length) onFiles(files);
  };
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
        <button type="button" className="btn btn--primary" onClick={() => fileRef.current?.click()}>
          {t('drop.pick')}
        </button>
        <button type="button" className="btn" onClick={() => dirRef.current?.click()}>
          {t('drop.pickFolder')}
        </button>
      </div>
      {!compact && <p className="dropzone__formats">{t('drop.formats')}</p>}
      <input
        ref={fileRef}
        type="file"
        accept={ACCEPT}
        multiple
        hidden
        data-testid="file-input"
        aria-label={t('drop.pick')}
        onChange={(e) => take(e.currentTarget)}
      />
      <input
        ref={dirRef}
        type="file"
        multiple
        hidden
        aria-label={t('drop.pickFolder')}
        {...({ webkitdirectory: '' } as Record<string, string>)}
        onChange={(e) => {
          const input = e.currentTarget;
          const files = [...(input.files ?? [])].filter(looksLikeImage);
          input.value = '';
          if (files.length) onFiles(files);
        }}
      />
    </section>
  );
}
