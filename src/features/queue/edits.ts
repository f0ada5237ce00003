// The refine brush's edits of a done task (issue 14): the strokes kept with the result; the edited
// cut-out and mask become the task's result (so the ZIP and every export use them) and the
// model's own stay beside them; no strokes reverts to the model's.

import { JingjieError, asJingjieError } from '../../shared/errors';
import type { BrushStroke } from '../../shared/brush';
import type { StoredResult } from '../../storage/queue-db';
import { isQuotaError } from '../../storage/quota';
import { patchTask } from './core';
import type { QueueContext } from './context';
import type { Task } from './types';

export function editStore(ctx: QueueContext) {
  return {
    async edits(id: string): Promise<{ strokes: BrushStroke[]; cutout: Blob } | undefined> {
      const r = await (await ctx.storeReady()).result(id);
      if (!r) return undefined;
      return { strokes: r.edits ?? [], cutout: r.unedited?.png ?? r.png };
    },

    async saveEdits(id: string, strokes: BrushStroke[], edited?: { png: Blob; mask: Blob }): Promise<void> {
      const db = await ctx.storeReady();
      if (strokes.length && !edited) throw new JingjieError('RuntimeFailed', 'edits without their result');
      let saved: Task | undefined;
      try {
        saved = await db.updateResult(id, (task, cur) => {
          const unedited = cur.unedited ?? { png: cur.png, ...(cur.mask ? { mask: cur.mask } : {}) };
          const result: StoredResult =
            strokes.length && edited
              ? { png: edited.png, mask: edited.mask, edits: strokes, unedited }
              : { png: unedited.png, ...(unedited.mask ? { mask: unedited.mask } : {}) };
          const info = { ...task.result!, bytes: result.png.size, editedAt: Date.now() };
          if (strokes.length) info.edits = strokes.length;
          else delete info.edits;
          return { task: { ...task, result: info }, result };
        });
      } catch (err) {
        if (isQuotaError(err)) throw new JingjieError('QuotaExceeded', 'storage full');
        throw asJingjieError(err, 'StorageUnavailable');
      }
      if (!saved) throw new JingjieError('StorageUnavailable', 'result missing');
      if (patchTask(ctx.s, id, { result: saved.result })) ctx.changed();
    },
  };
}
