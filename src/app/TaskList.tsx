// The images of this session as a strip of thumbnails with their state; pick one to view it.
import type { QueueApi, QueueSnapshot, Task } from '../features/queue/types';
import { useBlobUrl } from '../features/result/useBlobUrl';
import { useI18n, type MessageKey } from '../i18n';

interface Props {
  snapshot: QueueSnapshot;
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

function Thumb({ task, queue }: { task: Task; queue: QueueApi }) {
  const done = task.state === 'done';
  const url = useBlobUrl(() => (done ? queue.result(task.id) : queue.original(task.id)), [task.id, done]);
  return <span className={`thumb${done ? ' checker' : ''}`}>{url && <img src={url} alt="" />}</span>;
}

export function TaskList({ snapshot, queue, selected, onSelect }: Props) {
  const { t, te } = useI18n();
  const { tasks, stats } = snapshot;
  const doneCount = stats.done;
  return (
    <section className="tasks" aria-labelledby="tasks-title">
      <div className="tasks__head">
        <h2 id="tasks-title" className="tasks__title">
          {t('tasks.title')} <span className="tasks__count">{t('tasks.progress', { done: doneCount, total: stats.total })}</span>
        </h2>
        <div className="tasks__actions">
          {doneCount > 1 && (
            <button type="button" className="btn btn--small" onClick={() => void queue.exportZip()}>
              {t('tasks.downloadAll')}
            </button>
          )}
          <button type="button" className="btn btn--small btn--ghost" onClick={() => void queue.clearAll()}>
            {t('tasks.clear')}
          </button>
        </div>
      </div>
      <ul className="tasks__list">
        {tasks.map((task) => (
          <li key={task.id} className={`task task--${task.state}${task.id === selected ? ' is-selected' : ''}`} data-testid="task" data-state={task.state}>
            <button
              type="button"
              className="task__main"
              onClick={() => onSelect(task.id)}
              aria-current={task.id === selected ? 'true' : undefined}
              aria-label={t('task.open', { name: task.name })}
            >
              <Thumb task={task} queue={queue} />
              <span className="task__text">
                <span className="task__name">{task.name}</span>
                <span className="task__state">
                  {task.state === 'processing' && <span className="spinner spinner--small" aria-hidden="true" />}
                  {task.state === 'failed' ? te(task.error) : t(STATE_KEY[task.state])}
                </span>
              </span>
            </button>
            {(task.state === 'queued' || task.state === 'processing') && (
              <button type="button" className="btn btn--icon btn--ghost task__x" onClick={() => void queue.cancel(task.id)} aria-label={t('task.cancel', { name: task.name })} title={t('task.cancel', { name: task.name })}>
                ×
              </button>
            )}
            {(task.state === 'failed' || task.state === 'cancelled') && (
              <button type="button" className="btn btn--icon btn--ghost task__x" onClick={() => void queue.retry(task.id)} aria-label={t('task.retry', { name: task.name })} title={t('task.retry', { name: task.name })}>
                ↻
              </button>
            )}
            {task.state === 'done' && (
              <button type="button" className="btn btn--icon btn--ghost task__x" onClick={() => void queue.remove(task.id)} aria-label={t('task.remove', { name: task.name })} title={t('task.remove', { name: task.name })}>
                ×
              </button>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}
