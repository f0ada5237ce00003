// Files that arrive from the OS when the app is installed: the File Handling API (launchQueue)
// and the Web Share Target (the service worker stashes the POSTed files; we pick them up here).
import { SHARE_CACHE, SHARE_PARAM } from '../../shared/share-contract';

interface LaunchParams {
  files: { getFile(): Promise<File> }[];
}
declare global {
  interface Window {
    launchQueue?: { setConsumer(cb: (p: LaunchParams) => void): void };
  }
}

export function listenForLaunchedFiles(onFiles: (files: File[]) => void): void {
  window.launchQueue?.setConsumer((params) => {
    if (!params.files?.length) return;
    void Promise.all(params.files.map((h) => h.getFile())).then(onFiles);
  });
}

/** After a share, the service worker redirects to `?share-target=…`: take the stashed files once. */
export async function takeSharedFiles(): Promise<File[]> {
  const url = new URL(location.href);
  if (!url.searchParams.has(SHARE_PARAM) || !('caches' in self)) return [];
  url.searchParams.delete(SHARE_PARAM);
  history.replaceState(history.state, '', url.href);
  const cache = await caches.open(SHARE_CACHE);
  const keys = await cache.keys();
  const files: File[] = [];
  for (const req of keys) {
    const res = await cache.match(req);
    if (res) {
      const name = decodeURIComponent(res.headers.get('x-file-name') ?? 'shared-image');
      files.push(new File([await res.blob()], name, { type: res.headers.get('content-type') ?? '' }));
    }
    await cache.delete(req);
  }
  return files;
}
