// The queue feature's public face: its types for the other features, and its views for the app.
// (The queue itself, `queue.ts`, and the automation hook, `expose.ts`, are the app's to import
// directly: the entry chunk needs them without the views.)
export type {
  QueueApi,
  QueueSnapshot,
  QueueStats,
  StopReason,
  StorageInfo,
  Task,
  TaskResultInfo,
  TaskState,
  ZipOptions,
  ZipRender,
} from './types';
export { TaskList } from './TaskList';
export { StopNotices } from './StopNotices';
