// Everything the bench started that must be stopped, also when it is interrupted (Ctrl-C) or fails.
type Stopper = () => Promise<void>;

const stoppers = new Set<Stopper>();

/** Runs `stop` on cleanup unless the returned function (which also stops it) is called first. */
export function track<T extends { stop(): Promise<void> }>(thing: T): T & { release(): Promise<void> } {
  const stopper: Stopper = () => thing.stop();
  stoppers.add(stopper);
  return Object.assign(thing, {
    release: async () => {
      stoppers.delete(stopper);
      await thing.stop();
    },
  });
}

/** Stops whatever is still running, newest first; errors are reported, not thrown. */
export async function stopEverything(): Promise<void> {
  for (const stopper of [...stoppers].reverse()) {
    stoppers.delete(stopper);
    await stopper().catch((error: unknown) => console.error('cleanup failed:', error));
  }
}
