import davey from '@snazzah/davey';

/** davey's MediaType.AUDIO (an ambient const enum, not importable as a value). */
const AUDIO = 0 as davey.MediaType;
const SILENCE_FRAME = Buffer.from([0xf8, 0xff, 0xfe]);
/** Every DAVE-encrypted frame ends with the magic marker FA FA (DAVE protocol, frame format). */
const DAVE_MARKER = 0xfafa;

/**
 * What one member made of one frame the bot sent: `e2ee` encrypted end to end and decrypted; `passthrough` an
 * unencrypted frame it played (only in passthrough mode: a downgrade); `refused` an unencrypted frame it would not
 * play (DAVE is on and the member is not in passthrough); `undecryptable` an encrypted frame it had no key for;
 * `silence` the Opus silence frame, never encrypted. Only e2ee, passthrough and silence are heard.
 */
export type MemberFrameKind = 'e2ee' | 'passthrough' | 'refused' | 'undecryptable' | 'silence';

export interface MemberFrame {
  at: number;
  connectionId: number;
  sequence: number;
  kind: MemberFrameKind;
  /** Why the frame was undecryptable (davey's error), for test failure messages. */
  error?: string;
}

/**
 * A simulated member of a voice channel, a real DAVE participant as a Discord client is: it has its own davey
 * session, joins the MLS group through the fake's external sender, and decrypts what the bot sends.
 */
export class DaveMember {
  readonly frames: MemberFrame[] = [];
  session: davey.DAVESession;
  /** In the group the bot is in (welcomed or committed in). */
  inGroup = false;

  constructor(readonly userId: string, readonly channelId: string, readonly joinedAt: number, externalSender: Buffer) {
    this.session = new davey.DAVESession(1, userId, channelId);
    this.session.setExternalSender(externalSender);
  }

  /** A new session in waiting (the bot started a new group): the current one keeps decrypting until the welcome. */
  #next: davey.DAVESession | undefined;

  keyPackage(): Buffer {
    return (this.#next ?? this.session).getSerializedKeyPackage();
  }

  /** Starts over in a new group (the bot re-initialised); `passthrough` keeps playing unencrypted frames meanwhile. */
  restart(externalSender: Buffer, passthrough: boolean): void {
    this.#next?.reset();
    this.#next = new davey.DAVESession(1, this.userId, this.channelId);
    this.#next.setExternalSender(externalSender);
    this.inGroup = false;
    if (passthrough) this.session.setPassthroughMode(true, 10);
  }

  /** Joins the group with the committer's welcome (into the new session if one is waiting). */
  welcome(welcome: Buffer): void {
    const next = this.#next;
    if (next) {
      next.processWelcome(welcome);
      this.session.reset();
      this.session = next;
      this.#next = undefined;
    } else this.session.processWelcome(welcome);
    this.inGroup = true;
  }

  /**
   * What the member hears of a frame after the transport AEAD is removed: the Opus it plays, or undefined. davey
   * decides, as the receiving client's DAVE layer does: unencrypted media is refused unless in passthrough mode.
   */
  receive(botUserId: string, frame: Buffer, meta: { at: number; connectionId: number; sequence: number }): Buffer | undefined {
    if (frame.equals(SILENCE_FRAME)) {
      this.frames.push({ ...meta, kind: 'silence' });
      return frame;
    }
    const encrypted = frame.length >= 2 && frame.readUInt16BE(frame.length - 2) === DAVE_MARKER;
    try {
      const opus = this.session.decrypt(botUserId, AUDIO, frame);
      this.frames.push({ ...meta, kind: encrypted ? 'e2ee' : 'passthrough' });
      return opus;
    } catch (error) {
      this.frames.push({ ...meta, kind: encrypted ? 'undecryptable' : 'refused', error: error instanceof Error ? error.message : String(error) });
      return undefined;
    }
  }

  /** Counts of the member's frames by kind (optionally from a clock time on, or of one bot connection). */
  counts(filter: { from?: number; connectionId?: number } = {}): Record<MemberFrameKind, number> {
    const counts: Record<MemberFrameKind, number> = { e2ee: 0, passthrough: 0, refused: 0, undecryptable: 0, silence: 0 };
    for (const f of this.frames) {
      if (f.at >= (filter.from ?? -Infinity) && (filter.connectionId === undefined || f.connectionId === filter.connectionId)) counts[f.kind] += 1;
    }
    return counts;
  }

  close(): void {
    this.inGroup = false;
    this.#next?.reset();
    try {
      this.session.reset();
    } catch {
      // a session already reset has nothing left to free
    }
  }
}
