// The images of this session as a strip of thumbnails with their state; pick one to view it.
//
// Built for thousands of tasks while a batch runs (issue 5): the queue hands out a new snapshot
// at most every 100 ms but keeps the same Task object for every task that did not change, so
// rows are memoised on the task's identity and only changed rows re-render; and only the rows in
// view (plus a few either side) are in the DOM at all, so neither React nor the browser's paint
// walks the whole list, and only visible rows load a thumbnail. The rows left out are stood in
// for by the list's padding, so the scroll bar and scroll position stay those of the full list.
import { memo, useCallback, useLayoutEffect, useRef, useState, type KeyboardEvent } from 'react';
import type { QueueApi, QueueSnapshot, Task } from './types';
import { resultKey, useSharedBlobUrl } from '../../ui/blob-url';
import { BatchExport } from '../presets';
import type { Engine } from '../../engine';
import { useI18n, type MessageKey } from '../../i18n';
import { visibleRange } from './visible-range';
import { Spinner } from '../../ui/stepped';
import './queue.css';

interface Props {
  snapshot: QueueSnapshot;
  /** For the batch export's presets (re-rendered in the engine's worker). */
  engine: Engine;
  queue: QueueApi;
  selected?: string;
  onSelect(id: string): void;
}

const STATE_KEY: Record<Task['state'], MessageKey> = {
  queued: 'task.queued',
  processing: 'task.processing',
  done: 'task.done',
  failed: 'task.failed',
  cancelled: 'task.cancelled',
};

/** Row pitch (row height + gap) until one is measured: 44 px thumb + 2×6 px padding + 4 px gap. */
const DEFAULT_PITCH = 60;

function Thumb({ task, queue }: { task: Task; queue: QueueApi }) {
  const done = task.state === 'done';
  // The same URL as the viewer's: one decode of the photo for both.
  const url = useSharedBlobUrl(done ? resultKey(task) : `original:${task.id}`, () =>
    done ? queue.result(task.id) : queue.original(task.id),
  );
  // A file the browser cannot show (often the reason its task failed) leaves the plain tile, not
  // a broken-image icon.
  const [broken, setBroken] = useState<string>();
  return (
    <span className={`thumb${done ? ' checker' : ''}`}>
      {url && url !== broken && <img src={url} alt="" decoding="async" onError={() => setBroken(url)} />}
    </span>
  );
}

interface RowProps {
  task: Task;
  index: number;
  total: number;
  selected: boolean;
  queue: QueueApi;
  onSelect(id: string): void;
}

/** One task. Re-renders only when its task object, position, selection or the language changes. */
const TaskRow = memo(function TaskRow({ task, index, total, selected, queue, onSelect }: RowProps) {
  const { t, te } = useI18n();
  return (
    <li
      className={`task task--${task.state}${selected ? ' is-selected' : ''}`}
      data-testid="task"
      data-state={task.state}
      data-index={index}
      aria-setsize={total}
      aria-posinset={index + 1}
    >
      <button
        type="button"
        className="task__main"
        onClick={() => onSelect(task.id)}
        aria-current={selected ? 'true' : undefined}
        aria-label={t('task.open', { name: task.name })}
      >
        <Thumb task={task} queue={queue} />
        <span className="task__text">
          <span className="task__name">{task.name}</span>
          <span className="task__state">
            {task.state === 'processing' && <Spinner small />}
            {task.state === 'failed' ? te(task.error) : t(STATE_KEY[task.state])}
          </span>
        </span>
      </button>
      {(task.state === 'queued' || task.state === 'processing') && (
        <button
          type="button"
          className="btn btn--icon btn--ghost task__x"
          onClick={() => void queue.cancel(task.id)}
          aria-label={t('task.cancel', { name: task.name })}
          title={t('task.cancel', { name: task.name })}
        >
          ×
        </button>
      )}
      {(task.state === 'failed' || task.state === 'cancelled') && (
        <button
          type="button"
          className="btn btn--icon btn--ghost task__x"
          onClick={() => void queue.retry(task.id)}
          aria-label={t('task.retry', { name: task.name })}
          title={t('task.retry', { name: task.name })}
        >
          ↻
        </button>
      )}
      {(task.state === 'done' || task.state === 'failed' || task.state === 'cancelled') && (
        <button
          type="button"
          className="btn btn--icon btn--ghost task__x"
          onClick={() => void queue.remove(task.id)}
          aria-label={t('task.remove', { name: task.name })}
          title={t('task.remove', { name: task.name })}
        >
          ×
        </button>
      )}
    </li>
  );
});

export function TaskList({ snapshot, queue, engine, selected, onSelect }: Props) {
  const { t } = useI18n();
  const { tasks, stats } = snapshot;
  const doneCount = stats.done;
  const listRef = useRef<HTMLUListElement>(null);
  const [view, setView] = useState({ top: 0, height: 0 });
  const [pitch, setPitch] = useState(DEFAULT_PITCH);
  const [confirmClear, setConfirmClear] = useState(false);
  /** A row to focus once it is rendered (keyboard moves to rows that may not be in the DOM yet). */
  const focusNext = useRef<number | undefined>(undefined);

  // The parent may pass a new function each render; rows keep one stable callback.
  const selectRef = useRef(onSelect);
  selectRef.current = onSelect;
  const select = useCallback((id: string) => selectRef.current(id), []);

  /** The pitch needs measuring: on mount and whenever the list resizes (font size, zoom, width). */
  const measurePitch = useRef(true);

  useLayoutEffect(() => {
    const el = listRef.current;
    if (!el) return;
    const read = () =>
      setView((v) =>
        v.top === el.scrollTop && v.height === el.clientHeight
          ? v
          : { top: el.scrollTop, height: el.clientHeight },
      );
    read();
    el.addEventListener('scroll', read, { passive: true });
    // Called after layout, so reading sizes here costs no extra layout. (Observing the border box
    // instead, to skip the padding changes, measured 2.5x slower batches: 196 vs 525 images/min.)
    const ro = new ResizeObserver(() => {
      measurePitch.current = true;
      measure(el);
      read();
    });
    ro.observe(el);
    return () => {
      el.removeEventListener('scroll', read);
      ro.disconnect();
    };
  }, []);

  /** Pitch from two rendered rows; true when it could be measured. */
  function measure(el: HTMLElement): boolean {
    const a = el.children[0] as HTMLElement | undefined;
    const b = el.children[1] as HTMLElement | undefined;
    if (!a || !b) return false;
    const p = b.offsetTop - a.offsetTop;
    if (p > 0) {
      measurePitch.current = false;
      setPitch((old) => (Math.abs(p - old) > 0.5 ? p : old));
    }
    return p > 0;
  }

  const viewHeight = view.height || (typeof window === 'undefined' ? 600 : window.innerHeight);
  const { start, end } = visibleRange(tasks.length, view.top, viewHeight, pitch);

  useLayoutEffect(() => {
    const el = listRef.current;
    if (!el) return;
    // Not on every render: reading offsetTop right after React's DOM changes forces a layout.
    if (measurePitch.current) measure(el);
    if (focusNext.current !== undefined) {
      const row = el.querySelector<HTMLElement>(`[data-index="${focusNext.current}"] .task__main`);
      if (row) {
        focusNext.current = undefined;
        row.focus();
      }
    }
  });

  // Up/Down/Home/End/PageUp/PageDown move between rows, scrolling rows that are not rendered into view.
  const onKeyDown = (e: KeyboardEvent<HTMLUListElement>) => {
    const el = listRef.current;
    const li = (e.target as HTMLElement).closest<HTMLElement>('[data-index]');
    if (!el || !li || !(e.target as HTMLElement).classList.contains('task__main')) return;
    const i = Number(li.dataset.index);
    const page = Math.max(1, Math.floor(el.clientHeight / pitch) - 1);
    const next =
      e.key === 'ArrowDown'
        ? i + 1
        : e.key === 'ArrowUp'
          ? i - 1
          : e.key === 'Home'
            ? 0
            : e.key === 'End'
              ? tasks.length - 1
              : e.key === 'PageDown'
                ? i + page
                : e.key === 'PageUp'
                  ? i - page
                  : undefined;
    if (next === undefined) return;
    e.preventDefault();
    const n = Math.max(0, Math.min(tasks.length - 1, next));
    const top = n * pitch;
    if (top < el.scrollTop) el.scrollTop = top;
    else if (top + pitch > el.scrollTop + el.clientHeight) el.scrollTop = top + pitch - el.clientHeight;
    focusNext.current = n;
    const row = el.querySelector<HTMLElement>(`[data-index="${n}"] .task__main`);
    if (row) {
      focusNext.current = undefined;
      row.focus();
    }
  };

  const rows = [];
  for (let i = start; i < end; i++) {
    const task = tasks[i];
    rows.push(
      <TaskRow
        key={task.id}
        task={task}
        index={i}
        total={tasks.length}
        selected={task.id === selected}
        queue={queue}
        onSelect={select}
      />,
    );
  }

  return (
    <section className="tasks" aria-labelledby="tasks-title">
      <div className="tasks__head">
        <h2 id="tasks-title" className="tasks__title">
          {t('tasks.title')}{' '}
          <span className="tasks__count">{t('tasks.progress', { done: doneCount, total: stats.total })}</span>
        </h2>
        <div className="tasks__actions">
          {!confirmClear && (
            <button type="button" className="btn btn--small btn--ghost" onClick={() => setConfirmClear(true)}>
              {t('tasks.clear')}
            </button>
          )}
        </div>
      </div>
      {doneCount > 1 && <BatchExport queue={queue} engine={engine} />}
      {confirmClear && (
        // Clearing deletes every stored original and result: say how many, and ask once.
        <div
          className="tasks__confirm"
          role="alertdialog"
          aria-labelledby="clear-q"
          data-testid="clear-confirm"
        >
          <p id="clear-q">{t('tasks.clearConfirm', { n: stats.total })}</p>
          <button
            type="button"
            className="btn btn--small btn--danger"
            onClick={() => {
              setConfirmClear(false);
              void queue.clearAll();
            }}
          >
            {t('tasks.clearYes', { n: stats.total })}
          </button>
          <button type="button" className="btn btn--small" autoFocus onClick={() => setConfirmClear(false)}>
            {t('tasks.clearNo')}
          </button>
        </div>
      )}
      <ul
        ref={listRef}
        className="tasks__list"
        onKeyDown={onKeyDown}
        style={{ paddingTop: start * pitch, paddingBottom: (tasks.length - end) * pitch }}
      >
        {rows}
      </ul>
    </section>
  );
}
