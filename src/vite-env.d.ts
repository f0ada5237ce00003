// Vite's client types plus the build-time variables Jingjie reads.
/// <reference types="vite/client" />

interface ImportMetaEnv {
  /** Models on another origin (a CDN), see docs/deploy.md. */
  readonly VITE_MODEL_BASE_URL?: string;
}
