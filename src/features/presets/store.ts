// The presets the user can pick: the built-ins plus their own, saved in localStorage (they survive
// a reload), and which one is picked for a single export and for "Download all".
import { useSyncExternalStore } from 'react';
import { BUILT_IN_PRESETS, validatePreset, type Preset } from '../../shared/presets';

const KEY = 'jingjie.presets.v1';
const PICK_KEY = 'jingjie.presetPick.v1';

export type PickSlot = 'export' | 'zip';

interface State {
  presets: readonly Preset[];
  /** Preset id per slot; '' is "none" (the export settings of the result view). */
  pick: Record<PickSlot, string>;
}

function storage(): Storage | undefined {
  try {
    return typeof localStorage === 'undefined' ? undefined : localStorage;
  } catch {
    return undefined; // storage blocked (some private modes)
  }
}

function readJson<T>(key: string): T | undefined {
  try {
    const s = storage()?.getItem(key);
    return s ? (JSON.parse(s) as T) : undefined;
  } catch {
    return undefined;
  }
}

function writeJson(key: string, value: unknown): void {
  try {
    storage()?.setItem(key, JSON.stringify(value));
  } catch {
    // Full or blocked storage: the preset still works for this session.
  }
}

function load(): State {
  const own = (readJson<Preset[]>(KEY) ?? []).filter(
    (p) => p && typeof p === 'object' && !p.builtIn && validatePreset(p).length === 0,
  );
  const pick = readJson<Partial<Record<PickSlot, string>>>(PICK_KEY) ?? {};
  return {
    presets: [...BUILT_IN_PRESETS, ...own],
    pick: { export: pick.export ?? '', zip: pick.zip ?? '' },
  };
}

let state: State | undefined;
const listeners = new Set<() => void>();

function current(): State {
  return (state ??= load());
}

function set(next: State): void {
  state = next;
  writeJson(
    KEY,
    next.presets.filter((p) => !p.builtIn),
  );
  writeJson(PICK_KEY, next.pick);
  for (const l of listeners) l();
}

export const presetStore = {
  get: current,
  subscribe(l: () => void): () => void {
    listeners.add(l);
    return () => void listeners.delete(l);
  },
  byId(id: string): Preset | undefined {
    return id ? current().presets.find((p) => p.id === id) : undefined;
  },
  pick(slot: PickSlot, id: string): void {
    const s = current();
    set({ ...s, pick: { ...s.pick, [slot]: id } });
  },
  /** Adds or replaces a user preset (never a built-in); returns it with its id. */
  save(p: Preset): Preset {
    const s = current();
    const id =
      p.id && !p.builtIn ? p.id : `user:${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
    const saved: Preset = { ...p, id, builtIn: false, name: p.name.trim() };
    const exists = s.presets.some((x) => x.id === id);
    set({
      ...s,
      presets: exists ? s.presets.map((x) => (x.id === id ? saved : x)) : [...s.presets, saved],
    });
    return saved;
  },
  remove(id: string): void {
    const s = current();
    const target = s.presets.find((p) => p.id === id);
    if (!target || target.builtIn) return;
    set({
      presets: s.presets.filter((p) => p.id !== id),
      pick: {
        export: s.pick.export === id ? '' : s.pick.export,
        zip: s.pick.zip === id ? '' : s.pick.zip,
      },
    });
  },
};

export function usePresets(): State {
  return useSyncExternalStore(presetStore.subscribe, current, current);
}

/** The background image picked in the result view, also used by "Download all" with an image preset. */
let backgroundImage: Blob | undefined;
export const presetBackground = {
  get: () => backgroundImage,
  set: (b: Blob | undefined) => void (backgroundImage = b),
};
