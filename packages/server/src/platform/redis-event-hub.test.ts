// Tests of live events through Redis.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { redisSkip, testRedisUrl } from '../test-support/redis.ts';
import type { LiveEvent } from './live-events.ts';
import { createRedisEventHub } from './redis-event-hub.ts';

describe('live events through Redis', { skip: await redisSkip() }, () => {
  // Two hubs stand for two server processes.
  let a: Awaited<ReturnType<typeof createRedisEventHub>>;
  let b: Awaited<ReturnType<typeof createRedisEventHub>>;
  const errors: Error[] = [];

  before(async () => {
    a = await createRedisEventHub(testRedisUrl, (error) => errors.push(error));
    b = await createRedisEventHub(testRedisUrl, (error) => errors.push(error));
  });
  after(async () => {
    await a?.close();
    await b?.close();
  });

  const until = async (check: () => boolean | Promise<boolean>) => {
    for (let i = 0; i < 200 && !(await check()); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  };

  it("delivers one process's events to another's listeners, and only on their topic", async () => {
    const topic = `verification:ver_${Date.now()}`;
    const heard: LiveEvent[] = [];
    const other: LiveEvent[] = [];
    const stop = b.subscribe(topic, (event) => heard.push(event));
    const stopOther = b.subscribe(`${topic}-other`, (event) => other.push(event));
    await until(() => a.isListening(topic));
    assert.equal(await a.isListening(topic), true, 'a sees that b listens');
    a.publish(topic, { type: 'approved', data: { verificationId: 'ver_1', status: 'approved' } });
    await until(() => heard.length > 0);
    assert.deepEqual(heard, [{ type: 'approved', data: { verificationId: 'ver_1', status: 'approved' } }]);
    assert.deepEqual(other, []);
    assert.equal(b.listenerCount(topic), 1);
    assert.equal(a.listenerCount(topic), 0, 'counts are per process');

    stop();
    stopOther();
    await until(async () => !(await a.isListening(topic)));
    assert.equal(await a.isListening(topic), false, 'no listener anywhere once b stops');
    a.publish(topic, { type: 'expired', data: {} });
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(heard.length, 1);
    assert.deepEqual(errors, []);
  });
});

describe('a Redis that does not answer', () => {
  it('fails start-up at once instead of retrying for ever', async () => {
    // Port 1 on the loopback interface refuses connections.
    await assert.rejects(
      createRedisEventHub('redis://127.0.0.1:1', () => {}),
      /ECONNREFUSED/,
    );
  });
});
