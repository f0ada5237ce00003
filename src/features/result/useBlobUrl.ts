// An object URL for a Blob loaded asynchronously, revoked when it changes or the component goes.
import { useEffect, useState } from 'react';

export function useBlobUrl(load: () => Promise<Blob | undefined>, deps: unknown[]): string | undefined {
  const [url, setUrl] = useState<string>();
  useEffect(() => {
    let alive = true;
    let made: string | undefined;
    setUrl(undefined);
    void load().then(
      (b) => {
        if (!alive || !b) return;
        made = URL.createObjectURL(b);
        setUrl(made);
      },
      () => undefined,
    );
    return () => {
      alive = false;
      if (made) URL.revokeObjectURL(made);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, deps);
  return url;
}
