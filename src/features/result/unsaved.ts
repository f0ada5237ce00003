// Whether the open brush editor holds strokes not yet saved: the app asks before it switches the
// result view to another task (which would close the editor), and does not switch by itself.
let unsaved = false;

export function setUnsavedEdits(value: boolean): void {
  unsaved = value;
}

export function hasUnsavedEdits(): boolean {
  return unsaved;
}
