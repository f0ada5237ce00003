// The model a person chose in the engine details, remembered in localStorage. The engine takes it
// as `preferVariant`: used when the manifest has it and it fits the backend, else the default.
const KEY = 'jingjie.model';

function storage(): Storage | undefined {
  try {
    return typeof localStorage === 'undefined' ? undefined : localStorage;
  } catch {
    return undefined; // sandboxed frames throw on access
  }
}

/** The saved variant id, or undefined for the manifest's default. */
export function savedModel(): string | undefined {
  return storage()?.getItem(KEY) ?? undefined;
}

/** Saves a variant id (undefined: back to the default). */
export function saveModel(id: string | undefined): void {
  const s = storage();
  if (!s) return;
  if (id) s.setItem(KEY, id);
  else s.removeItem(KEY);
}
