/** Assembles the benchmark's markdown report from whichever parts ran. */
import type { E2eBenchResult } from './e2e.js';
import { e2eMarkdown } from './e2eReport.js';
import type { LoadBenchResult } from './load.js';
import { loadMarkdown } from './loadReport.js';
import { fidelityMarkdown, type FidelityResult } from './fidelity.js';
import { machineLine } from './machine.js';
import { opusCostMarkdown, type OpusCostRow } from './opusCost.js';
import type { PipelineBenchResult } from './pipeline.js';
import type { ScaleBenchResult } from './scale.js';
import { scaleMarkdown } from './scaleReport.js';
import { judgeTargets, targetsMarkdown } from './targets.js';
import { wakeCostMarkdown, type WakeCostRow } from './wakeCost.js';

export interface BenchReportInput {
  mode: 'full' | 'quick';
  seconds: number;
  e2e?: E2eBenchResult | undefined;
  load?: LoadBenchResult | undefined;
  pipeline?: PipelineBenchResult | undefined;
  opusCost?: OpusCostRow[] | undefined;
  wakeCost?: WakeCostRow[] | undefined;
  fidelity?: FidelityResult | undefined;
  scale?: ScaleBenchResult | undefined;
  date?: Date;
}

const METHOD = [
  '## How each figure is measured',
  '',
  '- The fakes (FakeMiniMax, FakeDiscord with its voice gateway and UDP server) run in a child process (bench/fakeServers.ts),',
  '  driven over IPC; the bot runs unmodified (startBot) in the measuring process. Both processes stamp events with',
  '  `performance.timeOrigin + performance.now()`; the offset between them is estimated from the fastest of 15 IPC',
  '  round trips and corrected for (it is printed below the end-to-end table and is normally well under 1 ms).',
  '- "First MP3 message at the bot": the WebSocket factory given to createSynthesizer (dependency injection) opens the',
  "  usual `ws` socket and registers a listener before the T2A client's own, which stamps every message carrying audio.",
  '- "First voice packet": the arrival, at the fake voice server, of the first RTP packet whose Opus payload is not the',
  '  3-byte silence frame, after decryption.',
  '- End to end: from the moment the fake gateway dispatched INTERACTION_CREATE for /speak. Cold: the bot has left the',
  '  channel and every T2A socket is closed (checked at the fakes) before the run; warm: the run right after another.',
  '  Texts are unique per run, so the audio cache never answers.',
  '- Handshakes (cold runs): voice join = op 4 received -> voice session description sent (fake clock); T2A connect =',
  '  socket created -> task_started received (bot clock).',
  '- Back-to-back: two /speak in a row; over the voice frames from the first of A to the last of B, silence frames',
  '  are counted, and the time beyond a continuous stream is the median offset of the last 10 frames from their',
  '  20 ms grid slots minus that of the first 10 (robust to jitter; includes any underrun inside A or B).',
  '- Skip: /speak a message of 12 s of audio (MiniMax at real time), /speak a short one, then /skip through the fake',
  '  gateway 2 s (+ 0..20 ms) after the first packet, while the first is still being synthesized. Every fake text is',
  '  cut from the start of one clip and each message has a fresh encoder, so the next message begins with the same',
  '  Opus packets as the skipped one: its start is the first run of 5 packets, at or after the skip, equal to the',
  "  skipped message's first 5 (payload digests at the voice server); the voice packets before it are the skipped",
  "  message's. Its uninterrupted stream ends at the first pause over 60 ms (negative: its last packet went out before",
  '  the dispatch and the next was held back); a packet of it after that pause is stale: the player had prepared it',
  '  before the skip, and the voice connection sends it when the player plays again. All times are on the fakes\'',
  '  clock, from the dispatch of /skip. The next message went to MiniMax when it was queued, on the same task behind',
  '  the long text, whose socket the skip closes, so it is synthesized again on a new one.',
  '- Underruns: silence frames the player inserted between two voice frames of one utterance (it had no packet),',
  '  and breaks where a frame arrived more than 200 ms (a jitter buffer) behind the 20 ms schedule.',
  '- CPU per stream: `process.cpuUsage()` of the bot process from the first enqueue to the last item finished,',
  '  divided by the audio heard (voice frames x 20 ms). Memory per speaking guild: (peak RSS sampled every 100 ms',
  '  - RSS after warm-up and GC, before any join) / guilds: an upper bound (garbage not yet collected counts).',
  '  Joined-silent and idle guilds: growth of heap + external after a forced GC, per guild. "Speaking adds" is',
  '  the CPU per stream less what the process spends with every guild joined and silent (measured for 2 s before).',
  '  At 1 guild the cost per stream includes the fixed price of waking 50 times a second for one stream.',
  '- Load pacing is 0.8 x real time: at exactly real time a message runs dry at chunk boundaries unless the playout',
  '  delay is ~100 ms (each 4 KB chunk arrives as the audio before it runs out, less the MP3 and Opus frames still',
  '  being assembled, and the player prepares each packet one 20 ms cycle ahead); the delay is learned, so a load',
  '  step at real time would measure that learning, not what load adds. Every guild starts at the same moment.',
  '  Underruns are listed with when they came (ms into the guild\'s audio): at 0.8 x the tightest point is the first',
  '  chunk boundary (~200-300 ms in), where every guild\'s second chunk reaches the transcoding worker at once.',
  '  After them, how long the bot had held the MiniMax chunk with each missing frame\'s audio when that frame was due',
  '  (least and most, ms; the chunk is taken 80 ms further on, for the MP3 priming and the frames being assembled):',
  '  near 0 or below, MiniMax (the fake, sharing the 2 cores) was late; well above, the bot had the audio in time.',
  '- Two voices taking turns: warm /speak runs alternating between the server\'s voice and another, as members with',
  '  voices of their own do. Each voice keeps a warm T2A task, so a turn waits for no connection; the connections the',
  '  bot opened during the runs are counted. On loopback a connection costs ~15 ms; in production, round trips.',
  '- The bot holds an utterance\'s first packet for the playout delay (learned: 15 ms when MiniMax streams faster',
  '  than real time, up to 100 ms at real time) and then sends it by itself, not on the player\'s cycle: bot-added',
  '  latency is that delay plus decoding, where the player alone would add 20-40 ms.',
  '- Lost packets: after the bot stalls, its players catch up in bursts that overflow even a 4 MB socket buffer at',
  '  the fake voice server: the listener would have lost or discarded them as far too late.',
  '- Back-to-back "time beyond a continuous stream" of about -20 ms: when the only playing player goes idle and gets',
  "  the next resource in the same tick, @discordjs/voice restarts its global 20 ms cycle, so one packet leaves a tick",
  '  early. No silence, no gap; the listener buffers it.',
  '- Each end-to-end run draws the fake\'s first-chunk delay from 250 +- 10 ms, as a real server\'s varies: with a',
  "  fixed delay the bot's 20 ms player tick would be hit at the same phase every time.",
  '',
].join('\n');

function pipelineSection(r: PipelineBenchResult): string {
  const body = r.markdown
    .split('\n')
    .filter((line) => !line.startsWith('# ') && !line.startsWith('Machine:'))
    .join('\n')
    .trim();
  return ['## Audio pipeline alone (bench/pipeline.ts)', '', body, ''].join('\n');
}

export function benchMarkdown(input: BenchReportInput): string {
  const date = input.date ?? new Date();
  const parts = [
    '# Parrot benchmark',
    '',
    `Machine: ${machineLine(date)}.`,
    `Run: \`npm run bench${input.mode === 'quick' ? ' -- --quick' : ''}\`, ${date.toISOString()}, ${Math.round(input.seconds)} s.`,
    'The machine may be shared with other work: timings and CPU are noisy; re-run for final numbers.',
    '',
  ];
  // The targets and the method below are those of the end-to-end and load parts: noise in a report without them.
  const judged = input.e2e !== undefined || input.load !== undefined;
  if (judged) parts.push(targetsMarkdown(judgeTargets(input.e2e, input.load)));
  if (input.e2e) {
    parts.push(e2eMarkdown(input.e2e));
    parts.push(`Clock offset between the processes: ${input.e2e.clockOffsetMs.toFixed(3)} ms.`
      + `${input.e2e.botLogs.length ? ` The bot logged ${input.e2e.botLogs.length} warnings/errors, first: ${input.e2e.botLogs[0]}` : ''}`, '');
  }
  if (input.load) parts.push(loadMarkdown(input.load));
  if (input.wakeCost) parts.push(wakeCostMarkdown(input.wakeCost));
  if (input.pipeline) parts.push(pipelineSection(input.pipeline));
  if (input.opusCost) parts.push(opusCostMarkdown(input.opusCost));
  if (input.fidelity) parts.push(fidelityMarkdown(input.fidelity));
  if (input.scale) parts.push(scaleMarkdown(input.scale));
  if (judged) parts.push(METHOD);
  return parts.join('\n');
}
