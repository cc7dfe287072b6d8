import davey from '@snazzah/davey';

/** davey's MediaType.AUDIO (an ambient const enum, not importable as a value). */
const AUDIO = 0 as davey.MediaType;
const SILENCE_FRAME = Buffer.from([0xf8, 0xff, 0xfe]);
/** Every DAVE-encrypted frame ends with the magic marker FA FA (DAVE protocol, frame format). */
const DAVE_MARKER = 0xfafa;

/**
 * What one member made of one frame the bot sent: `e2ee` decrypted end to end, `passthrough` an unencrypted
 * frame the member played, `undecryptable` a frame it could not use (not heard), `silence` the Opus silence frame
 * (never encrypted).
 */
export type MemberFrameKind = 'e2ee' | 'passthrough' | 'undecryptable' | 'silence';

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

  keyPackage(): Buffer {
    return this.session.getSerializedKeyPackage();
  }

  /**
   * What the member hears of a frame after the transport AEAD is removed: the Opus it plays, or undefined. A member
   * without a group plays unencrypted frames (nothing to decrypt with); a member in the group asks davey, which
   * refuses unencrypted frames unless in passthrough (a transition or a downgrade).
   */
  receive(botUserId: string, frame: Buffer, meta: { at: number; connectionId: number; sequence: number }): Buffer | undefined {
    if (frame.equals(SILENCE_FRAME)) {
      this.frames.push({ ...meta, kind: 'silence' });
      return frame;
    }
    const marked = frame.length >= 2 && frame.readUInt16BE(frame.length - 2) === DAVE_MARKER;
    if (!this.session.ready && !marked) {
      this.frames.push({ ...meta, kind: 'passthrough' });
      return frame;
    }
    try {
      const opus = this.session.decrypt(botUserId, AUDIO, frame);
      this.frames.push({ ...meta, kind: marked ? 'e2ee' : 'passthrough' });
      return opus;
    } catch (error) {
      this.frames.push({ ...meta, kind: 'undecryptable', error: error instanceof Error ? error.message : String(error) });
      return undefined;
    }
  }

  /** Counts of the member's frames by kind (optionally from a clock time on). */
  counts(from = -Infinity): Record<MemberFrameKind, number> {
    const counts: Record<MemberFrameKind, number> = { e2ee: 0, passthrough: 0, undecryptable: 0, silence: 0 };
    for (const f of this.frames) if (f.at >= from) counts[f.kind] += 1;
    return counts;
  }

  close(): void {
    this.inGroup = false;
    try {
      this.session.reset();
    } catch {
      // a session already reset has nothing left to free
    }
  }
}
