// Types for the one libheif-js entry the worker imports (the package ships none for its .mjs bundle).
declare module 'libheif-js/libheif-wasm/libheif-bundle.mjs' {
  const factory: (options?: Record<string, unknown>) => Promise<unknown>;
  export default factory;
}
