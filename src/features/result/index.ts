// The result feature's public face: the result view (viewer, export, brush) and whether the brush
// holds unsaved strokes.
export { ResultView } from './ResultView';
export { hasUnsavedEdits } from './unsaved';
