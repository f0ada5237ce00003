// The file and folder inputs, mounted once for the page's whole life. Drop zones come and go (the
// big one is replaced by the workspace once stored tasks arrive), and a change event on an input
// that was unmounted while its dialog was open reaches nobody: a pick made during start-up was
// lost (issue 12). So the drop zones only open these inputs, through the context.
import { createContext, useContext, useMemo, useRef, type ReactNode } from 'react';
import { useI18n } from '../../i18n';
import { looksLikeImage } from './collect';

const ACCEPT = 'image/*,.heic,.heif,.avif,.webp';

export interface Pickers {
  pickFiles(): void;
  pickFolder(): void;
}

const Ctx = createContext<Pickers>({ pickFiles: () => undefined, pickFolder: () => undefined });

export function usePickers(): Pickers {
  return useContext(Ctx);
}

export function FilePickers({ onFiles, children }: { onFiles(files: File[]): void; children: ReactNode }) {
  const { t } = useI18n();
  const fileRef = useRef<HTMLInputElement>(null);
  const dirRef = useRef<HTMLInputElement>(null);
  const cb = useRef(onFiles);
  cb.current = onFiles;
  const value = useMemo<Pickers>(
    () => ({
      pickFiles: () => fileRef.current?.click(),
      pickFolder: () => dirRef.current?.click(),
    }),
    [],
  );
  const take = (input: HTMLInputElement, filter?: (f: File) => boolean) => {
    const all = [...(input.files ?? [])];
    const files = filter ? all.filter(filter) : all;
    input.value = '';
    if (files.length) cb.current(files);
  };
  return (
    <Ctx.Provider value={value}>
      {children}
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
        data-testid="folder-input"
        aria-label={t('drop.pickFolder')}
        {...({ webkitdirectory: '' } as Record<string, string>)}
        onChange={(e) => take(e.currentTarget, looksLikeImage)}
      />
    </Ctx.Provider>
  );
}
