// An AbortSignal across Comlink: the sending side gives a MessagePort that says "aborted" once;
// the receiving side gets an AbortSignal of its own that fires then. Registered by the page's
// engine and by the inference worker, so a job's signal is a real AbortSignal on both sides.
import * as Comlink from 'comlink';

export function registerAbortTransfer(): void {
  Comlink.transferHandlers.set('abortSignal', {
    canHandle: (v: unknown): v is AbortSignal =>
      typeof AbortSignal !== 'undefined' && v instanceof AbortSignal,
    serialize(signal: AbortSignal): [MessagePort, Transferable[]] {
      const { port1, port2 } = new MessageChannel();
      const abort = () => {
        port1.postMessage('abort');
        port1.close();
      };
      if (signal.aborted) abort();
      else signal.addEventListener('abort', abort, { once: true });
      return [port2, [port2]];
    },
    deserialize(port: MessagePort): AbortSignal {
      const ctrl = new AbortController();
      port.onmessage = () => {
        ctrl.abort();
        port.close();
      };
      return ctrl.signal;
    },
  } satisfies Comlink.TransferHandler<AbortSignal, MessagePort>);
}
