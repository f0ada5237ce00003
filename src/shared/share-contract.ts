// Names shared by the service worker and the page for the Web Share Target hand-over. No side effects.
/** Cache holding files POSTed to the share target until the page takes them. */
export const SHARE_CACHE = 'jingjie-share-target';
/** Path the manifest's share_target posts to (relative to the app's scope). */
export const SHARE_ACTION = 'share-target';
/** Query parameter the service worker adds when it redirects to the app after a share. */
export const SHARE_PARAM = 'share-target';
