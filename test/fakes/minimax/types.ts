/**
 * Options, fault controls and records of the fake MiniMax T2A server. Every behaviour the public docs leave
 * UNCONFIRMED (shared/docs/minimax-t2a.md) is an option here, so the client can be tested against each.
 */

/** How a status code that does not end the task (2203..2205, or an injected one) is sent. */
export type StatusFrameMode =
  /** `task_failed`, then the server closes the socket. */
  | 'task_failed'
  /** `task_failed`, and the socket stays open (the text is skipped, the rest goes on). */
  | 'task_failed_open'
  /** A `task_continued` frame carrying the status in base_resp; the socket stays open. */
  | 'continued';

export interface StatusFault {
  code: number;
  /** How many times it fires (each firing decrements it). */
  times: number;
  msg?: string;
  /** How it is sent (task_continue faults only; task_start failures always close). Default 'task_failed'. */
  frame?: StatusFrameMode;
  /** task_continue only: fire mid-stream, after this many audio chunks of the text (default: on receipt). */
  atChunk?: number;
}

export interface ChunkFault {
  /** How many times it fires. */
  times: number;
  /** Before which audio chunk of the text it happens (0 = before the first). Default 0. */
  atChunk?: number;
}

export interface DropFault {
  /** Drop (TCP reset, no close frame) after this many audio chunks of the text (0 = before any audio). */
  chunks: number;
  /** Only the Nth text the server received (1-based, counted over the server's life); default any text. */
  utterance?: number;
  /** How many times it fires when `utterance` is not given. Default 1. */
  times?: number;
}

/** Faults: settable per test and changeable while the server runs (FakeMiniMax.configure / .faults). */
export interface FakeFaults {
  taskStartStatus?: StatusFault;
  taskContinueStatus?: StatusFault;
  dropAfterChunks?: DropFault;
  malformedJson?: ChunkFault;
  badHex?: ChunkFault & { kind?: 'odd' | 'nonhex' };
  /** MiniMax falling behind: waits `ms` before the chunk, then goes on at its pace from there. */
  stall?: ChunkFault & { ms: number };
}

export interface FakeVoice {
  voice_id: string;
  voice_name: string;
  description?: string[];
}

export interface FakeMiniMaxOptions {
  host?: string;
  /** 0 (default) = a random free port. */
  port?: number;
  /** Expected API key; undefined = any non-empty Bearer key is accepted. */
  apiKey?: string | undefined;
  /** How a wrong key fails: HTTP 401 on the upgrade, or connected_success then task_failed on task_start. */
  badKey?: 'http401' | 'task_failed';
  /** Status code for a wrong key in 'task_failed' mode (1004 or 2049). Default 1004. */
  badKeyCode?: number;
  /** Audio duration per character of text (default 60 ms), at least minAudioMs (default 300). */
  msPerChar?: number;
  minAudioMs?: number;
  /** Length of the pre-made clip that utterances are cut from (default 12 000 ms): the longest utterance. */
  maxAudioMs?: number;
  /**
   * Bytes of MP3 per task_continued frame (default 4096). Opus is sent in frames holding the same audio time
   * as that many bytes of 128 kbps MP3 (256 ms by default), cut at any byte, across Ogg pages.
   */
  chunkBytes?: number;
  /**
   * For `audio_setting.format` "opus": the libopus frame length (ms) of the Ogg Opus the fake sends (default 20).
   * UNCONFIRMED what MiniMax uses, and that it sends Ogg at all: the protocol notes list the format only.
   */
  opusFrameMs?: number;
  /** Delay before a text's first audio frame (default 0). */
  firstChunkMs?: number;
  /** Pacing: 1 = audio sent in real time, 0 = as fast as possible (default 0). */
  realtimeFactor?: number;
  /** The final frame: carries the tail audio ('tail'), `data: null` ('null') or `data.audio: ''` ('empty'). */
  finalFrame?: 'tail' | 'null' | 'empty';
  /** Which frames carry extra_info. Default 'final'. */
  extraInfoOn?: 'final' | 'first' | 'every' | 'none';
  /** usage_characters reported per character of text (default 1; MiniMax may count some characters double). */
  usagePerChar?: number;
  /** Adds unknown fields to every message and unknown events between frames. */
  unknownFields?: boolean;
  /** How 2203 (empty text), 2204 (too long) and 2205 (queue full) are sent. Default 'task_failed'. */
  skipErrors?: StatusFrameMode;
  /** More texts waiting than this -> 2205. Default unlimited. */
  maxQueued?: number;
  /** Tasks started at once (over all connections) beyond this: task_start fails with 1041. Default unlimited. */
  maxTasks?: number;
  /** If set, task_start with a voice_id not in this list fails with 2054. */
  knownVoices?: readonly string[] | undefined;
  /** Closes a connection idle this long with a 2201 task_failed (default 120 000). */
  idleCloseMs?: number;
  /** Delay before connected_success (default 0). */
  connectedDelayMs?: number;
  /**
   * What the audio says: 'tone' (default) a speech-like hum cut to msPerChar per character; 'espeak' the text's
   * words, spoken by espeak-ng (MP3 only, the length the words take; the tone when espeak-ng is not installed).
   */
  speech?: 'tone' | 'espeak';
  /** Served by POST /v1/get_voice. */
  voices?: FakeVoice[];
  faults?: FakeFaults;
}

export type FakeConfig = Required<Omit<FakeMiniMaxOptions, 'apiKey' | 'knownVoices' | 'maxQueued' | 'maxTasks'>> & {
  apiKey: string | undefined;
  knownVoices: readonly string[] | undefined;
  maxQueued: number;
  maxTasks: number;
};

/** A client message as received. */
export interface RecordedEvent {
  at: number;
  event: string;
  /** The parsed JSON (undefined if it was not JSON). */
  body: Record<string, unknown> | undefined;
}

/** A server message as sent (audio summarized). */
export interface SentFrame {
  at: number;
  event: string;
  statusCode: number;
  isFinal?: boolean;
  audioBytes?: number;
  /** Raw text of deliberately malformed frames. */
  raw?: string;
}

export interface RecordedConnection {
  id: number;
  /** The Authorization header as received. */
  authorization: string | undefined;
  path: string;
  /** False when the upgrade was refused (HTTP 401). */
  accepted: boolean;
  received: RecordedEvent[];
  sent: SentFrame[];
  closed: boolean;
  closedBy?: 'client' | 'server' | 'drop';
}

export interface VoiceRequest {
  authorization: string | undefined;
  body: unknown;
}
