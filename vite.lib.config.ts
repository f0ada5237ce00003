// Vite library mode for the embeddable package (lib/, issue 24): `npm run build:lib` writes
// dist-lib/ with the ES module (jingjie.js), its workers as separate files that it finds with
// `new URL(…, import.meta.url)`, and package.json. Never the weights or onnxruntime's runtime:
// the site hosts those (README "Use the engine in your own site"). Types: lib/tsconfig.build.json.
import { defineConfig, type Plugin } from 'vite';
import { readFileSync } from 'node:fs';
import { ORT_ALIASES, WORKER_OUTPUT } from './vite.config';

const root = (f: string) => new URL(f, import.meta.url);

/** dist-lib/package.json: lib/package.template.json with the repository's version. */
function packageJson(): Plugin {
  return {
    name: 'jingjie-lib-package',
    generateBundle() {
      const { version } = JSON.parse(readFileSync(root('package.json'), 'utf8')) as { version: string };
      const template = JSON.parse(readFileSync(root('lib/package.template.json'), 'utf8')) as object;
      this.emitFile({
        type: 'asset',
        fileName: 'package.json',
        source: JSON.stringify({ ...template, version }, null, 2) + '\n',
      });
    },
  };
}

/**
 * Vite writes a worker's URL as `new URL(/* @vite-ignore *\/ new URL("assets/w.js", import.meta.url)
 * .href, "" + import.meta.url)`, which a site's own bundler passes over. Written back as the plain
 * `new Worker(new URL("./assets/w.js", import.meta.url), …)`, Vite, webpack 5 and Parcel bundle the
 * worker when a site builds with the package, and a browser loads it as is without a bundler.
 */
function plainWorkerUrls(): Plugin {
  const VITE_URL =
    /new URL\(\s*\/\* @vite-ignore \*\/\s*new URL\("(assets\/[\w.-]+\.js)", import\.meta\.url\)\.href,\s*"" \+ import\.meta\.url\s*\)/g;
  return {
    name: 'jingjie-lib-worker-urls',
    generateBundle(_, bundle) {
      for (const chunk of Object.values(bundle)) {
        if (chunk.type !== 'chunk') continue;
        chunk.code = chunk.code.replace(
          VITE_URL,
          (_m, file: string) => `new URL("./${file}", import.meta.url)`,
        );
        if (chunk.code.includes('@vite-ignore'))
          this.error(`${chunk.fileName}: a worker URL Vite wrote in a form not rewritten`);
      }
    },
  };
}

export default defineConfig({
  // public/ holds the app's weights and runtime: the package ships neither.
  publicDir: false,
  // Relative URLs: the package works from whatever folder a site serves it.
  base: './',
  plugins: [packageJson(), plainWorkerUrls()],
  resolve: { alias: ORT_ALIASES },
  // The workers minified as usual (only jingjie.js keeps its names, see plainWorkerUrls), and
  // split as the app's are (WORKER_OUTPUT: WebKit).
  worker: { format: 'es', rolldownOptions: { output: { ...WORKER_OUTPUT, minify: true } } },
  build: {
    outDir: 'dist-lib',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    minify: false,
    lib: { entry: 'lib/index.ts', formats: ['es'], fileName: () => 'jingjie.js' },
  },
});
