#!/usr/bin/env node
// Interop smoke: Node amqplib (pinned in package.json) against Hermod, unchanged — the pattern of the TypeScript
// sample in the seeds (a producer sending persistent messages, a consumer with prefetch 1 that acks, or nacks on
// failure).
//
// A consumer on its own connection starts first, with prefetch 1; a producer on a confirm channel publishes N
// persistent messages to a durable queue and waits for the confirms. The consumer acks most messages, nacks a few with
// requeue once and checks that they come back flagged redelivered. Exits 0 only if every message arrived and was
// acknowledged; otherwise prints why and exits 1.
//
// Run by InteropTest with the broker's address in HERMOD_AMQP_HOST / HERMOD_AMQP_PORT; the message count in
// HERMOD_INTEROP_MESSAGES (default 100).
'use strict';

const amqp = require('amqplib');

const HOST = process.env.HERMOD_AMQP_HOST || '127.0.0.1';
const PORT = Number.parseInt(process.env.HERMOD_AMQP_PORT, 10);
const COUNT = Number.parseInt(process.env.HERMOD_INTEROP_MESSAGES || '100', 10);
const QUEUE = 'interop.amqplib';

const nackedOnce = (i) => i % 10 === 3;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function fail(why) {
  console.log(`amqplib smoke FAILED: ${why}`);
  process.exit(1);
}

async function connect(name) {
  return amqp.connect(
    { protocol: 'amqp', hostname: HOST, port: PORT, username: 'guest', password: 'guest', vhost: '/' },
    { clientProperties: { connection_name: name } },
  );
}

async function main() {
  const timer = setTimeout(() => fail('timed out after 20 s'), 20_000);
  const acked = new Set();
  const nacked = new Set();
  const problems = [];
  let unacked = 0;
  let done;
  const allAcked = new Promise((resolve) => {
    done = resolve;
  });

  // Consumer
  const consumerConnection = await connect('amqplib-smoke-consumer');
  const consumer = await consumerConnection.createChannel();
  await consumer.assertQueue(QUEUE, { durable: true });
  await consumer.purgeQueue(QUEUE);
  await consumer.prefetch(1);
  await consumer.consume(
    QUEUE,
    async (msg) => {
      if (msg === null) {
        problems.push('the consumer was cancelled by the broker');
        done();
        return;
      }
      unacked++;
      if (unacked > 1) {
        problems.push(`${unacked} unacknowledged deliveries with prefetch 1`);
      }
      const i = JSON.parse(msg.content.toString('utf8')).index;
      const { redelivered } = msg.fields;
      const props = msg.properties;
      if (!Number.isInteger(i) || i < 0 || i >= COUNT) problems.push(`unexpected body ${msg.content}`);
      if (props.deliveryMode !== 2) problems.push(`message ${i} lost its delivery mode: ${props.deliveryMode}`);
      if (props.contentType !== 'application/json' || props.headers?.index !== i) {
        problems.push(`message ${i} lost its properties: ${JSON.stringify(props)}`);
      }
      if (acked.has(i)) problems.push(`message ${i} delivered after it was acked`);
      if (nackedOnce(i) && !nacked.has(i)) {
        if (redelivered) problems.push(`message ${i} flagged redelivered on its first delivery`);
        nacked.add(i);
        unacked--;
        consumer.nack(msg, false, true);
        return;
      }
      if (nackedOnce(i) && !redelivered) problems.push(`nacked message ${i} came back without the redelivered flag`);
      if (!nackedOnce(i) && redelivered) problems.push(`message ${i} flagged redelivered though never nacked`);
      if (i === 0) {
        // prefetch 1: nothing else may arrive while this one is unacknowledged (checked by the counter above)
        await sleep(300);
      }
      acked.add(i);
      unacked--;
      consumer.ack(msg);
      if (acked.size === COUNT || problems.length > 0) done();
    },
    { noAck: false },
  );

  // Producer
  const producerConnection = await connect('amqplib-smoke-producer');
  const producer = await producerConnection.createConfirmChannel();
  await producer.assertQueue(QUEUE, { durable: true });
  for (let i = 0; i < COUNT; i++) {
    const body = Buffer.from(JSON.stringify({ index: i, text: `message ${i}` }));
    const options = { persistent: true, contentType: 'application/json', headers: { index: i } };
    if (!producer.sendToQueue(QUEUE, body, options)) {
      await new Promise((resolve) => producer.once('drain', resolve));
    }
  }
  await producer.waitForConfirms();

  await allAcked;
  if (problems.length > 0) fail(problems.slice(0, 5).join('; '));

  // the acks are asynchronous: the queue empties shortly after the last one
  let remaining = -1;
  for (let attempt = 0; attempt < 100; attempt++) {
    remaining = (await producer.checkQueue(QUEUE)).messageCount;
    if (remaining === 0) break;
    await sleep(50);
  }
  if (remaining !== 0) fail(`${remaining} messages left in ${QUEUE} after all were acked`);

  await producer.deleteQueue(QUEUE);
  await producerConnection.close();
  await consumerConnection.close();
  clearTimeout(timer);
  console.log(
    `amqplib smoke OK: ${COUNT} published with confirms, ${acked.size} acked, ${nacked.size} nacked and redelivered`,
  );
}

main().catch((e) => fail(`${e.name}: ${e.message}`));
