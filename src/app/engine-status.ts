// Load state of the engine as a small external store: progress events in, snapshots out.
import { useSyncExternalStore } from 'react';
import type { EngineInfo, LoadProgress, LoadStage } from '../shared/types';
import { asJingjieError, type WireError } from '../shared/errors';
import { engine } from './services';

export interface EngineStatus {
  stage: LoadStage | 'idle';
  loaded: number;
  total: number;
  variantName?: string;
  fromCache?: boolean;
  info?: EngineInfo;
  error?: WireError;
}

let status: EngineStatus = { stage: 'idle', loaded: 0, total: 0 };
const listeners = new Set<() => void>();
function set(next: Partial<EngineStatus>) {
  status = { ...status, ...next };
  for (const l of listeners) l();
}

function onProgress(p: LoadProgress) {
  const finite = (n: number | undefined, fallback: number) =>
    typeof n === 'number' && Number.isFinite(n) && n >= 0 ? n : fallback;
  set({
    stage: p.stage,
    loaded: p.stage === 'download' ? finite(p.loaded, status.loaded) : status.loaded,
    total: p.stage === 'download' ? finite(p.total, status.total) : status.total,
    variantName: p.variantName ?? status.variantName,
    fromCache: p.fromCache ?? status.fromCache,
  });
}

export function startEngine(): void {
  if (status.stage !== 'idle' && !status.error) return;
  set({ stage: 'manifest', error: undefined, loaded: 0, total: 0 });
  engine.load(onProgress).then(
    (info) =>
      set({
        stage: 'ready',
        info,
        variantName: info.variant.name,
        total: status.total || info.variant.bytes,
      }),
    (err: unknown) => set({ error: asJingjieError(err).toWire() }),
  );
}

/** Engine info may change after a job (WebGPU → WASM fallback mid-run). */
export function refreshEngineInfo(): void {
  const info = engine.info();
  if (info && info !== status.info) set({ info });
}

export function useEngineStatus(): EngineStatus {
  return useSyncExternalStore(
    (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    () => status,
  );
}
