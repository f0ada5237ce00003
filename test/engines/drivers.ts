// One small interface over the three engines' drivers, so that every check is written once:
// Chromium and Firefox through Puppeteer (CDP and WebDriver BiDi), WebKitGTK through
// WebKitWebDriver with selenium-webdriver (W3C WebDriver classic). All Debian binaries.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../chromium.mjs';

export type EngineName = 'chromium' | 'firefox' | 'webkit';
export const ENGINES: EngineName[] = ['chromium', 'firefox', 'webkit'];

export const FIREFOX_PATH = process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr';
export const WEBKIT_DRIVER_PATH = process.env.WEBKIT_DRIVER_PATH ?? '/usr/bin/WebKitWebDriver';
/** Debian's webkit2gtk-driver drives the MiniBrowser of libwebkit2gtk-4.1-0. */
export const MINIBROWSER_PATH =
  process.env.MINIBROWSER_PATH ?? '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser';

export interface Driver {
  engine: EngineName;
  version: string;
  goto(url: string): Promise<void>;
  reload(): Promise<void>;
  /**
   * Runs `fn` (the source of an async function of one JSON argument) in the page and returns its
   * JSON result. A rejection comes back as a thrown Error with the page's message.
   */
  run<T>(fn: string, arg?: unknown): Promise<T>;
  /** Sets the files of the file input `selector` (as picking them in the dialog would). */
  pickFiles(selector: string, paths: string[]): Promise<void>;
  /**
   * A mouse drag with the engine's own input (not synthetic events: pointer capture needs a real
   * pointer) on the element `selector`, between two points given as fractions of its box.
   */
  drag(selector: string, from: Point, to: Point): Promise<void>;
  close(): Promise<void>;
}
/** A point inside an element's box, each coordinate a fraction of its size (0..1). */
export type Point = [number, number];

const require = createRequire(import.meta.url);

/** The part of selenium-webdriver used here (it ships no types). */
interface WebDriverSession {
  manage(): { setTimeouts(t: Record<string, number>): Promise<void> };
  getCapabilities(): Promise<{ get(k: string): unknown }>;
  get(url: string): Promise<void>;
  navigate(): { refresh(): Promise<void> };
  executeAsyncScript(src: string): Promise<{ value?: unknown; error?: string }>;
  findElement(by: unknown): Promise<WebElement>;
  actions(o: { async: boolean }): WebDriverActions;
  quit(): Promise<void>;
}
interface WebElement {
  sendKeys(keys: string): Promise<void>;
  getRect(): Promise<{ width: number; height: number }>;
}
interface WebDriverActions {
  move(o: { origin: WebElement; x: number; y: number; duration?: number }): WebDriverActions;
  press(): WebDriverActions;
  release(): WebDriverActions;
  perform(): Promise<void>;
}
interface SeleniumBuilder {
  usingServer(url: string): SeleniumBuilder;
  withCapabilities(c: Record<string, unknown>): SeleniumBuilder;
  build(): Promise<WebDriverSession>;
}
interface Selenium {
  Builder: new () => SeleniumBuilder;
  By: { css(selector: string): unknown };
}

export function available(engine: EngineName): string | undefined {
  const need = {
    chromium: [CHROMIUM_PATH],
    firefox: [FIREFOX_PATH],
    webkit: [WEBKIT_DRIVER_PATH, MINIBROWSER_PATH],
  }[engine];
  const missing = need.filter((p) => !existsSync(p));
  return missing.length ? `not installed: ${missing.join(', ')}` : undefined;
}

const wrap = (fn: string, arg: unknown) => `(${fn})(${JSON.stringify(arg ?? null)})`;

async function puppeteerDriver(engine: 'chromium' | 'firefox'): Promise<Driver> {
  const puppeteer = (await import('puppeteer-core')).default;
  const dir = mkdtempSync(join(tmpdir(), `jingjie-${engine}-`));
  const browser =
    engine === 'chromium'
      ? await puppeteer.launch({
          browser: 'chrome',
          executablePath: CHROMIUM_PATH,
          headless: true,
          userDataDir: dir,
          args: CHROMIUM_ARGS,
        })
      : await puppeteer.launch({
          browser: 'firefox',
          executablePath: FIREFOX_PATH,
          headless: true,
          userDataDir: dir,
          // Quiet and offline-safe: no update checks, telemetry or remote settings.
          // This machine's closed network: nothing that phones home at startup (it only waits).
          extraPrefsFirefox: {
            'app.update.enabled': false,
            'app.normandy.enabled': false,
            'messaging-system.rsexperimentloader.enabled': false,
            'services.settings.server': 'http://127.0.0.1:9/',
            'network.captive-portal-service.enabled': false,
            'network.connectivity-service.enabled': false,
            'browser.safebrowsing.update.enabled': false,
            'datareporting.policy.dataSubmissionEnabled': false,
            'toolkit.telemetry.enabled': false,
          },
        });
  const page = (await browser.pages())[0] ?? (await browser.newPage());
  page.setDefaultTimeout(300_000);
  page.on('pageerror', (e) =>
    console.log(`  [${engine} pageerror] ${String((e as Error).message ?? e).slice(0, 300)}`),
  );
  return {
    engine,
    version: await browser.version(),
    goto: async (url) => void (await page.goto(url, { waitUntil: 'load' })),
    reload: async () => void (await page.reload({ waitUntil: 'load' })),
    run: (fn, arg) => page.evaluate(wrap(fn, arg)) as Promise<never>,
    pickFiles: async (selector, paths) => {
      const input = await page.$(selector);
      if (!input) throw new Error(`no ${selector}`);
      await (input as import('puppeteer-core').ElementHandle<HTMLInputElement>).uploadFile(...paths);
    },
    drag: async (selector, from, to) => {
      const box = await (await page.$(selector))?.boundingBox();
      if (!box) throw new Error(`no visible ${selector}`);
      const at = ([fx, fy]: Point) => [box.x + fx * box.width, box.y + fy * box.height] as const;
      await page.mouse.move(...at(from));
      await page.mouse.down();
      await page.mouse.move(...at(to), { steps: 12 });
      await page.mouse.up();
    },
    close: async () => {
      await browser.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function freePort(): Promise<number> {
  return new Promise((ok) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => ok(port));
    });
  });
}

/** An X server for MiniBrowser when there is no display (WebKitGTK 2.50's GTK 3 MiniBrowser has no headless mode). */
async function display(): Promise<{ env: NodeJS.ProcessEnv; stop(): void }> {
  if (process.env.DISPLAY) return { env: process.env, stop: () => undefined };
  const n = 90 + Math.floor(Math.random() * 400);
  const x: ChildProcess = spawn('Xvfb', [`:${n}`, '-screen', '0', '1360x900x24', '-nolisten', 'tcp'], {
    stdio: 'ignore',
  });
  await new Promise((r) => setTimeout(r, 500));
  if (x.exitCode !== null) throw new Error('Xvfb did not start (apt-get install xvfb)');
  return { env: { ...process.env, DISPLAY: `:${n}` }, stop: () => void x.kill() };
}

async function webkitDriver(): Promise<Driver> {
  const { Builder, By } = require('selenium-webdriver') as Selenium;
  const x = await display();
  const port = await freePort();
  const wd = spawn(WEBKIT_DRIVER_PATH, [`--port=${port}`], { stdio: 'ignore', env: x.env });
  const stop = () => {
    wd.kill();
    x.stop();
  };
  try {
    for (let i = 0; i < 50; i++) {
      const up = await fetch(`http://127.0.0.1:${port}/status`).then(
        (r) => r.ok,
        () => false,
      );
      if (up) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const d = await new Builder()
      .usingServer(`http://127.0.0.1:${port}`)
      .withCapabilities({
        browserName: 'MiniBrowser',
        'webkitgtk:browserOptions': { binary: MINIBROWSER_PATH, args: ['--automation'] },
      })
      .build();
    await d.manage().setTimeouts({ script: 300_000, pageLoad: 120_000 });
    const caps = await d.getCapabilities();
    return {
      engine: 'webkit',
      version: `WebKitGTK ${String(caps.get('browserVersion'))}`,
      goto: (url) => d.get(url),
      reload: () => d.navigate().refresh(),
      run: async <T>(fn: string, arg?: unknown): Promise<T> => {
        const r = await d.executeAsyncScript(
          `const done = arguments[arguments.length - 1];
           Promise.resolve().then(() => ${wrap(fn, arg)}).then((value) => done({ value }),
             (e) => done({ error: String((e && (e.name + ': ' + e.message)) || e) }));`,
        );
        if (r.error) throw new Error(r.error);
        return r.value as T;
      },
      pickFiles: async (selector, paths) => {
        await (await d.findElement(By.css(selector))).sendKeys(paths.join('\n'));
      },
      drag: async (selector, from, to) => {
        const el = await d.findElement(By.css(selector));
        const { width, height } = await el.getRect();
        // WebDriver offsets are from the element's centre, in whole CSS pixels.
        const at = ([fx, fy]: Point) => ({
          x: Math.round((fx - 0.5) * width),
          y: Math.round((fy - 0.5) * height),
        });
        await d
          .actions({ async: true })
          .move({ origin: el, ...at(from) })
          .press()
          .move({ origin: el, ...at(to), duration: 300 })
          .release()
          .perform();
      },
      close: async () => {
        await d.quit().catch(() => undefined);
        stop();
      },
    };
  } catch (e) {
    stop();
    throw e;
  }
}

export function launch(engine: EngineName): Promise<Driver> {
  return engine === 'webkit' ? webkitDriver() : puppeteerDriver(engine);
}
