import { ListenerWork } from '../../../src/channels/slack/listener-work';

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('ListenerWork: what shutdown waits for', () => {
  it('settles at once when no listener runs', async () => {
    await expect(new ListenerWork().settled(10)).resolves.toBe(true);
  });

  it('waits for a listener still running, and for one it started meanwhile', async () => {
    const work = new ListenerWork();
    const first = deferred();
    const second = deferred();
    const order: string[] = [];
    void work.track(async () => {
      await first.promise;
      order.push('first');
      // A listener that hands on to another before it ends (Bolt's next()).
      void work.track(async () => {
        await second.promise;
        order.push('second');
      });
    });
    let done = false;
    const settled = work.settled(5_000).then((value) => {
      done = true;
      return value;
    });
    first.resolve();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(order).toEqual(['first']);
    expect(done).toBe(false);
    second.resolve();
    await expect(settled).resolves.toBe(true);
    expect(order).toEqual(['first', 'second']);
  });

  it('gives up after its limit on a listener that never ends, and says so', async () => {
    const work = new ListenerWork();
    void work.track(() => new Promise<void>(() => undefined));
    await expect(work.settled(20)).resolves.toBe(false);
  });

  it('a listener that fails is finished too, and its caller still sees the failure', async () => {
    const work = new ListenerWork();
    await expect(work.track(() => Promise.reject(new Error('slack call failed')))).rejects.toThrow('slack call failed');
    await expect(work.settled(10)).resolves.toBe(true);
  });
});
