import type { EmulatedMessage } from '@backstop/discord-emulator';
import type { Narration } from './contract.ts';
import type { SandboxWorld } from './world.ts';

export type LiveEvent =
  | { type: 'message'; message: EmulatedMessage; deleted: boolean }
  | { type: 'narration'; entry: Narration }
  | { type: 'scenario'; playing: boolean };

export type LiveFeed = ReturnType<typeof createLiveFeed>;

/** Fans out what happens in the sandbox's channel, and the scenario's narration, to every open page. */
export function createLiveFeed(world: SandboxWorld, clock: () => Date = () => new Date()) {
  const subscribers = new Set<(event: LiveEvent) => void>();
  const closed = new Set<() => void>();
  const narration: Narration[] = [];
  const publish = (event: LiveEvent) => {
    for (const subscriber of subscribers) subscriber(event);
  };
  const unsubscribe = world.emu.onMessage((message, change) => {
    if (message.channel_id === world.ids.channelId) publish({ type: 'message', message, deleted: change.deleted });
  });
  return {
    narration: () => [...narration],
    narrate(entry: Omit<Narration, 'at'>) {
      const full = { ...entry, at: clock().toISOString() };
      narration.push(full);
      // A page needs the story so far, not every replay since the process started.
      if (narration.length > 200) narration.shift();
      publish({ type: 'narration', entry: full });
    },
    scenario(playing: boolean) {
      publish({ type: 'scenario', playing });
    },
    /** `onClose` runs when the feed closes: an open page's stream must end, or it holds the HTTP server open. */
    subscribe(fn: (event: LiveEvent) => void, onClose: () => void): () => void {
      subscribers.add(fn);
      closed.add(onClose);
      return () => {
        subscribers.delete(fn);
        closed.delete(onClose);
      };
    },
    close() {
      unsubscribe();
      subscribers.clear();
      for (const onClose of closed) onClose();
      closed.clear();
    },
  };
}
