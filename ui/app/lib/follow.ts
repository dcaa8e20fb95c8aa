/**
 * Follows a server-sent event stream of JSON messages, falling back to `poll` (called once; it
 * sets up its own interval) where the page cannot keep a stream open or the stream fails.
 * Returns the cleanup for a `useEffect`.
 */
export function followEvents<T>(
  url: string,
  event: string,
  onData: (data: T) => void,
  poll: () => () => void,
): () => void {
  if (typeof EventSource === 'undefined') return poll();
  let stopPolling: (() => void) | undefined;
  const events = new EventSource(url);
  events.addEventListener(event, (e) => onData(JSON.parse((e as MessageEvent).data)));
  events.addEventListener('end', () => events.close());
  events.onerror = () => {
    events.close();
    stopPolling ??= poll();
  };
  return () => {
    events.close();
    stopPolling?.();
  };
}
