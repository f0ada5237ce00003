// The visible language switch (English / 简体中文); the choice is remembered by the i18n provider.
import { useId } from 'react';
import { LANGS, useI18n, type Lang } from '../../i18n';

export function LanguageSwitch() {
  const { lang, setLang, t } = useI18n();
  const id = useId();
  return (
    <div className="lang">
      <label htmlFor={id} className="visually-hidden">
        {t('lang.label')}
      </label>
      <svg className="lang__icon" viewBox="0 0 24 24" aria-hidden="true">
        <path d="M12 3a9 9 0 1 0 0 18 9 9 0 0 0 0-18Zm0 0c2.5 2.4 3.8 5.4 3.8 9s-1.3 6.6-3.8 9m0-18C9.5 5.4 8.2 8.4 8.2 12s1.3 6.6 3.8 9M3.5 9h17M3.5 15h17" />
      </svg>
      <select
        id={id}
        value={lang}
        onChange={(e) => setLang(e.currentTarget.value as Lang)}
        data-testid="lang"
      >
        {LANGS.map((l) => (
          <option key={l.id} value={l.id} lang={l.id === 'zh' ? 'zh-CN' : 'en'}>
            {l.label}
          </option>
        ))}
      </select>
    </div>
  );
}
