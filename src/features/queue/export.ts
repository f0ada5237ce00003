// Export of done results: one ZIP of the done tasks in submission order, each entry named by the
// shared namer and rendered (a preset, a format) one at a time as the archive asks for it.

import type { QueueContext } from './context';
import type { Task, ZipOptions, ZipRender } from './types';
import { openZipSink, zipFileName, zipStream, type SaveTarget } from './zip';

export interface Exporter {
  zipStream(ids?: string[], render?: ZipRender): ReadableStream<Uint8Array>;
  exportZip(ids?: string[], o?: ZipOptions): Promise<void>;
  /** Where the last `exportZip` wrote: a file picker stream or a Blob download. */
  lastTarget(): SaveTarget | undefined;
}

export function exporter(ctx: QueueContext, resultName: (t: Task, ext?: string) => string): Exporter {
  let lastTarget: SaveTarget | undefined;

  function doneTasks(ids?: string[]): Task[] {
    const list = ids
      ? ids.map((id) => ctx.s.tasks.get(id)).filter((t): t is Task => !!t)
      : Array.from(ctx.s.tasks.values());
    return list.filter((t) => t.state === 'done').sort((a, b) => a.seq - b.seq);
  }

  function makeZip(ids?: string[], render?: ZipRender): ReadableStream<Uint8Array> {
    const list = doneTasks(ids).map((t) => ({
      task: t,
      name: resultName(t, render?.ext),
      lastModified: t.finishedAt,
    }));
    return zipStream(
      (function* () {
        for (const t of list) {
          yield {
            name: t.name,
            lastModified: t.lastModified,
            // One render at a time: the archive asks for the next entry only after this one is written.
            read: async () => {
              const png = (await ctx.storeReady().then((db) => db.result(t.task.id)))?.png;
              return png && render ? render.apply(png, t.task) : png;
            },
          };
        }
      })(),
    );
  }

  return {
    zipStream: makeZip,
    async exportZip(ids, o = {}) {
      // The save dialog first, while the click's user activation is still fresh.
      const sink = await openZipSink(o.fileName ?? zipFileName());
      await ctx.storeReady();
      lastTarget = sink.target;
      await sink.write(makeZip(ids, o.render));
    },
    lastTarget: () => lastTarget,
  };
}
