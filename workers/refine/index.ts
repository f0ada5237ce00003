// Public entry of the refine stage: alpha upsampling to the photo's size and foreground
// colour estimation. Pure TypeScript on typed arrays; runs in a Web Worker or in Node.

export { upsampleAlphaGuided, type GuidedUpsampleOptions } from './upsample';
export { upsampleAlphaMatting, type MattingOptions } from './matting';
export {
  CUTOUT_FEATHER,
  CUTOUT_FOREGROUND,
  CUTOUT_MATTING,
  cutoutAlpha,
  refineAlpha,
  type CutoutAlpha,
  type RefineOptions,
} from './refine';
export { estimateForeground, type ForegroundOptions } from './foreground';
export { featherAlpha, type FeatherOptions } from './feather';
export { dilateMask, type AlphaInput } from './resample';
export { edgeFocus, type EdgeFocus, type EdgeFocusOptions } from './focus';
export { unrefinedCrop, type EdgeCrop } from './compare';
