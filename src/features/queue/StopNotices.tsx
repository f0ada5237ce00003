// One notice per reason the queue is stopped, each with the action that clears it (issue 12).
import { useState } from 'react';
import { useI18n } from '../../i18n';
import type { QueueApi, QueueSnapshot, StopReason } from './types';

export function StopNotices({ snapshot, queue }: { snapshot: QueueSnapshot; queue: QueueApi }) {
  const { t, te, bytes } = useI18n();
  const [checking, setChecking] = useState(false);
  const text: Record<Exclude<StopReason, 'disposed'>, string> = {
    halted: t('stop.halted', { reason: te(snapshot.halted) }),
    quota: snapshot.storage
      ? t('stop.quotaUsed', { usage: bytes(snapshot.storage.usage), quota: bytes(snapshot.storage.quota) })
      : t('stop.quota'),
    otherTab: t('stop.otherTab'),
    user: t('stop.user'),
  };
  return (
    <>
      {snapshot.stops.map((r) => {
        if (r === 'disposed') return null;
        const action =
          r === 'halted' ? (
            <button type="button" className="btn btn--small" onClick={() => queue.retryEngine()}>
              {t('load.retry')}
            </button>
          ) : r === 'quota' ? (
            <button
              type="button"
              className="btn btn--small"
              disabled={checking}
              onClick={() => {
                setChecking(true);
                void queue.recheckStorage().finally(() => setChecking(false));
              }}
            >
              {t('stop.recheck')}
            </button>
          ) : r === 'user' ? (
            <button type="button" className="btn btn--small" onClick={() => queue.resume()}>
              {t('tasks.resume')}
            </button>
          ) : null; // otherTab: closing the other tab is the way out; this tab takes over by itself
        return (
          <div
            key={r}
            className={`banner ${r === 'halted' ? 'banner--error' : 'banner--warn'}`}
            role={r === 'halted' ? 'alert' : 'status'}
            data-testid={`queue-stop-${r}`}
            data-stop={r}
          >
            <span>{text[r]}</span>
            {action}
          </div>
        );
      })}
    </>
  );
}
