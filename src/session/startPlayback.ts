import { AudioPlayerStatus, type AudioPlayer, type AudioResource } from '@discordjs/voice';

/** How speech starts from an idle player (see startPlayback). */
export interface PlaybackTimings {
  /**
   * Held between an utterance's first packet arriving and going out: a playout buffer, so the next chunk arrives
   * before the player (which prepares each packet one 20 ms cycle ahead) runs out of the last one. In the session
   * timings this is the floor (15 ms: enough when MiniMax streams faster than real time); each utterance gets what
   * PlayoutDelay has learned from MiniMax's pacing.
   */
  playoutDelayMs: number;
  /** Packets buffered behind the first before the player takes over (they come a few at a time from a worker). */
  cushionPackets: number;
  /** The longest wait for that cushion: a short utterance may have fewer packets. */
  cushionWaitMs: number;
}

export const DEFAULT_PLAYBACK_TIMINGS: PlaybackTimings = { playoutDelayMs: 15, cushionPackets: 2, cushionWaitMs: 40 };

export interface PlaybackDeps {
  player: AudioPlayer;
  /** Sends one packet at once; false when the voice connection is not ready (nothing sent). */
  sendNow: (packet: Buffer) => boolean;
  /** Whether the voice connection is ready. */
  ready: () => boolean;
  /** Whether this resource is still the one to play (not skipped, the session not over). */
  current: () => boolean;
  /** The resource closed before the player took it; `heard` says whether any of it was sent. */
  endedEarly: (heard: boolean) => void;
  timings: PlaybackTimings;
}

/**
 * Plays `resource` on the player once its first packet exists. When the player is idle, that first packet is
 * sent by itself after the playout delay, instead of at the player's next cycle and a cycle later (20 to 40 ms),
 * and the player goes on from the second packet once a cushion is buffered. Behind a playing resource (the
 * silent tail) the player keeps its own order. Every wait has a deadline; none outlives the resource.
 */
export function startPlayback(resource: AudioResource, deps: PlaybackDeps): void {
  if (resource.started) {
    deps.player.play(resource);
    return;
  }
  const stream = resource.playStream;
  whenReadable(stream, Infinity, () => {
    if (!deps.current()) return;
    // Closed before any packet (failed, skipped): there is nothing to play, only to settle.
    if (resource.ended) deps.endedEarly(false);
    else if (deps.player.state.status !== AudioPlayerStatus.Idle || !deps.ready()) deps.player.play(resource);
    else setTimeout(() => sendFirst(resource, deps), deps.timings.playoutDelayMs);
  });
}

function sendFirst(resource: AudioResource, deps: PlaybackDeps): void {
  if (!deps.current()) return;
  if (resource.ended) return deps.endedEarly(false);
  const stream = resource.playStream;
  const first = deps.player.state.status === AudioPlayerStatus.Idle && deps.ready() ? resource.read() : null;
  const sent = first !== null && deps.sendNow(first);
  if (first && !sent) stream.unshift(first); // not ready after all: the player sends it
  const { cushionPackets, cushionWaitMs } = deps.timings;
  if (!sent || stream.readableLength >= cushionPackets) {
    deps.player.play(resource);
    return;
  }
  // Started with fewer, the player would send a silence frame whenever the next packet is a moment late.
  whenReadable(stream, cushionWaitMs, () => {
    if (!deps.current()) return;
    if (resource.ended) deps.endedEarly(true);
    else deps.player.play(resource);
  }, () => stream.readableLength >= cushionPackets);
}

/**
 * Calls `then` once, when `stream` becomes readable and `enough()` holds, or it closes, or `deadlineMs` passes.
 */
function whenReadable(stream: AudioResource['playStream'], deadlineMs: number, then: () => void, enough: () => boolean = () => true): void {
  let timer: NodeJS.Timeout | undefined;
  const done = (force: boolean): void => {
    if (!force && !enough() && !stream.destroyed) return;
    if (timer) clearTimeout(timer);
    stream.off('readable', onReadable);
    stream.off('close', onClose);
    then();
  };
  const onReadable = (): void => done(false);
  const onClose = (): void => done(true);
  if (Number.isFinite(deadlineMs)) timer = setTimeout(() => done(true), deadlineMs);
  stream.on('readable', onReadable);
  stream.on('close', onClose);
}
