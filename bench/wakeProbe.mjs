// One measurement for bench/wakeCost.ts, in a process of its own: the CPU a Node process spends waking every
// 20 ms (as @discordjs/voice's audio cycle does), with nothing else to do, and with one UDP packet to send each time.
// argv: mode ('idle' | 'tick' | 'tick+udp'), seconds. Prints {"cpuMs": n} on stdout.
import { fork } from 'node:child_process';
import dgram from 'node:dgram';
import { Buffer } from 'node:buffer';
import process from 'node:process';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

const [mode = 'tick', secondsArg = '5'] = process.argv.slice(2);
if (mode === 'receiver') {
  // The far end of the UDP packets, in another process as the fake voice server is.
  const socket = dgram.createSocket('udp4');
  socket.on('message', () => undefined);
  socket.bind(0, '127.0.0.1', () => process.send?.(socket.address().port));
  process.on('disconnect', () => socket.close());
} else {
  const seconds = Number(secondsArg);
  let receiver;
  let port = 0;
  if (mode === 'tick+udp') {
    receiver = fork(fileURLToPath(import.meta.url), ['receiver'], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    port = await new Promise((resolve) => receiver.once('message', resolve));
  }
  const socket = mode === 'tick+udp' ? dgram.createSocket('udp4') : undefined;
  const packet = Buffer.alloc(160, 1); // about one 20 ms Opus packet
  await sleep(300);
  const before = process.cpuUsage();
  if (mode === 'idle') await sleep(seconds * 1000);
  else {
    for (let i = 0; i < seconds * 50; i++) {
      socket?.send(packet, port, '127.0.0.1');
      await sleep(20);
    }
  }
  const used = process.cpuUsage(before);
  socket?.close();
  receiver?.disconnect();
  process.stdout.write(`${JSON.stringify({ cpuMs: (used.user + used.system) / 1000 })}\n`);
}
