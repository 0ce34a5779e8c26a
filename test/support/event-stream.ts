// A reader for the sandbox page's server-sent events, as EventSource would read them, for tests and benchmarks.

export interface Frame {
  event: string;
  data: any;
  /** performance.now() when the chunk holding the frame arrived. */
  at: number;
}

export interface EventStream {
  contentType: string | null;
  /** Settles when the stream ends (closed by either side). */
  done: Promise<void>;
  close(): void;
}

/** Opens `url` and calls onFrame for every `event:`/`data:` frame, data parsed as JSON. */
export async function openEventStream(url: string, onFrame: (frame: Frame) => void): Promise<EventStream> {
  const abort = new AbortController();
  const res = await fetch(url, { signal: abort.signal });
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  const done = (async () => {
    for (;;) {
      const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
      if (done) return;
      const at = performance.now();
      buffer += decoder.decode(value, { stream: true });
      let end;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = /^event: (.*)$/m.exec(frame)?.[1] ?? 'message';
        const data = frame.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n');
        onFrame({ event, data: JSON.parse(data), at });
      }
    }
  })();
  return { contentType: res.headers.get('content-type'), done, close: () => abort.abort() };
}
