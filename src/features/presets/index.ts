// The presets feature's public face: the picker, editor and batch export, the stored presets,
// and applying one to a finished cut-out.
export { BatchExport, PresetPicker, presetErrorText, presetLabel, readyIssue } from './PresetControls';
export { PresetPreview } from './PresetPreview';
export { presetBackground, presetStore, usePresets, type PickSlot } from './store';
export { applyPreset, presetFileName, zipRender } from './apply';
