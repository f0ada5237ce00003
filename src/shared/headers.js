// The security and cross-origin isolation response headers: the one source. `npm run headers`
// writes them into every host's file (public/_headers, vercel.json, deploy/.htaccess,
// deploy/nginx/security-headers.conf; `npm run check` fails when one is stale), and
// vite.config.ts, the service worker and scripts/serve-static.mjs import them from here.
// Plain JavaScript so that Node scripts can import it without a build step.

/** Cross-origin isolation: lets onnxruntime-web use WASM threads (SharedArrayBuffer). */
export const ISOLATION_HEADERS = Object.freeze({
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
});

/**
 * Scripts only from this origin; 'wasm-unsafe-eval' compiles the onnxruntime .wasm (no JS eval).
 * Inline style attributes only (style-src-attr), never inline <style>/<script>.
 * A separate model origin (docs/deploy.md) must be added to connect-src.
 */
export const CSP = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "worker-src 'self'",
  "connect-src 'self'",
  "img-src 'self' blob: data:",
  "media-src 'self' blob:",
  "font-src 'self'",
  "style-src 'self'",
  "style-src-attr 'unsafe-inline'",
  "manifest-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** Every header each response carries, in the order the host files list them. */
export const SECURITY_HEADERS = Object.freeze({
  ...ISOLATION_HEADERS,
  'Content-Security-Policy': CSP,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), payment=(), usb=()',
});
