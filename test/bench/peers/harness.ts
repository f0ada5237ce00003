// The imgly bench page: loads @imgly/background-removal's model at page load (as its docs advise
// with preload), and for each picked file runs removeBackground, shows the result and enables a
// download link. The model and the CPU settings come from the query string.
import { preload, removeBackground, type Config } from '@imgly/background-removal';

const params = new URLSearchParams(location.search);
const model = params.get('model') === 'isnet_quint8' ? 'isnet_quint8' : 'isnet_fp16';
// One object for every call: imgly memoises its session on JSON.stringify(config).
const config: Config = {
  publicPath: new URL('imgly/', location.href).href,
  model,
  device: 'cpu',
  proxyToWorker: false,
  output: { format: 'image/png', quality: 0.8 },
};

const $ = <T extends Element>(id: string) => {
  const el = document.querySelector<T>(`[data-testid="${id}"]`);
  if (!el) throw new Error(`harness: no ${id}`);
  return el;
};
const input = $<HTMLInputElement>('file-input');
const status = $<HTMLParagraphElement>('status');
const figure = $<HTMLElement>('result');
const image = $<HTMLImageElement>('result-image');
const link = $<HTMLAnchorElement>('download');

const fail = (err: unknown) => {
  status.textContent = `error: ${err instanceof Error ? err.message : String(err)}`;
  status.dataset.state = 'error';
};

void preload(config).then(() => {
  performance.mark('peer:ready'); // the bench splits the first visit's CPU here
  status.dataset.model = 'ready';
  if (!status.dataset.state) status.textContent = 'ready';
}, fail);

let queue: Promise<void> = Promise.resolve();

input.addEventListener('change', () => {
  const files = [...(input.files ?? [])];
  input.value = '';
  for (const file of files) {
    queue = queue
      .then(async () => {
        status.textContent = `processing ${file.name}`;
        link.setAttribute('aria-disabled', 'true');
        link.removeAttribute('href');
        const blob = await removeBackground(file, config);
        const url = URL.createObjectURL(blob);
        image.src = url;
        await image.decode();
        link.href = url;
        link.download = file.name.replace(/\.[^.]+$/, '') + '-nobg.png';
        link.removeAttribute('aria-disabled');
        figure.dataset.name = file.name;
        status.textContent = `done ${file.name}`;
      })
      .catch(fail);
  }
});
