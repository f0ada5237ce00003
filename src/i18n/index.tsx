// A tiny typed i18n: two languages, a flat dictionary each, `{name}` interpolation. Chosen over
// i18next because the type checker then guarantees every key exists in both languages, it adds
// no bytes to the precache, and we need neither plurals nor lazy loading for two locales.
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import type { MessageKey } from './en';
import { TABLES, translate, type Lang } from './translate';
import { errorMessage } from './errors';
import { formatBytes } from '../shared/bytes';

export { translate };
export type { Lang, MessageKey };
export const LANGS: { id: Lang; label: string }[] = [
  { id: 'en', label: 'English' },
  { id: 'zh', label: '简体中文' },
];
const STORAGE_KEY = 'jingjie.lang';

export type TFunction = (key: MessageKey, vars?: Record<string, string | number>) => string;

export function initialLang(): Lang {
  try {
    const saved = localStorage.getItem(STORAGE_KEY);
    if (saved === 'en' || saved === 'zh') return saved;
  } catch {
    // localStorage can throw in sandboxed frames; fall through to the browser's language.
  }
  const prefs = navigator.languages?.length ? navigator.languages : [navigator.language];
  for (const l of prefs) {
    const x = l.toLowerCase();
    if (x.startsWith('zh')) return 'zh';
    if (x.startsWith('en')) return 'en';
  }
  return 'en';
}

interface I18n {
  lang: Lang;
  setLang(l: Lang): void;
  t: TFunction;
  /** Translated message for an error, keyed by its stable `name`; names the file and its numbers when the error's detail has them. */
  te(err: unknown): string;
  /** Bytes as "12.3 MB" in the current locale. */
  bytes(n: number): string;
}

const Ctx = createContext<I18n | null>(null);

export function I18nProvider({ children }: { children: ReactNode }) {
  const [lang, setLangState] = useState<Lang>(initialLang);
  const setLang = useCallback((l: Lang) => {
    setLangState(l);
    try {
      localStorage.setItem(STORAGE_KEY, l);
    } catch {
      // Not remembered; still switched for this visit.
    }
  }, []);
  useEffect(() => {
    document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
    document.title =
      lang === 'zh'
        ? '净界 Jingjie — 在本设备上去除背景'
        : 'Jingjie 净界 — background removal on your device';
  }, [lang]);
  const value = useMemo<I18n>(() => {
    const t: TFunction = (key, vars) => translate(lang, key, vars);
    const nf = new Intl.NumberFormat(lang === 'zh' ? 'zh-CN' : 'en', {
      maximumFractionDigits: 1,
      minimumFractionDigits: 1,
    });
    const bytes = (n: number) => formatBytes(n, (x) => nf.format(x));
    return {
      lang,
      setLang,
      t,
      te: (err) => {
        const { key, vars } = errorMessage(err, bytes, (k) => TABLES[lang][k]);
        return t(key, vars);
      },
      bytes,
    };
  }, [lang, setLang]);
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}

export function useI18n(): I18n {
  const v = useContext(Ctx);
  if (!v) throw new Error('useI18n outside I18nProvider');
  return v;
}
